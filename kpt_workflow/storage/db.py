"""Engines for SQLite (embedded default) and PostgreSQL, with the durability settings we promise.

SQLite: WAL, foreign keys, busy timeout, synchronous=FULL (an acknowledged legal record survives
a power loss), and write transactions opened with BEGIN IMMEDIATE so that two writers queue on the
busy timeout instead of failing with SQLITE_BUSY (SQLAlchemy's documented pysqlite recipe). A
SQLite file is opened read-write, never created (`mode=rw`): a command on a mistyped path must not
leave an empty database behind; `create_sqlite_file` is for `kpt init` and `kpt demo` alone.
"""

import sqlite3
import threading
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import Connection

WRITE_OPTION = "kpt_write"


class WriterLock:
    """One writer at a time among the threads of a process, on one SQLite engine, in arrival order.

    SQLite's busy handler makes a waiting writer sleep (1 ms, then longer, up to 100 ms) and look
    again, so under many threads a writer can sleep long after the lock is free. Here the threads
    queue, and each ending writer hands the turn straight to the oldest waiting one (a plain Lock
    would let a newcomer overtake the threads already waiting, some of them many times over).
    Other processes on the same file still meet at BEGIN IMMEDIATE, under the busy timeout, which
    also bounds the wait here.
    """

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._guard = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()  # one held lock per waiting writer, oldest first
        self._taken = False

    def acquire(self) -> None:
        with self._guard:
            if not self._taken:
                self._taken = True
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        if turn.acquire(timeout=self.timeout_s):
            return  # released by `release`: the turn is ours
        with self._guard:
            if turn in self._waiting:  # else it was handed over just as the wait ran out: ours
                self._waiting.remove(turn)
                raise TimeoutError(f"no turn to write to the database within {self.timeout_s:g} s")

    def release(self) -> None:
        with self._guard:
            if self._waiting:
                self._waiting.popleft().release()  # the turn passes on without ever being free
            else:
                self._taken = False


class SqliteWriter:
    """The writing side of one SQLite engine in this process. SQLite lets one writer in at a time
    anyway, so the writers take turns (`turns`) and share one connection kept open for them: a
    write unit of work then neither checks a connection out of the pool nor gives it back, which
    costs more than the statements of a guarded step (bench/transitions.py)."""

    def __init__(self, engine: Engine, timeout_s: float) -> None:
        self.turns = WriterLock(timeout_s)
        self._engine = engine
        self._connection: Connection | None = None

    def connection(self) -> Connection:
        """The shared connection, for the writer whose turn it is; opened again if it was lost."""
        if self._connection is None or self._connection.closed or self._connection.invalidated:
            self._connection = self._engine.connect().execution_options(**{WRITE_OPTION: True})
        return self._connection

    def take_turn(self) -> Connection:
        """Wait for this thread's turn among the process's writers (see WriterLock); the shared
        connection, for the turn's write transaction. `end_turn` gives the turn back."""
        self.turns.acquire()
        try:
            return self.connection()
        except BaseException:
            self.turns.release()
            raise

    def end_turn(self) -> None:
        """Roll back what the turn left uncommitted, then let the next writer in (even if that
        failed: a turn never given back would stop every writer)."""
        try:
            self.finish()
        finally:
            self.turns.release()

    def finish(self) -> None:
        """End the turn's work on the connection: roll back what was not committed (closing the
        connection, to be opened again, if even that fails)."""
        connection = self._connection
        if connection is None or not connection.in_transaction():
            return
        try:
            connection.rollback()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the file for good (not back into the pool, which `Engine.dispose` has already
        emptied by the time it tells us): the last connection to close folds the WAL into it."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.invalidate()
            connection.close()


_WRITER = "_kpt_sqlite_writer"  # an attribute of the engine: engine and writer are collected together


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def sqlite_writer(engine: Engine) -> SqliteWriter | None:
    """Where a write transaction goes on a SQLite engine of `make_engine` (None elsewhere)."""
    return engine.__dict__.get(_WRITER)


def sqlite_file(engine: Engine) -> Path | None:
    """The file of a SQLite engine on a file (None for PostgreSQL, an in-memory or a URI database)."""
    url = engine.url
    if not is_sqlite(engine) or url.database in (None, "", ":memory:") or url.query.get("uri"):
        return None
    return Path(url.database).absolute()


def create_sqlite_file(engine: Engine) -> None:
    """Create the empty file of a SQLite engine, for `kpt init` and `kpt demo` (see `make_engine`)."""
    path = sqlite_file(engine)
    if path is not None and not path.exists():
        sqlite3.connect(path).close()


def make_engine(url: str, busy_timeout_ms: int = 30_000, *, bulk_load: bool = False) -> Engine:
    """Build the one engine an entry point uses; tests build their own per database.

    `bulk_load` (the synthetic demo only) relaxes the wait for an fsync at every commit: SQLite's
    WAL goes to NORMAL mode, PostgreSQL's sessions to `synchronous_commit = off`. Both stay
    consistent after a crash but may lose the last commits (SQLite: on a power cut), which a
    regenerable demo can afford. On PostgreSQL a commit then costs 0.3-0.45 ms instead of 1.9-2.1
    here, and the demo of 60 entities takes about a fifth less."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000})
        _configure_sqlite(engine, busy_timeout_ms, "NORMAL" if bulk_load else "FULL")
        if sqlite_file(engine) is not None:
            _open_existing_only(engine)
        writer = SqliteWriter(engine, busy_timeout_ms / 1000)
        setattr(engine, _WRITER, writer)
        event.listen(engine, "engine_disposed", lambda _engine: writer.close())
        return engine
    # pool_pre_ping: a connection the server closed while it sat in the pool is replaced. The
    # database threads keep theirs while jobs keep coming (unit_of_work.connections_kept), so the
    # ping's round trip comes only after a pause.
    return create_engine(url, connect_args=_commits_without_waiting(url) if bulk_load else {}, pool_pre_ping=True)


def _commits_without_waiting(url: str) -> dict[str, str]:
    """PostgreSQL's session options that relax the commit's wait, after those the URL gives (which
    `connect_args` would otherwise replace: a schema chosen there must stay chosen)."""
    given = make_url(url).query.get("options", ())
    return {"options": " ".join((*((given,) if isinstance(given, str) else given), "-c synchronous_commit=off"))}


def _open_existing_only(engine: Engine) -> None:
    """Open the file as a URI with mode=rw: a missing file is an error, not a new empty database."""

    @event.listens_for(engine, "do_connect")
    def _read_write(_dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
        cargs[0] = f"file:{quote(str(Path(cargs[0]).absolute()))}?mode=rw"
        cparams["uri"] = True


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
        # Straight to the driver: SQLAlchemy's execution layer would cost more than the BEGIN.
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")  # type: ignore[union-attr]
