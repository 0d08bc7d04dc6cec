"""Territorial entities (public reference data for any signed-in user) and the indicator catalog."""

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import select

from api.database_work import reads_database
from api.deps import CurrentActor, RuntimeDep
from kpt_workflow.base.errors import NotFound
from kpt_workflow.storage.tables import Entity, Indicator
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(tags=["entidades"])


@router.get("/entities", summary="Entidades territoriales (DIVIPOLA)")
@reads_database
def list_entities(rt: RuntimeDep, _: CurrentActor,
                  department: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
                  kind: Annotated[str | None, Query(max_length=32)] = None) -> list[Entity]:
    query = select(Entity).order_by(Entity.code)
    if department:
        query = query.where(Entity.department_code == department)
    if kind:
        query = query.where(Entity.kind == kind)
    with UnitOfWork(rt.engine) as uow:
        return list(uow.session.exec(query))


@router.get("/entities/{code}", summary="Una entidad territorial")
@reads_database
def get_entity(code: str, rt: RuntimeDep, _: CurrentActor) -> Entity:
    with UnitOfWork(rt.engine) as uow:
        entity = uow.session.get(Entity, code)
    if entity is None:
        raise NotFound(f"No existe una entidad territorial con código DIVIPOLA '{code}'.")
    return entity


@router.get("/indicators", summary="Catálogo de indicadores (batería)")
@reads_database
def list_indicators(rt: RuntimeDep, _: CurrentActor,
                    sector: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None) -> list[Indicator]:
    query = select(Indicator).order_by(Indicator.code)
    if sector:
        query = query.where(Indicator.sector_code == sector)
    with UnitOfWork(rt.engine) as uow:
        return list(uow.session.exec(query))
