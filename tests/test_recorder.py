"""The recorder: the documents' rows reach the fold as one JSON text, in whatever order the
database aggregated them, and the fold must not depend on that order (a deadline is met by the
FIRST filing); an event's insert held back on PostgreSQL is seen by every statement after it and
never outlives a rollback."""

import json
from collections.abc import Callable
from datetime import date, datetime, timezone

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, func, select

from kpt_workflow import audit
from kpt_workflow.db import make_engine
from kpt_workflow.facts import FILED, WITHDRAWN
from kpt_workflow.recorder import EVENTS, _folded_documents
from kpt_workflow.unit_of_work import UnitOfWork

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


def _note(plan_id: str, version: int) -> audit.NewEvent:
    """An event no use-case writes (no projection follows it), at a plan version of its own."""
    return audit.NewEvent(plan_id=plan_id, plan_version=version, event_type="nota_de_prueba", actor="test",
                          action="nota", recorded_at=datetime.now(timezone.utc), payload={"n": version})


def _events(conn: Connection, plan_id: str) -> int:
    return conn.execute(select(func.count()).select_from(EVENTS).where(EVENTS.c.plan_id == plan_id)).scalar_one()


def _committed(engine: Engine, plan_id: str) -> tuple[int, bool]:
    """The plan's events and whether the chain verifies, as another process sees them: on a new
    engine, since a pooled connection would send first what its recorder still holds back."""
    other = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        with other.connect() as conn:
            return _events(conn, plan_id), audit.verify(conn).ok
    finally:
        other.dispose()


def test_an_event_just_appended_is_seen_by_the_statements_after_it_and_the_next_links_to_it(
        engine: Engine, new_plan: Callable[..., str]) -> None:
    """On PostgreSQL the recorder holds the insert back until the next statement: none may miss it."""
    plan_id = new_plan()
    with UnitOfWork(engine, write=True) as uow:
        before = _events(uow.connection, plan_id)
        audit.append(uow.connection, _note(plan_id, 1000))
        assert _events(uow.connection, plan_id) == before + 1  # through SQLAlchemy
        audit.append(uow.connection, _note(plan_id, 1001))
        uow.commit({})
    assert _committed(engine, plan_id) == (before + 2, True)
    with engine.connect() as conn:
        first, second = audit.plan_events(conn, plan_id)[-2:]
    assert (second["seq"], second["prev_hash"]) == (first["seq"] + 1, first["hash"])


def test_an_append_rolled_back_is_never_sent_with_a_later_transaction(
        engine: Engine, new_plan: Callable[..., str]) -> None:
    plan_id = new_plan()
    with UnitOfWork(engine, write=True) as uow:
        before = _events(uow.connection, plan_id)
        audit.append(uow.connection, _note(plan_id, 1000))  # and no commit: the unit rolls back
    with UnitOfWork(engine, write=True) as uow:
        audit.append(uow.connection, _note(plan_id, 1001))
        uow.commit({})
    assert _committed(engine, plan_id) == (before + 1, True)


def test_an_append_committed_without_a_unit_of_work_is_kept(engine: Engine, new_plan: Callable[..., str]) -> None:
    """A commit that is not a unit of work's (`engine.begin()`, as bulk tools write) sends what was held back too."""
    plan_id = new_plan()
    with engine.connect() as conn:
        before = _events(conn, plan_id)
    with engine.begin() as conn:
        audit.append(conn, _note(plan_id, 1000))
    assert _committed(engine, plan_id) == (before + 1, True)
