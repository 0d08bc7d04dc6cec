"""What the faces show of one plan, each read in one transaction: the repository loads the
aggregate once and the lifecycle's pure functions shape it. The caller has already checked that
the actor may see the plan (kpt_workflow.services.access.visible_plan)."""

from datetime import date
from typing import Any

from kpt_workflow.lifecycle.completeness import completeness_report, debate_rules
from kpt_workflow.lifecycle.status import judged_rules, plan_status
from kpt_workflow.storage import event_log
from kpt_workflow.storage.repository import aggregate, load_plan, plan_record, program_facts
from kpt_workflow.storage.unit_of_work import UnitOfWork


def status(uow: UnitOfWork, plan_id: str, today: date, as_of: date | None = None) -> dict[str, object]:
    """The plan's status (CLI --json, API, pages): deadlines counted to `today`; with `as_of`, the
    plan as it was that day."""
    return plan_status(load_plan(uow.connection, plan_id, today, as_of=as_of))


def overview(uow: UnitOfWork, plan_id: str, today: date, as_of: date | None = None) -> dict[str, Any]:
    """The plan page: its status, every document version, its parte estratégica and its history
    (newest first)."""
    plan = load_plan(uow.connection, plan_id, today, as_of=as_of, versions=True)
    return {"status": plan_status(plan), "versions": list(plan.versions),
            "programs": program_facts(uow.connection, plan_id),
            "history": [event_log.event_view(e) for e in reversed(event_log.plan_events(uow.connection, plan_id))]}


def council_report(uow: UnitOfWork, plan_id: str, today: date) -> dict[str, Any]:
    """The council's completeness report (kpt_workflow.lifecycle.completeness)."""
    plan = plan_record(uow.connection, plan_id)
    return completeness_report(aggregate(uow.connection, plan, today, rules=[*debate_rules(plan), *judged_rules(plan)],
                                         versions=True))
