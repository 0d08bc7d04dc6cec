"""The unit of work's turn to write on SQLite: the threads of a process queue for it in arrival
order, and every way out of a write (commit, exception, a BEGIN that failed) gives the turn to the
next writer."""

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from kpt_workflow.storage.db import WriterLock, make_engine, sqlite_writer
from kpt_workflow.storage.unit_of_work import UnitOfWork
from waiting import watch_waiting_writers

SHORT_TIMEOUT_MS = 1000


@pytest.fixture
def sqlite_engine(engine: Engine) -> Engine:
    """The test database with a short busy timeout, so that a writer kept waiting gives up quickly."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the writers' turn is SQLite's; PostgreSQL locks the plan's row")
    short = make_engine(engine.url.render_as_string(hide_password=False), SHORT_TIMEOUT_MS)
    yield short
    short.dispose()


def _write(engine: Engine) -> None:
    with UnitOfWork(engine, write=True) as uow:
        uow.connection.execute(text("SELECT 1"))
        uow.commit()


def test_a_second_writer_waits_for_the_first_and_goes_on_when_it_commits(sqlite_engine):
    done = []
    with UnitOfWork(sqlite_engine, write=True) as first:
        first.connection.execute(text("SELECT 1"))
        waiting = watch_waiting_writers(sqlite_writer(sqlite_engine).turns)
        second = threading.Thread(target=lambda: (_write(sqlite_engine), done.append("second")))
        second.start()
        waiting.wait_for(1)  # the second writer waits for its turn
        done.append("first")
        first.commit()
    second.join(timeout=5)
    assert done == ["first", "second"]


def test_a_writer_kept_waiting_longer_than_the_busy_timeout_gives_up(sqlite_engine):
    with UnitOfWork(sqlite_engine, write=True) as first:
        first.connection.execute(text("SELECT 1"))
        failed = []

        def second() -> None:
            try:
                _write(sqlite_engine)
            except TimeoutError as exc:
                failed.append(exc)

        waiting = threading.Thread(target=second)
        waiting.start()
        waiting.join(timeout=5)
    assert len(failed) == 1


def test_a_write_that_raises_gives_the_turn_back(sqlite_engine):
    with pytest.raises(RuntimeError):
        with UnitOfWork(sqlite_engine, write=True) as uow:
            uow.connection.execute(text("SELECT 1"))
            raise RuntimeError("el caso de uso falló")
    _write(sqlite_engine)


def test_a_begin_refused_by_another_process_gives_the_turn_back(sqlite_engine):
    """Another process's writer is met at BEGIN IMMEDIATE, under the busy timeout."""
    other = sqlite3.connect(sqlite_engine.url.database, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises((sqlite3.OperationalError, OperationalError), match="locked"):
            _write(sqlite_engine)
        other.execute("ROLLBACK")
    finally:
        other.close()
    _write(sqlite_engine)


def test_waiting_writers_get_the_turn_in_the_order_they_came():
    lock = WriterLock(timeout_s=10)
    lock.acquire()
    waiting = watch_waiting_writers(lock)
    order: list[int] = []

    def writer(n: int) -> None:
        lock.acquire()
        order.append(n)
        lock.release()

    threads = []
    for n in range(5):
        threads.append(threading.Thread(target=writer, args=(n,)))
        threads[-1].start()
        waiting.wait_for(n + 1)  # queued before the next comes
    lock.release()
    for thread in threads:
        thread.join(timeout=5)
    assert order == [0, 1, 2, 3, 4]


def _driver_connection(uow: UnitOfWork) -> object:
    return uow.connection.connection.driver_connection


def test_writers_share_one_connection_and_readers_never_get_it(sqlite_engine):
    with UnitOfWork(sqlite_engine, write=True) as first:
        writing = _driver_connection(first)
        first.commit()
    with UnitOfWork(sqlite_engine, write=True) as second:
        assert _driver_connection(second) is writing
    with UnitOfWork(sqlite_engine) as reader:
        assert _driver_connection(reader) is not writing


def test_what_a_writer_left_uncommitted_is_gone_for_the_next_one(sqlite_engine):
    with pytest.raises(RuntimeError):
        with UnitOfWork(sqlite_engine, write=True) as failed:
            failed.connection.execute(text("CREATE TABLE borrador (x INTEGER)"))
            raise RuntimeError("el caso de uso falló")
    with UnitOfWork(sqlite_engine, write=True) as next_writer:
        tables = next_writer.connection.execute(text("SELECT name FROM sqlite_master WHERE name = 'borrador'")).all()
    assert tables == []


def test_dispose_closes_the_writers_connection_so_the_file_is_whole(sqlite_engine, tmp_path):
    """The last connection to close folds the WAL into the file: a copy of the file alone, as the
    tests' template is copied, holds what was committed."""
    with UnitOfWork(sqlite_engine, write=True) as uow:
        uow.connection.execute(text("CREATE TABLE escrito (x INTEGER)"))
        uow.commit()
    sqlite_engine.dispose()
    copy = tmp_path / "copia.db"
    copy.write_bytes(Path(sqlite_engine.url.database).read_bytes())
    found = sqlite3.connect(copy).execute("SELECT name FROM sqlite_master WHERE name = 'escrito'").fetchall()
    assert found == [("escrito",)]
