"""Rebuild plans, documents and the refused-attempt counts from the audit events alone, and
compare with the tables.

Replay is a pure fold: it never re-runs the rules (the recorded outcomes are the record) and takes
time and actor from the events.
"""

import json
from dataclasses import dataclass, field
from datetime import date

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select
from sqlmodel import SQLModel

from kpt_workflow.storage.event_encoding import as_utc
from kpt_workflow.storage.event_log import iter_events
from kpt_workflow.storage import projections

from kpt_workflow.base.errors import KptError
from kpt_workflow.storage.tables import Document, Plan, PlanGoal, PlanInvestment, PlanProgram
from kpt_workflow.storage.strategy_rows import investment_rows, strategic_rows

PLAN_FIELDS = ("entity_code", "period", "state", "state_entered_on", "version", "definition_name", "definition_version",
               "declared_investment_total")
# Tables that hold a plan's current parte estratégica and investment plan, replaced whole by one event.
STRATEGY_TABLES = (PlanProgram, PlanGoal, PlanInvestment)
DOCUMENT_FIELDS = ("status", "legal_date", "number", "filename", "sha256", "size", "media_type", "note", "filed_by")


class LogDamaged(KptError):
    """An event that cannot be folded onto the ones before it: the log was edited or cut."""

    code = "registro_danado"


@dataclass
class Projection:
    plans: dict[str, dict[str, object]] = field(default_factory=dict)
    documents: dict[tuple[str, str, int], dict[str, object]] = field(default_factory=dict)
    strategy: dict[tuple[str, str], list[dict[str, object]]] = field(default_factory=dict)
    blocked: dict[projections.RuleDay, projections.Blocked] = field(default_factory=dict)


def _apply(projection: Projection, event: Mapping[str, Any]) -> None:
    payload = json.loads(event["payload"])
    plan_id, event_type = event["plan_id"], event["event_type"]
    if event_type == "plan_created":
        projection.plans[plan_id] = {
            "entity_code": payload["entity_code"], "period": payload["period"], "state": event["to_state"],
            "state_entered_on": event["legal_date"], "version": event["plan_version"],
            "definition_name": payload["definition"]["name"], "definition_version": payload["definition"]["version"],
            "declared_investment_total": None,
        }
        return
    plan = projection.plans.get(plan_id)
    if plan is None:
        raise LogDamaged(f"El evento {event['seq']} ({event_type}) es del plan {plan_id}, que no fue creado antes en "
                         f"el registro: falta su evento plan_created, o se alteró.", seq=event["seq"], plan_id=plan_id,
                         hint="Ejecute `kpt audit verify` para ver dónde se rompe la cadena, y restaure la base "
                              "desde una copia de respaldo.")
    plan["version"] = event["plan_version"]
    if event_type == "transition_applied":
        plan["state"], plan["state_entered_on"] = event["to_state"], event["legal_date"]
    elif event_type == projections.BLOCKED:
        projections.count_refusal(projection.blocked, plan_id, event["legal_date"], json.loads(event["outcomes"]))
    elif event_type == "strategic_part_recorded":
        programs, goals = strategic_rows(plan_id, payload)
        projection.strategy[plan_id, PlanProgram.__tablename__] = [r.model_dump() for r in programs]
        projection.strategy[plan_id, PlanGoal.__tablename__] = [r.model_dump() for r in goals]
    elif event_type == "investment_plan_recorded":
        projection.strategy[plan_id, PlanInvestment.__tablename__] = [
            r.model_dump() for r in investment_rows(plan_id, payload)]
        plan["declared_investment_total"] = payload["total"]
    elif event_type == "document_filed":
        key = (plan_id, payload["doc_type"], payload["version"])
        projection.documents[key] = {
            **{k: payload[k] for k in DOCUMENT_FIELDS if k != "filed_by"},
            "legal_date": date.fromisoformat(payload["legal_date"]) if payload["legal_date"] else None,
            "filed_by": event["actor"], "recorded_at": as_utc(event["recorded_at"]),
        }


