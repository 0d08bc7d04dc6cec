"""Reads of the plan aggregate that use-cases need, in the caller's transaction."""

from types import MappingProxyType
from typing import Mapping

from sqlalchemy import select
from sqlmodel import Session

from kpt_workflow.errors import NotFound
from kpt_workflow.facts import DocumentFact
from kpt_workflow.models import Document, Entity, Plan


def get_entity(session: Session, code: str) -> Entity:
    entity = session.get(Entity, code)
    if entity is None:
        raise NotFound(f"No existe una entidad territorial con código DIVIPOLA '{code}'.", entity=code)
    return entity


def get_plan(session: Session, plan_id: str, *, for_update: bool = False) -> Plan:
    """`for_update` locks the row on PostgreSQL (SQLite already holds its write lock)."""
    statement = select(Plan).where(Plan.id == plan_id)
    if for_update:
        statement = statement.with_for_update()
    plan = session.execute(statement).scalar_one_or_none()
    if plan is None:
        raise NotFound(f"No existe el plan '{plan_id}'.", plan=plan_id)
    return plan


def latest_documents(session: Session, plan_id: str) -> Mapping[str, DocumentFact]:
    """The newest version of each document type of the plan."""
    rows = session.execute(
        select(Document.doc_type, Document.version, Document.status, Document.legal_date, Document.number)
        .where(Document.plan_id == plan_id)
        .order_by(Document.doc_type, Document.version)
    )
    return MappingProxyType({row.doc_type: DocumentFact(*row) for row in rows})


def document_versions(session: Session, plan_id: str) -> list[Document]:
    return list(session.execute(
        select(Document).where(Document.plan_id == plan_id).order_by(Document.doc_type, Document.version)
    ).scalars())
