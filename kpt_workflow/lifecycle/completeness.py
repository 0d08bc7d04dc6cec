"""The council's completeness report: did the draft reach the concejo/asamblea complete and on time?"""

from typing import Any

from kpt_workflow.lifecycle.engine import workflow
from kpt_workflow.lifecycle.aggregate import PlanAggregate, PlanRecord
from kpt_workflow.lifecycle.requirements import document_requirements
from kpt_workflow.rules import RULES
from kpt_workflow.lifecycle.status import plan_facts, plan_status
from kpt_workflow.base.words import words_for


def debate_rules(plan: PlanRecord) -> list[str]:
    """The rules of the steps that bring the draft before the council (`before_council:` in the
    definition: the documents the law requires before the debate, DOMAIN.md "The lifecycle")."""
    flow = workflow(plan.definition_name, plan.definition_version)
    return sorted({r for t in flow.definition.transitions if t.trigger in flow.before_council for r in t.rules})


def _waived(aggregate: PlanAggregate) -> dict[str, bool]:
    """Per document type: do the rules that can require it all pass without it? (The SGR chapter
    without royalty money, a concept whose term ran out.)"""
    names = debate_rules(aggregate.plan)
    facts, _ = plan_facts(aggregate, aggregate.day)
    passed = {name: RULES[name].evaluate(facts).passed for name in names}
    waived: dict[str, bool] = {}
    for name in names:
        for code in RULES[name].documents:
            waived[code] = waived.get(code, True) and passed[name] and facts.filed(code) is None
    return waived


def _council_terms(deadlines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The terms the council reads as its own: those it must meet (`duty_of: corporacion`) and
    those whose act starts them (the filing before it), in the definition's order."""
    council = [d for d in deadlines if d["duty_of"] == "corporacion"]
    starting = {d["anchor"] for d in council}
    return [d for d in deadlines if d in council or d["met_by"] in starting]


def completeness_report(aggregate: PlanAggregate) -> dict[str, Any]:
    """Of an aggregate read with every document version and with the strategy the `debate_rules`
    and the next steps' rules judge."""
    plan, today = aggregate.plan, aggregate.day
    status = plan_status(aggregate)
    waived = _waived(aggregate)
    latest: dict[str, Any] = {}
    for version in aggregate.versions:
        latest[version["doc_type"]] = version
    deadlines = {d["code"]: d for d in status["deadlines"]}
    lines = []
    flow = workflow(plan.definition_name, plan.definition_version)
    for requirement in document_requirements(plan.entity_kind, flow):
        steps = [s for s in requirement["required_for"] if s in flow.before_council]
        if not steps:
            continue
        document = latest.get(requirement["code"])
        filed = document is not None and document["status"] == "radicado"
        deadline = next((d for d in deadlines.values() if d.get("met_by") == requirement["code"]), None)
        lines.append({
            "code": requirement["code"], "label": requirement["label"], "basis": requirement["basis"],
            "required_for": steps, "filed": filed, "status": document["status"] if document else "falta",
            "absence_justified": document is not None and document["status"] == "ausencia_justificada",
            "waived": not filed and waived.get(requirement["code"], False),
            "version": document["version"] if document else None,
            "legal_date": document["legal_date"].isoformat() if document and document["legal_date"] else None,
            "number": document["number"] if document else None,
            "sha256": document.get("sha256") if document else None,
            "filed_by": document["filed_by"] if document else None,
            "recorded_at": document["recorded_at"].isoformat(timespec="minutes") if document else None,
            "deadline": deadline,
        })
    missing = [line for line in lines if not (line["filed"] or line["absence_justified"] or line["waived"])]
    words = words_for(plan.entity_kind)
    return {
        "plan": status, "words": dict(words), "lines": lines, "complete": not missing, "missing": len(missing),
        "council_deadlines": _council_terms(list(deadlines.values())),
        "today": today.isoformat(),
    }
