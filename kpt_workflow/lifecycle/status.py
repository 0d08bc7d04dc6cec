"""The one shape of a plan's status (CLI --json, API, pages): DESIGN.md, "Interfaces"."""

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from kpt_workflow.law import deadlines as deadline_terms
from kpt_workflow.law.amendments import Amendment, in_force_on
from kpt_workflow.reference.document_types import document_label
from kpt_workflow.lifecycle.engine import workflow
from kpt_workflow.base.words import acting_label
from kpt_workflow.law.facts import STATUS_LABELS, DocumentFacts, PlanFacts
from kpt_workflow.lifecycle.aggregate import PlanAggregate, PlanRecord
from kpt_workflow.rules import evaluate, reads_strategy


def plan_deadlines(plan: PlanRecord, documents: DocumentFacts, amendments: tuple[Amendment, ...] = (),
                   day: date | None = None) -> tuple[deadline_terms.Deadline, ...]:
    """The plan's legal terms under its definition, given its documents and the legal amendments
    that reach it (`amendments`), those in force on `day` replacing the definition's term."""
    in_force = in_force_on(amendments, day) if day is not None else ()
    return _deadlines(plan.definition_name, plan.definition_version, plan.period, documents, in_force)


@lru_cache(maxsize=4096)
def _deadlines(definition_name: str, definition_version: int, period: int,
               documents: DocumentFacts, amendments: tuple[Amendment, ...]) -> tuple[deadline_terms.Deadline, ...]:
    """Every step and status asks again for the same plan with the same documents: cached by them
    (a `Deadline` is immutable, so sharing one is safe)."""
    definition = workflow(definition_name, definition_version).definition
    return tuple(deadline_terms.compute(definition.deadlines, period, documents, amendments))


def judged_rules(plan: PlanRecord) -> list[str]:
    """The rules of every step the plan can take from its state: what its status shows."""
    return [r for t in workflow(plan.definition_name, plan.definition_version).transitions_from(plan.state)
            for r in t.rules]


def needs_strategy(rule_names: Iterable[str]) -> bool:
    """Whether any of these rules judges the parte estratégica or the investment plan (only then
    does the repository read them)."""
    return reads_strategy(rule_names)


def plan_facts(aggregate: PlanAggregate, today: date) -> tuple[PlanFacts, tuple[deadline_terms.Deadline, ...]]:
    """Snapshot the plan for its rules, with its deadlines computed from the definition's data."""
    plan, documents = aggregate.plan, aggregate.documents
    terms = plan_deadlines(plan, documents, aggregate.amendments, today)
    facts = PlanFacts(
        plan_id=plan.id, entity_code=plan.entity_code, entity_name=plan.entity_name, entity_kind=plan.entity_kind,
        period=plan.period, state=plan.state, today=today, state_entered_on=plan.state_entered_on,
        documents=documents, deadlines={d.spec.code: d.fact for d in terms},
        programs=aggregate.programs, investments=aggregate.investments,
        declared_investment_total=plan.declared_investment_total,
    )
    return facts, terms


def deadline_statuses(aggregate: PlanAggregate) -> list[dict[str, object]]:
    """The plan's legal terms counted to the aggregate's day, as its status shows them (the
    calendars, the alerts and the public view read these same dicts)."""
    plan, day = aggregate.plan, aggregate.day
    return _statuses(plan_deadlines(plan, aggregate.documents, aggregate.amendments, day), day, plan.entity_kind)


def _statuses(terms: Iterable[deadline_terms.Deadline], today: date, entity_kind: str) -> list[dict[str, object]]:
    """Each term as the status shows it; one not begun names the act it waits for, in the entity's words."""
    return [d.as_status(today, document_label(d.spec.anchor, entity_kind)) for d in terms]


def plan_status(aggregate: PlanAggregate) -> dict[str, object]:
    """The status with deadlines counted to the aggregate's day; with its `as_of`, the plan as it
    was on that day (state, version, documents, strategy and deadlines); `projected_to`, the day
    still to come it is judged on (a projection: the plan as it stands)."""
    plan, today, as_of = aggregate.plan, aggregate.day, aggregate.as_of
    flow = workflow(plan.definition_name, plan.definition_version)
    transitions = flow.transitions_from(plan.state)
    facts, terms = plan_facts(aggregate, today)
    next_steps = []
    for transition in transitions:
        outcomes = evaluate(transition.rules, facts)
        next_steps.append({
            "trigger": transition.trigger, "label": transition.label, "to": transition.dest,
            "to_label": flow.state(transition.dest).label, "by": list(transition.by),
            "by_label": " o ".join(acting_label(role, plan.entity_kind) for role in transition.by),
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
        "definition": {"name": plan.definition_name, "version": plan.definition_version,
                       "title": flow.definition.title},
        "today": today.isoformat(),
        "as_of": as_of.isoformat() if as_of else None,
        "projected_to": today.isoformat() if aggregate.projected else None,
        "next": next_steps,
        "deadlines": _statuses(terms, today, plan.entity_kind),
        "documents": [
            {"doc_type": d.doc_type, "label": document_label(d.doc_type, plan.entity_kind), "version": d.version,
             "status": d.status, "status_label": STATUS_LABELS[d.status], "legal_date": d.legal_date.isoformat() if d.legal_date else None, "number": d.number}
            for d in facts.documents.values()
        ],
    }
