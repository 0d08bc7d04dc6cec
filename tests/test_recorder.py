"""The recorder: the documents' rows reach the fold as one JSON text, in whatever order the
database aggregated them, and the fold must not depend on that order (a deadline is met by the
FIRST filing); an event's insert held back on PostgreSQL is seen by every statement after it and
never outlives a rollback; a plan row read FOR UPDATE is remembered no longer than it holds."""

import json
from collections.abc import Callable
from datetime import date, datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, func, select, update

from kpt_workflow.audit.verify import verify
from kpt_workflow.storage import amendment_log, event_log
from kpt_workflow.law.facts import FILED, WITHDRAWN
from kpt_workflow.storage.commit_group import commit_group
from kpt_workflow.storage.db import make_engine, sqlite_writer
from kpt_workflow.storage.recorder import EVENTS, HEAD, PLAN, _folded_documents, recorder
from kpt_workflow.storage.repository import plan_record
from kpt_workflow.storage.unit_of_work import UnitOfWork

ROWS = [
    ["acta_ctp", 1, FILED, "2024-03-01", None],
    ["acta_ctp", 2, WITHDRAWN, "2024-03-10", None],
    ["acta_ctp", 3, FILED, "2024-04-02", "CTP-7"],
    ["proyecto_pdt", 1, FILED, "2024-02-29", None],
]


@given(st.permutations(ROWS))
def test_the_fold_of_the_documents_does_not_depend_on_the_order_of_their_rows(rows: list[list[object]]) -> None:
    facts = _folded_documents(json.dumps(rows))

    ctp = facts.get("acta_ctp")
    assert ctp is not None
    assert (ctp.version, ctp.status, ctp.number) == (3, FILED, "CTP-7")
    assert ctp.legal_date == date(2024, 4, 2) and ctp.first_filed_on == date(2024, 3, 1)
    assert facts.get("proyecto_pdt") is not None


def _note(plan_id: str, version: int) -> event_log.NewEvent:
    """An event no use-case writes (no projection follows it), at a plan version of its own."""
    return event_log.NewEvent(plan_id=plan_id, plan_version=version, event_type="nota_de_prueba", actor="test",
                          action="nota", recorded_at=datetime.now(timezone.utc), payload={"n": version})


def _events(conn: Connection, plan_id: str) -> int:
    return conn.execute(select(func.count()).select_from(EVENTS).where(EVENTS.c.plan_id == plan_id)).scalar_one()


def _committed(engine: Engine, plan_id: str) -> tuple[int, bool]:
    """The plan's events and whether the chain verifies, as another process sees them: on a new
    engine, since a pooled connection would send first what its recorder still holds back."""
    other = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        with other.connect() as conn:
            return _events(conn, plan_id), verify(conn).ok
    finally:
        other.dispose()


def test_an_event_just_appended_is_seen_by_the_statements_after_it_and_the_next_links_to_it(
        engine: Engine, new_plan: Callable[..., str]) -> None:
    """On PostgreSQL the recorder holds the insert back until the next statement: none may miss it."""
    plan_id = new_plan()
    with UnitOfWork(engine, write=True) as uow:
        before = _events(uow.connection, plan_id)
        event_log.append(uow.connection, _note(plan_id, 1000))
        assert _events(uow.connection, plan_id) == before + 1  # through SQLAlchemy
        event_log.append(uow.connection, _note(plan_id, 1001))
        uow.commit({})
    assert _committed(engine, plan_id) == (before + 2, True)
    with engine.connect() as conn:
        first, second = event_log.plan_events(conn, plan_id)[-2:]
    assert (second["seq"], second["prev_hash"]) == (first["seq"] + 1, first["hash"])


def test_an_append_rolled_back_is_never_sent_with_a_later_transaction(
        engine: Engine, new_plan: Callable[..., str]) -> None:
    plan_id = new_plan()
    with UnitOfWork(engine, write=True) as uow:
        before = _events(uow.connection, plan_id)
        event_log.append(uow.connection, _note(plan_id, 1000))  # and no commit: the unit rolls back
    with UnitOfWork(engine, write=True) as uow:
        event_log.append(uow.connection, _note(plan_id, 1001))
        uow.commit({})
    assert _committed(engine, plan_id) == (before + 1, True)


