"""The alerts of legal terms due for the user (those of the plans it sees that concern its role)."""

from datetime import date
from typing import Any

from fastapi import APIRouter

from api.database_work import reads_database
from api.deps import CurrentActor, RuntimeDep
from kpt_workflow.law import calendar
from kpt_workflow.services import alerts
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(tags=["avisos"])


@router.get("/alerts", summary="Avisos de plazos: próximos a vencer y vencidos sin cumplir")
@reads_database
def list_alerts(rt: RuntimeDep, actor: CurrentActor, hoy: date | None = None) -> dict[str, Any]:
    """A term falls due for an alert `KPT_ALERT_WORKING_DAYS` working days before its day (the
    Colombian calendar) and stays due until it is met; a plan whose process ended has none."""
    with UnitOfWork(rt.engine) as uow:
        return alerts.alerts_for(uow, actor, hoy or calendar.today_in_colombia(), rt.settings.alert_working_days,
                                 rt.country_terms)
