"""A plan's standardized diagnostic page: its sections with their figures and competencies, the
office's text of each in a form, the DOCX and PDF downloads and the filing; on the same services
as `kpt plan diagnostic` and /api/v1/plans/{id}/diagnostic."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.database_work import on_database, reads_database
from api.deps import RuntimeDep
from api.pages.web import CsrfChecked, PageActor, flash, render
from api.uploads import content_disposition
from kpt_workflow.base.errors import KptError, PlanNotFound
from kpt_workflow.law.bounds import VERSIONS
from kpt_workflow.services.diagnostic import MAX_SECTION_CHARS, diagnostic, edit_section, file_diagnostic, render as rendered
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(include_in_schema=False)
Version = Annotated[int, Form(ge=1, le=VERSIONS.high)]


def _back(plan_id: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/planes/{plan_id}/diagnostico{anchor}", status_code=303)


@router.get("/planes/{plan_id}/diagnostico", response_class=HTMLResponse)
@reads_database
def page(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor) -> HTMLResponse:
    with UnitOfWork(rt.engine) as uow:
        shown = diagnostic(uow, actor, plan_id)
    # The demo's banner is the diagnostic's own: its figures are the official ones, its plan and texts are not.
    return render(request, "plan_diagnostic.html", actor, d=shown)


@router.get("/planes/{plan_id}/diagnostico.{formato}")
@reads_database
def download(plan_id: str, formato: str, rt: RuntimeDep, actor: PageActor) -> Response:
    with UnitOfWork(rt.engine) as uow:
        document = rendered(uow, actor, plan_id, formato)
    return Response(document.content, media_type=document.media_type, headers={
        "Content-Disposition": content_disposition(document.filename), "X-Content-Type-Options": "nosniff"})


@router.post("/planes/{plan_id}/diagnostico/radicar", dependencies=[CsrfChecked])
@on_database
def file_it(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor, version: Version,
            formato: Annotated[str, Form(pattern="^(docx|pdf)$")], fecha: Annotated[date, Form()]) -> RedirectResponse:
    try:
        with UnitOfWork(rt.engine, write=True) as uow:
            result = file_diagnostic(uow, rt.blobs, plan_id=plan_id, actor=actor, formato=formato, legal_date=fecha,
                                     expected_version=version)
        flash(request, "success", f"Documento radicado: {result['label']}, versión {result['version']}, ahora la vigente.")
    except PlanNotFound:
        raise
    except KptError as error:
        flash(request, "error", f"No se radicó el diagnóstico: {error.message}")
    return _back(plan_id)


@router.post("/planes/{plan_id}/diagnostico/{section}", dependencies=[CsrfChecked])
@on_database
def save(plan_id: str, section: str, request: Request, rt: RuntimeDep, actor: PageActor, version: Version,
         texto: Annotated[str, Form(max_length=MAX_SECTION_CHARS * 2)] = "") -> RedirectResponse:
    """A refused text comes back to its section as a notice (the text the office typed is not lost:
    the notice says why, and the browser's back button still holds it)."""
    try:
        with UnitOfWork(rt.engine, write=True) as uow:
            result = edit_section(uow, plan_id=plan_id, section=section, text=texto, actor=actor,
                                  expected_version=version)
        flash(request, "success", f"Sección «{result['title']}» guardada.", at=section)
    except PlanNotFound:
        raise
    except KptError as error:
        flash(request, "error", f"No se guardó la sección: {error.message}", at=section)
    return _back(plan_id, f"#{section}")
