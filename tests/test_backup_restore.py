"""`kpt backup` and `kpt restore`, on SQLite and PostgreSQL: a copy taken under write load holds
every change acknowledged before it began; a restore is verified; checkpoints signed before the
backup still pass, a later one says how many events are missing, until a signed rebaseline
supersedes it."""

import json
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, select, text

from in_process import run_kpt
from kpt_workflow import services
from kpt_workflow.services.access import operator
from kpt_workflow.services.backup import BackupRefused, backup
from kpt_workflow.audit.checkpoints import generate_keys
from kpt_workflow.base.config import Settings
from kpt_workflow.storage.db import make_engine
from kpt_workflow.services.manifest import Manifest
from kpt_workflow.storage.tables import Entity, Plan
from kpt_workflow.services.restore import restore
from kpt_workflow.storage.unit_of_work import UnitOfWork

Run = Callable[..., tuple[int, str]]


@pytest.fixture
def source(engine: Engine, tmp_path: Path) -> Settings:
    """The settings of the test's database, with its data folder (the `blobs` fixture's)."""
    if engine.dialect.name == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump y pg_restore no están instalados (paquete postgresql-client)")
    return Settings(database_url=_url(engine), data_dir=tmp_path / "data")


@pytest.fixture
def target(engine: Engine, tmp_path: Path) -> Iterator[Settings]:
    """A place to restore into that does not exist yet: a new file, or a new PostgreSQL database
    (dropped afterwards)."""
    if engine.dialect.name == "sqlite":
        yield Settings(database_url=f"sqlite:///{tmp_path / 'restaurada' / 'kpt.db'}", data_dir=tmp_path / "datos2")
        return
    url = engine.url.set(database=f"{engine.url.database}_restaurada")
    _drop(url.render_as_string(hide_password=False))
    yield Settings(database_url=url.render_as_string(hide_password=False), data_dir=tmp_path / "datos2")
    _drop(url.render_as_string(hide_password=False))


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _drop(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def kpt(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Run:
    """`kpt ARGS…` in-process against `settings`; returns (exit code, stdout + stderr)."""
    monkeypatch.chdir(tmp_path)

    def run(settings: Settings, *args: str) -> tuple[int, str]:
        monkeypatch.setenv("KPT_DATABASE_URL", settings.database_url)
        monkeypatch.setenv("KPT_DATA_DIR", str(settings.data_dir))
        code, out, err = run_kpt(capsys, args)
        return code, out + err

    return run


def _entities(engine: Engine, count: int) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(Entity.code).where(Entity.plans_own_pdt).order_by(Entity.code).limit(count))
                    .scalars())


def _plans(settings: Settings) -> set[str]:
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            return set(conn.execute(select(Plan.id)).scalars())
    finally:
        engine.dispose()


def test_a_backup_under_write_load_holds_every_change_acknowledged_before_it_started(engine, source, target, new_plan,
                                                                                   file_doc):
    file_doc(new_plan(), "programa_gobierno")
    codes = iter([code for code in _entities(engine, 400) if code != "05001"])
    acknowledged: list[str] = []
    waits: list[float] = []
    enough, stop = threading.Event(), threading.Event()

    def writer() -> None:
        try:
            _write(codes)
        finally:
            enough.set()  # also when it failed: the test must not wait for it

    def _write(codes: Iterator[str]) -> None:
        for code in codes:
            if stop.is_set():
                return
            started = time.perf_counter()
            with UnitOfWork(engine, write=True) as uow:
                plan = services.create_plan(uow, entity_code=code, period=2024, actor=operator("carga"))
            waits.append(time.perf_counter() - started)
            acknowledged.append(str(plan["id"]))
            if len(acknowledged) >= 5:
                enough.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        enough.wait()
        assert len(acknowledged) >= 5
        before = set(acknowledged)
        manifest = backup(source, source.data_dir.parent / "respaldo")
        during = len(acknowledged) - len(before)
    finally:
        stop.set()
        thread.join()
    restored = restore(target, source.data_dir.parent / "respaldo")
    assert restored.ok, restored.problems
    copied = _plans(target)
    assert before <= copied and len(copied) == manifest.plans
    assert manifest.blobs.count == 1 and manifest.chain_size == restored.events
    print(f"\n{engine.dialect.name}: {during} commits during the backup; slowest commit {max(waits) * 1000:.1f} ms")


