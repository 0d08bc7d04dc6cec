"""The one shape of a plan's status (CLI --json, API, pages): DESIGN.md, "Interfaces"."""

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from sqlalchemy import Connection

from kpt_workflow.law import deadlines as deadline_terms
from kpt_workflow.reference.document_types import load_catalog
from kpt_workflow.lifecycle.engine import workflow
from kpt_workflow.law.facts import DocumentFacts, PlanFacts
from kpt_workflow.storage.repository import PlanRecord, investment_facts, latest_documents, plan_record, program_facts
from kpt_workflow.rules import evaluate, reads_strategy
from kpt_workflow.lifecycle.time_travel import Snapshot, snapshot


def plan_deadlines(plan: PlanRecord, documents: DocumentFacts) -> tuple[deadline_terms.Deadline, ...]:
    """The plan's legal terms under its definition, given its documents."""
    return _deadlines(plan.definition_name, plan.definition_version, plan.period, documents)


@lru_cache(maxsize=4096)
def _deadlines(definition_name: str, definition_version: int, period: int,
               documents: DocumentFacts) -> tuple[deadline_terms.Deadline, ...]:
    """Every step and status asks again for the same plan with the same documents: cached by them
    (a `Deadline` is immutable, so sharing one is safe)."""
    definition = workflow(definition_name, definition_version).definition
    return tuple(deadline_terms.compute(definition.deadlines, period, documents))


def plan_facts(conn: Connection, plan: PlanRecord, today: date, rule_names: Iterable[str],
               past: Snapshot | None = None) -> tuple[PlanFacts, tuple[deadline_terms.Deadline, ...]]:
    """Snapshot the plan for the rules named, with its deadlines computed from the definition's
    data; the parte estratégica and investment plan are read only if one of those rules judges them
    (from `past`, the plan rebuilt from its events, when looking back in time)."""
    documents = latest_documents(conn, plan.id, as_of=today)
    terms = plan_deadlines(plan, documents)
    strategy = reads_strategy(rule_names)
    facts = PlanFacts(
        plan_id=plan.id, entity_code=plan.entity_code, entity_name=plan.entity_name, entity_kind=plan.entity_kind,
        period=plan.period, state=plan.state, today=today, state_entered_on=plan.state_entered_on,
        documents=documents, deadlines={d.spec.code: d.fact for d in terms},
        programs=(past.programs if past else program_facts(conn, plan.id)) if strategy else (),
        investments=(past.investments if past else investment_facts(conn, plan.id)) if strategy else (),
        declared_investment_total=plan.declared_investment_total,
    )
    return facts, terms


def plan_status(conn: Connection, plan_id: str, today: date, as_of: date | None = None) -> dict[str, object]:
    """The status with deadlines counted to `today`; with `as_of`, the plan as it was on that day
    (state, version, documents, strategy and deadlines), rebuilt from its events."""
    past = snapshot(conn, plan_id, as_of) if as_of is not None else None
    plan = past.plan if past else plan_record(conn, plan_id)
    today = as_of or today
    flow = workflow(plan.definition_name, plan.definition_version)
    transitions = flow.transitions_from(plan.state)
    facts, terms = plan_facts(conn, plan, today, [r for t in transitions for r in t.rules], past)
    catalog = load_catalog()
    next_steps = []
    for transition in transitions:
        outcomes = evaluate(transition.rules, facts)
        next_steps.append({
            "trigger": transition.trigger, "label": transition.label, "to": transition.dest,
            "allowed": all(o.passed for o in outcomes), "checklist": [o.as_dict() for o in outcomes],
        })
    return {
        "id": plan.id,
        "entity": {"code": plan.entity_code, "name": plan.entity_name, "kind": plan.entity_kind,
                   "department_code": plan.department_code, "department_name": plan.department_name},
        "period": plan.period,
        "state": plan.state,
        "state_label": flow.state(plan.state).label,
        "state_entered_on": plan.state_entered_on.isoformat(),
        "terminal": flow.state(plan.state).terminal,
        "version": plan.version,
        "definition": {"name": plan.definition_name, "version": plan.definition_version},
        "today": today.isoformat(),
        "as_of": as_of.isoformat() if as_of else None,
        "next": next_steps,
        "deadlines": [d.as_status(today) for d in terms],
        "documents": [
            {"doc_type": d.doc_type, "label": catalog.get(d.doc_type).label_for(plan.entity_kind), "version": d.version,
             "status": d.status, "legal_date": d.legal_date.isoformat() if d.legal_date else None, "number": d.number}
            for d in facts.documents.values()
        ],
    }
