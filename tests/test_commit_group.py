"""Group commit on SQLite (db.CommitGroup, and the database thread that uses it): units of work
run one after another in one transaction, each in a savepoint of its own, and become durable, and
visible to anyone else, together at one COMMIT; a unit that fails takes back only its own
writes; a group whose transaction SQLite ended takes everything back and says so."""

import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, event, text

from kpt_workflow import services
from kpt_workflow.services.access import operator
from kpt_workflow.audit.verify import verify
from kpt_workflow.storage.commit_group import CommitLost, commit_group
from kpt_workflow.storage.db import sqlite_writer
from kpt_workflow.storage.db_threads import DatabaseThreads
from kpt_workflow.base.errors import GuardFailed
from kpt_workflow.storage.unit_of_work import UnitOfWork
from waiting import hand_off_behind_a_held_thread, watch_waiting_writers


@pytest.fixture
def sqlite_engine(engine: Engine) -> Iterator[Engine]:
    """The test database with a scratch table `fila`."""
    if engine.dialect.name != "sqlite":
        pytest.skip("group commit is SQLite's: PostgreSQL takes several writers at once")
    with UnitOfWork(engine, write=True) as uow:
        uow.connection.execute(text("CREATE TABLE fila (n INTEGER PRIMARY KEY)"))
        uow.commit()
    yield engine


def _insert(engine: Engine, n: int) -> None:
    with UnitOfWork(engine, write=True) as uow:
        uow.connection.execute(text("INSERT INTO fila (n) VALUES (:n)"), {"n": n})
        uow.commit()


def _rows_seen_from_outside(engine: Engine) -> list[int]:
    """What another connection of the file sees: only what was committed."""
    outside = sqlite3.connect(engine.url.database)
    try:
        return [n for (n,) in outside.execute("SELECT n FROM fila ORDER BY n")]
    finally:
        outside.close()


def _commits(engine: Engine) -> list[int]:
    counted: list[int] = []
    event.listen(engine, "commit", lambda _conn: counted.append(1))
    return counted


def test_a_groups_units_see_each_other_and_the_world_sees_them_all_at_one_commit(sqlite_engine):
    commits = _commits(sqlite_engine)
    with commit_group(sqlite_writer(sqlite_engine)) as group:
        for n in range(5):
            _insert(sqlite_engine, n)
        with UnitOfWork(sqlite_engine) as reader:  # a read in the group reads the group's transaction
            assert reader.connection.execute(text("SELECT count(*) FROM fila")).scalar_one() == 5
        assert _rows_seen_from_outside(sqlite_engine) == []
    assert group.units == 6 and len(commits) == 1
    assert _rows_seen_from_outside(sqlite_engine) == [0, 1, 2, 3, 4]


def test_a_unit_that_fails_takes_back_only_its_own_writes(sqlite_engine):
    with commit_group(sqlite_writer(sqlite_engine)):
        _insert(sqlite_engine, 1)
        with pytest.raises(RuntimeError):
            with UnitOfWork(sqlite_engine, write=True) as failing:
                failing.connection.execute(text("INSERT INTO fila (n) VALUES (2)"))
                raise RuntimeError("el caso de uso falló")
        _insert(sqlite_engine, 3)
    assert _rows_seen_from_outside(sqlite_engine) == [1, 3]


def test_an_error_out_of_the_group_takes_back_every_unit(sqlite_engine):
    with pytest.raises(RuntimeError):
        with commit_group(sqlite_writer(sqlite_engine)):
            _insert(sqlite_engine, 1)
            raise RuntimeError("el hilo falló")
    assert _rows_seen_from_outside(sqlite_engine) == []
    _insert(sqlite_engine, 2)  # and the turn was given back
    assert _rows_seen_from_outside(sqlite_engine) == [2]


def _end_transaction_behind_the_groups_back(engine: Engine) -> None:
    """What SQLite does on a full disk or an I/O error: the transaction is rolled back whole."""
    with UnitOfWork(engine, write=True) as uow:
        uow.connection.connection.driver_connection.execute("ROLLBACK")


