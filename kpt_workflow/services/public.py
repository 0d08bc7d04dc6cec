"""What anyone may read of an entity's plans without login (/publico/CODIGO): each plan's state,
its legal terms and its public documents. Never a user, a document's note, a refused attempt or a
draft: which document types are public, and from when, is the catalog's data (`public`,
`public_once` in reference/catalogs/documentos.yaml), not code here."""

from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from kpt_workflow.base.errors import NotFound
from kpt_workflow.base.figures import number
from kpt_workflow.base.words import KIND_NAMES
from kpt_workflow.law import calendar
from kpt_workflow.law.facts import FILED
from kpt_workflow.reference.document_types import document_label, load_catalog
from kpt_workflow.reports.plan_terms import PlanTerms, chain_key, many_plan_terms
from kpt_workflow.services.open_data import etag_of
from kpt_workflow.services.views import deadline_row
from kpt_workflow.storage.recorder import PLAN
from kpt_workflow.storage.repository import document_versions, holds_synthetic_demo
from kpt_workflow.storage.tables import Entity
from kpt_workflow.storage.unit_of_work import UnitOfWork

_ENTITIES = Entity.__table__
_SHOWN = ("doc_type", "version", "number", "legal_date", "sha256", "size", "media_type", "filename")
"""What a public document shows of its row: never who filed it, nor its note."""


def _entity(conn: Connection, code: str) -> dict[str, Any]:
    row = conn.execute(select(_ENTITIES).where(_ENTITIES.c.code == code)).mappings().first()
    if row is None:
        raise NotFound(f"No existe una entidad territorial con código DIVIPOLA '{code}'.", entity=code)
    return dict(row)


def public_versions(conn: Connection, terms: PlanTerms) -> list[dict[str, Any]]:
    """The current version of each public document type of the plan, if it is filed with its file
    and, for a type public only once the plan is adopted, once one of those acts is filed."""
    catalog, filed = load_catalog(), {code for code, fact in terms.documents.items() if fact.status == FILED}
    latest: dict[str, dict[str, Any]] = {}
    for version in document_versions(conn, terms.plan.id):
        latest[version["doc_type"]] = version  # ordered by type and version: the last one stays
    shown = []
    for doc_type, row in latest.items():
        kind = catalog.get(doc_type) if doc_type in catalog.codes() else None
        if kind is None or not kind.public or row["status"] != FILED or not row["sha256"]:
            continue
        if kind.public_once and not filed & set(kind.public_once):
            continue
        shown.append({key: row[key] for key in _SHOWN})
    return shown


def public_entity(uow: UnitOfWork, code: str, today: date) -> dict[str, Any]:
    """The entity's public page: its plans (newest period first), each with its state, its terms
    counted to `today` and its public documents, and an ETag for all of it."""
    conn = uow.connection
    entity = _entity(conn, code)
    plans = sorted(many_plan_terms(conn, today, PLAN.c.entity_code == entity["code"]),
                   key=lambda t: (-t.plan.period, t.plan.id))
    planner = None if entity["plans_own_pdt"] else {"code": entity["department_code"], "name": entity["department_name"]}
    return {"entity": {"code": entity["code"], "name": entity["name"], "kind": KIND_NAMES.get(entity["kind"], ""),
                       "department_code": entity["department_code"], "department_name": entity["department_name"],
                       "planner": planner},
            "plans": [_plan(conn, terms) for terms in plans], "today_text": calendar.written_date(today),
            "synthetic": holds_synthetic_demo(conn), "etag": etag_of((code, *chain_key(conn, today)))}


def _plan(conn: Connection, terms: PlanTerms) -> dict[str, Any]:
    plan = terms.plan
    return {"id": plan.id, "years": calendar.period_years(plan.period), "workflow": terms.workflow_title,
            "state_label": terms.state_label, "terminal": terms.terminal,
            "since": calendar.written_date(plan.state_entered_on),
            "deadlines": [{**deadline_row(d), "date_text": calendar.written_date(date.fromisoformat(d["date"]))
                           if d["date"] else None} for d in terms.deadlines],
            "documents": [{**d, "label": document_label(d["doc_type"], plan.entity_kind),
                           "legal_date_text": calendar.written_date(d["legal_date"]) if d["legal_date"] else None,
                           "size_text": f"{number(round(d['size'] / 1024, 1))} KB",
                           "href": f"/publico/{plan.entity_code}/documentos/{plan.id}/{d['doc_type']}/{d['version']}"}
                          for d in public_versions(conn, terms)]}


def public_document(uow: UnitOfWork, code: str, plan_id: str, doc_type: str, version: int,
                    today: date) -> dict[str, Any]:
    """One public document's row, to download: the entity's plan's current public version of that
    type; anything else (another entity's plan, an older version, a type not public) is not found."""
    conn = uow.connection
    plans = many_plan_terms(conn, today, (PLAN.c.id == plan_id) & (PLAN.c.entity_code == code))
    found = next((d for terms in plans for d in public_versions(conn, terms)
                  if d["doc_type"] == doc_type and d["version"] == version), None)
    if found is None:
        raise NotFound(f"No hay un documento público '{doc_type}' versión {version} del plan {plan_id}.")
    return found
