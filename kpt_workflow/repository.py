"""Reads of the plan aggregate that use-cases need, in the caller's transaction."""

from types import MappingProxyType
from typing import Mapping

from sqlalchemy import select
from sqlmodel import Session

from kpt_workflow.errors import NotFound
from kpt_workflow.facts import DocumentFact, GoalFact, InvestmentFact, ProgramFact
from kpt_workflow.models import Document, Entity, Indicator, Plan, PlanGoal, PlanInvestment, PlanProgram


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


def program_facts(session: Session, plan_id: str) -> tuple[ProgramFact, ...]:
    """The parte estratégica with each goal's catalog unit (one query each for programs and goals)."""
    goals: dict[str, list[GoalFact]] = {}
    rows = session.execute(
        select(PlanGoal, Indicator.unit).outerjoin(Indicator, Indicator.code == PlanGoal.indicator_code)
        .where(PlanGoal.plan_id == plan_id).order_by(PlanGoal.indicator_code))
    for goal, catalog_unit in rows:
        goals.setdefault(goal.program_code, []).append(GoalFact(
            indicator_code=goal.indicator_code, kind=goal.kind, name=goal.name, unit=goal.unit, custom=goal.custom,
            catalog_unit=None if goal.custom else catalog_unit, baseline_value=goal.baseline_value,
            baseline_year=goal.baseline_year, baseline_source=goal.baseline_source,
            meta_cuatrienio=goal.meta_cuatrienio))
    programs = session.execute(select(PlanProgram).where(PlanProgram.plan_id == plan_id).order_by(PlanProgram.position))
    return tuple(ProgramFact(p.program_code, p.program_name, p.eje, tuple(goals.get(p.program_code, ())))
                 for p in programs.scalars())


def investment_facts(session: Session, plan_id: str) -> tuple[InvestmentFact, ...]:
    rows = session.execute(
        select(PlanInvestment.program_code, PlanInvestment.year, PlanInvestment.source, PlanInvestment.amount)
        .where(PlanInvestment.plan_id == plan_id)
        .order_by(PlanInvestment.program_code, PlanInvestment.year, PlanInvestment.source))
    return tuple(InvestmentFact(*row) for row in rows)


def list_plans(session: Session, *, department_code: str | None = None, state: str | None = None) -> list[dict[str, object]]:
    query = (select(Plan.id, Plan.entity_code, Entity.name, Entity.kind, Entity.department_code, Plan.period, Plan.state,
                    Plan.state_entered_on, Plan.version)
             .join(Entity, Entity.code == Plan.entity_code).order_by(Plan.id))
    if department_code:
        query = query.where(Entity.department_code == department_code)
    if state:
        query = query.where(Plan.state == state)
    return [{"id": r.id, "entity_code": r.entity_code, "entity_name": r.name, "kind": r.kind,
             "department_code": r.department_code, "period": r.period, "state": r.state,
             "state_entered_on": r.state_entered_on.isoformat(), "version": r.version} for r in session.execute(query)]
