"""Calendar feeds (iCalendar) of a plan's and an entity's legal terms, and the tokens that let a
calendar app subscribe to one (it sends no Authorization header: the token goes in the URL)."""

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.database_work import on_database, reads_database
from api.deps import CurrentActor, FeedReader, RuntimeDep
from api.schemas import CalendarTokenCreate
from kpt_workflow.law import calendar
from kpt_workflow.services import calendars, feed_tokens
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(tags=["calendarios"])
ICS = "text/calendar; charset=utf-8"
_ICS_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"text/calendar": {}},
                                                       "description": "Calendario iCalendar (RFC 5545)"}}


def _ics(content: bytes, name: str) -> Response:
    """Inline (a calendar app reads it) and never stored by a shared cache: it may carry a token."""
    return Response(content, media_type=ICS, headers={"Content-Disposition": f'inline; filename="{name}.ics"',
                                                      "Cache-Control": "private, no-store"})


@router.get("/plans/{plan_id}/calendar.ics", summary="Plazos legales del plan como calendario (iCalendar)",
            response_class=Response, responses=_ICS_RESPONSE)
@reads_database
def plan_calendar(plan_id: str, rt: RuntimeDep, reader: FeedReader, hoy: date | None = None) -> Response:
    """One all-day event per dated legal term, with its basis; updated as acts are filed. Accepts
    the API's credentials, or `?token=` (`POST /calendar-tokens`) for a calendar app."""
    with UnitOfWork(rt.engine) as uow:
        content = calendars.plan_calendar(uow, reader, plan_id, hoy or calendar.today_in_colombia(),
                                          alert_working_days=rt.settings.alert_working_days)
    return _ics(content, f"plazos-{plan_id}")


@router.get("/entities/{code}/calendar.ics", summary="Plazos legales de todos los planes de una entidad (iCalendar)",
            response_class=Response, responses=_ICS_RESPONSE)
@reads_database
def entity_calendar(code: str, rt: RuntimeDep, reader: FeedReader, hoy: date | None = None) -> Response:
    with UnitOfWork(rt.engine) as uow:
        content = calendars.entity_calendar(uow, reader, code, hoy or calendar.today_in_colombia(),
                                            alert_working_days=rt.settings.alert_working_days)
    return _ics(content, f"plazos-{code}")


@router.post("/calendar-tokens", status_code=201,
             summary="Crear un enlace de suscripción a un calendario (el token se muestra una sola vez)")
@on_database
def create_token(body: CalendarTokenCreate, request: Request, rt: RuntimeDep, actor: CurrentActor) -> dict[str, Any]:
    with UnitOfWork(rt.engine, write=True) as uow:
        created = feed_tokens.create_token(uow.connection, actor, plan_id=body.plan_id, entity_code=body.entity_code,
                                           base=str(request.base_url))
        uow.commit()
    return created


@router.get("/calendar-tokens", summary="Enlaces de calendario del usuario (la administración ve todos)")
@reads_database
def list_tokens(rt: RuntimeDep, actor: CurrentActor) -> list[dict[str, Any]]:
    with UnitOfWork(rt.engine) as uow:
        return feed_tokens.list_tokens(uow.connection, actor)


@router.post("/calendar-tokens/{token_id}/revoke", summary="Revocar un enlace de calendario desde ya")
@on_database
def revoke_token(token_id: str, rt: RuntimeDep, actor: CurrentActor) -> dict[str, Any]:
    with UnitOfWork(rt.engine, write=True) as uow:
        revoked = feed_tokens.revoke_token(uow.connection, actor, token_id)
        uow.commit()
    return revoked