def test_an_append_committed_without_a_unit_of_work_is_kept(engine: Engine, new_plan: Callable[..., str]) -> None:
    """A commit that is not a unit of work's (`engine.begin()`, as bulk tools write) sends what was held back too."""
    plan_id = new_plan()
    with engine.connect() as conn:
        before = _events(conn, plan_id)
    with engine.begin() as conn:
        event_log.append(conn, _note(plan_id, 1000))
    assert _committed(engine, plan_id) == (before + 1, True)


def _version_elsewhere(engine: Engine, plan_id: str, version: int) -> None:
    """Another connection's committed change to the plan (as another process would make it)."""
    other = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        with other.begin() as conn:
            conn.execute(update(PLAN).where(PLAN.c.id == plan_id).values(version=version))
    finally:
        other.dispose()


def test_a_plan_locked_by_a_read_is_read_once_until_a_write_or_the_end_of_the_transaction(
        engine: Engine, new_plan: Callable[..., str]) -> None:
    """A row read for update is remembered (the caller's access, then the change read it): never
    past a statement that may change it, nor past the transaction whose lock kept it current."""
    plan_id = new_plan()
    with UnitOfWork(engine, write=True) as uow:
        store = recorder(uow.connection)
        row = store.plan_row(plan_id, True)
        assert store.plan_row(plan_id, True) is row  # no statement the second time
        first = plan_record(uow.connection, plan_id, for_update=True)
        assert store.bump(plan_id, first.version, first.version + 1, {})
        assert plan_record(uow.connection, plan_id, for_update=True).version == first.version + 1
        uow.connection.execute(update(PLAN).where(PLAN.c.id == plan_id).values(version=first.version + 2))
        assert plan_record(uow.connection, plan_id, for_update=True).version == first.version + 2
        uow.commit({})
    _version_elsewhere(engine, plan_id, first.version + 3)
    with UnitOfWork(engine, write=True) as uow:
        assert plan_record(uow.connection, plan_id, for_update=True).version == first.version + 3
    _version_elsewhere(engine, plan_id, first.version + 4)  # after a rollback, too
    with UnitOfWork(engine, write=True) as uow:
        assert plan_record(uow.connection, plan_id, for_update=True).version == first.version + 4


def test_a_steps_documents_are_read_from_their_index_alone(engine: Engine, new_plan: Callable[..., str]) -> None:
    """Every step reads its plan's documents (migration 0020): on SQLite from the index that holds
    the columns it reads, never row by row from the table; on PostgreSQL through that index."""
    plan_id = new_plan()
    with UnitOfWork(engine) as uow:
        store = recorder(uow.connection)
        statement = store.sql.documents
        explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        if engine.dialect.name == "postgresql":  # a fresh table's statistics must not decide the test
            store.cursor.execute("SET LOCAL enable_seqscan = off")
        plan = " ".join(str(cell) for row in store.rows(explain + statement, (plan_id, "2024-06-30"))
                        for cell in row)
    expected = "COVERING INDEX ix_document_facts" if engine.dialect.name == "sqlite" else "ix_document_facts"
    assert expected in plan, plan


def _heads_read(engine: Engine) -> list[str]:
    """The chain-head reads SQLite's writing connection sends from now on (SQLite's own trace)."""
    read: list[str] = []
    writer = sqlite_writer(engine)
    assert writer is not None
    writer.connection().connection.driver_connection.set_trace_callback(  # type: ignore[union-attr]
        lambda sql: read.append(sql) if sql == HEAD else None)
    return read


