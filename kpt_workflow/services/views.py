"""What the faces show of one plan, each read in one transaction that also checks that the actor
may see the plan (a plan it may not see is not found): the repository loads the aggregate once and
the lifecycle's pure functions shape it. The pages' views come prepared (labels, tones, the
forms the actor may use): templates only loop and format."""

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from kpt_workflow.law import calendar
from kpt_workflow.law.amendments import in_force_on
from kpt_workflow.lifecycle.aggregate import PlanRecord
from kpt_workflow.lifecycle.completeness import completeness_report, debate_rules
from kpt_workflow.lifecycle.engine import Workflow, newest_workflows, workflow
from kpt_workflow.lifecycle.requirements import document_requirements
from kpt_workflow.lifecycle.status import judged_rules, plan_status
from kpt_workflow.services import plan_guidance
from kpt_workflow.services.access import BUNDLE_READERS, Actor, acts_for, plan_permissions, visible_plan
from kpt_workflow.reference.document_types import document_label
from kpt_workflow.base.words import words_for
from kpt_workflow.rules import RULES
from kpt_workflow.services.accounts import roles_of
from kpt_workflow.services.labels import amendment_entry, council_outcomes, history_entry, status_label, time_view, who
from kpt_workflow.states.schema import TransitionSpec
from kpt_workflow.storage import event_log
from kpt_workflow.storage.repository import (aggregate, document_versions, holds_synthetic_demo, investment_facts,
                                             list_plans, load_plan, plan_record, program_facts)
from kpt_workflow.storage.unit_of_work import UnitOfWork


def plan_list(uow: UnitOfWork, actor: Actor, *, state: str | None, department_code: str | None) -> dict[str, Any]:
    """The plans the actor sees (filtered), and the states to filter by: the default workflow's
    first, in order, then the others'."""
    states: dict[str, str] = {}
    for flow in newest_workflows():
        for spec in flow.definition.states:
            states.setdefault(spec.name, spec.label)
    return {"rows": list_plans(uow.connection, visible=actor.visible_entities(), department_code=department_code,
                               state=state),
            "states": list(states.items()), "synthetic": holds_synthetic_demo(uow.connection)}


def seen_plan(uow: UnitOfWork, actor: Actor, plan_id: str) -> PlanRecord:
    """The plan, if the actor may see it (else not found), read in the caller's transaction."""
    return visible_plan(actor, plan_record(uow.connection, plan_id))


def status(uow: UnitOfWork, actor: Actor, plan_id: str, today: date, as_of: date | None = None) -> dict[str, object]:
    """The plan's status (CLI --json, API): deadlines counted to `today`; with `as_of`, the plan
    as it was that day."""
    seen_plan(uow, actor, plan_id)
    return plan_status(load_plan(uow.connection, plan_id, today, as_of=as_of))


def history(uow: UnitOfWork, actor: Actor, plan_id: str) -> list[dict[str, object]]:
    """Every event of the plan, oldest first, with its codes (for scripts)."""
    plan = seen_plan(uow, actor, plan_id)
    return [event_log.event_view(e) for e in event_log.plan_events(uow.connection, plan.id)]


def documents(uow: UnitOfWork, actor: Actor, plan_id: str) -> list[dict[str, object]]:
    return document_versions(uow.connection, seen_plan(uow, actor, plan_id).id)


def document_file(uow: UnitOfWork, actor: Actor, plan_id: str, doc_type: str, version: int) -> dict[str, Any] | None:
    """The stored file of one document version, if it has one."""
    return next((d for d in documents(uow, actor, plan_id)
                 if d["doc_type"] == doc_type and d["version"] == version and d["sha256"]), None)


def strategy(uow: UnitOfWork, actor: Actor, plan_id: str) -> list[dict[str, Any]]:
    return [asdict(program) for program in program_facts(uow.connection, seen_plan(uow, actor, plan_id).id)]


def investments(uow: UnitOfWork, actor: Actor, plan_id: str) -> dict[str, Any]:
    plan = seen_plan(uow, actor, plan_id)
    lines = investment_facts(uow.connection, plan.id)
    return {"total_declarado": plan.declared_investment_total, "total": sum(line.amount for line in lines),
            "lineas": [asdict(line) for line in lines]}


