"""`kpt restore`: a backup of `kpt backup` into the database and data folder the settings name,
only when both are empty of plans, events and blobs, then proven: the chain verifies, every blob
re-hashes to its name, and the head, the plans and the blobs are those of the manifest."""

import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, create_engine, func, inspect, make_url, select, text

from kpt_workflow.audit.verify import verify
from kpt_workflow.storage.event_encoding import GENESIS_HASH
from kpt_workflow.services.backup import client_major, conninfo, copy_blobs, pg_environment, refusing, shown, sqlite_file
from kpt_workflow.base.config import Settings
from kpt_workflow.storage.db import make_engine
from kpt_workflow.base.errors import KptError
from kpt_workflow.services.manifest import BlobInventory, Manifest, blob_files, chain_state, inventory, sha256_of
from kpt_workflow.storage.tables import Document
from kpt_workflow.base.figures import amount


class RestoreRefused(KptError):
    code = "restore_refused"


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    events: int
    head_hash: str
    plans: int
    schema_revision: str | None
    blobs: BlobInventory
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def restore(settings: Settings, origin: Path) -> RestoreReport:
    manifest = Manifest.read(origin)
    copy = origin / manifest.file
    if not copy.is_file():
        raise RestoreRefused(f"Falta '{copy}' en el respaldo: no se puede restaurar.")
    url = settings.database_url
    target = sqlite_file(url)
    if (target is None) != (manifest.database == "postgresql"):
        raise RestoreRefused(f"El respaldo es de {manifest.database} y KPT_DATABASE_URL apunta a "
                             f"{'SQLite' if target is not None else 'PostgreSQL'}: restaure en una base del mismo tipo.")
    if any(blob_files(settings.data_dir)):
        raise RestoreRefused(f"La carpeta de datos '{settings.data_dir}' ya tiene documentos: restaure en una vacía "
                             "(KPT_DATA_DIR) para no mezclar datos.")
    with refusing(RestoreRefused, "No se pudo restaurar en la base"):
        if target is not None:
            _restore_sqlite(copy, target)
        else:
            _restore_postgres(copy, url)
    with refusing(RestoreRefused, "No se pudieron copiar los documentos"):
        copy_blobs(origin, settings.data_dir)
    with refusing(RestoreRefused, "No se pudo verificar la base restaurada"):
        return check(settings, manifest)


def _holds_data(conn: Connection) -> bool:
    names = set(inspect(conn).get_table_names())
    return any(conn.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1')).first() is not None
               for name in ("plan", "audit_event") if name in names)


def _refuse_if_holding_data(url: str, where: str) -> None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if _holds_data(conn):
                raise RestoreRefused(f"La base {where} ya tiene planes o eventos: restaure en una base vacía "
                                     "(otra KPT_DATABASE_URL) para no mezclar datos.")
    finally:
        engine.dispose()


def _restore_sqlite(copy: Path, target: Path) -> None:
    """Page by page into `target` (new, or one with no plan): the backup API writes through
    SQLite's own locking, so a file that existed, WAL and all, ends up exactly the copy."""
    if target.exists():
        _refuse_if_holding_data(f"sqlite:///{target}", f"'{target}'")
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(copy.resolve().as_uri() + "?mode=ro", uri=True)) as src, \
            closing(sqlite3.connect(target)) as dst:
        src.backup(dst, pages=-1)


def _restore_postgres(dump: Path, url: str) -> None:
    command = ["pg_restore", "--no-owner", "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
               f"--dbname={conninfo(url)}", str(dump)]
    program = shutil.which("pg_restore")
    if program is None:
        raise RestoreRefused("No se encuentra pg_restore en este equipo. Instale el cliente de PostgreSQL (paquete "
                             f"postgresql-client) o, con la base vacía creada, ejecute: {shown(command, url)}")
    _create_database_if_missing(url)
    _refuse_if_holding_data(url, f"'{make_url(url).database}'")
    done = subprocess.run([program, *command[1:]], capture_output=True, text=True, env=pg_environment(url), check=False)
    if done.returncode != 0:
        raise RestoreRefused(f"pg_restore falló ({done.stderr.strip()[-300:]}; pg_restore {client_major(program)}). "
                             f"Orden: {shown(command, url)}")


def _create_database_if_missing(url: str) -> None:
    """`kpt restore` may create its database (unlike the other commands): from the server's own
    `postgres` database, with the same credentials."""
    parsed = make_url(url)
    name = parsed.database
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first() is None:
                quoted = '"' + str(name).replace('"', '""') + '"'
                conn.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        admin.dispose()


def check(settings: Settings, manifest: Manifest) -> RestoreReport:
    """Prove the restored database and blobs against the backup's manifest."""
    problems: list[str] = []
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            report = verify(conn)
            state = chain_state(conn)
            referenced = set(conn.execute(select(Document.__table__.c.sha256).distinct()
                                          .where(Document.__table__.c.sha256.is_not(None))).scalars())
            documents = conn.execute(select(func.count()).select_from(Document.__table__)).scalar_one()
    finally:
        engine.dispose()
    if not report.ok:
        problems.append(f"la cadena restaurada está alterada: {report.problem}")
    if (report.events, report.head_hash) != (manifest.chain_size, manifest.head_hash or GENESIS_HASH):
        problems.append(f"la cadena restaurada termina en el evento {report.events} ({report.head_hash}); el "
                        f"manifiesto dice {manifest.chain_size} ({manifest.head_hash})")
    if state.plans != manifest.plans:
        problems.append(f"hay {amount(state.plans, 'plan', 'planes')}; el manifiesto dice {manifest.plans}")
    if state.schema_revision != manifest.schema_revision:
        problems.append(f"la revisión del esquema es {state.schema_revision}; el manifiesto dice "
                        f"{manifest.schema_revision}")
    sizes: dict[str, int] = {}
    for path in blob_files(settings.data_dir):
        if sha256_of(path) == path.name:
            sizes[path.name] = path.stat().st_size
        else:
            problems.append(f"el documento {path.name} no corresponde a su hash")
    restored = inventory(sizes)
    if restored != manifest.blobs:
        problems.append(f"hay {amount(restored.count, 'documento')} con hash total {restored.total_hash}; el manifiesto dice "
                        f"{manifest.blobs.count} con {manifest.blobs.total_hash}")
    missing = sorted(referenced - sizes.keys())
    if missing:
        problems.append(f"documentos registrados sin su archivo: {len(missing)} de {documents}: "
                        + ", ".join(missing[:5]) + ("…" if len(missing) > 5 else ""))
    return RestoreReport(manifest, report.events, report.head_hash, state.plans, state.schema_revision, restored,
                         problems)

