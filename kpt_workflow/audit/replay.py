"""Rebuild plans, documents and the refused-attempt counts from the audit events alone, and
compare with the tables.

Replay is a pure fold: it never re-runs the rules (the recorded outcomes are the record) and takes
time and actor from the events.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection
from sqlmodel import SQLModel

from kpt_workflow.storage import amendment_log, projections

from kpt_workflow.storage import stored_rows
from kpt_workflow.storage.diagnostic_rows import SECTIONS, section_row
from kpt_workflow.storage.event_encoding import as_utc
from kpt_workflow.storage.event_log import EVENTS
from kpt_workflow.base.errors import KptError
from kpt_workflow.storage.tables import (BlockedRuleDay, Document, LegalAmendment, Plan, PlanGoal, PlanGoalYear, PlanInvestment,
                                         PlanProgram, PlanProgramInitiative, PlanProgramPnd)
from kpt_workflow.storage.pnd_rows import tag_rows
from kpt_workflow.storage.stored_rows import Expected, Projected, canonical_date
from kpt_workflow.storage.strategy_rows import investment_rows, strategic_rows

# A document's columns that its event states: all but the row's id, its plan and when it was
# recorded (the event's own).
DOCUMENT_FIELDS = tuple(c.name for c in Document.__table__.columns if c.name not in ("id", "plan_id", "recorded_at"))
# The tables the events rebuild, each with the key its rows are matched and named by.
PLANS = Projected(Plan.__table__, ("id",), lambda plan_id: f"plan {plan_id}")
DOCUMENTS = Projected(Document.__table__, ("plan_id", "doc_type", "version"),
                      lambda plan_id, doc_type, version: f"documento {doc_type} v{version} del plan {plan_id}")
BLOCKED = Projected(BlockedRuleDay.__table__, ("plan_id", "rule", "legal_date"),
                    lambda plan_id, rule, day: f"intentos rechazados del plan {plan_id} por {rule} el {day}")
AMENDMENTS = Projected(LegalAmendment.__table__, ("number",), lambda number: f"enmienda legal {number}")
DIAGNOSTIC = Projected(SECTIONS, ("plan_id", "section"),
                       lambda plan_id, section: f"sección {section} del diagnóstico del plan {plan_id}")
# The plan's current parte estratégica and investment plan, each replaced whole by one event.
STRATEGY = {
    PlanProgram: Projected(PlanProgram.__table__, ("plan_id", "program_code"),
                           lambda plan_id, code: f"programa {code} del plan {plan_id}"),
    PlanGoal: Projected(PlanGoal.__table__, ("plan_id", "indicator_code"),
                        lambda plan_id, code: f"meta del indicador {code} del plan {plan_id}"),
    PlanProgramPnd: Projected(PlanProgramPnd.__table__, ("plan_id", "program_code", "line_code"),
                              lambda plan_id, code, line: f"línea del PND {line} del programa {code} del plan {plan_id}"),
    PlanProgramInitiative: Projected(PlanProgramInitiative.__table__, ("plan_id", "program_code", "department_program_code"),
                                     lambda plan_id, code, initiative: f"iniciativa departamental {initiative} del "
                                                                       f"programa {code} del plan {plan_id}"),
    PlanGoalYear: Projected(PlanGoalYear.__table__, ("plan_id", "indicator_code", "year"),
                            lambda plan_id, code, year: f"meta {year} del indicador {code} del plan {plan_id}"),
    PlanInvestment: Projected(PlanInvestment.__table__, ("plan_id", "program_code", "year", "source"),
                              lambda plan_id, code, year, source: f"inversión del plan {plan_id} en el programa "
                                                                  f"{code}, año {year}, fuente {source}"),
}

Row = dict[str, tuple[object, int]]
"""A row as the events make it (`stored_rows.Expected`), while the fold builds it."""


class LogDamaged(KptError):
    """An event that cannot be folded onto the ones before it: the log was edited or cut."""

    code = "registro_danado"


@dataclass
class Projection:
    plans: dict[str, Row] = field(default_factory=dict)
    documents: dict[tuple[str, str, int], Row] = field(default_factory=dict)
    diagnostic: dict[tuple[str, str], Row] = field(default_factory=dict)  # (plan_id, section) → its last text
    # (plan_id, model) → the plan's rows of that table, by key
    strategy: dict[tuple[str, type[SQLModel]], dict[tuple[object, ...], Row]] = field(default_factory=dict)
    blocked: dict[projections.RuleDay, projections.Blocked] = field(default_factory=dict)
    blocked_seq: dict[projections.RuleDay, int] = field(default_factory=dict)  # the last event that counted in it


def _apply(projection: Projection, event: Mapping[str, Any]) -> None:
    payload = json.loads(event["payload"])
    plan_id, event_type, seq = event["plan_id"], event["event_type"], event["seq"]
    if event_type == "plan_created":
        projection.plans[plan_id] = _row(seq, {
            "id": plan_id, "entity_code": payload["entity_code"], "period": payload["period"],
            "state": event["to_state"], "state_entered_on": event["legal_date"], "version": event["plan_version"],
            "definition_name": payload["definition"]["name"], "definition_version": payload["definition"]["version"],
            "declared_investment_total": None, "created_at": event["recorded_at"],
        })
        return
    plan = projection.plans.get(plan_id)
    if plan is None:
        raise LogDamaged(f"El evento {seq} ({event_type}) es del plan {plan_id}, que no fue creado antes en "
                         f"el registro: falta su evento plan_created, o se alteró.", seq=seq, plan_id=plan_id,
                         hint="Ejecute `kpt audit verify` para ver dónde se rompe la cadena, y restaure la base "
                              "desde una copia de respaldo.")
    plan["version"] = (event["plan_version"], seq)
    if event_type == "transition_applied":
        plan |= _row(seq, {"state": event["to_state"], "state_entered_on": event["legal_date"]})
    elif event_type == projections.BLOCKED:
        counted = projections.count_refusal(projection.blocked, plan_id, event["legal_date"],
                                            json.loads(event["outcomes"]))
        projection.blocked_seq |= dict.fromkeys(counted, seq)
    elif event_type == "strategic_part_recorded":
        programs, goals, years = strategic_rows(plan_id, payload)
        _replace(projection, plan_id, PlanProgram, programs, seq)
        _replace(projection, plan_id, PlanGoal, goals, seq)
        _replace(projection, plan_id, PlanGoalYear, years, seq)
        pnd_tags, initiatives = tag_rows(plan_id, payload)
        _replace(projection, plan_id, PlanProgramPnd, pnd_tags, seq)
        _replace(projection, plan_id, PlanProgramInitiative, initiatives, seq)
    elif event_type == "investment_plan_recorded":
        _replace(projection, plan_id, PlanInvestment, investment_rows(plan_id, payload), seq)
        plan["declared_investment_total"] = (payload["total"], seq)
    elif event_type == "diagnostic_section_recorded":
        projection.diagnostic[plan_id, payload["seccion"]] = _row(seq, section_row(
            plan_id, payload["seccion"], payload["texto"], event["actor"], event["recorded_at"]))
    elif event_type == "document_filed":
        projection.documents[plan_id, payload["doc_type"], payload["version"]] = _row(seq, {
            "plan_id": plan_id, **{k: payload[k] for k in DOCUMENT_FIELDS if k != "filed_by"},
            "legal_date": date.fromisoformat(payload["legal_date"]) if payload["legal_date"] else None,
            "filed_by": event["actor"], "recorded_at": event["recorded_at"],
        })


def _row(seq: int, values: Mapping[str, object]) -> Row:
    return {name: (value, seq) for name, value in values.items()}


def _replace(projection: Projection, plan_id: str, model: type[SQLModel], rows: Iterable[SQLModel], seq: int) -> None:
    key = STRATEGY[model].key
    projection.strategy[plan_id, model] = {tuple(row[k] for k in key): _row(seq, row)
                                           for row in (model_row.model_dump() for model_row in rows)}


def _event(stored: Mapping[str, Any]) -> dict[str, Any]:
    """An event as stored, its date read strictly (only YYYY-MM-DD text is a date: its hash
    proves the date SQLAlchemy reads, not the text the reports compare) and its time as UTC."""
    recorded_at = stored["recorded_at"]
    if not isinstance(recorded_at, datetime):
        recorded_at = datetime.fromisoformat(recorded_at)
    try:
        legal_date = canonical_date(stored["legal_date"])
    except ValueError as exc:
        raise ValueError(f"legal_date: {exc}") from exc
    return {**stored, "legal_date": legal_date, "recorded_at": as_utc(recorded_at)}


def project(conn: Connection) -> Projection:
    """Fold every event, read as stored; the first one that does not fold (a missing key, a value
    of the wrong type or form, a plan never created) stops it with a LogDamaged naming that event
    and what is wrong with it."""
    projection = Projection()
    for stored in stored_rows.rows(conn, EVENTS, order_by="seq"):
        try:
            _apply(projection, _event(stored))
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            what = f"le falta el dato {exc}" if isinstance(exc, KeyError) else f"un dato no es válido ({exc})"
            raise LogDamaged(f"El evento {stored['seq']} ({stored['event_type']}) del plan {stored['plan_id']} no se "
                             f"puede reconstruir: {what}.", seq=stored["seq"], plan_id=stored["plan_id"],
                             hint="Ejecute `kpt audit verify` para ver si la cadena fue alterada.") from exc
    return projection


def differences(conn: Connection) -> list[str]:
    """Every way the tables differ from the events' projection (empty when they agree), each
    value compared as stored with the form the events' value is stored in."""
    projection = project(conn)
    found = stored_rows.differences(conn, PLANS, {(plan_id,): row for plan_id, row in projection.plans.items()})
    found += stored_rows.differences(conn, DOCUMENTS, projection.documents)
    found += stored_rows.differences(conn, DIAGNOSTIC, projection.diagnostic)
    for model, projected in STRATEGY.items():
        found += stored_rows.differences(conn, projected, {
            key: row for (_, table), plan_rows in projection.strategy.items() if table is model
            for key, row in plan_rows.items()})
    blocked: dict[tuple[object, ...], Expected] = {
        (plan_id, rule, day): _row(projection.blocked_seq[plan_id, rule, day], {
            "plan_id": plan_id, "rule": rule, "legal_date": day, "attempts": counted.attempts, "basis": counted.basis})
        for (plan_id, rule, day), counted in projection.blocked.items()}
    return found + stored_rows.differences(conn, BLOCKED, blocked) + amendment_differences(conn)


def amendment_differences(conn: Connection) -> list[str]:
    """The legal amendments as their own chain's events make them, against their table."""
    expected: dict[tuple[object, ...], Expected] = {}
    for stored in amendment_log.events(conn):
        event = _event({**stored, "legal_date": None})
        seq = event["seq"]
        try:
            expected[(seq,)] = _row(seq, amendment_log.projected_row(seq, json.loads(event["payload"]), event["actor"],
                                                                     event["recorded_at"]))
        except (KeyError, ValueError, TypeError) as exc:
            raise LogDamaged(f"La enmienda legal {seq} no se puede reconstruir: un dato falta o no es válido ({exc}).",
                             seq=seq, hint="Ejecute `kpt audit verify` para ver si su cadena fue alterada.") from exc
    return stored_rows.differences(conn, AMENDMENTS, expected)
