"""Plans: create, list, status (the shape of DESIGN.md), history, steps and council decisions."""

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from api.database_work import on_database, reads_database
from api.deps import CallerDep, CurrentActor, RuntimeDep
from api.idempotent import once, run_once
from api.schemas import PlanCreate, TransitionRequest
from api.uploads import content_hash, read_upload
from kpt_workflow.law import calendar
from kpt_workflow import services
from kpt_workflow.law.bounds import VERSIONS
from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.storage import repository
from kpt_workflow.services import views
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(tags=["planes"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=32)]
_ETAG = re.compile(r'(?:W/)?"([^"]*)"')
VersionForm = Annotated[int | None, Form(ge=1, le=VERSIONS.high)]  # the version read, as If-Match says it
VersionQuery = Annotated[int | None, Query(ge=1, le=VERSIONS.high)]


def expected_version(if_match: str | None, body_version: int | None) -> int | None:
    """The version the caller read: the If-Match header (an ETag "5" or W/"5"; * for any version)
    or a body field. ASCII digits only: str.isdigit() also passes "²", which int() refuses."""
    header = None
    if if_match is not None and if_match.strip() != "*":
        etag = _ETAG.fullmatch(if_match.strip())
        try:
            if etag is None:
                raise ValueError('debe ser "N" (la versión del plan entre comillas), W/"N" o *')
            header = VERSIONS.digits(etag[1])
        except ValueError as exc:
            raise InvalidInput(f"If-Match: {exc}.", field="If-Match") from None
    if header is not None and body_version is not None and header != body_version:
        raise InvalidInput("If-Match y version no coinciden.", field="version")
    return header if header is not None else body_version


# The step first: FastAPI tries a router's routes in order, and each it passes over costs a step's
# request about 30.000 CPU instructions (4,3 % of its instructions in the app with four before it:
# callgrind, one client, in process, 2026-12-07). The docs list the operations in this order too.
@router.post("/plans/{plan_id}/transitions", summary="Intentar un paso del ciclo de vida")
@on_database
def fire(plan_id: str, body: TransitionRequest, presented: CallerDep, key: IdempotencyKey = None,
         if_match: IfMatch = None) -> Response:
    """The busiest write: the caller's access (its dependency only reads what the request presents),
    read in the step's own write transaction, then the step, all in one hand-off to the database
    threads; on SQLite the steps waiting there are committed together, each answered after."""
    with UnitOfWork(presented.runtime.engine, write=True) as uow:
        access = presented.access(uow.connection, plan_id, for_update=True)
        plan, actor = access.plan, access.actor
        assert plan is not None  # the path names it
        version = expected_version(if_match, body.version)
        return once(uow, actor, key, {"path": f"/plans/{plan.id}/transitions", **body.model_dump(mode="json"),
                                      "version": version},
                    lambda uow: services.advance(uow, plan_id=plan.id, trigger=body.trigger, actor=actor,
                                                 legal_date=body.fecha, expected_version=version))


@router.post("/plans", status_code=201, summary="Crear el plan de la propia entidad")
@on_database
def create_plan(body: PlanCreate, rt: RuntimeDep, actor: CurrentActor, key: IdempotencyKey = None) -> JSONResponse:
    return run_once(rt, actor, key, {"path": "/plans", **body.model_dump(mode="json")},
                    lambda uow: services.create_plan(uow, entity_code=body.entity_code, period=body.period,
                                                     actor=actor, legal_date=body.fecha, workflow_name=body.flujo), 201)


@router.get("/plans", summary="Planes que el usuario puede ver")
@reads_database
def list_plans(rt: RuntimeDep, actor: CurrentActor,
               department: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
               state: Annotated[str | None, Query(max_length=64)] = None) -> list[dict[str, Any]]:
    with UnitOfWork(rt.engine) as uow:
        return repository.list_plans(uow.connection, visible=actor.visible_entities(), department_code=department,
                                     state=state)


@router.get("/plans/{plan_id}", summary="Estado del plan: pasos posibles con su lista de requisitos, y plazos")
@reads_database
def get_plan(plan_id: str, rt: RuntimeDep, actor: CurrentActor, hoy: date | None = None,
             as_of: date | None = None) -> JSONResponse:
    """`hoy`: the day deadlines are counted to; `as_of`: the plan as it was that day, from its events."""
    with UnitOfWork(rt.engine) as uow:
        status = views.status(uow, actor, plan_id, hoy or calendar.today_in_colombia(), as_of=as_of)
    return JSONResponse(status, headers={"ETag": f'"{status["version"]}"'})


@router.get("/plans/{plan_id}/history", summary="Historia del plan (también los intentos rechazados)")
@reads_database
def history(plan_id: str, rt: RuntimeDep, actor: CurrentActor) -> list[dict[str, Any]]:
    with UnitOfWork(rt.engine) as uow:
        return views.history(uow, actor, plan_id)


@router.post("/plans/{plan_id}/council-decision", summary="Decisión del concejo o la asamblea")
@on_database
def council_decision(plan_id: str, rt: RuntimeDep, actor: CurrentActor,
                     decision: Annotated[str, Form(max_length=64, description=(
                         "Una de las decisiones que declara el flujo del plan (`decision:`); en el PDT, "
                         "`aprobar`, `aprobar_con_modificaciones` (con el acuerdo u ordenanza), `devolver` (con el "
                         "acta de la sesión y sus motivos) o `negar` (con su acto y sus motivos)."))],
                     fecha: Annotated[date, Form(description="Fecha legal del acto (la de la sesión, si devuelve).")],
                     numero: Annotated[str | None, Form(max_length=64, description="Número del acto.")] = None,
                     motivo: Annotated[str | None, Form(max_length=2000, description=(
                         "Motivos de la decisión (si el flujo los exige: devolver, negar)."))] = None,
                     modificaciones: Annotated[str | None, Form(max_length=2000, description=(
                         "Modificaciones que introdujo la corporación (si aprueba con modificaciones)."))] = None,
                     version: VersionForm = None,
                     file: Annotated[UploadFile | None, File(description="El acto de la decisión (PDF)")] = None,
                     key: IdempotencyKey = None, if_match: IfMatch = None) -> JSONResponse:
    content, filename = read_upload(file, rt.limits) if file is not None else (None, None)
    expected = expected_version(if_match, version)
    request = {"path": f"/plans/{plan_id}/council-decision", "decision": decision, "fecha": fecha.isoformat(),
               "numero": numero, "motivo": motivo, "modificaciones": modificaciones, "version": expected,
               "file": content_hash(content)}
    return run_once(rt, actor, key, request, lambda uow: services.record_council_decision(
        uow, rt.blobs, plan_id=plan_id, decision=decision, actor=actor, legal_date=fecha, number=numero,
        content=content, filename=filename, reasons=motivo, modifications=modificaciones,
        expected_version=expected))
