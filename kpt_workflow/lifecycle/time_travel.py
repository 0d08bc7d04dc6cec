"""A plan as it was on a past date, from its events alone: its state, version and strategy as
recorded by then (acts legally dated up to that day). A pure fold: the repository hands it the
plan's events (kpt_workflow.storage.repository.load_plan, with `as_of`)."""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from kpt_workflow.base.errors import NotFound
from kpt_workflow.law import calendar
from kpt_workflow.lifecycle.aggregate import PlanRecord


@dataclass(frozen=True)
class PastPlan:
    """The plan row as it stood, with the parte estratégica and investment plan last recorded by
    then (their events' payloads; None when none was)."""

    plan: PlanRecord
    strategic_part: dict[str, Any] | None
    investment_plan: dict[str, Any] | None


def as_of(current: PlanRecord, events: Iterable[Mapping[str, Any]], day: date) -> PastPlan:
    """Fold the plan's events legally dated up to `day`, in the order they were recorded."""
    dated = [e for e in events if e["legal_date"] is not None and e["legal_date"] <= day]
    if not dated or dated[0]["event_type"] != "plan_created":
        raise NotFound(f"El plan {current.id} no existía el {calendar.written_date(day)}.", plan=current.id)
    state, entered, total = dated[0]["to_state"], dated[0]["legal_date"], None
    strategic, investments = None, None
    for event in dated[1:]:
        if event["event_type"] == "transition_applied":
            state, entered = event["to_state"], event["legal_date"]
        elif event["event_type"] == "strategic_part_recorded":
            strategic = json.loads(event["payload"])
        elif event["event_type"] == "investment_plan_recorded":
            investments = json.loads(event["payload"])
            total = investments["total"]
    past = current._replace(state=state, state_entered_on=entered, version=len(dated), declared_investment_total=total)
    return PastPlan(past, strategic, investments)
