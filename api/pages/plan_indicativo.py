"""The Plan Indicativo workbook on the plan page: its download for whoever reads the plan, and its
upload by the planning office; refused cells come back on a page of their own, one line each."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.database_work import reads_database, writing
from api.deps import RuntimeDep
from api.pages.web import CsrfChecked, PageActor, flash, render
from api.uploads import content_disposition, read_upload
from kpt_workflow.base.errors import KptError, PlanNotFound
from kpt_workflow.base.media import XLSX
from kpt_workflow.law.bounds import VERSIONS
from kpt_workflow.services import plan_indicativo
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(include_in_schema=False)


@router.get("/planes/{plan_id}/plan-indicativo.xlsx")
@reads_database
def download(plan_id: str, rt: RuntimeDep, actor: PageActor) -> Response:
    with UnitOfWork(rt.engine) as uow:
        name, content = plan_indicativo.export_workbook(uow, actor, plan_id)
    return Response(content, media_type=XLSX, headers={"Content-Disposition": content_disposition(name)})


@router.post("/planes/{plan_id}/plan-indicativo", dependencies=[CsrfChecked], response_model=None)
async def upload(plan_id: str, request: Request, rt: RuntimeDep, actor: PageActor, fecha: Annotated[date, Form()],
                 file: Annotated[UploadFile, File()],
                 version: Annotated[int, Form(ge=1, le=VERSIONS.high)]) -> RedirectResponse | HTMLResponse:
    """The file is read and judged first, in AnyIO's pool; the import then goes to the writer."""
    def record(workbook: plan_indicativo.WorkbookFile) -> dict[str, object]:
        with UnitOfWork(rt.engine, write=True) as uow:
            return plan_indicativo.import_workbook(uow, plan_id=plan_id, upload=workbook, actor=actor, legal_date=fecha,
                                                   expected_version=version)
    try:
        workbook = await run_in_threadpool(lambda: plan_indicativo.screen_workbook(read_upload(file, rt.limits)[0]))
        result = await writing(request, lambda: record(workbook))
        flash(request, "success", f"Plan Indicativo importado: parte estratégica y plan plurianual registrados "
                                  f"(versión {result['plan_version']} del plan).")
    except plan_indicativo.WorkbookRefused as refused:
        return render(request, "plan_indicativo.html", actor, status_code=422, plan_id=plan_id, detail=refused.message,
                      lines=[plan_indicativo.refusal_line(r) for r in refused.details["rechazos"]])
    except KptError as error:
        if isinstance(error, PlanNotFound):
            raise
        flash(request, "error", error.message)
    return RedirectResponse(f"/planes/{plan_id}#estrategia", status_code=303)
