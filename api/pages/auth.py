"""Login and logout (argon2-hashed passwords, signed session cookie, CSRF on the forms)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import SESSION_USER, RuntimeDep
from api.pages.web import CsrfChecked, flash, render
from kpt_workflow.accounts import user_for_password
from kpt_workflow.unit_of_work import UnitOfWork

router = APIRouter(include_in_schema=False)


def _safe_next(target: str) -> str:
    """Only local paths: never redirect a login to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, rt: RuntimeDep, next: str = "/") -> HTMLResponse:
    return render(request, rt, "login.html", None, next=_safe_next(next))


@router.post("/login", dependencies=[CsrfChecked])
def login(request: Request, rt: RuntimeDep, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=256)], next: Annotated[str, Form(max_length=512)] = "/"):
    with UnitOfWork(rt.engine) as uow:
        user = user_for_password(uow.session, username, password)
    if user is None:
        return render(request, rt, "login.html", None, status_code=401, next=_safe_next(next),
                      flashes=[["error", "Usuario o contraseña incorrectos."]])
    request.session.clear()
    request.session[SESSION_USER] = user.username
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request) -> RedirectResponse:
    request.session.clear()
    flash(request, "success", "Sesión cerrada.")
    return RedirectResponse("/login", status_code=303)
