"""The signed-in user's alerts of legal terms (/avisos: the same list as GET /api/v1/alerts), and
the links with which its calendar app subscribes to its entity's terms."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.database_work import on_database, reads_database
from api.deps import RuntimeDep
from api.pages.web import CsrfChecked, PageActor, flash, pages_of, render
from kpt_workflow.base.errors import KptError
from kpt_workflow.law import calendar
from kpt_workflow.services import alerts, feed_tokens
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(include_in_schema=False)
PAGE_ROWS = 100  # pages stay light on slow links


@router.get("/avisos", response_class=HTMLResponse)
@reads_database
def alerts_page(request: Request, rt: RuntimeDep, actor: PageActor, hoy: date | None = None,
                pagina: Annotated[int, Query(ge=1, le=1000)] = 1) -> HTMLResponse:
    with UnitOfWork(rt.engine) as uow:
        shown = alerts.alerts_page(uow, actor, hoy or calendar.today_in_colombia(), rt.settings.alert_working_days,
                                   rt.country_terms)
    rows = shown.pop("alerts")
    paging = pages_of(len(rows), pagina, PAGE_ROWS, {"hoy": hoy.isoformat() if hoy else ""})
    return render(request, "alerts.html", actor, **shown, rows=rows[(pagina - 1) * PAGE_ROWS: pagina * PAGE_ROWS],
                  total=len(rows), paging=paging)


@router.post("/avisos/calendario", dependencies=[CsrfChecked])
@on_database
def subscribe(request: Request, rt: RuntimeDep, actor: PageActor) -> RedirectResponse:
    """A new link to the user's entity's calendar, shown once in the notice."""
    try:
        with UnitOfWork(rt.engine, write=True) as uow:
            created = feed_tokens.create_token(uow.connection, actor, entity_code=actor.entity_code or "",
                                               base=str(request.base_url))
            uow.commit()
        flash(request, "success", f"Enlace de suscripción creado (cópielo en su aplicación de calendario; no se vuelve "
                                  f"a mostrar): {created['url']}")
    except KptError as error:
        flash(request, "error", error.message)
    return RedirectResponse("/avisos#calendario", status_code=303)


@router.post("/avisos/calendario/{token_id}/revocar", dependencies=[CsrfChecked])
@on_database
def revoke(token_id: str, request: Request, rt: RuntimeDep, actor: PageActor) -> RedirectResponse:
    try:
        with UnitOfWork(rt.engine, write=True) as uow:
            revoked = feed_tokens.revoke_token(uow.connection, actor, token_id)
            uow.commit()
        flash(request, "success", f"Enlace {revoked['id']} revocado: el calendario que lo use dejará de recibir los plazos.")
    except KptError as error:
        flash(request, "error", error.message)
    return RedirectResponse("/avisos#calendario", status_code=303)
