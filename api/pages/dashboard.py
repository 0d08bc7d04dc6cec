"""The DNP's (and a department's) bottleneck dashboard, with CSV and XLSX exports of its table."""

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.database_work import reads_database
from api.deps import RuntimeDep
from api.pages.charts import bar_chart
from api.pages.web import PageActor, pages_of, render
from kpt_workflow.law.bounds import PERIODS
from kpt_workflow.reports.report_export import csv_file, export_report_xlsx, export_rows_csv
from kpt_workflow.services import views
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(include_in_schema=False)
PAGE_ROWS = 100
Department = Annotated[str | None, Query(alias="departamento", max_length=2)]
Category = Annotated[str | None, Query(alias="categoria", max_length=8)]
Workflow = Annotated[str | None, Query(alias="flujo", max_length=64)]  # whose plans: the default workflow's unless named


Period = Annotated[int | None, Query(alias="periodo", ge=PERIODS.low, le=PERIODS.high)]  # by default, the cut's cycle


def _shown(rt: RuntimeDep, actor: PageActor, department: str | None, category: str | None, as_of: date | None,
           flujo: str | None, periodo: int | None) -> dict[str, Any]:
    with UnitOfWork(rt.engine) as uow:
        return views.dashboard(uow, actor, department, category, as_of, flujo, periodo)


@router.get("/tablero", response_class=HTMLResponse)
@reads_database
def dashboard(request: Request, rt: RuntimeDep, actor: PageActor, departamento: Department = None,
              categoria: Category = None, hoy: date | None = None, flujo: Workflow = None, periodo: Period = None,
              pagina: Annotated[int, Query(ge=1, le=1000)] = 1) -> HTMLResponse:
    shown = _shown(rt, actor, departamento, categoria, hoy, flujo, periodo)
    report, filters = shown["report"], shown["filters"]
    charts = {
        "states": bar_chart("Planes por estado", [(s["label"], s["count"]) for s in report["plans_by_state"]]),
        "dwell": bar_chart("Días en cada estado: mediana y percentil 90",
                           [bar for s in report["dwell_by_state"]
                            for bar in ((f"{s['label']} · mediana", s["median_days"] or 0),
                                        (f"{s['label']} · p90", s["p90_days"] or 0))], " d"),
    }
    rows = shown.pop("rows")
    query = {"departamento": filters.department_code or "", "categoria": filters.category or "",
             "hoy": filters.as_of.isoformat(), "flujo": flujo or "", "periodo": str(filters.cycle)}
    return render(request, "dashboard.html", actor, **shown, charts=charts,
                  rows=rows[(pagina - 1) * PAGE_ROWS: pagina * PAGE_ROWS],
                  paging=pages_of(len(rows), pagina, PAGE_ROWS, query),
                  export_query=urlencode({key: value for key, value in query.items() if value}),
                  columns=len(report["plans_by_state"]) + 2)


@router.get("/tablero.csv")
@reads_database
def dashboard_csv(rt: RuntimeDep, actor: PageActor, departamento: Department = None, categoria: Category = None,
                  hoy: date | None = None, flujo: Workflow = None, periodo: Period = None) -> Response:
    report = _shown(rt, actor, departamento, categoria, hoy, flujo, periodo)["report"]
    return Response(csv_file(export_rows_csv(report["plan_rows"])), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="planes.csv"'})


@router.get("/tablero.xlsx")
@reads_database
def dashboard_xlsx(rt: RuntimeDep, actor: PageActor, departamento: Department = None, categoria: Category = None,
                   hoy: date | None = None, flujo: Workflow = None, periodo: Period = None) -> Response:
    report = _shown(rt, actor, departamento, categoria, hoy, flujo, periodo)["report"]
    return Response(export_report_xlsx(report),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="tablero.xlsx"'})