def deadline_row(deadline: dict[str, Any]) -> dict[str, Any]:
    """A legal term as the plan page's table reads it: where it stands in the status's own words
    (a term not begun names the act it waits for), and a tone: the entity's own lateness is bad,
    another's (or a term met late) a warning."""
    if deadline["date"] is None:
        return {**deadline, "situation": deadline["reading"], "tone": "muted"}
    if not deadline["late"]:
        return {**deadline, "tone": "ok" if deadline["met_on"] else ""}
    return {**deadline, "tone": "bad" if deadline["entity_late"] and not deadline["met_on"] else "warn"}


def plan_page(uow: UnitOfWork, actor: Actor, plan_id: str, today: date, as_of: date | None = None,
              document: str | None = None) -> dict[str, Any]:
    """Everything the plan page shows, in one transaction: what to read first (the next legal
    term and the next thing to do, `plan_guidance`), its status, the stepper, its terms, every
    document version (the current one of each type marked), its parte estratégica, its history
    (newest first, in words) and the forms the actor may use (none on the plan shown on another
    day than `today`: a past one, or a future one, a projection, `labels.time_view`), the filing
    form set to `document` when a requirement's fix link names it."""
    plan = seen_plan(uow, actor, plan_id)
    loaded = load_plan(uow.connection, plan.id, today, as_of=as_of)
    shown = plan_status(loaded)
    flow = workflow(plan.definition_name, plan.definition_version)
    permissions = plan_permissions(actor, plan)
    names = [s.name for s in flow.definition.states]
    here = names.index(shown["state"])
    # A state before the current one is behind the plan, unless it is an end or off the main path
    # (a plan denied or adopted by decree never passed through "Aprobado").
    stepper = [{"label": s.label, "current": i == here, "done": i < here and not (s.terminal or s.side), "side": s.side,
                "since": shown["state_entered_on"] if i == here else None}
               for i, s in enumerate(flow.definition.states)]
    live = as_of is None
    requirements = document_requirements(plan.entity_kind, flow)
    changes = permissions.changes and live and not shown["terminal"]
    choices = [str(r["code"]) for r in requirements] if changes else []
    steps = [{**step, "can_take": live and step["trigger"] in permissions.steps,
              "checklist": [{**c, "fix": None if c["passed"] or not changes else
                             plan_guidance.fix_link(c["rule"], plan.id, loaded.documents, choices)}
                            for c in step["checklist"]]} for step in shown["next"]]
    deadlines = [deadline_row(d) for d in shown["deadlines"]]
    versions = document_versions(uow.connection, plan.id)
    current = {v["doc_type"]: v["version"] for v in versions}  # ordered by type and version: the last one stays
    events = event_log.plan_events(uow.connection, plan.id)
    roles = roles_of(uow.connection, {e["actor"] for e in events} | {v["filed_by"] for v in versions})
    return {
        "status": shown, "years": calendar.period_years(plan.period), "stepper": stepper, "steps": steps,
        "next_deadline": plan_guidance.next_deadline(deadlines) if live else None,
        "next_action": plan_guidance.next_action(steps) if live and not shown["terminal"] else None,
        "deadlines": deadlines, "chosen_document": document if document in choices else None,
        "can_change": changes, "document_choices": requirements if changes else [],
        "absence_choices": [r for r in requirements if r["justifiable"]] if changes else [],
        "versions": [{**v, "label": document_label(v["doc_type"], plan.entity_kind), "status_label": status_label(v["status"]),
                      "current": current[v["doc_type"]] == v["version"],
                      "filed_by": who(v["filed_by"], roles.get(v["filed_by"]), plan.entity_kind)} for v in versions],
        "programs": program_facts(uow.connection, plan.id),
        "history": [*(amendment_entry(a) for a in reversed(in_force_on(loaded.amendments, loaded.day))),
                    *(history_entry(event_log.event_view(e), flow, plan.entity_kind, roles) for e in reversed(events))],
        "today": today.isoformat(), "synthetic": holds_synthetic_demo(uow.connection),
        "time_view": time_view(shown), "shown_day": as_of.isoformat() if as_of else "",
    }