def test_a_group_whose_transaction_sqlite_ended_refuses_the_next_unit_and_fails_its_commit(sqlite_engine):
    with pytest.raises(CommitLost):
        with commit_group(sqlite_writer(sqlite_engine)):
            _insert(sqlite_engine, 1)
            _end_transaction_behind_the_groups_back(sqlite_engine)
            with pytest.raises(CommitLost, match="nada de lo hecho en él quedó guardado"):
                _insert(sqlite_engine, 2)  # its savepoint would have begun a transaction of its own
    assert _rows_seen_from_outside(sqlite_engine) == []
    _insert(sqlite_engine, 3)
    assert _rows_seen_from_outside(sqlite_engine) == [3]


def test_another_threads_writer_waits_for_the_whole_group(sqlite_engine):
    order: list[str] = []
    writer = sqlite_writer(sqlite_engine)
    with commit_group(writer):
        _insert(sqlite_engine, 1)
        waiting = watch_waiting_writers(writer.turns)
        other = threading.Thread(target=lambda: (_insert(sqlite_engine, 2), order.append("otro")))
        other.start()
        waiting.wait_for(1)  # the other thread's writer waits for its turn
        order.append("grupo")
    other.join(timeout=5)
    assert order == ["grupo", "otro"] and _rows_seen_from_outside(sqlite_engine) == [1, 2]


def test_use_cases_run_in_a_group_as_alone(sqlite_engine):
    """create_plan goes through the ORM Session, advance through Core; a refused step commits
    its blocked attempt and raises, and the attempt is kept with the group."""
    with commit_group(sqlite_writer(sqlite_engine)):
        with UnitOfWork(sqlite_engine, write=True) as uow:
            plan_id = str(services.create_plan(uow, entity_code="05001", period=2024, actor=operator("test"))["id"])
        with pytest.raises(GuardFailed):
            with UnitOfWork(sqlite_engine, write=True) as uow:
                services.advance(uow, plan_id=plan_id, trigger="iniciar_construccion", actor=operator("test"),
                                 legal_date=date(2024, 1, 20))
    with UnitOfWork(sqlite_engine) as uow:
        events = uow.connection.execute(text("SELECT event_type FROM audit_event WHERE plan_id = :id ORDER BY seq"),
                                        {"id": plan_id}).scalars().all()
        state = uow.connection.execute(text("SELECT state FROM plan WHERE id = :id"), {"id": plan_id}).scalar_one()
    assert events == ["plan_created", "transition_blocked"] and state == "alistamiento"
    with UnitOfWork(sqlite_engine) as uow:
        assert verify(uow.connection).ok


def test_the_database_thread_commits_the_jobs_waiting_together_once(sqlite_engine):
    threads = DatabaseThreads.for_engine(sqlite_engine)
    commits = _commits(sqlite_engine)

    def job(n: int) -> Callable[[], int]:
        return lambda: (_insert(sqlite_engine, n), n)[1]

    def failing() -> None:
        with UnitOfWork(sqlite_engine, write=True) as uow:
            uow.connection.execute(text("INSERT INTO fila (n) VALUES (99)"))
            raise RuntimeError("este falla")

    results = hand_off_behind_a_held_thread(threads, [job(1), failing, job(2), job(3)])

    assert [results[0], results[2], results[3]] == [1, 2, 3]
    assert isinstance(results[1], RuntimeError)
    assert len(commits) == 1  # the holding job wrote nothing: one group, one COMMIT, for the four jobs
    assert _rows_seen_from_outside(sqlite_engine) == [1, 2, 3]


def test_when_a_groups_commit_fails_every_job_of_it_gets_the_error_and_nothing_is_kept(sqlite_engine):
    threads = DatabaseThreads.for_engine(sqlite_engine)

    def kills_the_transaction() -> str:
        _insert(sqlite_engine, 2)
        _end_transaction_behind_the_groups_back(sqlite_engine)
        return "creí que sí"

    results = hand_off_behind_a_held_thread(threads, [lambda: _insert(sqlite_engine, 1), kills_the_transaction])
    assert all(isinstance(r, Exception) for r in results), results
    assert _rows_seen_from_outside(sqlite_engine) == []
