"""Login and logout (argon2-hashed passwords, server-side sessions named by a signed cookie, CSRF
on the forms, failed logins throttled: kpt_workflow.services.sessions)."""

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.database_work import on_database
from api.deps import SESSION_ID, GuardsDep, RuntimeDep, client_address, session_of
from api.pages.web import CsrfChecked, flash, render
from kpt_workflow.services import sessions
from kpt_workflow.services.accounts import HashingBusy
from kpt_workflow.base.errors import Unauthorized
from kpt_workflow.services.throttle import TooManyAttempts
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(include_in_schema=False)
_REFUSED = {Unauthorized: 401, TooManyAttempts: 429, HashingBusy: 503}


def _safe_next(target: str) -> str:
    """Only local paths: never redirect a login to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, rt: RuntimeDep, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", None, next=_safe_next(next))


@router.post("/login", dependencies=[CsrfChecked])
def login(request: Request, rt: RuntimeDep, guards: GuardsDep, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=256)], next: Annotated[str, Form(max_length=512)] = "/"):
    try:
        session_id = sessions.log_in(rt.engine, guards.login, username=username, password=password,
                                     client_address=client_address(request),
                                     wait_s=rt.settings.login_hash_wait_seconds)
    except (Unauthorized, TooManyAttempts, HashingBusy) as refused:
        retry = refused.details.get("retry_after")
        return render(request, "login.html", None, status_code=_REFUSED[type(refused)], next=_safe_next(next),
                      headers={"Retry-After": str(retry)} if retry is not None else None,
                      flashes=[["error", refused.message]])
    request.session.clear()  # a new session id at login: none fixed beforehand survives
    request.session[SESSION_ID] = session_id
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[CsrfChecked])
@on_database
def logout(request: Request, rt: RuntimeDep) -> RedirectResponse:
    """Ends the session on the server too: a copy of the cookie opens nothing afterwards."""
    session = session_of(request)
    if session is not None:
        with UnitOfWork(rt.engine, write=True) as uow:
            sessions.end(uow.connection, session, "logout", datetime.now(timezone.utc), client_address(request))
            uow.commit()
    request.session.clear()
    flash(request, "success", "Sesión cerrada.")
    return RedirectResponse("/login", status_code=303)