def test_a_commit_groups_steps_read_the_chains_head_once_and_never_one_undone(
        engine: Engine, new_plan: Callable[..., str]) -> None:
    """On SQLite the event a unit placed is the head the next unit of its group links to, unread;
    a unit whose savepoint rolled back leaves the head where it was, and so does the recorder."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL places the event in one statement, reading the head there")
    plan_id = new_plan()
    heads = _heads_read(engine)
    with commit_group(sqlite_writer(engine)):
        for version in (1000, 1001):
            with UnitOfWork(engine, write=True) as uow:
                event_log.append(uow.connection, _note(plan_id, version))
                uow.commit({})
        with pytest.raises(RuntimeError), UnitOfWork(engine, write=True) as undone:
            event_log.append(undone.connection, _note(plan_id, 1002))
            raise RuntimeError("el caso de uso falló después de su evento")
        with UnitOfWork(engine, write=True) as uow:
            event_log.append(uow.connection, _note(plan_id, 1003))
            uow.commit({})
    assert len(heads) == 2  # the group's first unit, and the one after the rolled-back unit
    with engine.connect() as conn:
        assert [e["plan_version"] for e in event_log.plan_events(conn, plan_id)[-3:]] == [1000, 1001, 1003]
    assert _committed(engine, plan_id)[1]


def test_an_event_another_process_placed_between_two_transactions_is_linked_to(
        engine: Engine, new_plan: Callable[..., str]) -> None:
    """What a transaction knew of the chain's head ends with it: another process may append before the next."""
    plan_id = new_plan()
    before = _committed(engine, plan_id)[0]
    for version in (1000, 1002):
        with UnitOfWork(engine, write=True) as uow:
            event_log.append(uow.connection, _note(plan_id, version))
            uow.commit({})
        other = make_engine(engine.url.render_as_string(hide_password=False))
        try:
            with other.begin() as conn:
                event_log.append(conn, _note(plan_id, version + 1))
        finally:
            other.dispose()
    assert _committed(engine, plan_id) == (before + 4, True)


def _amendment(n: int) -> dict[str, object]:
    return {"norm": f"Decreto de prueba {n}", "article": "1", "norm_date": "2024-01-02", "in_force_from": "2024-01-02",
            "periods": [2024], "scope": "todas", "scope_values": [], "deadline": "aprobacion",
            "new_date": "2024-06-28", "from_act": None, "months": None, "working_days": None}


def test_a_commit_groups_steps_read_the_amendments_head_once_and_see_every_amendment(engine: Engine) -> None:
    """Every step asks for the amendments' head: in a commit group the first asks the database;
    an amendment recorded in the group is seen by the units after it, one undone is not."""
    if engine.dialect.name != "sqlite":
        pytest.skip("a commit group is SQLite's")
    reads: list[str] = []
    writer = sqlite_writer(engine)
    assert writer is not None
    writer.connection().connection.driver_connection.set_trace_callback(  # type: ignore[union-attr]
        lambda sql: reads.append(sql) if sql.startswith("SELECT seq, hash FROM amendment_event") else None)
    now = datetime.now(timezone.utc)
    with commit_group(writer):
        with UnitOfWork(engine, write=True) as uow:
            before = amendment_log.head(uow.connection)
            uow.commit({})
        with UnitOfWork(engine, write=True) as uow:
            assert amendment_log.head(uow.connection) == before
            recorded = amendment_log.append(uow.connection, _amendment(1), "test", now)
            assert amendment_log.head(uow.connection)[0] == recorded  # type: ignore[index]
            uow.commit({})
        with pytest.raises(RuntimeError), UnitOfWork(engine, write=True) as undone:
            amendment_log.append(undone.connection, _amendment(2), "test", now)
            assert amendment_log.head(undone.connection)[0] == recorded + 1  # type: ignore[index]
            raise RuntimeError("el caso de uso falló después de la enmienda")
        with UnitOfWork(engine, write=True) as uow:
            assert amendment_log.head(uow.connection)[0] == recorded  # type: ignore[index]
            uow.commit({})
    assert len(reads) == 4  # the group's first, and after each amendment recorded or undone; not the second unit's
