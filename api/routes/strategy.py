"""The parte estratégica (ejes → programas → metas) and the plan plurianual de inversiones."""

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.database_work import on_database, reads_database
from api.deps import CurrentActor, RuntimeDep
from api.idempotent import run_once
from api.runtime import Runtime
from api.routes.plans import IdempotencyKey, IfMatch, VersionQuery, expected_version
from kpt_workflow import services
from kpt_workflow.services.access import Actor
from kpt_workflow.services import views
from kpt_workflow.lifecycle.strategy import InvestmentPlanInput, StrategicPartInput
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(tags=["parte estratégica e inversiones"])
LegalDate = Annotated[date | None, Query(description="Fecha legal del registro")]


@router.get("/plans/{plan_id}/strategy", summary="Parte estratégica vigente")
@reads_database
def get_strategy(plan_id: str, rt: RuntimeDep, actor: CurrentActor) -> list[dict[str, Any]]:
    with UnitOfWork(rt.engine) as uow:
        return views.strategy(uow, actor, plan_id)


Record = Callable[..., dict[str, Any]]


def _replace(plan_id: str, body: BaseModel, rt: Runtime, actor: Actor, path: str, record: Record,
             fecha: date | None, version: int | None, key: str | None, if_match: str | None) -> JSONResponse:
    """Both documents are replaced whole by the planning office, once per Idempotency-Key."""
    expected = expected_version(if_match, version)
    data = body.model_dump(mode="json")
    request = {"path": f"/plans/{plan_id}/{path}", "body": data, "fecha": fecha, "version": expected}
    return run_once(rt, actor, key, request, lambda uow: record(
        uow, plan_id=plan_id, data=data, actor=actor, legal_date=fecha, expected_version=expected))


@router.put("/plans/{plan_id}/strategy", summary="Registrar (reemplazar) la parte estratégica")
@on_database
def put_strategy(plan_id: str, body: StrategicPartInput, rt: RuntimeDep, actor: CurrentActor,
                 fecha: LegalDate = None, version: VersionQuery = None,
                 key: IdempotencyKey = None, if_match: IfMatch = None) -> JSONResponse:
    return _replace(plan_id, body, rt, actor, "strategy", services.record_strategic_part,
                    fecha, version, key, if_match)


@router.get("/plans/{plan_id}/investments", summary="Plan plurianual de inversiones vigente")
@reads_database
def get_investments(plan_id: str, rt: RuntimeDep, actor: CurrentActor) -> dict[str, Any]:
    with UnitOfWork(rt.engine) as uow:
        return views.investments(uow, actor, plan_id)


@router.put("/plans/{plan_id}/investments", summary="Registrar (reemplazar) el plan plurianual de inversiones")
@on_database
def put_investments(plan_id: str, body: InvestmentPlanInput, rt: RuntimeDep, actor: CurrentActor,
                    fecha: LegalDate = None, version: VersionQuery = None,
                    key: IdempotencyKey = None, if_match: IfMatch = None) -> JSONResponse:
    return _replace(plan_id, body, rt, actor, "investments", services.record_investment_plan,
                    fecha, version, key, if_match)
