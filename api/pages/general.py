"""The home redirect and the lifecycle diagram page."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import RuntimeDep
from api.pages.web import PageActor, render
from kpt_workflow.law import calendar
from kpt_workflow.base.roles import CORPORACION, PLANEACION
from kpt_workflow.states.diagram import mermaid
from kpt_workflow.lifecycle.engine import workflow
from kpt_workflow.rules import RULES

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(actor: PageActor) -> RedirectResponse:
    """Each user lands where their question is answered."""
    if actor.role in (PLANEACION, CORPORACION):
        period = calendar.period_containing(calendar.today_in_colombia())
        return RedirectResponse(f"/planes/{actor.entity_code}-{period}", status_code=303)
    return RedirectResponse("/tablero" if actor.role != "admin" else "/planes", status_code=303)


@router.get("/ciclo", response_class=HTMLResponse)
def lifecycle(request: Request, rt: RuntimeDep, actor: PageActor) -> HTMLResponse:
    definition = workflow("pdt").definition
    return render(request, rt, "lifecycle.html", actor, definition=definition, rules=RULES,
                  labels={s.name: s.label for s in definition.states}, mermaid=mermaid(definition))
