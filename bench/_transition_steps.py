"""Parts A and A∥ of bench/transitions.py: guarded steps with their audit event, as the service
runs them, timed from one caller and from many callers on the engine's database thread."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import Engine, func
from sqlmodel import select

from bench._plans import ACTOR, BACK_EDGE, LEGAL_DAY
from bench._timing import Samples, Timing, timed_loop
from kpt_workflow import services
from kpt_workflow.storage.db_threads import DatabaseThreads
from kpt_workflow.base.errors import GuardFailed
from kpt_workflow.storage.tables import AuditEvent, Plan
from kpt_workflow.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class TransitionRun:
    timing: Timing
    applied: int
    refused: int
    audit_event_bytes: float  # mean size of the text columns of the events written while timed


def mean_event_bytes(engine: Engine, after_seq: int) -> float:
    """Mean size of the text an audit event stores (JSON outcomes and payload, hashes, names)."""
    size = (func.length(AuditEvent.outcomes) + func.length(AuditEvent.payload) + func.length(AuditEvent.hash)
            + func.length(AuditEvent.prev_hash) + func.length(AuditEvent.plan_id) + func.length(AuditEvent.action)
            + func.length(AuditEvent.event_type) + func.length(AuditEvent.actor)
            + func.coalesce(func.length(AuditEvent.from_state), 0) + func.coalesce(func.length(AuditEvent.to_state), 0))
    with UnitOfWork(engine) as uow:
        value = uow.session.exec(select(func.avg(size)).where(AuditEvent.seq > after_seq)).one()
    return float(value or 0.0)


class BackEdgeSteps:
    """The timed steps of A and A∥ (one object for both: each plan takes its back edge in turn,
    whichever part fires it); applied and refused are counted (a refusal makes the run invalid)."""

    def __init__(self, engine: Engine, plan_ids: Sequence[str]) -> None:
        self.engine = engine
        self.plan_ids = plan_ids
        with UnitOfWork(engine) as uow:
            states = dict(uow.session.exec(select(Plan.id, Plan.state).where(Plan.id.in_(plan_ids))).all())  # type: ignore[attr-defined]
        self.next_trigger = {plan_id: BACK_EDGE[states[plan_id]] for plan_id in plan_ids}
        self.applied = self.refused = 0

    def step(self, plan_id: str) -> None:
        try:
            with UnitOfWork(self.engine, write=True) as uow:
                result = services.advance(uow, plan_id=plan_id, trigger=self.next_trigger[plan_id], actor=ACTOR,
                                          legal_date=LEGAL_DAY)
        except GuardFailed:
            self.refused += 1
            return
        self.applied += 1
        self.next_trigger[plan_id] = BACK_EDGE[str(result["to"])]


@dataclass
class TransitionParts:
    """Parts A and A∥ over the rounds: their calls, and what the steps they fired did."""

    steps: BackEdgeSteps
    callers: int
    one: Samples = field(default_factory=Samples)
    concurrent: Samples = field(default_factory=Samples)
    applied: dict[str, int] = field(default_factory=lambda: {"one": 0, "concurrent": 0})
    refused: dict[str, int] = field(default_factory=lambda: {"one": 0, "concurrent": 0})

    def run_one(self, seconds: float) -> None:
        """One caller: round-robin over the plans, each step in its own transaction."""
        plan_ids = self.steps.plan_ids
        with self._counted("one"):
            timed_loop(seconds, lambda i: self.steps.step(plan_ids[i % len(plan_ids)]), self.one)

    def run_concurrent(self, seconds: float, threads: DatabaseThreads) -> None:
        """`callers` closed-loop callers, plans dealt round-robin, steps on the engine's database thread."""
        plan_ids, callers, clock = self.steps.plan_ids, self.callers, time.perf_counter_ns
        latencies: list[int] = []

        async def caller(own: Sequence[str], deadline: int) -> None:
            i = 0
            while (now := clock()) < deadline:
                await threads.run(partial(self.steps.step, own[i % len(own)]))
                latencies.append(clock() - now)
                i += 1

        async def all_callers() -> int:
            start = clock()
            deadline = start + int(seconds * 1e9)
            await asyncio.gather(*(caller(plan_ids[k::callers], deadline) for k in range(callers)))
            return clock() - start

        with self._counted("concurrent"):
            self.concurrent.add(latencies, asyncio.run(all_callers()) / 1e9)

    @contextmanager
    def _counted(self, part: str) -> Iterator[None]:
        applied, refused = self.steps.applied, self.steps.refused
        yield
        self.applied[part] += self.steps.applied - applied
        self.refused[part] += self.steps.refused - refused

    def run(self, part: str, first_seq: int) -> TransitionRun:
        samples = self.one if part == "one" else self.concurrent
        return TransitionRun(timing=samples.timing(), applied=self.applied[part], refused=self.refused[part],
                             audit_event_bytes=mean_event_bytes(self.steps.engine, first_seq))
