"""A full disk, on SQLite and PostgreSQL, as the operator meets it through `kpt`: the write that
finds no room is refused with exit 3 and the Spanish `disco_lleno` message (never a traceback),
it leaves nothing half-written (no plan version, event, row or temporary file), everything
acknowledged before is still there, and once space is freed the same command goes through.

Two ways to fill a disk: RLIMIT_FSIZE on the `kpt` process (files it writes cannot grow: the
SQLite file and its WAL, and the document store on either database), which needs no privilege;
and a real filesystem of a few MB, filled to the last byte, holding the SQLite file or the
PostgreSQL server's tables (a tablespace), which needs root to mount it and is skipped elsewhere.
PostgreSQL's WAL stays on its own disk: a full WAL disk stops the server (PANIC), which is the
server's own failure to report, not a write kpt can refuse."""

import errno
import os
import pwd
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from kpt_workflow.audit.verify import verify
from kpt_workflow.storage import event_log

from kpt_workflow import services
from kpt_workflow.services.access import operator
from kpt_workflow.storage.db import make_engine
from kpt_workflow.storage.failures import failure_code
from kpt_workflow.storage.tables import Entity, Plan
from kpt_workflow.storage.repository import plan_record
from kpt_workflow.services.sample import minimal_pdf
from kpt_workflow.storage.unit_of_work import UnitOfWork

FULL_DISK = "Error [disco_lleno]: No queda espacio en el disco"
FREE_SOME = "Libere espacio en el disco de la base y de la carpeta de datos y repita; nada se registró."


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _counts(engine: Engine) -> tuple[int, int]:
    """(plans, events): a refused write must leave both as they were."""
    with engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(Plan)).scalar_one(),
                conn.execute(select(func.count()).select_from(event_log.EVENTS)).scalar_one())


def _version(engine: Engine, plan_id: str) -> int:
    with UnitOfWork(engine) as uow:
        return plan_record(uow.connection, plan_id).version


def _chain_holds(engine: Engine) -> int:
    with engine.connect() as conn:
        report = verify(conn)
    assert report.ok, report.problem
    return report.events


