"""Schema changes go through Alembic; `kpt init` and the tests call `upgrade`, every other entry point
calls `require_current_schema` first, so that no code writes into a schema it was not written for."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from kpt_workflow.storage.db import is_sqlite, sqlite_file
from kpt_workflow.base.errors import KptError

if TYPE_CHECKING:  # Alembic is loaded only to migrate: 0.06 s that every other command would pay
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_CHECKED = "_kpt_schema_checked"  # an attribute of an engine whose schema was found current


class SchemaMissing(KptError):
    """No database, or one without kpt's tables: only `kpt init` / `kpt demo` create one."""

    code = "base_inexistente"


class SchemaOutdated(KptError):
    """The database is at an older revision: `kpt init` upgrades it without losing anything."""

    code = "esquema_desactualizado"


class SchemaNewer(KptError):
    """The database was upgraded by a newer kpt-workflow: this code does not know its tables."""

    code = "esquema_mas_nuevo"


def alembic_config(url: str | None = None) -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


@cache
def known_revisions() -> tuple[str, ...]:
    """The revisions this code knows, oldest first (the last is the head it needs). Read from the
    file names (NNNN_what.py, each NNNN its revision: tests/test_schema_revision.py holds Alembic to
    it), because Alembic's own index imports every migration, 150 ms at every command."""
    return tuple(sorted(path.name.split("_", 1)[0] for path in (MIGRATIONS_DIR / "versions").glob("[0-9]*_*.py")))


def head_revision() -> str:
    return known_revisions()[-1]


def current_revision(engine: Engine) -> str | None:
    """The database's Alembic revision; None when it holds no kpt schema (or, for SQLite, no file)."""
    path = sqlite_file(engine)
    if path is not None and (not path.exists() or path.stat().st_size == 0):
        return None
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def describe_database(engine: Engine) -> str:
    """How the messages name a database: its file, or its host and name (never its password)."""
    path = sqlite_file(engine)
    return str(path) if path is not None else engine.url.render_as_string(hide_password=True)


def check_revision(engine: Engine, revision: str | None, *, creating: bool = False) -> None:
    """Refuse a schema this code cannot use. `creating` (kpt init, kpt demo) accepts a database with
    no schema or an older one, which `upgrade` then brings to the head."""
    where = describe_database(engine)
    if revision is None:
        if not creating:
            raise SchemaMissing(f"La base {where} no existe o está vacía: créela con `kpt init` (o `kpt demo`).",
                                database=where)
        return
    if revision not in known_revisions():
        raise SchemaNewer(f"La base {where} tiene el esquema {revision}, más nuevo que el de este programa "
                          f"({head_revision()}): actualice kpt-workflow; esta versión no la usa ni la modifica.",
                          database=where, revision=revision, head=head_revision())
    if revision != head_revision() and not creating:
        raise SchemaOutdated(f"La base {where} tiene el esquema {revision} y este programa necesita el "
                             f"{head_revision()}: ejecute `kpt init` para actualizar la base (no pierde datos).",
                             database=where, revision=revision, head=head_revision())


def require_current_schema(engine: Engine) -> Engine:
    """The check every command and the server make at start: one query, once per engine."""
    if not engine.__dict__.get(_CHECKED):
        check_revision(engine, current_revision(engine))
        setattr(engine, _CHECKED, True)
    return engine


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`, refusing first a database newer than this code (Alembic
    would otherwise fail on a revision it cannot locate)."""
    from alembic import command

    check_revision(engine, current_revision(engine), creating=True)
    with _migrating(engine) as config:
        command.upgrade(config, revision)
    if revision == "head":
        setattr(engine, _CHECKED, True)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision` (for the tests of a migration's way back)."""
    from alembic import command

    with _migrating(engine) as config:
        command.downgrade(config, revision)


class ForeignKeysBroken(KptError):
    """After a migration some rows point at no row (SQLite checks them only then, see
    `_migrating`): rolled back, nothing changed."""

    code = "migracion_claves_rotas"


@contextmanager
def _migrating(engine: Engine) -> Iterator["Config"]:
    """Alembic's configuration on one transaction of `engine`. On SQLite foreign keys are off
    meanwhile (a pragma that a transaction ignores, so set before it begins): a migration that
    adds a constraint rebuilds the table, and dropping a parent table such as `plan` would
    otherwise delete, or refuse for, every row that points at it. Before the commit every foreign
    key is checked, as it would have been row by row."""
    config = alembic_config()
    with engine.connect() as connection:
        driver = connection.connection.driver_connection if is_sqlite(engine) else None
        if driver is not None:
            driver.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                yield config
                if driver is not None and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()):
                    raise ForeignKeysBroken(f"Tras la migración, filas que apuntan a filas inexistentes: {len(broken)} "
                                            f"(la primera, en la tabla {broken[0][0]}): no se aplicó.",
                                            table=broken[0][0], hint="Restaure la base desde un respaldo.")
        finally:
            if driver is not None:
                driver.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
