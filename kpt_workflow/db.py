"""Engines for SQLite (embedded default) and PostgreSQL, with the durability settings we promise.

SQLite: WAL, foreign keys, busy timeout, synchronous=FULL (an acknowledged legal record survives
a power loss), and write transactions opened with BEGIN IMMEDIATE so that two writers queue on the
busy timeout instead of failing with SQLITE_BUSY (SQLAlchemy's documented pysqlite recipe).
"""

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection

WRITE_OPTION = "kpt_write"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, busy_timeout_ms: int = 30_000, *, bulk_load: bool = False) -> Engine:
    """Build the one engine an entry point uses; tests build their own per database.

    `bulk_load` (the synthetic demo only) relaxes SQLite's fsync per commit to WAL's NORMAL mode:
    still crash-safe for the process, not for a power cut, which a regenerable demo can afford."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000})
        _configure_sqlite(engine, busy_timeout_ms, "NORMAL" if bulk_load else "FULL")
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
