"""A plan's documents: versions, filing with upload, justified absence, withdrawal, download."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response, StreamingResponse

from api.database_work import on_database, reads_database, writing
from api.deps import CurrentActor, RuntimeDep
from api.downloads import verified_download
from api.errors import ErrorBody
from api.idempotent import run_once
from api.runtime import Runtime
from api.routes.plans import IdempotencyKey, IfMatch, VersionForm, expected_version
from api.schemas import AbsenceRequest, WithdrawalRequest
from api.uploads import content_hash, screened_filing
from kpt_workflow import services
from kpt_workflow.services.access import Actor
from kpt_workflow.base.errors import NotFound
from kpt_workflow.law.facts import JUSTIFIED_ABSENCE, WITHDRAWN
from kpt_workflow.base.media import MEDIA_TYPES
from kpt_workflow.services import views
from kpt_workflow.lifecycle.engine import chosen_workflow
from kpt_workflow.lifecycle.requirements import document_requirements
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(tags=["documentos"])
DocType = Annotated[str, Form(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


@router.get("/document-types", summary="Catálogo de tipos de documento y qué paso exige cada uno")
async def document_types(_: CurrentActor, kind: str = "municipio",
                   flujo: Annotated[str | None, Query(max_length=64)] = None) -> list[dict[str, Any]]:
    """`flujo`: whose steps say which document they require (the default workflow's unless named)."""
    return document_requirements("departamento" if kind == "departamento" else "municipio", chosen_workflow(flujo))


@router.get("/plans/{plan_id}/documents", summary="Todas las versiones de los documentos del plan")
@reads_database
def list_documents(plan_id: str, rt: RuntimeDep, actor: CurrentActor) -> list[dict[str, Any]]:
    with UnitOfWork(rt.engine) as uow:
        return views.documents(uow, actor, plan_id)


@router.post("/plans/{plan_id}/documents", status_code=201, summary="Radicar una nueva versión (con archivo)")
async def file_document(plan_id: str, request: Request, rt: RuntimeDep, actor: CurrentActor, doc_type: DocType,
                        file: Annotated[UploadFile, File(description="PDF, XLSX, DOCX o CSV")],
                        fecha: Annotated[date | None, Form()] = None,
                        numero: Annotated[str | None, Form(max_length=64)] = None,
                        version: VersionForm = None,
                        key: IdempotencyKey = None, if_match: IfMatch = None) -> Response:
    """The file is read and judged first, in AnyIO's pool; the filing then goes to the writer."""
    expected = expected_version(if_match, version)
    filing = await screened_filing(file, rt.limits, doc_type=doc_type, legal_date=fecha, number=numero)
    call = {"path": f"/plans/{plan_id}/documents", "doc_type": doc_type, "fecha": fecha, "numero": numero,
            "version": expected, "file": content_hash(filing.content or b"")}
    return await writing(request, lambda: run_once(rt, actor, key, call, lambda uow: services.file_document(
        uow, rt.blobs, plan_id=plan_id, filing=filing, actor=actor, expected_version=expected), 201))


@router.post("/plans/{plan_id}/documents/{doc_type}/absence", status_code=201,
             summary="Justificar la ausencia de un documento que la admite (formatos de empalme, acta de informe de gestión)")
@on_database
def justify(plan_id: str, doc_type: str, body: AbsenceRequest, rt: RuntimeDep, actor: CurrentActor,
            key: IdempotencyKey = None, if_match: IfMatch = None) -> JSONResponse:
    return _file_status(plan_id, doc_type, JUSTIFIED_ABSENCE, body.motivo, body.fecha,
                        expected_version(if_match, body.version), rt, actor, key)


@router.post("/plans/{plan_id}/documents/{doc_type}/withdrawal", status_code=201,
             summary="Retirar la versión vigente (queda registrada; nada se borra)")
@on_database
def withdraw(plan_id: str, doc_type: str, body: WithdrawalRequest, rt: RuntimeDep, actor: CurrentActor,
             key: IdempotencyKey = None, if_match: IfMatch = None) -> JSONResponse:
    return _file_status(plan_id, doc_type, WITHDRAWN, body.motivo, body.fecha,
                        expected_version(if_match, body.version), rt, actor, key)


def _file_status(plan_id: str, doc_type: str, status: str, note: str | None, fecha: date | None,
                 expected: int | None, rt: Runtime, actor: Actor, key: str | None) -> JSONResponse:
    filing = services.Filing(doc_type=doc_type, status=status, note=note, legal_date=fecha)
    request = {"path": f"/plans/{plan_id}/documents/{doc_type}/{status}", "note": note, "fecha": fecha,
               "version": expected}
    return run_once(rt, actor, key, request, lambda uow: services.file_document(
        uow, rt.blobs, plan_id=plan_id, filing=filing, actor=actor, expected_version=expected), 201)


@router.get("/plans/{plan_id}/documents/{doc_type}/versions/{version}/content", summary="Descargar un archivo",
            response_class=StreamingResponse, responses={
                200: {"content": {media: {} for media in (*MEDIA_TYPES.values(), "application/octet-stream")}},
                409: {"model": ErrorBody, "description": "El archivo del almacén fue alterado (documento_alterado)"},
                410: {"model": ErrorBody, "description": "El archivo falta en el almacén (documento_ausente)"}})
@reads_database
def download(plan_id: str, doc_type: str, version: int, rt: RuntimeDep, actor: CurrentActor,
             request: Request) -> StreamingResponse:
    """The bytes are checked before the first one is sent (api/downloads.py)."""
    with UnitOfWork(rt.engine) as uow:
        document = views.document_file(uow, actor, plan_id, doc_type, version)
    if document is None:
        raise NotFound(f"El plan {plan_id} no tiene archivo para '{doc_type}' versión {version}.")
    return verified_download(rt, request, document, actor.username, f"'{doc_type}' versión {version} del plan {plan_id}",
                             f"{doc_type}-v{version}")
