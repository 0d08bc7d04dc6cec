"""A thread that keeps its connection (unit_of_work.connections_kept; on PostgreSQL the app's
database threads, while jobs keep coming): its units of work run on one connection, each ends
with nothing left of what it did not commit, one the server closed is dropped for a new one, and
it goes back to the pool when the thread idles."""

import asyncio
from collections.abc import Callable

import pytest
from sqlalchemy import Connection, Engine, event, func, select, text, update
from sqlalchemy.engine import RootTransaction
from sqlalchemy.exc import DBAPIError

from kpt_workflow.storage.db_threads import DatabaseThreads
from kpt_workflow.storage.recorder import PLAN
from kpt_workflow.storage.unit_of_work import UnitOfWork, connections_kept
from fresh_thread import on_a_fresh_thread
from waiting import behind_a_held_thread


def _driver_connection(uow: UnitOfWork) -> object:
    return uow.connection.connection.dbapi_connection


def _version(conn: Connection, plan_id: str) -> int:
    return int(conn.execute(select(PLAN.c.version).where(PLAN.c.id == plan_id)).scalar_one())


def test_units_of_work_share_the_kept_connection_until_it_is_given_back(pg_engine: Engine) -> None:
    with connections_kept(pg_engine) as give_back:
        seen = []
        for _ in range(3):
            with UnitOfWork(pg_engine, write=True) as uow:
                seen.append(_driver_connection(uow))
                uow.connection.execute(text("SELECT 1"))
                uow.commit()
            assert pg_engine.pool.checkedout() == 1
        assert seen[0] is seen[1] is seen[2]
        give_back()
        assert pg_engine.pool.checkedout() == 0
        with UnitOfWork(pg_engine) as uow:
            uow.connection.execute(text("SELECT 1"))
        assert pg_engine.pool.checkedout() == 1  # taken again by the next unit
    assert pg_engine.pool.checkedout() == 0  # and given back at the end


def test_what_a_unit_left_uncommitted_is_gone_for_the_next_on_the_kept_connection(
        pg_engine: Engine, new_plan: Callable[..., str]) -> None:
    plan_id = new_plan()
    with connections_kept(pg_engine):
        with UnitOfWork(pg_engine, write=True) as uow:
            before = _version(uow.connection, plan_id)
            kept = _driver_connection(uow)
            uow.connection.execute(update(PLAN).where(PLAN.c.id == plan_id).values(version=before + 100))
            # no commit: the unit ends, and with it what it did
        with UnitOfWork(pg_engine) as uow:
            assert _driver_connection(uow) is kept
            assert _version(uow.connection, plan_id) == before


def test_a_unit_inside_another_takes_its_own_connection(pg_engine: Engine) -> None:
    with connections_kept(pg_engine):
        with UnitOfWork(pg_engine) as outer:
            outer.connection.execute(text("SELECT 1"))
            with UnitOfWork(pg_engine) as inner:
                inner.connection.execute(text("SELECT 1"))
                assert _driver_connection(inner) is not _driver_connection(outer)
            outer.connection.execute(text("SELECT 1"))  # still in its own transaction


def test_a_kept_connection_the_server_closed_fails_its_unit_and_the_next_takes_a_new_one(
        pg_engine: Engine, engine: Engine) -> None:
    with connections_kept(pg_engine):
        with UnitOfWork(pg_engine) as uow:
            closed = uow.connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with engine.connect() as other:
            assert other.exec_driver_sql(f"SELECT pg_terminate_backend({closed})").scalar_one()
        with pytest.raises(DBAPIError):
            with UnitOfWork(pg_engine) as uow:
                uow.connection.exec_driver_sql("SELECT 1")
        with UnitOfWork(pg_engine) as uow:
            assert uow.connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() != closed


def test_database_threads_keep_their_connections_while_jobs_come_and_give_them_back_when_idle(
        pg_engine: Engine) -> None:
    threads = DatabaseThreads(1, keeps=pg_engine)
    checkouts = []
    event.listen(pg_engine, "checkout", lambda *_: checkouts.append(1))

    def job() -> int:
        with UnitOfWork(pg_engine) as uow:
            uow.connection.execute(select(func.count()).select_from(PLAN))
            return pg_engine.pool.checkedout()

    async def burst_then_idle() -> tuple[list[int], int]:
        answers = await behind_a_held_thread(threads, [job] * 20)  # the burst, queued together
        for _ in range(100):  # the thread finds no job waiting and gives its connection back
            if pg_engine.pool.checkedout() == 0:
                break
            await asyncio.sleep(0.01)
        return answers, pg_engine.pool.checkedout()

    try:
        answers, idle = on_a_fresh_thread(lambda: asyncio.run(burst_then_idle()))
    finally:
        threads.shutdown()
    assert answers == [1] * 20
    assert len(checkouts) == 1  # one connection for the whole burst
    assert idle == 0


def test_a_kept_connection_that_failed_to_roll_back_is_dropped(pg_engine: Engine,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the reason (here not a lost server, which SQLAlchemy would notice itself), a
    connection whose unit could not be rolled back is not trusted with the next."""
    def refused(_: RootTransaction) -> None:
        raise RuntimeError("rollback refused")

    with connections_kept(pg_engine):
        with pytest.raises(RuntimeError), monkeypatch.context() as patch:
            with UnitOfWork(pg_engine) as uow:
                dropped = _driver_connection(uow)
                uow.connection.execute(text("SELECT 1"))
                patch.setattr(RootTransaction, "rollback", refused)
        with UnitOfWork(pg_engine) as uow:
            assert _driver_connection(uow) is not dropped
            assert pg_engine.pool.checkedout() == 1  # the dropped one went back to the pool, closed