def test_after_a_restore_earlier_checkpoints_pass_a_later_one_counts_the_missing_until_a_rebaseline(
        engine, source, target, kpt, new_plan, file_doc, tmp_path):
    file_doc(new_plan(), "programa_gobierno")  # events 1 and 2
    private, public = generate_keys(tmp_path / "llaves")
    check = ("audit", "verify", "--public-key", str(public), "--checkpoint")
    earlier, later = tmp_path / "antes.json", tmp_path / "despues.json"
    earlier.write_text(kpt(source, "audit", "checkpoint", "--key", str(private), "--json")[1], encoding="utf-8")
    code, out = kpt(source, "backup", str(tmp_path / "respaldo"))
    assert code == 0 and "Respaldo en" in out and "2 eventos" in out and "1 documento " in out
    new_plan("11001")
    new_plan("76001")
    later.write_text(kpt(source, "audit", "checkpoint", "--key", str(private), "--json")[1], encoding="utf-8")

    code, out = kpt(target, "restore", str(tmp_path / "respaldo"))
    assert code == 0 and "Verificado" in out, out
    code, out = kpt(target, "audit", "verify")  # the operator's own check, documents included
    assert code == 0 and "Cadena íntegra" in out and "Documentos íntegros" in out, out
    head = Manifest.read(tmp_path / "respaldo").head_hash
    assert kpt(target, *check, str(earlier))[0] == 0
    code, out = kpt(target, *check, str(later))
    assert code == 1 and f"firma 4 eventos; esta base tiene 2: faltan los 2 posteriores a su cabeza (seq 2, hash {head})" in out

    code, out = kpt(target, "audit", "rebaseline", "--motivo", "Restauración del respaldo tras perder el disco",
                    "--key", str(private))
    assert code == 0 and "línea base firmada n.º 1" in out and "continúa desde el evento 2" in out
    new_plan_in(target, "05001")  # the restored chain grows again: seq 3 and 4 are not the signed ones
    new_plan_in(target, "11001")
    code, out = kpt(target, *check, str(later))
    assert code == 0 and "SUPERADO" in out and "línea base firmada n.º 1" in out and "perder el disco" in out
    assert kpt(target, *check, str(earlier))[0] == 0


def new_plan_in(settings: Settings, code: str) -> None:
    engine = make_engine(settings.database_url)
    try:
        with UnitOfWork(engine, write=True) as uow:
            services.create_plan(uow, entity_code=code, period=2028, actor=operator("test"))
    finally:
        engine.dispose()


def test_a_rebaseline_signed_with_another_key_supersedes_nothing(source, kpt, new_plan, tmp_path):
    new_plan()
    private, public = generate_keys(tmp_path / "llaves")
    other, _ = generate_keys(tmp_path / "otras")
    signed = tmp_path / "punto.json"
    new_plan("11001")
    signed.write_text(kpt(source, "audit", "checkpoint", "--key", str(private), "--json")[1], encoding="utf-8")
    truncate(source, after=1)
    assert kpt(source, "audit", "rebaseline", "--motivo", "prueba", "--key", str(other))[0] == 0
    code, out = kpt(source, "audit", "verify", "--checkpoint", str(signed), "--public-key", str(public))
    assert code == 1 and "falta el 1 posterior a su cabeza (seq 1" in out


