"""What a person reads where the records hold codes: a plan's history as Spanish sentences, a
document's status, a recorded time in Colombia's time (the store keeps UTC). The pages show these,
never the codes; the API keeps the codes, for scripts."""

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from kpt_workflow.base.errors import ActsOutOfOrder
from kpt_workflow.law import calendar
from kpt_workflow.law.amendments import Amendment
from kpt_workflow.law.facts import STATUS_LABELS
from kpt_workflow.base.roles import OPERADOR, OPERATOR_ACTOR, ROLE_LABELS, SYNTHETIC_ACTOR
from kpt_workflow.base.words import EITHER_KIND, acting_label
from kpt_workflow.lifecycle.engine import Workflow, all_definitions
from kpt_workflow.reference.diagnostic import load_catalog as diagnostic_catalog
from kpt_workflow.reference.document_types import document_label
from kpt_workflow.rules import RULES
RECORDED = {"strategic_part_recorded": "Parte estratégica registrada",
            "investment_plan_recorded": "Plan plurianual de inversiones registrado"}
"""Events whose sentence is fixed; the others name a step, a state or a document."""


def section_title(code: str) -> str:
    """A diagnostic section's name (a code the catalog no longer has stays as it was recorded)."""
    found = diagnostic_catalog().section(code)
    return found.nombre if found else code


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, "otro estado")


def _state(flow: Workflow, name: str | None) -> str:
    return flow.state(name).label if name in {s.name for s in flow.definition.states} else "estado sin definición"


def _step(flow: Workflow, trigger: str, source: str | None = None) -> str:
    """The step's label: the one from `source` when the trigger leaves several states (the decree
    after the council's month, or after its denial)."""
    named = [t for t in flow.definition.transitions if t.trigger == trigger]
    return next((t.label for t in sorted(named, key=lambda t: t.source != source)), "paso sin definición")


GROUNDS = frozenset({"corporacion", "plazos"})
"""Rule families whose passed outcome is the legal ground a step stood on (a term run out, the
council's act of this round, the executive's acceptance, the decree after a denial): the history
and the council's report show them with the step."""


def decision_lines(payload: Mapping[str, Any], entity_kind: str) -> list[str]:
    """A council decision recorded with a step (`services.plans.record_council_decision`), in
    words: which decision, its act (label, number, legal date), its reasons and modifications."""
    decision = payload.get("decision")
    if not decision:
        return []
    lines = [f"Decisión: {decision['label']}"]
    act = decision.get("act")
    if act:
        lines.append(f"{document_label(act['doc_type'], entity_kind)}: n.º {act['number']} del {calendar.written_date(act['legal_date'])}")
    lines += [f"Motivos: {decision['reasons']}"] if decision.get("reasons") else []
    lines += [f"Modificaciones: {decision['modifications']}"] if decision.get("modifications") else []
    return lines


def grounds(event: Mapping[str, Any]) -> list[str]:
    """The legal grounds an applied step stood on (`GROUNDS`), each with its basis; a decision's
    own act is said once, by `decision_lines`."""
    if event["event_type"] != "transition_applied":
        return []
    act = ((event.get("payload") or {}).get("decision") or {}).get("act") or {}
    return [f"{o['message']} ({o['basis']})" for o in event["outcomes"]
            if o["passed"] and getattr(RULES.get(o["rule"]), "family", None) in GROUNDS
            and not set(RULES[o["rule"]].documents) <= {act.get("doc_type")}]


def who(name: str, role: str | None, entity_kind: str) -> str:
    """Who acted, as a person reads it (the audit keeps the name): a user by name and role, the
    synthetic demo's office or council, the local operator with its system user."""
    source, _, rest = name.partition(":")
    if rest and source == SYNTHETIC_ACTOR:
        return f"{acting_label(rest, entity_kind)} (demo)"
    if rest and source == OPERATOR_ACTOR:
        return f"{ROLE_LABELS[OPERADOR]} ({rest})"
    return f"{name} ({acting_label(role, entity_kind)})" if role else name


