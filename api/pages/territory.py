"""The entity diagnosis page, its associativity page and the programs and products bank, on the
same services as `kpt entities diagnosis`, `kpt entities associativity` and `kpt products`."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.database_work import on_database, reads_database
from api.deps import RuntimeDep
from api.pages.charts import bar_chart
from api.pages.trend_chart import trend_chart
from api.pages.web import CsrfChecked, PageActor, flash, render
from kpt_workflow.base.errors import KptError, PlanNotFound
from kpt_workflow.base.figures import exact
from kpt_workflow.law.bounds import PLAN_YEARS
from kpt_workflow.reference import territory
from kpt_workflow.services.associativity import DEFAULT_KM, MAX_KM, associativity
from kpt_workflow.services.diagnosis import diagnosis
from kpt_workflow.services.products import ProductGoal, add_product, bank_page
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(include_in_schema=False)
Year = Annotated[int | None, Query(alias="anio", ge=PLAN_YEARS.low, le=PLAN_YEARS.high)]


@router.get("/diagnostico", response_class=HTMLResponse)
async def choose(request: Request, actor: PageActor, entidad: Annotated[str, Query(max_length=10)] = "") -> Any:
    """The diagnosis of the entity typed, or of the user's own entity; else the form to type one."""
    code = entidad.strip() or (actor.entity_code or "")
    if code:
        return RedirectResponse(f"/entidades/{quote(code)}/diagnostico", status_code=303)
    return render(request, "diagnosis.html", actor, d=None, charts={})


def _charts(shown: dict[str, Any]) -> dict[str, str]:
    population = shown["population"]
    charts = {}
    if population:
        trend = population["trend"]["entity"]
        charts["population"] = trend_chart(f"Población de {shown['entity']['name']}, {trend['from']}–{trend['to']}",
                                           [(p["year"], p["value"]) for p in trend["series"]], shown["year"])
    ipm = next((r for r in shown["indicators"] if r["indicator"] == territory.IPM), None)
    if ipm:
        bars = [(shown["entity"]["name"].title(), ipm["value"])]
        if ipm["department"] is not None:
            bars.append((f"Departamento ({shown['entity']['department_name'].title()})", ipm["department"]))
        if ipm["nation"] is not None:
            bars.append(("Colombia", ipm["nation"]))
        if ipm["peers_median"] is not None:
            bars.append((f"Mediana de {ipm['peers_with_value']} pares", ipm["peers_median"]))
        charts["ipm"] = bar_chart(f"IPM {ipm['year']} (%) frente a su departamento, la nación y sus pares", bars,
                                  " %", figure=exact)
    return charts


@router.get("/entidades/{code}/diagnostico", response_class=HTMLResponse)
@reads_database
def diagnosis_page(code: str, request: Request, rt: RuntimeDep, actor: PageActor, anio: Year = None) -> HTMLResponse:
    with UnitOfWork(rt.engine) as uow:
        shown = diagnosis(uow, actor, code, anio)
    return render(request, "diagnosis.html", actor, d=shown, charts=_charts(shown))


@router.get("/entidades/{code}/asociatividad", response_class=HTMLResponse)
@reads_database
def associativity_page(code: str, request: Request, rt: RuntimeDep, actor: PageActor,
                       km: Annotated[int, Query(ge=1, le=MAX_KM)] = DEFAULT_KM) -> HTMLResponse:
    with UnitOfWork(rt.engine) as uow:
        shown = associativity(uow, actor, code, km)
    return render(request, "associativity.html", actor, synthetic=shown["synthetic"], a=shown, max_km=MAX_KM)


@router.get("/productos", response_class=HTMLResponse)
@reads_database
def bank(request: Request, rt: RuntimeDep, actor: PageActor,
         q: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    with UnitOfWork(rt.engine) as uow:
        shown = bank_page(uow, actor, q)
    return render(request, "products.html", actor, **shown)


@router.post("/productos/agregar", dependencies=[CsrfChecked])
@on_database
def add(request: Request, rt: RuntimeDep, actor: PageActor, plan: Annotated[str, Form(max_length=64)],
        producto: Annotated[str, Form(pattern=r"^[0-9]{7}$")], version: Annotated[int, Form(ge=1)],
        fecha: Annotated[date, Form()], q: Annotated[str, Form(max_length=200)] = "",
        indicador: Annotated[str, Form(max_length=64)] = "", nombre: Annotated[str, Form(max_length=500)] = "",
        unidad: Annotated[str, Form(max_length=100)] = "", eje: Annotated[str, Form(max_length=500)] = "",
        meta: Annotated[Decimal | None, Form(ge=-10**15, le=10**15, decimal_places=6)] = None) -> RedirectResponse:
    """Add the product found to the office's plan; a refusal comes back to the search as a notice."""
    goal = ProductGoal(product_code=producto, indicator=indicador or None, name=nombre or None, unit=unidad or None,
                       eje=eje or None, meta_cuatrienio=meta)
    try:
        with UnitOfWork(rt.engine, write=True) as uow:
            result = add_product(uow, plan_id=plan, goal=goal, actor=actor, legal_date=fecha, expected_version=version)
    except PlanNotFound:
        raise
    except KptError as error:
        flash(request, "error", f"No se agregó el producto {producto}: {error.message}")
        return RedirectResponse(f"/productos?{urlencode({'q': q})}" if q else "/productos", status_code=303)
    added = result["producto_agregado"]
    flash(request, "success", f"Producto {added['codigo']} «{added['nombre']}» agregado al programa "
                              f"«{added['programa_nombre']}» con el indicador «{added['indicador_nombre']}».")
    return RedirectResponse(f"/planes/{plan}#estrategia", status_code=303)
