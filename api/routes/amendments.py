"""The legal amendments of terms for plans in flight (administration only: the use-case decides)."""

from typing import Any

from fastapi import APIRouter

from api.database_work import on_database, reads_database
from api.deps import CurrentActor, RuntimeDep
from api.schemas import AmendmentCreate
from kpt_workflow.services.amendments import AmendmentRequest, list_amendments, record_amendment
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(tags=["enmiendas legales"])


@router.post("/amendments", status_code=201, summary="Registrar una enmienda legal de un plazo (administración)")
@on_database
def new_amendment(body: AmendmentCreate, rt: RuntimeDep, actor: CurrentActor) -> dict[str, Any]:
    request = AmendmentRequest(**{**body.model_dump(), "periodos": tuple(body.periodos), "valores": tuple(body.valores)})
    with UnitOfWork(rt.engine, write=True) as uow:
        return record_amendment(uow, actor, request)


@router.get("/amendments", summary="Enmiendas legales registradas (administración)")
@reads_database
def amendments(rt: RuntimeDep, actor: CurrentActor) -> list[dict[str, Any]]:
    with UnitOfWork(rt.engine) as uow:
        return list_amendments(uow, actor)
