"""A plan as it was on a past date, from its events alone: its state, version and strategy as
recorded by then (acts legally dated up to that day). Status, API and pages read it through
`plan_status(..., as_of=…)`."""

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from kpt_workflow.storage import event_log
from kpt_workflow.base.errors import NotFound
from kpt_workflow.law.facts import InvestmentFact, ProgramFact
from kpt_workflow.storage.repository import PlanRecord, assemble_programs, plan_record
from kpt_workflow.lifecycle.strategy import investment_rows, strategic_rows


@dataclass(frozen=True)
class Snapshot:
    plan: PlanRecord
    programs: tuple[ProgramFact, ...]
    investments: tuple[InvestmentFact, ...]


def snapshot(conn: Connection, plan_id: str, as_of: date) -> Snapshot:
    """Fold the plan's events dated up to `as_of` (in the order they were recorded)."""
    current = plan_record(conn, plan_id)
    events = [e for e in event_log.plan_events(conn, plan_id) if e["legal_date"] is not None and e["legal_date"] <= as_of]
    if not events or events[0]["event_type"] != "plan_created":
        raise NotFound(f"El plan {plan_id} no existía el {as_of}.", plan=plan_id)
    state, entered, total = events[0]["to_state"], events[0]["legal_date"], None
    strategic, investments = None, None
    for event in events[1:]:
        if event["event_type"] == "transition_applied":
            state, entered = event["to_state"], event["legal_date"]
        elif event["event_type"] == "strategic_part_recorded":
            strategic = json.loads(event["payload"])
        elif event["event_type"] == "investment_plan_recorded":
            investments = json.loads(event["payload"])
            total = investments["total"]
    programs, goals = strategic_rows(plan_id, strategic) if strategic else ([], [])
    return Snapshot(
        plan=current._replace(state=state, state_entered_on=entered, version=len(events),
                     declared_investment_total=total),
        programs=assemble_programs(conn, [p.model_dump() for p in programs], [g.model_dump() for g in goals]),
        investments=tuple(InvestmentFact(r.program_code, r.year, r.source, r.amount)
                          for r in (investment_rows(plan_id, investments) if investments else [])),
    )