def truncate(settings: Settings, after: int) -> None:
    engine = create_engine(settings.database_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq > :after"), {"after": after})
    engine.dispose()


def test_restore_refuses_a_target_that_holds_data(source, target, kpt, new_plan, file_doc, tmp_path):
    file_doc(new_plan(), "programa_gobierno")
    assert kpt(source, "backup", str(tmp_path / "respaldo"))[0] == 0
    code, out = kpt(source.model_copy(update={"data_dir": tmp_path / "vacia"}), "restore", str(tmp_path / "respaldo"))
    assert code == 1 and "ya tiene planes o eventos" in out
    code, out = kpt(target.model_copy(update={"data_dir": source.data_dir}), "restore", str(tmp_path / "respaldo"))
    assert code == 1 and "ya tiene documentos" in out
    assert kpt(target, "restore", str(tmp_path / "respaldo"))[0] == 0
    code, out = kpt(target.model_copy(update={"data_dir": tmp_path / "vacia"}), "restore", str(tmp_path / "respaldo"))
    assert code == 1 and "ya tiene planes o eventos" in out


def test_backup_refuses_an_existing_destination(source, kpt, new_plan, tmp_path):
    new_plan()
    (tmp_path / "respaldo").mkdir()
    code, out = kpt(source, "backup", str(tmp_path / "respaldo"))
    assert code == 1 and "ya existe" in out and "no se sobrescribe" in out
    assert not any((tmp_path / "respaldo").iterdir())


def test_a_blob_altered_on_disk_is_left_out_of_the_backup_and_named(source, kpt, new_plan, file_doc, tmp_path):
    filed = file_doc(new_plan(), "programa_gobierno")
    [blob] = (source.data_dir / "blobs").glob("??/*")
    blob.write_bytes(b"otro contenido")
    code, out = kpt(source, "backup", str(tmp_path / "respaldo"))
    assert code == 1 and "ATENCIÓN: 1 documento alterado" in out and blob.name in out
    assert Manifest.read(tmp_path / "respaldo").damaged_blobs == [blob.name] and filed


def test_a_restore_missing_a_blob_fails_its_verification(source, target, kpt, new_plan, file_doc, tmp_path):
    file_doc(new_plan(), "programa_gobierno")
    assert kpt(source, "backup", str(tmp_path / "respaldo"))[0] == 0
    for blob in (tmp_path / "respaldo" / "blobs").glob("??/*"):
        blob.unlink()
    code, out = kpt(target, "restore", str(tmp_path / "respaldo"))
    assert code == 1 and "La verificación FALLA" in out and "documentos registrados sin su archivo: 1 de 1" in out


def test_without_pg_dump_the_backup_gives_the_command_to_run(engine, source, kpt, monkeypatch, tmp_path):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite se respalda sin programas externos")
    monkeypatch.setattr("kpt_workflow.services.backup.shutil.which", lambda _name: None)
    with pytest.raises(BackupRefused) as refused:
        backup(source, tmp_path / "respaldo")
    assert "pg_dump --format=custom --no-owner" in refused.value.message and "dbname=" in refused.value.message
    assert not (tmp_path / "respaldo").exists()


def test_without_pg_restore_the_restore_gives_the_command_to_run(engine, source, target, kpt, new_plan, monkeypatch,
                                                                 tmp_path):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite se restaura sin programas externos")
    new_plan()
    assert kpt(source, "backup", str(tmp_path / "respaldo"))[0] == 0
    monkeypatch.setattr("kpt_workflow.services.restore.shutil.which", lambda _name: None)
    code, out = kpt(target, "restore", str(tmp_path / "respaldo"))
    assert code == 1 and "Error [restore_refused]: No se encuentra pg_restore en este equipo" in out
    assert "pg_restore --no-owner --clean --if-exists --single-transaction --exit-on-error" in out
    assert "dbname=" in out and "respaldo/kpt.dump" in out
    with engine.connect() as conn:  # nothing restored, not even the empty database: no half a restore to undo
        assert conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                            {"name": make_url(target.database_url).database}).first() is None
    assert not target.data_dir.exists()


def test_a_sqlite_backup_holds_the_commits_still_in_the_wal(engine, source, new_plan, tmp_path):
    if engine.dialect.name != "sqlite":
        pytest.skip("el WAL es de SQLite")
    new_plan()
    new_plan("11001")
    database = Path(engine.url.database or "")
    with sqlite3.connect(database) as plain_copy_reader:  # what copying the file alone would keep
        assert database.with_name(database.name + "-wal").stat().st_size > 0 and plain_copy_reader
    manifest = backup(source, tmp_path / "respaldo")
    with sqlite3.connect(tmp_path / "respaldo" / manifest.file) as copy:
        assert copy.execute("SELECT count(*) FROM plan").fetchone() == (2,)
    assert json.loads((tmp_path / "respaldo" / "manifest.json").read_text())["plans"] == 2


def test_restore_into_a_file_that_is_no_database_is_refused_in_spanish(engine, source, kpt, new_plan, tmp_path):
    if engine.dialect.name != "sqlite":
        pytest.skip("un archivo que no es una base es cosa de SQLite")
    new_plan()
    assert kpt(source, "backup", str(tmp_path / "respaldo"))[0] == 0
    (tmp_path / "otra.db").write_text("no soy una base")
    code, out = kpt(Settings(database_url=f"sqlite:///{tmp_path / 'otra.db'}", data_dir=tmp_path / "vacia"),
                    "restore", str(tmp_path / "respaldo"))
    assert code == 1 and "Error [restore_refused]: No se pudo restaurar en la base" in out