def history_entry(event: Mapping[str, Any], flow: Workflow, entity_kind: str,
                  roles: Mapping[str, str]) -> dict[str, object]:
    """One event of `event_log.event_view` as the plan page's history shows it: when (Colombia),
    the legal date, who (`roles`: each user's role by name, `accounts.roles_of`), a sentence, its
    tone (ok, bad, warn or plain), the unmet requirements of a refused step, and what a step stood
    on (the council's decision, its act and texts, the legal grounds)."""
    kind, payload = event["event_type"], event["payload"]
    tone, failed, basis = "", [], []
    if kind == "transition_applied":
        text, tone = (f"Paso «{_step(flow, event['action'], event['from_state'])}»: {_state(flow, event['from_state'])} → "
                      f"{_state(flow, event['to_state'])}"), "ok"
        basis = decision_lines(payload, entity_kind) + grounds(event)
    elif kind == "transition_blocked":
        text, tone = f"Intento rechazado: «{_step(flow, event['action'], event['from_state'])}»", "bad"
        failed = [o["message"] for o in event["outcomes"] if not o["passed"]]
        basis = decision_lines(payload, entity_kind)
    elif kind == "document_filed":
        text = (f"Documento «{document_label(payload['doc_type'], entity_kind)}», versión {payload['version']}: "
                f"{status_label(payload['status'])}")
        tone = "warn" if payload.get("late") else ""
        text += " (fuera de término)" if payload.get("late") else ""
    elif kind == "document_rejected" and payload.get("code") == ActsOutOfOrder.code:
        text, tone = f"Fecha rechazada para «{document_label(payload['doc_type'], entity_kind)}»", "bad"
        failed = [f"{payload['reason']} ({payload['basis']})"]
    elif kind == "document_rejected":
        text, tone = f"Archivo rechazado para «{document_label(payload['doc_type'], entity_kind)}»", "bad"
    elif kind == "plan_created":
        text = f"Plan creado en «{_state(flow, event['to_state'])}»"
    elif kind == "diagnostic_section_recorded":
        text = f"Diagnóstico: se editó la sección «{section_title(payload['seccion'])}»"
    elif payload.get("producto_agregado"):
        added = payload["producto_agregado"]
        text = (f"{RECORDED[kind]}: se agregó el producto «{added['nombre']}» ({added['codigo']}) al programa "
                f"«{added['programa_nombre']}», con el indicador «{added['indicador_nombre']}» (banco de productos MGA)")
    elif payload.get("plan_indicativo"):
        text = f"{RECORDED[kind]} desde el libro del Plan Indicativo (XLSX)"
    else:
        text = RECORDED.get(kind, "Registro en la historia del plan")
    return {"seq": event["seq"], "recorded": calendar.colombia_time(datetime.fromisoformat(event["recorded_at"])),
            "legal_date": event["legal_date"], "actor": who(event["actor"], roles.get(event["actor"]), entity_kind), "text": text, "tone": tone, "failed": failed,
            "basis": basis}


def council_outcomes(events: Sequence[Mapping[str, Any]], flow: Workflow, entity_kind: str) -> list[dict[str, object]]:
    """The council's outcomes and what followed them, oldest first: each step applied from a state
    where the council decides (its decisions, the decree after its month) or from a side state a
    decision leads to (the decree after a denial), with the decision, its act, its texts and the
    legal grounds it stood on."""
    steps = flow.decisions.values()
    council = {t.source for t in steps} | {t.dest for t in steps if flow.state(t.dest).side}
    return [{"legal_date": e["legal_date"], "step": _step(flow, e["action"], e["from_state"]), "to": _state(flow, e["to_state"]),
             "lines": decision_lines(e["payload"], entity_kind), "grounds": grounds(e)}
            for e in events if e["event_type"] == "transition_applied" and e["from_state"] in council]


def time_view(status: Mapping[str, Any]) -> str | None:
    """Which day a status shows, when it is not today's: a past day is rebuilt from the plan's
    history; a day still to come is a projection of the plan as it stands, never a fact."""
    if status.get("as_of"):
        return f"Así estaba el plan el {calendar.written_date(date.fromisoformat(status['as_of']))}, reconstruido de su historia."
    if status.get("projected_to"):
        return (f"Proyección al {calendar.written_date(date.fromisoformat(status['projected_to']))}: el plan como está hoy, con sus "
                "plazos y requisitos juzgados en esa fecha si no se registra nada más. No es un hecho.")
    return None


def amendment_text(amendment: Amendment) -> str:
    """The amendment's sentence, naming its deadline and act as people read them."""
    deadline = next(spec.label for d in all_definitions() for spec in d.deadlines if spec.code == amendment.deadline)
    act = document_label(amendment.from_act, EITHER_KIND) if amendment.from_act else None
    return amendment.description(deadline, act)


def amendment_entry(amendment: Amendment) -> dict[str, object]:
    """A legal amendment that reaches the plan, as a line of its history: dated the day it is in
    force, with its norm and article (it is recorded in its own chain, so it has no plan event)."""
    return {"seq": f"E{amendment.number}", "recorded": "—", "legal_date": amendment.in_force_from.isoformat(),
            "actor": "enmienda legal", "text": f"Enmienda legal de un plazo: {amendment_text(amendment)}", "tone": "warn",
            "failed": []}