def project(conn: Connection) -> Projection:
    """Fold every event; the first one that does not fold (a missing key, a value of the wrong type,
    a plan never created) stops it with a LogDamaged naming that event and what is wrong with it."""
    projection = Projection()
    for event in iter_events(conn):
        try:
            _apply(projection, event)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            what = f"le falta el dato {exc}" if isinstance(exc, KeyError) else f"un dato no es válido ({exc})"
            raise LogDamaged(f"El evento {event['seq']} ({event['event_type']}) del plan {event['plan_id']} no se "
                             f"puede reconstruir: {what}.", seq=event["seq"], plan_id=event["plan_id"],
                             hint="Ejecute `kpt audit verify` para ver si la cadena fue alterada.") from exc
    return projection


def _rows(conn: Connection, model: type[SQLModel]) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(select(model.__table__)).mappings()]


def differences(conn: Connection) -> list[str]:
    """Every way the tables differ from the events' projection (empty when they agree)."""
    projection = project(conn)
    found = []
    tables = {p["id"]: p for p in _rows(conn, Plan)}
    for plan_id in sorted(set(tables) | set(projection.plans)):
        row, rebuilt = tables.get(plan_id), projection.plans.get(plan_id)
        if row is None or rebuilt is None:
            found.append(f"plan {plan_id}: {'solo en los eventos' if row is None else 'sin eventos que lo creen'}")
            continue
        for name in PLAN_FIELDS:
            if row[name] != rebuilt[name]:
                found.append(f"plan {plan_id}: {name} es {row[name]!r} en la tabla y {rebuilt[name]!r} en los eventos")
    documents = {(d["plan_id"], d["doc_type"], d["version"]): d for d in _rows(conn, Document)}
    for key in sorted(set(documents) | set(projection.documents)):
        row, rebuilt = documents.get(key), projection.documents.get(key)
        label = f"documento {key[1]} v{key[2]} del plan {key[0]}"
        if row is None or rebuilt is None:
            found.append(f"{label}: {'solo en los eventos' if row is None else 'sin evento que lo registre'}")
            continue
        for name in (*DOCUMENT_FIELDS, "recorded_at"):
            value = as_utc(row[name]) if name == "recorded_at" else row[name]
            if value != rebuilt[name]:
                found.append(f"{label}: {name} es {value!r} en la tabla y {rebuilt[name]!r} en los eventos")
    found += _strategy_differences(conn, projection)
    found += _blocked_differences(conn, projection)
    return found


def _strategy_differences(conn: Connection, projection: Projection) -> list[str]:
    found = []
    for table in STRATEGY_TABLES:
        stored: dict[str, list[dict[str, object]]] = {}
        for row in _rows(conn, table):
            stored.setdefault(row["plan_id"], []).append(row)
        rebuilt_plans = {plan_id for plan_id, name in projection.strategy if name == table.__tablename__}
        for plan_id in sorted(set(stored) | rebuilt_plans):
            rows = sorted(stored.get(plan_id, []), key=_row_key)
            rebuilt = sorted(projection.strategy.get((plan_id, table.__tablename__), []), key=_row_key)
            if rows != rebuilt:
                found.append(f"{table.__tablename__} del plan {plan_id}: {len(rows)} filas en la tabla y "
                             f"{len(rebuilt)} en los eventos, o con valores distintos")
    return found


def _blocked_differences(conn: Connection, projection: Projection) -> list[str]:
    found = []
    stored, rebuilt = projections.stored_blocked(conn), projection.blocked
    for key in sorted(set(stored) | set(rebuilt)):
        row, folded = stored.get(key), rebuilt.get(key)
        if row != folded:
            plan_id, rule, day = key
            found.append(f"intentos rechazados del plan {plan_id} por {rule} el {day.isoformat()}: "
                         f"{_attempts(row)} en la tabla y {_attempts(folded)} en los eventos")
    return found


def _attempts(counted: projections.Blocked | None) -> str:
    return "ninguno" if counted is None else f"{counted.attempts} ({counted.basis})"


def _row_key(row: dict[str, object]) -> str:
    return repr(sorted(row.items()))
