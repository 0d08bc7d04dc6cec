"""What a planning office reads first on its plan's page: the next legal deadline, the one thing
most worth doing now, and, beside each unmet requirement, the form that fixes it."""

from collections.abc import Mapping, Sequence
from typing import Any

from kpt_workflow.rules import RULES

DOCUMENT_FORM = "radicar"  # the plan page's anchors of its forms
STRATEGY_FORM = "registrar-estrategia"


def fix_link(rule_name: str, plan_id: str, filed: Mapping[str, Any], choices: Sequence[str]) -> str | None:
    """Where an unmet requirement is fixed on the plan page: the filing form with the first
    document the rule reads that is not filed yet (else the first it reads), or the strategy's
    form; None for what no form fixes (a term that must run, an act of the council)."""
    rule = RULES.get(rule_name)
    if rule is None:
        return None
    fileable = [code for code in rule.documents if code in choices]
    if fileable:
        wanted = next((code for code in fileable if code not in filed), fileable[0])
        return f"/planes/{plan_id}?documento={wanted}#{DOCUMENT_FORM}"
    return f"/planes/{plan_id}#{STRATEGY_FORM}" if rule.reads_strategy else None


def next_deadline(deadlines: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The legal term that needs attention first: an unmet one already past (the entity's own
    before another's), else the unmet one that ends soonest."""
    running = [d for d in deadlines if d["date"] is not None and d["met_on"] is None]
    overdue = [d for d in running if d["late"]]
    if overdue:
        return min(overdue, key=lambda d: (not d["entity_late"], d["date"]))
    return min(running, key=lambda d: d["date"], default=None)


def next_action(steps: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The one thing most worth doing now, for whoever reads the page: a step it may take whose
    requirements are met; else the first unmet requirement of a step it takes (with its fix);
    else whom the plan waits for."""
    own = [s for s in steps if s["can_take"]]
    ready = next((s for s in own if s["allowed"]), None)
    if ready is not None:
        return {"text": f"Puede dar el paso «{ready['label']}»: sus requisitos están cumplidos.",
                "link": f"#paso-{ready['trigger']}", "link_text": "Ir al paso"}
    for step in own:
        missing = next((c for c in step["checklist"] if not c["passed"]), None)
        if missing is not None:
            return {"text": f"Para «{step['label']}»: {missing['remedy']}", "link": missing.get("fix"),
                    "link_text": "Hacerlo ahora"}
    if steps:
        waiting = steps[0]
        return {"text": f"El plan espera «{waiting['label']}», a cargo de: {waiting['by_label']}.", "link": None,
                "link_text": ""}
    return None
