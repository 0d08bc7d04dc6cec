"""The DNP's Plan Indicativo workbook (SisPT) of a plan: downloaded by whoever reads the plan, uploaded
back by the entity's planning office (refused cells come back one by one, and nothing is recorded)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.database_work import reads_database, writing
from api.deps import CurrentActor, RuntimeDep
from api.errors import ErrorBody
from api.idempotent import run_once
from api.routes.plans import IdempotencyKey, IfMatch, VersionForm, expected_version
from api.uploads import content_disposition, read_upload
from kpt_workflow.base.media import XLSX
from kpt_workflow.services import plan_indicativo
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(tags=["plan indicativo"])


@router.get("/plans/{plan_id}/plan-indicativo.xlsx", summary="Libro del Plan Indicativo (SisPT) del plan",
            response_class=Response, responses={200: {"content": {XLSX: {}}}})
@reads_database
def download(plan_id: str, rt: RuntimeDep, actor: CurrentActor) -> Response:
    with UnitOfWork(rt.engine) as uow:
        name, content = plan_indicativo.export_workbook(uow, actor, plan_id)
    return Response(content, media_type=XLSX, headers={"Content-Disposition": content_disposition(name)})


@router.post("/plans/{plan_id}/plan-indicativo", summary="Importar un libro del Plan Indicativo al plan",
             responses={422: {"model": ErrorBody, "description": "Celdas rechazadas (`rechazos`: hoja, fila, columna, "
                                                                  "valor y motivo de cada una); nada se registró"}})
async def upload(plan_id: str, request: Request, rt: RuntimeDep, actor: CurrentActor,
                 file: Annotated[UploadFile, File(description="El libro XLSX exportado y editado")],
                 fecha: Annotated[date | None, Form(description="Fecha legal del registro")] = None,
                 version: VersionForm = None, key: IdempotencyKey = None, if_match: IfMatch = None) -> Response:
    """The file is read and judged first, in AnyIO's pool; the import then goes to the writer."""
    expected = expected_version(if_match, version)
    workbook = await run_in_threadpool(lambda: plan_indicativo.screen_workbook(read_upload(file, rt.limits)[0]))
    call = {"path": f"/plans/{plan_id}/plan-indicativo", "fecha": fecha, "version": expected, "file": workbook.sha256}
    return await writing(request, lambda: run_once(rt, actor, key, call, lambda uow: plan_indicativo.import_workbook(
        uow, plan_id=plan_id, upload=workbook, actor=actor, legal_date=fecha, expected_version=expected)))
