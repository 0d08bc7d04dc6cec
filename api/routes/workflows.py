"""The workflows a plan may be created under: what `flujo` names in POST /plans."""

from typing import Any

from fastapi import APIRouter

from api.deps import CurrentActor
from kpt_workflow.services.workflows import list_workflows

router = APIRouter(tags=["flujos"])


@router.get("/workflows", summary="Flujos declarados: nombre, versión y estados (el predeterminado primero)")
async def workflows(_: CurrentActor) -> list[dict[str, Any]]:
    return list_workflows()
