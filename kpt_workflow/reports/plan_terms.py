"""The legal terms of many plans at once, for the faces that follow terms rather than one plan:
the calendar feeds, the alerts, the public pages and the open data. Each plan's terms are its
status's own (`lifecycle.status.deadline_statuses` over the aggregate the repository reads), so a
date in a calendar, an alert or a CSV is the one the plan page shows.

The whole country's terms (1,134 plans in the demo) take about half a second to read; they change
only with an event in either chain (the plans' or the amendments') or with the day they are
counted to, so `TermsCache` keeps the last computation under those heads and that day."""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Connection

from kpt_workflow.law.facts import DocumentFacts
from kpt_workflow.lifecycle.aggregate import PlanRecord
from kpt_workflow.lifecycle.engine import workflow
from kpt_workflow.lifecycle.status import deadline_statuses
from kpt_workflow.storage import amendment_log, event_log
from kpt_workflow.storage.recorder import PLAN, PLAN_RECORD
from kpt_workflow.storage.repository import aggregate

T = TypeVar("T")


@dataclass(frozen=True)
class PlanTerms:
    """A plan with its state's words and its legal terms counted to `day` (each a dict of the
    status's `deadlines`), and its current documents."""

    plan: PlanRecord
    day: date
    state_label: str
    terminal: bool
    workflow_title: str
    deadlines: tuple[dict[str, Any], ...]
    documents: DocumentFacts

    @property
    def dated(self) -> tuple[dict[str, Any], ...]:
        """The terms that have a day (a term whose act has not been filed has none yet)."""
        return tuple(d for d in self.deadlines if d["date"] is not None)


def plan_terms(conn: Connection, plan: PlanRecord, day: date) -> PlanTerms:
    """One plan's terms, read in the caller's transaction (no strategy: no rule is judged)."""
    loaded = aggregate(conn, plan, day, rules=[])
    flow = workflow(plan.definition_name, plan.definition_version)
    state = flow.state(plan.state)
    return PlanTerms(plan, day, state.label, state.terminal, flow.definition.title, tuple(deadline_statuses(loaded)),
                     loaded.documents)


def many_plan_terms(conn: Connection, day: date, where: ColumnElement[bool] | None = None) -> list[PlanTerms]:
    """The terms of every plan that `where` (a condition on the plan and its entity) keeps, by id."""
    query = PLAN_RECORD.order_by(PLAN.c.id)
    rows = conn.execute(query if where is None else query.where(where))
    return [plan_terms(conn, PlanRecord(*row), day) for row in rows]


def chain_key(conn: Connection, day: date) -> tuple[object, ...]:
    """What every plan's terms on `day` depend on: both chains' heads, and the day."""
    return event_log.head(conn), amendment_log.head(conn), day


class TermsCache(Generic[T]):
    """The last value computed under one `chain_key`: a request under the same key gets it as it
    is; another key computes again and replaces it. One per process (the app's runtime), so with
    several workers each keeps its own. A lock keeps two readers from computing it at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entry: tuple[tuple[object, ...], T] | None = None

    def get(self, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        with self._lock:
            if self._entry is None or self._entry[0] != key:
                self._entry = (key, compute())
            return self._entry[1]
