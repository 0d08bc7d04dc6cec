"""The planning office's page ("¿Dónde está nuestro plan?") and the council's completeness report."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import RuntimeDep
from api.pages.report_pdf import completeness_pdf
from api.pages.web import CsrfChecked, PageActor, flash, render
from api.uploads import read_upload
from kpt_workflow.law import calendar
from kpt_workflow import services
from kpt_workflow.lifecycle import strategy
from kpt_workflow.services.access import Actor, plan_permissions, visible_plan
from kpt_workflow.law.bounds import VERSIONS
from kpt_workflow.lifecycle.engine import newest_workflows, workflow
from kpt_workflow.states.schema import StateSpec
from kpt_workflow.base.errors import GuardFailed, InvalidInput, KptError
from kpt_workflow.law.facts import JUSTIFIED_ABSENCE
from kpt_workflow.lifecycle.aggregate import PlanRecord
from kpt_workflow.storage.repository import list_plans, plan_record
from kpt_workflow.lifecycle.requirements import document_requirements
from kpt_workflow.services import views
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(include_in_schema=False)
PAGE_ROWS = 200  # pages stay light on slow links


def _plan(rt: RuntimeDep, actor: Actor, plan_id: str) -> PlanRecord:
    with UnitOfWork(rt.engine) as uow:
        return visible_plan(actor, plan_record(uow.connection, plan_id))


def _back(plan_id: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/planes/{plan_id}{anchor}", status_code=303)


def _refusal(request: Request, error: KptError) -> None:
    flash(request, "error", error.message)
    if isinstance(error, GuardFailed):
        for outcome in error.details["checklist"]:
            if not outcome["passed"]:
                flash(request, "error", f"✗ {outcome['message']} → {outcome['remedy']} ({outcome['basis']})")


@router.get("/planes", response_class=HTMLResponse)
def plans(request: Request, rt: RuntimeDep, actor: PageActor, estado: str = "", departamento: str = "",
          pagina: Annotated[int, Query(ge=1, le=1000)] = 1) -> HTMLResponse:
    with UnitOfWork(rt.engine) as uow:
        rows = list_plans(uow.connection, visible=actor.visible_entities(), department_code=departamento or None,
                          state=estado or None)
    states: dict[str, StateSpec] = {}  # the filter's choices: the default workflow's states first, in order
    for flow in newest_workflows():
        for spec in flow.definition.states:
            states.setdefault(spec.name, spec)
    pages = max(1, -(-len(rows) // PAGE_ROWS))
    return render(request, rt, "plans.html", actor, rows=rows[(pagina - 1) * PAGE_ROWS: pagina * PAGE_ROWS],
                  total=len(rows), page=pagina, pages=pages, states=list(states.values()), estado=estado, departamento=departamento)


@router.get("/planes/{plan_id}", response_class=HTMLResponse)
def plan_page(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor, hoy: date | None = None,
              as_of: date | None = None) -> HTMLResponse:
    plan = _plan(rt, actor, plan_id)
    today = as_of or hoy or calendar.today_in_colombia()
    with UnitOfWork(rt.engine) as uow:
        shown = views.overview(uow, plan.id, today, as_of=as_of)
    status = shown["status"]
    flow = workflow(plan.definition_name, plan.definition_version)
    definition = flow.definition
    permissions = plan_permissions(actor, plan)
    return render(request, rt, "plan.html", actor, status=status, versions=shown["versions"], programs=shown["programs"],
                  history=shown["history"], states=definition.states,
                  can_change=permissions.changes and as_of is None,
                  can_take=permissions.steps if as_of is None else frozenset(),
                  requirements=document_requirements(plan.entity_kind, flow), today=today,
                  passed={s.name for s in definition.states[: [x.name for x in definition.states].index(status["state"])]})


@router.post("/planes/{plan_id}/pasos", dependencies=[CsrfChecked])
def attempt(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor,
            trigger: Annotated[str, Form(max_length=64)], fecha: Annotated[date, Form()],
            version: Annotated[int, Form(ge=1, le=VERSIONS.high)]) -> RedirectResponse:
    plan = _plan(rt, actor, plan_id)
    try:
        with UnitOfWork(rt.engine, write=True) as uow:
            result = services.advance(uow, plan_id=plan.id, trigger=trigger, actor=actor, legal_date=fecha,
                                      expected_version=version)
        flash(request, "success", f"Paso aplicado: el plan pasó a «{result['to']}».")
    except KptError as error:
        _refusal(request, error)
    return _back(plan.id)


@router.post("/planes/{plan_id}/documentos", dependencies=[CsrfChecked])
def upload(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor,
           doc_type: Annotated[str, Form(max_length=64)], fecha: Annotated[date, Form()],
           file: Annotated[UploadFile, File()], version: Annotated[int, Form(ge=1, le=VERSIONS.high)],
           numero: Annotated[str, Form(max_length=64)] = "") -> RedirectResponse:
    plan = _plan(rt, actor, plan_id)
    try:
        content, filename = read_upload(file, rt.limits)
        with UnitOfWork(rt.engine, write=True) as uow:
            result = services.file_document(uow, rt.blobs, plan_id=plan.id, actor=actor,
                                            expected_version=version, filing=services.Filing(
                                                doc_type=doc_type, content=content, filename=filename,
                                                legal_date=fecha, number=numero or None))
        late = " Radicado fuera de término." if result["late"] else ""
        flash(request, "success", f"Documento radicado: {doc_type}, versión {result['version']}.{late}")
    except KptError as error:
        _refusal(request, error)
    return _back(plan.id, "#documentos")


@router.post("/planes/{plan_id}/ausencias", dependencies=[CsrfChecked])
def justify(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor,
            doc_type: Annotated[str, Form(max_length=64)], fecha: Annotated[date, Form()],
            motivo: Annotated[str, Form(max_length=2000)], version: Annotated[int, Form(ge=1, le=VERSIONS.high)]) -> RedirectResponse:
    plan = _plan(rt, actor, plan_id)
    try:
        with UnitOfWork(rt.engine, write=True) as uow:
            services.file_document(uow, rt.blobs, plan_id=plan.id, actor=actor, expected_version=version,
                                   filing=services.Filing(doc_type=doc_type, status=JUSTIFIED_ABSENCE, note=motivo,
                                                          legal_date=fecha))
        flash(request, "success", f"Ausencia justificada registrada: {doc_type}.")
    except KptError as error:
        _refusal(request, error)
    return _back(plan.id, "#documentos")


def _text(upload: UploadFile, rt: RuntimeDep) -> str:
    content, _ = read_upload(upload, rt.limits)
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("El archivo no es texto UTF-8 (YAML, JSON o CSV).", field="file") from exc


@router.post("/planes/{plan_id}/estrategia", dependencies=[CsrfChecked])
def strategy_upload(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor, kind: Annotated[str, Form(
        pattern="^(parte_estrategica|plan_plurianual)$")], fecha: Annotated[date, Form()],
                    file: Annotated[UploadFile, File()], version: Annotated[int, Form(ge=1, le=VERSIONS.high)]) -> RedirectResponse:
    """The parte estratégica (YAML/JSON) or the plan plurianual (CSV, YAML or JSON), as the CLI takes them."""
    plan = _plan(rt, actor, plan_id)
    try:
        text, name = _text(file, rt), file.filename or "archivo"
        with UnitOfWork(rt.engine, write=True) as uow:
            if kind == "parte_estrategica":
                services.record_strategic_part(uow, plan_id=plan.id, data=strategy.parse_data_text(text, name),
                                               actor=actor, legal_date=fecha, expected_version=version)
            else:
                services.record_investment_plan(uow, plan_id=plan.id, data=strategy.investment_input(text, name),
                                                actor=actor, legal_date=fecha, expected_version=version)
        flash(request, "success", "Registrado: " + ("parte estratégica." if kind == "parte_estrategica"
                                                    else "plan plurianual de inversiones."))
    except KptError as error:
        _refusal(request, error)
    return _back(plan.id, "#estrategia")


@router.get("/planes/{plan_id}/informe", response_class=HTMLResponse)
def report(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor, hoy: date | None = None) -> HTMLResponse:
    plan = _plan(rt, actor, plan_id)
    with UnitOfWork(rt.engine) as uow:
        data = views.council_report(uow, plan.id, hoy or calendar.today_in_colombia())
    can_decide = bool(plan_permissions(actor, plan).steps & set(services.COUNCIL_DECISIONS.values()))
    return render(request, rt, "report.html", actor, report=data, can_decide=can_decide)


@router.get("/planes/{plan_id}/informe.pdf")
def report_pdf(plan_id: str, rt: RuntimeDep, actor: PageActor, hoy: date | None = None) -> Response:
    plan = _plan(rt, actor, plan_id)
    with UnitOfWork(rt.engine) as uow:
        data = views.council_report(uow, plan.id, hoy or calendar.today_in_colombia())
    return Response(completeness_pdf(data), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="informe-{plan.id}.pdf"'})


@router.post("/planes/{plan_id}/decision", dependencies=[CsrfChecked])
def decision(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor,
             decision: Annotated[str, Form(pattern="^(aprobar|devolver)$")], fecha: Annotated[date, Form()],
             version: Annotated[int, Form(ge=1, le=VERSIONS.high)], numero: Annotated[str, Form(max_length=64)] = "",
             file: Annotated[UploadFile | None, File()] = None) -> RedirectResponse:
    plan = _plan(rt, actor, plan_id)
    try:
        content, filename = read_upload(file, rt.limits) if file is not None and file.filename else (None, None)
        with UnitOfWork(rt.engine, write=True) as uow:
            result = services.record_council_decision(uow, rt.blobs, plan_id=plan.id, decision=decision,
                                                      actor=actor, legal_date=fecha, number=numero or None,
                                                      content=content, filename=filename, expected_version=version)
        flash(request, "success", f"Decisión registrada: el plan pasó a «{result['to']}».")
    except KptError as error:
        _refusal(request, error)
    return RedirectResponse(f"/planes/{plan.id}/informe", status_code=303)
