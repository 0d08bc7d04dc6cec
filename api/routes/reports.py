"""The bottleneck report as data: what the DNP's and the departments' dashboard shows, for their
own tools."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.database_work import reads_database
from api.deps import CurrentActor, RuntimeDep
from kpt_workflow.law.bounds import PERIODS
from kpt_workflow.services.access import report_filters
from kpt_workflow.reports.national import national_report
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(tags=["tablero"])


@router.get("/reports/bottlenecks", summary="Cuellos de botella: planes por estado, tiempos, plazos y bloqueos")
@reads_database
def bottlenecks(rt: RuntimeDep, actor: CurrentActor,
                department: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
                category: Annotated[str | None, Query(max_length=8)] = None,
                as_of: date | None = None,
                flujo: Annotated[str | None, Query(max_length=64)] = None,
                period: Annotated[int | None, Query(ge=PERIODS.low, le=PERIODS.high)] = None) -> dict[str, Any]:
    """As of a legal date (`as_of`, today by default): plans per state, per department and per
    category, days in each state (median, p90), plans past each legal deadline, the rules that
    block most, and one row per plan. A department gets its own plan and its municipalities',
    whatever it asks for; offices and councils are refused. Only the plans of one workflow are
    counted: the default one's (the PDT) unless `flujo` names another; and of one cycle: `period`
    (its start year), by default the cycle of `as_of` (from an election on, the one it elected)."""
    with UnitOfWork(rt.engine) as uow:
        return national_report(uow.connection, report_filters(actor, department, category, as_of, flujo, period))
