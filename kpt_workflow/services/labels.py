"""What a person reads where the records hold codes: a plan's history as Spanish sentences, a
document's status, a recorded time in Colombia's time (the store keeps UTC). The pages show these,
never the codes; the API keeps the codes, for scripts."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kpt_workflow.base.errors import ActsOutOfOrder
from kpt_workflow.law import calendar
from kpt_workflow.law.amendments import Amendment
from kpt_workflow.law.facts import STATUS_LABELS
from kpt_workflow.lifecycle.engine import Workflow
from kpt_workflow.reference.document_types import document_label
RECORDED = {"strategic_part_recorded": "Parte estratégica registrada",
            "investment_plan_recorded": "Plan plurianual de inversiones registrado"}
"""Events whose sentence is fixed; the others name a step, a state or a document."""


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, "otro estado")


def _state(flow: Workflow, name: str | None) -> str:
    return flow.state(name).label if name in {s.name for s in flow.definition.states} else "estado sin definición"


def _step(flow: Workflow, trigger: str) -> str:
    return next((t.label for t in flow.definition.transitions if t.trigger == trigger), "paso sin definición")


def history_entry(event: Mapping[str, Any], flow: Workflow, entity_kind: str) -> dict[str, object]:
    """One event of `event_log.event_view` as the plan page's history shows it: when (Colombia),
    the legal date, who, a sentence, its tone (ok, bad, warn or plain) and the unmet requirements
    of a refused step."""
    kind, payload = event["event_type"], event["payload"]
    tone, failed = "", []
    if kind == "transition_applied":
        text, tone = (f"Paso «{_step(flow, event['action'])}»: {_state(flow, event['from_state'])} → "
                      f"{_state(flow, event['to_state'])}"), "ok"
    elif kind == "transition_blocked":
        text, tone = f"Intento rechazado: «{_step(flow, event['action'])}»", "bad"
        failed = [o["message"] for o in event["outcomes"] if not o["passed"]]
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
    else:
        text = RECORDED.get(kind, "Registro en la historia del plan")
    return {"seq": event["seq"], "recorded": calendar.colombia_time(datetime.fromisoformat(event["recorded_at"])),
            "legal_date": event["legal_date"], "actor": event["actor"], "text": text, "tone": tone, "failed": failed}


def amendment_entry(amendment: Amendment) -> dict[str, object]:
    """A legal amendment that reaches the plan, as a line of its history: dated the day it is in
    force, with its norm and article (it is recorded in its own chain, so it has no plan event)."""
    return {"seq": f"E{amendment.number}", "recorded": "—", "legal_date": amendment.in_force_from.isoformat(),
            "actor": "enmienda legal", "text": f"Enmienda legal de un plazo: {amendment.description()}", "tone": "warn",
            "failed": []}
