"""The entity diagnosis, its associativity options, the programs and products bank, and the
imports of reference data (TerriData indicators, a newer MGA catalog) by the DNP."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.database_work import on_database, reads_database, writing
from api.deps import CurrentActor, RuntimeDep
from api.idempotent import run_once
from api.runtime import Runtime
from api.routes.plans import IdempotencyKey, IfMatch, expected_version
from api.uploads import read_upload
from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.law.bounds import PLAN_YEARS, VERSIONS, BaselineYear, IndicatorValue
from kpt_workflow.services.associativity import DEFAULT_KM, MAX_KM, associativity
from kpt_workflow.services.diagnosis import diagnosis
from kpt_workflow.services.products import SEARCH_LIMIT, ProductGoal, add_product, search_products
from kpt_workflow.services.reference_imports import import_indicators, import_mga_catalog
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(tags=["diagnóstico, asociatividad y banco de productos"])
Year = Annotated[int | None, Query(ge=PLAN_YEARS.low, le=PLAN_YEARS.high)]
CsvFile = Annotated[UploadFile, File(description="CSV UTF-8")]


@router.get("/entities/{code}/diagnosis", summary="Diagnóstico de la entidad, con su departamento, la nación y sus pares")
@reads_database
def get_diagnosis(code: str, rt: RuntimeDep, actor: CurrentActor, anio: Year = None) -> dict[str, Any]:
    with UnitOfWork(rt.engine) as uow:
        return diagnosis(uow, actor, code, anio)


@router.get("/entities/{code}/associativity", summary="Vecinos, programas en común y esquemas asociativos (Ley 1454)")
@reads_database
def get_associativity(code: str, rt: RuntimeDep, actor: CurrentActor,
                      km: Annotated[int, Query(ge=1, le=MAX_KM)] = DEFAULT_KM, periodo: Year = None) -> dict[str, Any]:
    with UnitOfWork(rt.engine) as uow:
        return associativity(uow, actor, code, km, periodo)


def _text(upload: UploadFile, rt: Runtime) -> tuple[str, str]:
    """The uploaded CSV as text (read in AnyIO's pool, within the upload limit)."""
    content, name = read_upload(upload, rt.limits)
    try:
        return content.decode("utf-8-sig"), name or "archivo.csv"
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"'{name}' no es texto UTF-8.", field="file") from exc


@router.post("/territory-indicators", summary="Cargar indicadores de TerriData (CSV largo; DNP o administración)")
async def post_indicators(request: Request, rt: RuntimeDep, actor: CurrentActor, file: CsvFile) -> dict[str, Any]:
    text, name = await run_in_threadpool(_text, file, rt)

    def work() -> dict[str, Any]:
        with UnitOfWork(rt.engine, write=True) as uow:
            return import_indicators(uow, actor, text, name)

    return await writing(request, work)


@router.get("/products", summary="Buscar en el catálogo MGA por código o palabras (sin tildes ni mayúsculas)")
@reads_database
def get_products(rt: RuntimeDep, actor: CurrentActor, q: Annotated[str, Query(min_length=1, max_length=200)],
                 limite: Annotated[int, Query(ge=1, le=500)] = SEARCH_LIMIT) -> dict[str, Any]:
    with UnitOfWork(rt.engine) as uow:
        return search_products(uow, actor, q, limite)


@router.post("/products/catalog", summary="Reemplazar el catálogo MGA (DNP o administración); simular=true no escribe")
async def post_catalog(request: Request, rt: RuntimeDep, actor: CurrentActor, file: CsvFile,
                       simular: Annotated[bool, Form()] = False) -> dict[str, Any]:
    text, name = await run_in_threadpool(_text, file, rt)

    def work() -> dict[str, Any]:
        with UnitOfWork(rt.engine, write=True) as uow:
            return import_mga_catalog(uow, actor, text, name, apply=not simular)

    return await writing(request, work)


class Baseline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    valor: IndicatorValue | None = None
    anio: BaselineYear | None = None
    fuente: Annotated[str, Field(max_length=500)] | None = None


class ProductAdd(BaseModel):
    """A product of the bank added to the plan's parte estratégica, with its indicator."""

    model_config = ConfigDict(extra="forbid")

    producto: Annotated[str, Field(pattern=r"^[0-9]{7}$", description="código MGA de 7 dígitos")]
    indicador: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    nombre: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    unidad: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    eje: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    linea_base: Baseline = Baseline()
    meta_cuatrienio: IndicatorValue | None = None
    fecha: date | None = None
    version: Annotated[int | None, Field(ge=1, le=VERSIONS.high)] = None


def product_goal(body: ProductAdd) -> ProductGoal:
    baseline = body.linea_base
    return ProductGoal(product_code=body.producto, indicator=body.indicador, name=body.nombre, unit=body.unidad,
                       eje=body.eje, baseline_value=baseline.valor, baseline_year=baseline.anio,
                       baseline_source=baseline.fuente, meta_cuatrienio=body.meta_cuatrienio)


@router.post("/plans/{plan_id}/products", summary="Agregar un producto MGA y su indicador a la parte estratégica")
@on_database
def post_product(plan_id: str, body: ProductAdd, rt: RuntimeDep, actor: CurrentActor,
                 key: IdempotencyKey = None, if_match: IfMatch = None) -> JSONResponse:
    expected = expected_version(if_match, body.version)
    request = {"path": f"/plans/{plan_id}/products", "body": body.model_dump(mode="json"), "version": expected}
    return run_once(rt, actor, key, request, lambda uow: add_product(
        uow, plan_id=plan_id, goal=product_goal(body), actor=actor, legal_date=body.fecha, expected_version=expected))

