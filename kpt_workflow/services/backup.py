"""`kpt backup`: an online, consistent copy of the database and the blobs, with a manifest.

SQLite: the database runs in WAL mode, where a reader never blocks a writer. The backup API copies
every page in ONE step (`pages=-1`), inside one read transaction: a snapshot holding every commit
made before it began, the WAL's included, while writers go on committing into the WAL. Copying in
several steps would be worse, not better: SQLite restarts a stepped backup whenever another
connection writes between two steps, so under steady writes it would never end (".backup stalls
under load"). `VACUUM INTO` is as non-blocking, but rebuilds every table and index on the way.

PostgreSQL: `pg_dump` in custom format, run on a snapshot exported by a repeatable-read
transaction of ours, in which the manifest's head is also read: the dump and its manifest describe
the same moment.

The blobs are copied after the database: a blob is stored before the commit that references it,
so every document in the copy finds its file. Each is re-hashed as it is copied; one whose bytes
no longer match its name is left out and named in the manifest.
"""

import hashlib
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy import make_url, text
from sqlalchemy.exc import SQLAlchemyError

from kpt_workflow.base.config import Settings
from kpt_workflow.storage.db import make_engine
from kpt_workflow.base.errors import KptError
from kpt_workflow.services.manifest import (BLOBS, POSTGRES_DUMP, SQLITE_COPY, ChainState, Manifest, blob_files, chain_state,
                                   inventory, now_utc)

_CHUNK = 1024 * 1024


class BackupRefused(KptError):
    code = "backup_refused"


def backup(settings: Settings, destination: Path) -> Manifest:
    """Copy the database and blobs that `settings` name into the new folder `destination`."""
    if destination.exists():
        raise BackupRefused(f"'{destination}' ya existe: el respaldo va a una carpeta nueva (no se sobrescribe nada).")
    url = settings.database_url
    sqlite_path = sqlite_file(url)
    if sqlite_path is not None and not sqlite_path.is_file():
        raise BackupRefused(f"No existe la base '{sqlite_path}': no hay nada que respaldar.")
    try:
        destination.mkdir(parents=True)
    except OSError as exc:
        raise BackupRefused(f"No se pudo crear la carpeta '{destination}': {exc.strerror}.") from exc
    try:
        with refusing(BackupRefused, "No se pudo respaldar la base"):
            if sqlite_path is not None:
                state, name = copy_sqlite(sqlite_path, destination / SQLITE_COPY), SQLITE_COPY
            else:
                state, name = _dump_postgres(url, destination / POSTGRES_DUMP), POSTGRES_DUMP
        with refusing(BackupRefused, "No se pudieron copiar los documentos"):
            sizes, damaged = copy_blobs(settings.data_dir, destination)
    except BaseException:
        shutil.rmtree(destination, ignore_errors=True)  # half a backup is no backup
        raise
    manifest = Manifest("sqlite" if sqlite_path is not None else "postgresql", name, state.size, state.head_hash,
                        state.plans, state.schema_revision, inventory(sizes), now_utc(), damaged_blobs=damaged)
    manifest.write(destination)
    return manifest


@contextmanager
def refusing(refusal: type[KptError], what: str) -> Iterator[None]:
    """A driver's or the disk's failure (a file that is no database, a server down, a refused
    password, a full disk) as a Spanish refusal, the system's own words kept as the detail."""
    try:
        yield
    except OSError as exc:
        raise refusal(f"{what}: {exc.strerror or exc} ({exc.filename or ''}).") from exc
    except (sqlite3.Error, SQLAlchemyError) as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
        raise refusal(f"{what}: {detail}. Revise KPT_DATABASE_URL.") from exc


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupRefused("Una base SQLite en memoria no se respalda ni se restaura: use un archivo.")
    return Path(parsed.database)


def copy_sqlite(source: Path, target: Path) -> ChainState:
    """One-step backup of `source` into the new file `target` (see the module's docstring); the
    chain state is read from the copy, so it is the copy's own."""
    with closing(sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)) as src, \
            closing(sqlite3.connect(target)) as dst:
        src.execute("PRAGMA busy_timeout=30000")
        dst.execute("PRAGMA journal_mode=OFF")  # a new file: no journal to roll back to, and the manifest comes last
        dst.execute("PRAGMA synchronous=OFF")
        src.backup(dst, pages=-1)
    _fsync(target)
    engine = make_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            return chain_state(conn)
    finally:
        engine.dispose()


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def conninfo(url: str) -> str:
    """libpq's connection string for a SQLAlchemy URL, its query options included, password not."""
    from psycopg.conninfo import make_conninfo  # here: only a PostgreSQL URL gets here, and only .[postgres] has it

    parsed = make_url(url)
    params = {"host": parsed.host, "port": parsed.port, "user": parsed.username, "dbname": parsed.database,
              **{key: value if isinstance(value, str) else " ".join(value) for key, value in parsed.query.items()}}
    return make_conninfo(**{key: value for key, value in params.items() if value is not None})


def pg_environment(url: str) -> dict[str, str]:
    """The environment for pg_dump/pg_restore: the password, if the URL has one, in PGPASSWORD."""
    password = make_url(url).password
    return {**os.environ, **({"PGPASSWORD": str(password)} if password else {})}


def shown(command: list[str], url: str) -> str:
    """A command as the user would type it (the password left to PGPASSWORD)."""
    prefix = "PGPASSWORD='…' " if make_url(url).password else ""
    return prefix + shlex.join(command)


def client_major(program: str) -> int:
    """The major version of a PostgreSQL client program (`pg_dump (PostgreSQL) 15.20 …` → 15)."""
    out = subprocess.run([program, "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"\)\s*(\d+)", out)
    return int(found.group(1)) if found else 0


def _dump_postgres(url: str, target: Path) -> ChainState:
    command = ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", f"--dbname={conninfo(url)}"]
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupRefused("No se encuentra pg_dump en este equipo. Instale el cliente de PostgreSQL (paquete "
                            f"postgresql-client, de la versión del servidor o más nueva) o ejecute: {shown(command, url)}")
    engine = make_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            server = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
            if client_major(program) < server:
                raise BackupRefused(f"pg_dump es de la versión {client_major(program)} y el servidor de la {server}: "
                                    f"instale pg_dump {server} o más nuevo y ejecute: {shown(command, url)}")
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            state = chain_state(conn)
            done = subprocess.run([program, *command[1:], f"--snapshot={snapshot}"], capture_output=True, text=True,
                                  env=pg_environment(url), check=False)
            if done.returncode != 0:
                raise BackupRefused(f"pg_dump falló ({done.stderr.strip()[-300:]}). Orden: {shown(command, url)}")
            return state
    finally:
        engine.dispose()


def copy_blobs(source: Path, destination: Path) -> tuple[dict[str, int], list[str]]:
    """Copy the blobs of the folder `source` into `destination`, hashing each as it streams: the
    sizes of those copied, by hash, and the names of those whose bytes no longer match their name
    (not copied). A partial file never keeps a blob's name."""
    sizes: dict[str, int] = {}
    damaged: list[str] = []
    for path in blob_files(source):
        folder = destination / BLOBS / path.name[:2]
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder)
        try:
            digest, size = _copy_hashing(path, fd)
            if digest == path.name:
                os.replace(tmp, folder / path.name)
                sizes[digest] = size
            else:
                damaged.append(path.name)
        finally:
            Path(tmp).unlink(missing_ok=True)
    return sizes, damaged


def _copy_hashing(path: Path, fd: int) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as src, os.fdopen(fd, "wb") as dst:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return digest.hexdigest(), size