def council_report(uow: UnitOfWork, actor: Actor, plan_id: str, today: date) -> dict[str, Any]:
    """The council's completeness report (kpt_workflow.lifecycle.completeness), the council's
    outcomes so far with their basis (`labels.council_outcomes`), and the decisions the actor may
    record on the plan now (`decision:` steps from its state that its role takes), each with the
    fields it must record and what it still lacks."""
    plan = seen_plan(uow, actor, plan_id)
    report = completeness_report(aggregate(uow.connection, plan, today, rules=[*debate_rules(plan), *judged_rules(plan)],
                                           versions=True))
    flow = workflow(plan.definition_name, plan.definition_version)
    steps = plan_permissions(actor, plan).steps
    checklists = {step["trigger"]: step["checklist"] for step in report["plan"]["next"]}
    decisions = sorted((_decision_form(step, plan.entity_kind, checklists.get(step.trigger, []))
                        for step in flow.decisions.values() if step.trigger in steps),
                       key=lambda d: not d["files_act"])  # the act-filing ones first
    roles = roles_of(uow.connection, {line["filed_by"] for line in report["lines"] if line["filed_by"]})
    lines = [{**line, **_line_status(line), "recorded": calendar.colombia_time(datetime.fromisoformat(line["recorded_at"]))
              if line["recorded_at"] else None,
              "filed_by": line["filed_by"] and who(line["filed_by"], roles.get(line["filed_by"]), plan.entity_kind)}
             for line in report["lines"]]
    events = [event_log.event_view(e) for e in event_log.plan_events(uow.connection, plan.id)]
    return {**report, "lines": lines, "decisions": decisions, "can_bundle": acts_for(actor, plan, BUNDLE_READERS),
            "outcomes": council_outcomes(events, flow, plan.entity_kind),
            "synthetic": holds_synthetic_demo(uow.connection)}


def _decision_form(step: TransitionSpec, entity_kind: str, checklist: list[dict[str, Any]]) -> dict[str, Any]:
    """One decision's form: the fields its definition says it records (the act's number, legal
    date and file; its reasons; the council's modifications) and the requirements it still lacks
    besides its own act (filed with it)."""
    decision = step.decision
    assert decision is not None
    words = words_for(entity_kind)
    act = document_label(decision.files, entity_kind) if decision.files else None
    fields = [{"name": "fecha", "kind": "date", "label": f"Fecha legal (la de «{act}»)" if act else "Fecha legal"}]
    if act:
        fields += [{"name": "numero", "kind": "text", "label": f"Número de «{act}»"},
                   {"name": "file", "kind": "file", "label": f"«{act}» firmado (PDF)"}]
    if decision.reasons:
        fields.append({"name": "motivo", "kind": "textarea", "label": "Motivos de la decisión"})
    if decision.modifications:
        fields.append({"name": "modificaciones", "kind": "textarea",
                       "label": f"Modificaciones que introdujo {words['la_corporacion']}"})
    pending = [f"{o['message']} → {o['remedy']}" for o in checklist
               if not o["passed"] and not set(RULES[o["rule"]].documents) <= {decision.files}]
    return {"name": decision.name, "label": decision.label, "act": act, "step_label": step.label,
            "files_act": act is not None, "fields": fields, "pending": pending}


def _line_status(line: dict[str, Any]) -> dict[str, str]:
    """A required document's situation in words, and its tone."""
    if line["filed"]:
        return {"shown_status": "✓ radicado", "tone": "ok"}
    if line["absence_justified"]:
        return {"shown_status": "ausencia justificada", "tone": "warn"}
    if line["waived"]:
        return {"shown_status": "no exigido en este plan", "tone": "muted"}
    return {"shown_status": "✗ falta", "tone": "bad"}


def lifecycle(flow: Workflow) -> list[dict[str, Any]]:
    """A workflow's states in order, each with the steps that leave it and where they lead, in
    words (the lifecycle page)."""
    labels = {s.name: s.label for s in flow.definition.states}
    return [{"name": s.name, "label": s.label, "description": s.description, "terminal": s.terminal, "side": s.side,
             "steps": [{"label": t.label, "trigger": t.trigger, "to": labels[t.dest], "by": t.by,
                        "rules": [{"label": RULES[r].label, "basis": RULES[r].basis} for r in t.rules]}
                       for t in flow.transitions_from(s.name)]}
            for s in flow.definition.states]
