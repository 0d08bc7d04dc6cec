"""The planning office's page ("¿Dónde está nuestro plan?") and the council's completeness report."""

import tempfile
from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from api.database_work import on_database, reads_database, writing
from api.deps import RuntimeDep, client_address
from kpt_workflow.reports.completeness_pdf import completeness_pdf
from api.pages.web import CsrfChecked, PageActor, flash, pages_of, render
from api.uploads import content_disposition, file_chunks, read_upload, screened_filing
from kpt_workflow.law import calendar
from kpt_workflow import services
from kpt_workflow.lifecycle import strategy
from kpt_workflow.law.bounds import VERSIONS
from kpt_workflow.base.errors import GuardFailed, InvalidInput, KptError, PlanNotFound
from kpt_workflow.law.facts import JUSTIFIED_ABSENCE
from kpt_workflow.services import views
from kpt_workflow.services.evidence import write_evidence_bundle
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(include_in_schema=False)
PAGE_ROWS = 200  # pages stay light on slow links
BUNDLE_IN_MEMORY = 16 * 1024 * 1024  # a bigger bundle is spooled to a temporary file


def _back(plan_id: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/planes/{plan_id}{anchor}", status_code=303)


def _refusal(request: Request, error: KptError) -> None:
    """A refused form comes back to its page as notices; a plan the actor cannot see stays a 404."""
    if isinstance(error, PlanNotFound):
        raise error
    flash(request, "error", error.message)
    if isinstance(error, GuardFailed):
        for outcome in error.details["checklist"]:
            if not outcome["passed"]:
                flash(request, "error", f"✗ {outcome['message']} → {outcome['remedy']} ({outcome['basis']})")


@router.get("/planes", response_class=HTMLResponse)
@reads_database
def plans(request: Request, rt: RuntimeDep, actor: PageActor, estado: str = "", departamento: str = "",
          pagina: Annotated[int, Query(ge=1, le=1000)] = 1) -> HTMLResponse:
    with UnitOfWork(rt.engine) as uow:
        shown = views.plan_list(uow, actor, state=estado or None, department_code=departamento or None)
    rows = shown.pop("rows")
    paging = pages_of(len(rows), pagina, PAGE_ROWS, {"estado": estado, "departamento": departamento})
    return render(request, "plans.html", actor, **shown, rows=rows[(pagina - 1) * PAGE_ROWS: pagina * PAGE_ROWS],
                  total=len(rows), paging=paging, estado=estado, departamento=departamento)


@router.get("/planes/{plan_id}", response_class=HTMLResponse)
@reads_database
def plan_page(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor, hoy: date | None = None,
              as_of: date | None = None, documento: Annotated[str | None, Query(max_length=64)] = None) -> HTMLResponse:
    with UnitOfWork(rt.engine) as uow:
        shown = views.plan_page(uow, actor, plan_id, hoy or calendar.today_in_colombia(), as_of=as_of,
                                document=documento)
    return render(request, "plan.html", actor, **shown)


@router.post("/planes/{plan_id}/pasos", dependencies=[CsrfChecked])
@on_database
def attempt(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor,
            trigger: Annotated[str, Form(max_length=64)], fecha: Annotated[date, Form()],
            version: Annotated[int, Form(ge=1, le=VERSIONS.high)]) -> RedirectResponse:
    try:
        with UnitOfWork(rt.engine, write=True) as uow:
            result = services.advance(uow, plan_id=plan_id, trigger=trigger, actor=actor, legal_date=fecha,
                                      expected_version=version)
        flash(request, "success", f"Paso aplicado: el plan pasó a «{result['to_label']}».")
    except KptError as error:
        _refusal(request, error)
    return _back(plan_id)


@router.post("/planes/{plan_id}/documentos", dependencies=[CsrfChecked])
async def upload(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor,
                 doc_type: Annotated[str, Form(max_length=64)], fecha: Annotated[date, Form()],
                 file: Annotated[UploadFile, File()], version: Annotated[int, Form(ge=1, le=VERSIONS.high)],
                 numero: Annotated[str, Form(max_length=64)] = "") -> RedirectResponse:
    """The file is read and judged first, in AnyIO's pool; the filing then goes to the writer."""
    def file_it(filing: services.Filing) -> dict[str, Any]:
        with UnitOfWork(rt.engine, write=True) as uow:
            return services.file_document(uow, rt.blobs, plan_id=plan_id, actor=actor, expected_version=version,
                                          filing=filing)
    try:
        filing = await screened_filing(file, rt.limits, doc_type=doc_type, legal_date=fecha, number=numero or None)
        result = await writing(request, partial(file_it, filing))
        late = " Radicado fuera de término." if result["late"] else ""
        flash(request, "success", f"Documento radicado: {result['label']}, versión {result['version']}, ahora la "
                                  f"vigente.{late}", at="documentos")
    except KptError as error:
        _refusal(request, error)
    return _back(plan_id, "#documentos")


@router.post("/planes/{plan_id}/ausencias", dependencies=[CsrfChecked])
@on_database
def justify(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor,
            doc_type: Annotated[str, Form(max_length=64)], fecha: Annotated[date, Form()],
            motivo: Annotated[str, Form(max_length=2000)], version: Annotated[int, Form(ge=1, le=VERSIONS.high)]) -> RedirectResponse:
    try:
        with UnitOfWork(rt.engine, write=True) as uow:
            result = services.file_document(uow, rt.blobs, plan_id=plan_id, actor=actor, expected_version=version,
                                            filing=services.Filing(doc_type=doc_type, status=JUSTIFIED_ABSENCE,
                                                                   note=motivo, legal_date=fecha))
        flash(request, "success", f"Ausencia justificada registrada: {result['label']}.", at="documentos")
    except KptError as error:
        _refusal(request, error)
    return _back(plan_id, "#documentos")


def _text(upload: UploadFile, rt: RuntimeDep) -> str:
    content, _ = read_upload(upload, rt.limits)
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("El archivo no es texto UTF-8 (YAML, JSON o CSV).", field="file") from exc


@router.post("/planes/{plan_id}/estrategia", dependencies=[CsrfChecked])
@on_database
def strategy_upload(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor, kind: Annotated[str, Form(
        pattern="^(parte_estrategica|plan_plurianual)$")], fecha: Annotated[date, Form()],
                    file: Annotated[UploadFile, File()], version: Annotated[int, Form(ge=1, le=VERSIONS.high)]) -> RedirectResponse:
    """The parte estratégica (YAML/JSON) or the plan plurianual (CSV, YAML or JSON), as the CLI takes them."""
    try:
        text, name = _text(file, rt), file.filename or "archivo"
        with UnitOfWork(rt.engine, write=True) as uow:
            if kind == "parte_estrategica":
                services.record_strategic_part(uow, plan_id=plan_id, data=strategy.parse_data_text(text, name),
                                               actor=actor, legal_date=fecha, expected_version=version)
            else:
                services.record_investment_plan(uow, plan_id=plan_id, data=strategy.investment_input(text, name),
                                                actor=actor, legal_date=fecha, expected_version=version)
        flash(request, "success", "Registrado: " + ("parte estratégica." if kind == "parte_estrategica"
                                                    else "plan plurianual de inversiones."))
    except KptError as error:
        _refusal(request, error)
    return _back(plan_id, "#estrategia")


@router.get("/planes/{plan_id}/informe", response_class=HTMLResponse)
@reads_database
def report(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor, hoy: date | None = None) -> HTMLResponse:
    with UnitOfWork(rt.engine) as uow:
        data = views.council_report(uow, actor, plan_id, hoy or calendar.today_in_colombia())
    return render(request, "report.html", actor, report=data, synthetic=data["synthetic"])


@router.get("/planes/{plan_id}/informe.pdf")
@reads_database
def report_pdf(plan_id: str, rt: RuntimeDep, actor: PageActor, hoy: date | None = None) -> Response:
    with UnitOfWork(rt.engine) as uow:
        data = views.council_report(uow, actor, plan_id, hoy or calendar.today_in_colombia())
    return Response(completeness_pdf(data, synthetic=data["synthetic"]), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="informe-{data["plan"]["id"]}.pdf"'})


@router.get("/planes/{plan_id}/paquete.zip")
@reads_database
def evidence_bundle(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor,
                    hoy: date | None = None) -> StreamingResponse:
    """The whole bundle is written before the first byte is sent: a refusal (not found, a file
    altered in the store) is an error page, never a truncated ZIP."""
    target = tempfile.SpooledTemporaryFile(max_size=BUNDLE_IN_MEMORY)
    try:
        write_evidence_bundle(rt.engine, rt.blobs, actor, plan_id, hoy or calendar.today_in_colombia(), target,
                              client_address(request))
    except BaseException:
        target.close()
        raise
    size = target.tell()
    target.seek(0)
    return StreamingResponse(file_chunks(target), media_type="application/zip", headers={
        "Content-Disposition": content_disposition(f"paquete-{plan_id}.zip"), "Content-Length": str(size)})


@router.post("/planes/{plan_id}/decision", dependencies=[CsrfChecked])
@on_database
def decision(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor,
             decision: Annotated[str, Form(max_length=64)], fecha: Annotated[date, Form()],
             version: Annotated[int, Form(ge=1, le=VERSIONS.high)], numero: Annotated[str, Form(max_length=64)] = "",
             motivo: Annotated[str, Form(max_length=2000)] = "", modificaciones: Annotated[str, Form(max_length=2000)] = "",
             file: Annotated[UploadFile | None, File()] = None) -> RedirectResponse:
    """One decision's form (the council's report shows one per decision, with only its fields)."""
    try:
        content, filename = read_upload(file, rt.limits) if file is not None and file.filename else (None, None)
        with UnitOfWork(rt.engine, write=True) as uow:
            result = services.record_council_decision(uow, rt.blobs, plan_id=plan_id, decision=decision,
                                                      actor=actor, legal_date=fecha, number=numero or None,
                                                      content=content, filename=filename, reasons=motivo or None,
                                                      modifications=modificaciones or None, expected_version=version)
        flash(request, "success", f"Decisión registrada: el plan pasó a «{result['to_label']}».")
    except KptError as error:
        _refusal(request, error)
    return RedirectResponse(f"/planes/{plan_id}/informe", status_code=303)
