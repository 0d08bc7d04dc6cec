"""The home redirect and the lifecycle diagram page."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.pages.web import PageActor, render
from kpt_workflow.law import calendar
from kpt_workflow.services import views
from kpt_workflow.services.access import follows_own_plan, landing_list, own_plan_page
from kpt_workflow.states.diagram import mermaid
from kpt_workflow.lifecycle.engine import chosen_workflow, default_workflow, newest_workflows
from kpt_workflow.services.plans import plan_id

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(actor: PageActor) -> RedirectResponse:
    """Each user lands where their question is answered: an office or a council on its entity's
    plan of the default workflow (its PDT) for the current period, a council on that plan's report."""
    if follows_own_plan(actor):
        period = calendar.period_containing(calendar.today_in_colombia())
        return RedirectResponse(f"/planes/{plan_id(actor.entity_code or '', period, default_workflow())}"
                                f"{own_plan_page(actor)}", status_code=303)
    return RedirectResponse(landing_list(actor), status_code=303)


@router.get("/ciclo", response_class=HTMLResponse)
def lifecycle(request: Request, actor: PageActor,
              flujo: Annotated[str | None, Query(max_length=64)] = None) -> HTMLResponse:
    """A workflow's states, steps and rules (the default one unless `flujo` names another)."""
    flow = chosen_workflow(flujo)
    definition = flow.definition
    others = [f.definition for f in newest_workflows() if f.definition.name != definition.name]
    return render(request, "lifecycle.html", actor, definition=definition, others=others, states=views.lifecycle(flow), mermaid=mermaid(definition))
