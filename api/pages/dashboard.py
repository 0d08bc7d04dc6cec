"""The DNP's (and a department's) bottleneck dashboard, with CSV and XLSX exports of its table."""

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.database_work import reads_database
from api.deps import RuntimeDep
from api.pages.charts import bar_chart
from api.pages.web import PageActor, pages_of, render
from kpt_workflow.law.bounds import PERIODS
from kpt_workflow.reports.report_export import csv_file, export_report_xlsx, export_rows_csv
from kpt_workflow.services.dashboard import DashboardAsk, dashboard
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(include_in_schema=False)
PAGE_ROWS = 100


def _ask(departamento: Annotated[str | None, Query(max_length=2)] = None,
         categoria: Annotated[str | None, Query(max_length=8)] = None, hoy: date | None = None,
         flujo: Annotated[str | None, Query(max_length=64)] = None,  # whose plans: the default workflow's unless named
         periodo: Annotated[int | None, Query(ge=PERIODS.low, le=PERIODS.high)] = None,  # by default, the cut's cycle
         estado: Annotated[str | None, Query(max_length=64)] = None,
         nombre: Annotated[str | None, Query(max_length=80)] = None) -> DashboardAsk:
    return DashboardAsk(department=departamento, category=categoria, as_of=hoy, workflow=flujo, period=periodo,
                        state=estado, name=nombre)


Ask = Annotated[DashboardAsk, Depends(_ask)]


def _shown(rt: RuntimeDep, actor: PageActor, ask: DashboardAsk) -> dict[str, Any]:
    with UnitOfWork(rt.engine) as uow:
        return dashboard(uow, actor, ask)


def _query(shown: dict[str, Any], ask: DashboardAsk) -> dict[str, str]:
    """The page's filters as its links carry them (empty ones left out)."""
    filters = shown["filters"]
    query = {"departamento": filters.department_code or "", "categoria": filters.category or "",
             "hoy": filters.as_of.isoformat(), "flujo": ask.workflow or "", "periodo": str(filters.cycle),
             "estado": shown["state"] or "", "nombre": shown["name"]}
    return {key: value for key, value in query.items() if value}


@router.get("/tablero", response_class=HTMLResponse)
@reads_database
def dashboard_page(request: Request, rt: RuntimeDep, actor: PageActor, ask: Ask,
                   pagina: Annotated[int, Query(ge=1, le=1000)] = 1) -> HTMLResponse:
    shown = _shown(rt, actor, ask)
    report, query = shown["report"], _query(shown, ask)

    def plans_in(state: str) -> str:
        return "/tablero?" + urlencode({**query, "estado": state}) + "#planes"

    dwell = [(s, kind, value) for s in report["dwell_by_state"]
             for kind, value in (("mediana", s["median_days"]), ("p90", s["p90_days"]))]
    charts = {
        "states": bar_chart("Planes por estado", [(s["label"], s["count"]) for s in report["plans_by_state"]],
                            links=[plans_in(s["state"]) for s in report["plans_by_state"]]),
        "dwell": bar_chart("Días en cada estado: mediana y percentil 90",
                           [(f"{s['label']} · {kind}", value or 0) for s, kind, value in dwell], " d",
                           links=[plans_in(s["state"]) for s, _, _ in dwell]),
    }
    rows = shown.pop("rows")
    return render(request, "dashboard.html", actor, **shown, charts=charts, shown_rows=len(rows),
                  rows=rows[(pagina - 1) * PAGE_ROWS: pagina * PAGE_ROWS],
                  paging=pages_of(len(rows), pagina, PAGE_ROWS, query),
                  export_query=urlencode(query), all_states_query=urlencode(
                      {k: v for k, v in query.items() if k not in ("estado", "nombre")}),
                  columns=len(report["plans_by_state"]) + 2)


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/tablero.csv")
@reads_database
def dashboard_csv(rt: RuntimeDep, actor: PageActor, ask: Ask) -> Response:
    shown = _shown(rt, actor, ask)
    return Response(csv_file(export_rows_csv(shown["rows"])), media_type="text/csv; charset=utf-8",
                    headers=_attachment(f"{shown['export_name']}.csv"))


@router.get("/tablero.xlsx")
@reads_database
def dashboard_xlsx(rt: RuntimeDep, actor: PageActor, ask: Ask) -> Response:
    shown = _shown(rt, actor, ask)
    return Response(export_report_xlsx({**shown["report"], "plan_rows": shown["rows"],
                                                "narrowed": shown["narrowed"]}),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers=_attachment(f"{shown['export_name']}.xlsx"))
