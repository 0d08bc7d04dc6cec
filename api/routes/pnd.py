"""The articulation with the PND: a plan's alignment report and the national view of which PND
lines the territories fund (the dashboard's readers and scope)."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.database_work import reads_database
from api.deps import CurrentActor, RuntimeDep
from kpt_workflow.law.bounds import PERIODS
from kpt_workflow.services.pnd import PndAsk, national_pnd, plan_alignment
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(tags=["articulación con el PND"])


@router.get("/plans/{plan_id}/pnd", summary="Articulación del plan con el PND y las iniciativas del departamento")
@reads_database
def get_plan_pnd(plan_id: str, rt: RuntimeDep, actor: CurrentActor) -> dict[str, Any]:
    """Each program with its PND lines and department initiatives and its investment by year and
    source; the investment per PND line (a program with several lines counts whole in each); the
    programs without a line and their investment. Every role that sees the plan reads it."""
    with UnitOfWork(rt.engine) as uow:
        return plan_alignment(uow, actor, plan_id)


@router.get("/reports/pnd", summary="Inversión de los planes por línea del PND")
@reads_database
def get_pnd_report(rt: RuntimeDep, actor: CurrentActor,
                   department: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
                   category: Annotated[str | None, Query(max_length=8)] = None,
                   as_of: date | None = None,
                   flujo: Annotated[str | None, Query(max_length=64)] = None,
                   period: Annotated[int | None, Query(ge=PERIODS.low, le=PERIODS.high)] = None) -> dict[str, Any]:
    """Per PND line: the plans and programs tagged with it and their investment, also per
    department; the total investment, the part in programs without a line and the plans counted.
    The same scope and filters as `/reports/bottlenecks` (a department sees its own)."""
    with UnitOfWork(rt.engine) as uow:
        return national_pnd(uow, actor, PndAsk(department, category, as_of, flujo, period))