def _kpt_with_file_limit(url: str, data_dir: Path, limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    """`kpt ARGS…` in a process whose files cannot grow past `limit` bytes: a disk that is full."""

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "KPT_DATABASE_URL": url, "KPT_DATA_DIR": str(data_dir)}
    done = subprocess.run([sys.executable, "-c", "from cli import main; main()", *args], env=env,
                          preexec_fn=limited, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stdout + done.stderr
    return done


def test_a_full_disk_under_the_sqlite_file_loses_nothing_acknowledged(engine, kpt_on, tmp_path):
    if engine.dialect.name != "sqlite":
        pytest.skip("the file size limit binds this process's writes, not the PostgreSQL server's")
    code, said = kpt_on(_url(engine), "plan", "create", "05001", "--period", "2024")
    assert code == 0, said
    before = _chain_holds(engine)
    engine.dispose()  # the WAL folded into the file: the next write has to grow a file again
    failed = _kpt_with_file_limit(_url(engine), tmp_path / "data", 4096, "plan", "create", "08001", "--period", "2024")
    assert failed.returncode == 3, failed.stderr
    assert FULL_DISK in failed.stderr and FREE_SOME in failed.stderr
    assert _counts(engine) == (1, before) and _chain_holds(engine) == before


def test_a_document_whose_file_finds_no_room_is_not_filed(engine, blobs, new_plan, file_doc, kpt_on, tmp_path):
    """The document store is the process's own disk on either database: the file is written before
    the event, so a full disk refuses the filing before the database is touched."""
    plan_id = new_plan("05001")
    kept = file_doc(plan_id, "formato_empalme_01")
    before = _version(engine, plan_id), _counts(engine)
    acta = tmp_path / "acta.pdf"
    acta.write_bytes(minimal_pdf("x" * 512 * 1024))
    engine.dispose()  # on SQLite, the WAL folded into the file: only the document has to grow a file
    filing = ("doc", "file", plan_id, "formato_empalme_02", str(acta), "--fecha", "2023-12-15")
    failed = _kpt_with_file_limit(_url(engine), blobs.root, 256 * 1024, *filing)
    assert failed.returncode == 3, failed.stderr
    assert FULL_DISK in failed.stderr and "Causa: archivo demasiado grande" in failed.stderr
    assert FREE_SOME in failed.stderr
    assert (_version(engine, plan_id), _counts(engine)) == before
    assert [path.name for path in blobs.folder.rglob("*") if path.is_file()] == [kept["sha256"]]  # no temp file
    code, said = kpt_on(_url(engine), "audit", "verify")
    assert code == 0 and "Documentos íntegros" in said, said
    code, said = kpt_on(_url(engine), *filing)  # room again: the same command goes through
    assert code == 0 and "«Formato de empalme 02 (Kit de Empalme DNP; nombre oficial por confirmar)», versión 1" in said, said


class SmallDisk(NamedTuple):
    engine: Engine  # whose data lives on the small filesystem
    folder: Path  # where it is mounted


def _unmount(folder: Path) -> None:
    """Unmount at once; a handle still open (an engine not yet collected) only delays the release."""
    if os.path.ismount(folder):
        subprocess.run(["umount", "--lazy", str(folder)], check=True)


@contextmanager
def _tmpfs(size: str, owner: str) -> Iterator[Path]:
    """A tmpfs of `size` in the temporary folder (where the PostgreSQL server's user may reach it),
    owned by the system user `owner`."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small filesystem needs root (and the mount program)")
    try:
        user = pwd.getpwnam(owner)
    except KeyError:
        pytest.skip(f"no system user {owner} here: the server that would write the files runs elsewhere")
    folder = Path(tempfile.mkdtemp(prefix="kpt-disco-"))
    folder.chmod(0o755)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700,uid={user.pw_uid},gid={user.pw_gid}",
                              "tmpfs", str(folder)], capture_output=True, text=True)
    try:
        if mounted.returncode != 0:
            pytest.skip(f"no small filesystem can be mounted here: {mounted.stderr.strip()}")
        yield folder
    finally:
        _unmount(folder)
        folder.rmdir()


@contextmanager
def _tablespace_in(engine: Engine, folder: Path) -> Iterator[None]:
    """Every table and index of the test database in a tablespace in `folder` while the test runs
    (the system catalogs stay where they are), back in the default one afterwards."""
    name = f"{engine.url.database}_disco"
    with _autocommit(engine) as conn:
        conn.execute(text(f'DROP TABLESPACE IF EXISTS "{name}"'))  # one a killed run left behind, emptied since
        try:
            conn.execute(text(f"CREATE TABLESPACE \"{name}\" LOCATION '{folder}'"))
        except DBAPIError as exc:
            pytest.skip(f"the PostgreSQL server cannot use {folder} (is it on another machine?): {exc.orig}")
    try:
        _move_everything(engine, "pg_default", name)
        yield
    finally:
        _move_everything(engine, name, "pg_default")
        with _autocommit(engine) as conn:
            conn.execute(text(f'DROP TABLESPACE "{name}"'))


@contextmanager
def _autocommit(engine: Engine) -> Iterator[Connection]:
    """CREATE and DROP TABLESPACE run outside a transaction."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        yield conn


def _move_everything(engine: Engine, source: str, target: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '10s'"))
        for kind in ("TABLE", "INDEX"):
            conn.execute(text(f'ALTER {kind} ALL IN TABLESPACE "{source}" SET TABLESPACE "{target}"'))


@pytest.fixture
def small_disk(engine: Engine) -> Iterator[SmallDisk]:
    """The test database on a small filesystem, filled up by the test: the SQLite file (and its WAL)
    on 16 MB, or the PostgreSQL server's tables and indexes (its WAL and catalogs stay on their own
    disk) on 64 MB: the reference data, its indexes and what earlier tests left in those tables (not
    truncated between tests) may pass 16 MB, and the move would fail before the test began."""
    if engine.dialect.name == "sqlite":
        with _tmpfs("16m", "root") as folder:
            engine.dispose()
            shutil.copy(str(engine.url.database), folder / "kpt.db")
            on_it = make_engine(f"sqlite:///{folder / 'kpt.db'}")
            try:
                yield SmallDisk(on_it, folder)
            finally:
                on_it.dispose()
        return
    with _tmpfs("64m", "postgres") as folder, _tablespace_in(engine, folder):
        yield SmallDisk(engine, folder)


def _fill(folder: Path) -> Path:
    """Write zeros into a file in `folder` until the filesystem has not one byte left."""
    filler = folder / "relleno"
    with filler.open("wb", buffering=0) as handle:
        for chunk in (bytes(1 << 20), bytes(4096), bytes(1)):
            try:
                while handle.write(chunk):
                    pass
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    return filler


def _create_plan(engine: Engine, entity_code: str) -> bool:
    """Whether the plan was created and acknowledged; False when the disk refused it."""
    try:
        with UnitOfWork(engine, write=True) as uow:
            services.create_plan(uow, entity_code=entity_code, period=2024, actor=operator("carga"))
        return True
    except Exception as exc:  # the driver's own error: the recorder writes through its cursor
        if failure_code(exc) != "disco_lleno":
            raise
        return False


def test_a_full_filesystem_refuses_the_write_it_has_no_room_for_and_keeps_every_acknowledged_one(small_disk,
                                                                                                 kpt_on):
    engine, folder = small_disk
    with engine.connect() as conn:
        codes = iter(conn.execute(select(Entity.code).where(Entity.plans_own_pdt).order_by(Entity.code)).scalars())
    acknowledged = [next(codes), next(codes)]
    assert all(_create_plan(engine, code) for code in acknowledged)
    filler = _fill(folder)
    while _create_plan(engine, code := next(codes)):  # the pages already there fill up first
        acknowledged.append(code)
    before = _counts(engine)
    refused = ("plan", "create", code, "--period", "2024")
    status, said = kpt_on(_url(engine), *refused)
    assert status == 3 and FULL_DISK in said and FREE_SOME in said, said
    assert _counts(engine) == before == (len(acknowledged), len(acknowledged))
    with engine.connect() as conn:
        assert set(conn.execute(select(Plan.entity_code)).scalars()) == set(acknowledged)
    assert _chain_holds(engine) == len(acknowledged)
    filler.unlink()
    status, said = kpt_on(_url(engine), *refused)
    assert status == 0, said
    assert _counts(engine) == (len(acknowledged) + 1, len(acknowledged) + 1)
