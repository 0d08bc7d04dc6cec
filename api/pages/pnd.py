"""The articulation with the PND: a plan's alignment page and the national view of which PND
lines the territories fund, on the same services as `kpt plan pnd` and `kpt pnd report`."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.database_work import reads_database
from api.deps import RuntimeDep
from api.pages.charts import bar_chart
from api.pages.web import PageActor, render
from kpt_workflow.base.figures import amount, number
from kpt_workflow.law.calendar import written_date
from kpt_workflow.law.bounds import PERIODS
from kpt_workflow.services.pnd import PndAsk, national_pnd, plan_alignment
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(include_in_schema=False)


def pesos(value: float) -> str:
    return f"${number(value)}"


@router.get("/planes/{plan_id}/pnd", response_class=HTMLResponse)
@reads_database
def plan_pnd_page(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor) -> HTMLResponse:
    with UnitOfWork(rt.engine) as uow:
        shown = plan_alignment(uow, actor, plan_id)
    chart = bar_chart("Inversión del plan por línea del PND (pesos)",
                      [(line["name"], line["total"]) for line in shown["lines"]]
                      + [("Sin línea del PND", shown["untagged_total"])], figure=pesos)
    return render(request, "pnd_plan.html", actor, synthetic=shown["synthetic"], a=shown, chart=chart,
                  columns=len(shown["years"]) + 4)


@router.get("/tablero/pnd", response_class=HTMLResponse)
@reads_database
def pnd_report_page(request: Request, rt: RuntimeDep, actor: PageActor,
                    departamento: Annotated[str | None, Query(max_length=2)] = None,
                    categoria: Annotated[str | None, Query(max_length=8)] = None, hoy: date | None = None,
                    periodo: Annotated[int | None, Query(ge=PERIODS.low, le=PERIODS.high)] = None) -> HTMLResponse:
    with UnitOfWork(rt.engine) as uow:
        shown = national_pnd(uow, actor, PndAsk(departamento or None, categoria or None, hoy, None, periodo))
    chart = bar_chart("Inversión de los planes por línea del PND (pesos)",
                      [(line["name"], line["amount"]) for line in shown["lines"]]
                      + [("Sin línea del PND", shown["untagged"])], figure=pesos)
    # Each line's departments, folded under their count unless a department's filter leaves one.
    departments = {line["code"]: (amount(len(line["by_department"]), "departamento"), len(line["by_department"]) == 1)
                   for line in shown["lines"]}
    return render(request, "pnd_report.html", actor, synthetic=shown["synthetic"], r=shown, chart=chart,
                  as_of=written_date(shown["filters"]["as_of"]), departments=departments)
