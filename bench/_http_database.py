"""Part A's database in bench/http.py: prepared before the rounds (plans before the council,
one API user per role and entity, the clients' cursors) and checked after them, with the
server stopped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select

from bench._http_load import Cursor
from bench._plans import BACK_EDGE, BUSY_TIMEOUT_MS, create_database
from kpt_workflow.audit.verify import verify as verify_chain
from kpt_workflow.storage import event_log
from kpt_workflow.audit import replay
from kpt_workflow.services.accounts import create_user
from kpt_workflow.services.bootstrap import init_database
from kpt_workflow.storage.db import make_engine
from kpt_workflow.lifecycle.engine import default_workflow
from kpt_workflow.storage.idempotency import TABLE as IDEMPOTENCY
from kpt_workflow.storage.recorder import PLAN
from kpt_workflow.states.schema import TransitionSpec
from kpt_workflow.storage.unit_of_work import UnitOfWork


def open_database(url: str | None, directory: Path) -> Engine:
    """A fresh SQLite file in `directory`, or the PostgreSQL database at `url`, which must hold no plans."""
    if url is None:
        return create_database(directory)
    engine = make_engine(url, BUSY_TIMEOUT_MS)
    init_database(engine)
    with engine.connect() as conn:
        plans = conn.execute(select(func.count()).select_from(PLAN)).scalar_one()
    if plans:
        engine.dispose()
        raise SystemExit(f"--url: the database already holds {plans} plans; give a new one")
    return engine


def back_edge_steps() -> dict[str, TransitionSpec]:
    """The back-edge steps as the workflow declares them: where each leads, and whose act it is
    (the role the route requires of the token)."""
    triggers = set(BACK_EDGE.values())
    return {t.trigger: t for t in default_workflow().definition.transitions if t.trigger in triggers}


def prepare_cursors(engine: Engine, plan_ids: Sequence[str]) -> list[Cursor]:
    """The plans as they stand after setup: all before the council, at their current version."""
    with engine.connect() as conn:
        rows = {row.id: row for row in conn.execute(
            select(PLAN.c.id, PLAN.c.entity_code, PLAN.c.state, PLAN.c.version).where(PLAN.c.id.in_(plan_ids)))}
    return [Cursor(plan_id, rows[plan_id].entity_code, BACK_EDGE[rows[plan_id].state], rows[plan_id].version)
            for plan_id in plan_ids]


def username(role: str, entity_code: str) -> str:
    return f"bench-{role}-{entity_code}"


def create_tokens(engine: Engine, entity_codes: Sequence[str], roles: Sequence[str]) -> dict[tuple[str, str], str]:
    """One API user per role and entity: only an entity's own office or council may record its steps."""
    tokens = {}
    with UnitOfWork(engine, write=True) as uow:
        for code in entity_codes:
            for role in roles:
                _, tokens[role, code] = create_user(uow.session, username=username(role, code), role=role,
                                                    entity_code=code)
        uow.commit()
    return tokens


@dataclass(frozen=True)
class Invariants:
    """What part A left in the database, checked with the server stopped."""

    answered_ok: int  # 200 answers, warm-up included
    keyed: bool  # the requests carried an Idempotency-Key
    events_added: int
    transitions_applied: int  # of those events
    idempotency_records: int  # keys stored with a 200 answer
    chain_ok: bool
    chain_events: int
    chain_problem: str | None
    replay_differences: list[str]  # the first few

    @property
    def ok(self) -> bool:
        return (self.chain_ok and not self.replay_differences
                and self.answered_ok == self.events_added == self.transitions_applied
                and self.idempotency_records == (self.answered_ok if self.keyed else 0))


def check_invariants(engine: Engine, first_seq: int, answered_ok: int, keyed: bool,
                     users: Sequence[str]) -> Invariants:
    events = event_log.EVENTS
    with engine.connect() as conn:
        added = dict(conn.execute(select(events.c.event_type, func.count()).where(events.c.seq > first_seq)
                                  .group_by(events.c.event_type)).all())
        keys = conn.execute(select(func.count()).select_from(IDEMPOTENCY).where(
            IDEMPOTENCY.c.username.in_(users), IDEMPOTENCY.c.status_code == 200)).scalar_one()
        chain = verify_chain(conn)
        differences = replay.differences(conn)
    return Invariants(answered_ok=answered_ok, keyed=keyed, events_added=sum(added.values()),
                      transitions_applied=added.get("transition_applied", 0), idempotency_records=keys,
                      chain_ok=chain.ok, chain_events=chain.events, chain_problem=chain.problem,
                      replay_differences=differences[:5])
