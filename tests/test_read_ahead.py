"""A step's reads in one statement on PostgreSQL (kpt_workflow/services/read_ahead.py): each read it
answers gets what it would have read, with no statement of its own, once; and what a change it
waited for may have made stale (the key's answer, the documents) is read again after the lock."""

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text, update

from kpt_workflow.base.roles import PLANEACION
from kpt_workflow.services.accounts import actor_for_token, create_user
from kpt_workflow.storage.idempotency import Answer, Claim, previous
from kpt_workflow.services.read_ahead import read_step_ahead
from kpt_workflow.storage.recorder import PLAN, recorder
from kpt_workflow.storage.repository import latest_documents, plan_record
from kpt_workflow.storage.unit_of_work import UnitOfWork

LEGAL_DAY = date(2024, 3, 1)


@pytest.fixture
def postgres(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("the reads come in one statement on PostgreSQL only")
    return engine


@pytest.fixture
def office(postgres: Engine, new_plan: Callable[..., str]) -> tuple[str, str, str]:
    """A plan, its planning office's user and that user's API token."""
    plan_id = new_plan()
    username = f"oficina-{secrets.token_hex(4)}"
    with UnitOfWork(postgres, write=True) as uow:
        _, token = create_user(uow.session, username=username, role=PLANEACION, entity_code=plan_id.split("-")[0])
        uow.commit({})
    return plan_id, username, token


def _claim(username: str, key: str) -> Claim:
    return Claim(username, key, "hash-of-the-request", lambda outcome: Answer(200, "{}"))


def _store_key(conn: Connection, username: str, key: str) -> None:
    conn.execute(text("INSERT INTO idempotency_record (username, key, request_hash, status_code, response_body, "
                      "created_at) VALUES (:username, :key, 'hash-of-the-request', 200, '{\"stored\": true}', :now)"),
                 {"username": username, "key": key, "now": datetime.now(timezone.utc)})


class _Counted:
    """The recorder's cursor, counting the statements sent through it."""

    def __init__(self, cursor: Any) -> None:
        self.cursor, self.statements = cursor, 0

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        self.statements += 1
        return self.cursor.execute(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cursor, name)


def _reads(conn: Connection, token: str, plan_id: str, username: str, key: str) -> tuple[object, ...]:
    return (actor_for_token(conn, token), plan_record(conn, plan_id, for_update=True),
            previous(conn, _claim(username, key)), latest_documents(conn, plan_id, as_of=LEGAL_DAY))


@pytest.fixture
def counted(engine: Engine) -> Iterator[Callable[[Connection], _Counted]]:
    """Count a connection's recorder statements; its own cursor is put back after the test."""
    swapped: list[tuple[Any, Any]] = []

    def count(conn: Connection) -> _Counted:
        store = recorder(conn)
        swapped.append((store, store.cursor))
        store.cursor = _Counted(store.cursor)
        return store.cursor

    yield count
    for store, cursor in reversed(swapped):
        store.cursor = cursor


def test_the_reads_of_a_step_come_in_one_statement_each_answered_once_as_it_would_read(
        postgres: Engine, office: tuple[str, str, str], counted: Callable[[Connection], _Counted]) -> None:
    plan_id, username, token = office
    with postgres.begin() as conn:
        _store_key(conn, username, "k-1")
    with UnitOfWork(postgres, write=True) as uow:
        expected = _reads(uow.connection, token, plan_id, username, "k-1")
    assert expected[2] == Answer(200, '{"stored": true}')

    with UnitOfWork(postgres, write=True) as uow:
        cursor = counted(uow.connection)
        read_step_ahead(uow.connection, token, plan_id, "k-1", LEGAL_DAY)
        assert cursor.statements == 1
        assert _reads(uow.connection, token, plan_id, username, "k-1") == expected
        assert cursor.statements == 1  # every read answered from the one statement
        previous(uow.connection, _claim(username, "k-1"))
        assert cursor.statements == 2  # once: a second read is a statement


def test_what_was_read_ahead_is_forgotten_at_a_write(
        postgres: Engine, office: tuple[str, str, str], counted: Callable[[Connection], _Counted]) -> None:
    plan_id, username, token = office
    with UnitOfWork(postgres, write=True) as uow:
        read_step_ahead(uow.connection, token, plan_id, "k-2", LEGAL_DAY)
        version = plan_record(uow.connection, plan_id, for_update=True).version
        uow.connection.execute(update(PLAN).where(PLAN.c.id == plan_id).values(version=version + 1))
        cursor = counted(uow.connection)
        assert actor_for_token(uow.connection, token) is not None
        assert plan_record(uow.connection, plan_id, for_update=True).version == version + 1
        assert cursor.statements == 2


def test_what_was_read_ahead_does_not_outlive_its_transaction(
        postgres: Engine, office: tuple[str, str, str], counted: Callable[[Connection], _Counted]) -> None:
    """On one connection (its recorder lives as long as it does), a transaction after the one that read ahead."""
    plan_id, username, token = office
    with postgres.connect() as conn:
        for end in (Connection.rollback, Connection.commit):
            with conn.begin():
                read_step_ahead(conn, token, plan_id, "k-4", LEGAL_DAY)
                end(conn)
            with conn.begin():
                cursor = counted(conn)
                assert previous(conn, _claim(username, "k-4")) is None
                assert cursor.statements == 1, end.__name__


def test_a_key_answered_while_the_read_waited_for_the_plan_is_read_after_the_lock(
        postgres: Engine, office: tuple[str, str, str]) -> None:
    """The one statement's snapshot predates the change it waited for; the plan's version shows it,
    and the key's answer that change stored is read anew, not missed."""
    plan_id, username, token = office
    found: list[object] = []

    def step() -> None:
        with UnitOfWork(postgres, write=True) as uow:
            read_step_ahead(uow.connection, token, plan_id, "k-3", LEGAL_DAY)  # waits for the lock below
            found.append(previous(uow.connection, _claim(username, "k-3")))
            found.append(plan_record(uow.connection, plan_id, for_update=True).version)

    with postgres.connect() as other:
        with other.begin():
            version = other.execute(text("SELECT version FROM plan WHERE id = :id FOR UPDATE"),
                                    {"id": plan_id}).scalar_one()
            waiting = threading.Thread(target=step)
            waiting.start()
            _until_waiting_for_a_lock(other)
            other.execute(update(PLAN).where(PLAN.c.id == plan_id).values(version=version + 1))
            _store_key(other, username, "k-3")
        waiting.join(timeout=30)
    assert found == [Answer(200, '{"stored": true}'), version + 1]


def _until_waiting_for_a_lock(conn: Connection) -> None:
    for _ in range(300):
        if conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar_one():
            return
        time.sleep(0.01)
    raise AssertionError("the step never waited for the plan's lock")


def test_on_sqlite_nothing_is_read_ahead(engine: Engine, new_plan: Callable[..., str],
                                        counted: Callable[[Connection], _Counted]) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    plan_id = new_plan()
    with UnitOfWork(engine, write=True) as uow:
        cursor = counted(uow.connection)
        read_step_ahead(uow.connection, "any-token", plan_id, "k", LEGAL_DAY)
        assert cursor.statements == 0


def test_a_bump_of_the_plan_locked_at_the_version_read_goes_to_the_server_with_the_commit(
        postgres: Engine, office: tuple[str, str, str], counted: Callable[[Connection], _Counted]) -> None:
    """This transaction holds the plan's row locked at the version it read, so the version bump
    cannot miss: it is held back and sent with the event and the COMMIT, no round trip of its
    own. Whatever runs after it sees it; a bump from a version the plan no longer has is sent at
    once and refused; a rollback drops it."""
    plan_id, _, _ = office
    with UnitOfWork(postgres, write=True) as uow:
        read = plan_record(uow.connection, plan_id, for_update=True)
        cursor, store = counted(uow.connection), recorder(uow.connection)
        assert store.bump(plan_id, read.version, read.version + 1, {"state": "construccion_articulada"})
        assert cursor.statements == 0
        again = plan_record(uow.connection, plan_id, for_update=True)
        assert (again.version, again.state, cursor.statements) == (read.version + 1, "construccion_articulada", 2)
        assert not store.bump(plan_id, read.version, read.version + 2, {})
        assert cursor.statements == 3
        uow.commit({})
    with UnitOfWork(postgres, write=True) as uow:
        locked = plan_record(uow.connection, plan_id, for_update=True)
        assert recorder(uow.connection).bump(plan_id, locked.version, locked.version + 5, {})
    with postgres.connect() as conn:
        assert plan_record(conn, plan_id).version == read.version + 1
