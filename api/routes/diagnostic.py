"""A plan's standardized diagnostic: read it, edit a section's text (its planning office), download
it as DOCX or PDF, and file it as the plan's `diagnostico` document."""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from api.database_work import on_database, reads_database
from api.deps import CurrentActor, RuntimeDep
from api.idempotent import run_once
from api.routes.plans import IdempotencyKey, IfMatch, expected_version
from api.uploads import content_disposition
from kpt_workflow.base.validation import TextInput
from kpt_workflow.law.bounds import VERSIONS
from kpt_workflow.services.diagnostic import FORMATS, MAX_SECTION_CHARS, diagnostic, edit_section, file_diagnostic, render
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(tags=["diagnóstico del plan"])
Format = Literal["docx", "pdf"]
Version = Annotated[int | None, Field(ge=1, le=VERSIONS.high, description="versión del plan leída (o If-Match)")]


@router.get("/plans/{plan_id}/diagnostic", summary="Diagnóstico estandarizado del plan: secciones, cifras y competencias")
@reads_database
def get_diagnostic(plan_id: str, rt: RuntimeDep, actor: CurrentActor) -> dict[str, Any]:
    with UnitOfWork(rt.engine) as uow:
        return diagnostic(uow, actor, plan_id)


class SectionText(TextInput):
    model_config = ConfigDict(extra="forbid")

    # Twice what the service keeps: up to there, the service's refusal names the count and the fix.
    texto: Annotated[str, Field(max_length=MAX_SECTION_CHARS * 2)]
    fecha: date | None = None
    version: Version = None


@router.put("/plans/{plan_id}/diagnostic/sections/{section}", summary="Escribir el texto de una sección (oficina de planeación)")
@on_database
def put_section(plan_id: str, section: str, body: SectionText, rt: RuntimeDep, actor: CurrentActor,
                key: IdempotencyKey = None, if_match: IfMatch = None) -> JSONResponse:
    expected = expected_version(if_match, body.version)
    request = {"path": f"/plans/{plan_id}/diagnostic/sections/{section}", "body": body.model_dump(mode="json"),
               "version": expected}
    return run_once(rt, actor, key, request, lambda uow: edit_section(
        uow, plan_id=plan_id, section=section, text=body.texto, actor=actor, legal_date=body.fecha,
        expected_version=expected))


@router.get("/plans/{plan_id}/diagnostic/document", summary="Descargar el diagnóstico en DOCX o PDF",
            response_class=Response, responses={200: {"content": {media: {} for media in FORMATS.values()}}})
@reads_database
def get_document(plan_id: str, rt: RuntimeDep, actor: CurrentActor,
                 formato: Annotated[Format, Query(description="docx o pdf")] = "docx") -> Response:
    with UnitOfWork(rt.engine) as uow:
        rendered = render(uow, actor, plan_id, formato)
    return Response(rendered.content, media_type=rendered.media_type, headers={
        "Content-Disposition": content_disposition(rendered.filename), "X-Content-Type-Options": "nosniff"})


class DiagnosticFiling(BaseModel):
    model_config = ConfigDict(extra="forbid")

    formato: Format = "docx"
    fecha: date | None = None
    version: Version = None


@router.post("/plans/{plan_id}/diagnostic/filing", summary="Radicar el diagnóstico como documento del plan")
@on_database
def post_filing(plan_id: str, body: DiagnosticFiling, rt: RuntimeDep, actor: CurrentActor,
                key: IdempotencyKey = None, if_match: IfMatch = None) -> JSONResponse:
    expected = expected_version(if_match, body.version)
    request = {"path": f"/plans/{plan_id}/diagnostic/filing", "body": body.model_dump(mode="json"), "version": expected}
    return run_once(rt, actor, key, request, lambda uow: file_diagnostic(
        uow, rt.blobs, plan_id=plan_id, actor=actor, formato=body.formato, legal_date=body.fecha,
        expected_version=expected), 201)
