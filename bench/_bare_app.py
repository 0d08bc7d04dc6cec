"""The baseline app of bench/http.py: a bare FastAPI endpoint that writes one row per request.

`POST /rows/{key}` takes the same small JSON body as a transition request, validates it with a
pydantic model, writes one ~600-byte row (about an audit event) in its own transaction and answers
a small JSON object. It runs in one of two execution models (KPT_BENCH_BASELINE_MODEL):

- `thread-pool` (the idiomatic one): a plain `def` endpoint, which FastAPI runs in AnyIO's thread
  pool, one connection per pool thread;
- `db-threads` (the real step route's): an `async def` endpoint that hands the write to the same
  `kpt_workflow.storage.db_threads.DatabaseThreads` the app uses. On SQLite that is the real thing whole:
  an engine of `kpt_workflow.storage.db.make_engine`, its one database thread, a `UnitOfWork` per row on
  the writers' shared connection, and the rows waiting committed together (group commit); the
  INSERT itself goes straight to the driver. On PostgreSQL, several threads, one connection each.

SQLite otherwise (`thread-pool`): plain `sqlite3`, the PRAGMAs of `kpt_workflow.storage.db` (passed by
bench/http.py, which also creates the table), `BEGIN IMMEDIATE; INSERT; COMMIT`. PostgreSQL:
`psycopg`, one autocommitted INSERT per request.

Configured by environment variables that bench/http.py sets; served with uvicorn as the real app:

    KPT_BENCH_BASELINE_URL=/tmp/x/baseline.db KPT_BENCH_SQLITE_PRAGMAS='PRAGMA …;…' KPT_BENCH_ROW_BYTES=600 \\
        KPT_BENCH_BASELINE_MODEL=thread-pool python -m uvicorn bench._bare_app:create_app --factory --app-dir .
"""

import gc
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from functools import partial
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

from sqlalchemy import Engine

from kpt_workflow.storage.db import make_engine
from kpt_workflow.storage.db_threads import POSTGRES_THREADS, DatabaseThreads
from kpt_workflow.storage.unit_of_work import UnitOfWork

URL_VAR = "KPT_BENCH_BASELINE_URL"  # a SQLite file path, or a postgresql:// conninfo
PRAGMAS_VAR = "KPT_BENCH_SQLITE_PRAGMAS"  # ";"-separated, applied to every SQLite connection
ROW_BYTES_VAR = "KPT_BENCH_ROW_BYTES"
MODEL_VAR = "KPT_BENCH_BASELINE_MODEL"
THREAD_POOL, DB_THREADS = "thread-pool", "db-threads"
TABLE = "bench_http_baseline_row"
INSERT = f"INSERT INTO {TABLE} (plan_id, body) VALUES ({{0}}, {{0}})"
Connect = Callable[[], Any]
Write = Callable[[Any, str, str], int]


class RowRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    trigger: str
    fecha: date | None = None


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def create_table(url: str, pragmas: list[str]) -> None:
    """Made afresh by bench/http.py before each round's server starts, so that workers never race
    to make it; on SQLite the connection also sets WAL, which the file keeps."""
    drop_table(url)
    if is_postgres(url):
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"CREATE TABLE {TABLE} (seq BIGSERIAL PRIMARY KEY, plan_id TEXT NOT NULL, "
                               f"body TEXT NOT NULL)")
        return
    connection = sqlite3.connect(url, isolation_level=None)
    try:
        for pragma in pragmas:
            connection.execute(pragma)
        connection.execute(f"CREATE TABLE {TABLE} (seq INTEGER PRIMARY KEY, plan_id TEXT NOT NULL, body TEXT NOT NULL)")
    finally:
        connection.close()


def drop_table(url: str) -> None:
    if is_postgres(url):
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"DROP TABLE IF EXISTS {TABLE}")
        return
    connection = sqlite3.connect(url, isolation_level=None)
    try:
        connection.execute(f"DROP TABLE IF EXISTS {TABLE}")
    finally:
        connection.close()


def _sqlite_writer(path: str, pragmas: list[str]) -> tuple[Connect, Write]:
    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in pragmas:
            connection.execute(pragma)
        return connection

    statement = INSERT.format("?")

    def write(connection: sqlite3.Connection, key: str, body: str) -> int:
        connection.execute("BEGIN IMMEDIATE")
        try:
            cursor = connection.execute(statement, (key, body))
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return int(cursor.lastrowid or 0)

    return connect, write


def _postgres_writer(conninfo: str) -> tuple[Connect, Write]:
    import psycopg  # only the PostgreSQL baseline needs it

    statement = INSERT.format("%s") + " RETURNING seq"

    def write(connection: "psycopg.Connection[Any]", key: str, body: str) -> int:
        """Autocommit: the INSERT is its own transaction, one round trip."""
        return int(connection.execute(statement, (key, body)).fetchone()[0])

    return (lambda: psycopg.connect(conninfo, autocommit=True)), write


def _insert_in_unit_of_work(engine: Engine, statement: str, padding: str, key: str,
                            body: RowRequest) -> dict[str, object]:
    """The row as the app writes: a write unit of work (in the database thread's commit group)."""
    row = f"{body.trigger}|{body.fecha}|{padding}"[:len(padding)]
    with UnitOfWork(engine, write=True) as uow:
        cursor = uow.connection.connection.driver_connection.execute(statement, (key, row))  # type: ignore[union-attr]
        uow.commit()
    return {"key": key, "seq": int(cursor.lastrowid or 0)}


def create_app() -> FastAPI:
    url = os.environ[URL_VAR]
    if is_postgres(url):
        connect, write = _postgres_writer(url)
    else:
        connect, write = _sqlite_writer(url, [p for p in os.environ.get(PRAGMAS_VAR, "").split(";") if p.strip()])
    padding = "x" * int(os.environ.get(ROW_BYTES_VAR, "600"))
    local = threading.local()

    def insert_on_own_connection(key: str, body: RowRequest) -> dict[str, object]:
        """The row on this thread's own connection, in a transaction of its own."""
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = connect()
        row = f"{body.trigger}|{body.fecha}|{padding}"[:len(padding)]
        return {"key": key, "seq": write(connection, key, row)}

    model = os.environ.get(MODEL_VAR, THREAD_POOL)
    if model not in (THREAD_POOL, DB_THREADS):
        raise ValueError(f"{MODEL_VAR}: {THREAD_POOL} or {DB_THREADS}, not {model!r}")
    engine = None if model == THREAD_POOL or is_postgres(url) else make_engine(f"sqlite:///{url}")
    threads = None
    if model == DB_THREADS:
        threads = DatabaseThreads(POSTGRES_THREADS) if engine is None else DatabaseThreads.for_engine(engine)
    insert: Callable[[str, RowRequest], dict[str, object]] = (
        insert_on_own_connection if engine is None
        else partial(_insert_in_unit_of_work, engine, INSERT.format("?"), padding))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        gc.collect()
        gc.freeze()  # as the real app does after its start-up
        yield
        if threads is not None:
            threads.shutdown()
        if engine is not None:
            engine.dispose()

    app = FastAPI(title="bare baseline", lifespan=lifespan)
    if threads is None:
        @app.post("/rows/{key}")
        def insert_row(key: str, body: RowRequest) -> dict[str, object]:
            return insert(key, body)
    else:
        db_threads = threads

        @app.post("/rows/{key}")
        async def insert_row_on_db_thread(key: str, body: RowRequest) -> dict[str, object]:
            return await db_threads.run(partial(insert, key, body))

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
