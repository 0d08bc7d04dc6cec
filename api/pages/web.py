"""What every page shares: templates, the login session, CSRF tokens, flash messages, the actor."""

import hmac
import re
import secrets
from urllib.parse import quote, urlencode
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.database_work import reads_database
from api.deps import SESSION_ID, Caller, RuntimeDep, session_of
from kpt_workflow.services.access import Actor, navigation, role_names, signed_in_as
from kpt_workflow.base.errors import Forbidden, KptError, Unauthorized
from kpt_workflow.base.figures import amount, number
from kpt_workflow.services.sessions import SessionExpired
from templates import TEMPLATES_DIR

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters["numero"] = number  # 1.134 and 103,1, as on the command line
templates.env.filters["cuenta"] = amount  # 1 plan, 2 planes: the noun agreed with the number
templates.env.filters["roles"] = role_names  # ('corporacion',) -> 'concejo o asamblea'
CSRF_KEY = "csrf"


class LoginRequired(KptError):
    """Raised by page dependencies; the app turns it into a redirect to the login page."""

    code = "login_required"


def session_secret(data_dir: Path, configured: str | None) -> str:
    """A configured secret, or one generated once and kept beside the data (shared by all workers)."""
    if configured:
        return configured
    path = data_dir / "session.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_KEY)
    if token is None:
        token = request.session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, csrf_token_field: Annotated[str, Form(alias="csrf_token")] = "") -> None:
    """Every form post carries the session's token (double submit through the signed session)."""
    expected = request.session.get(CSRF_KEY, "")
    # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500).
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token_field.encode()):
        raise Forbidden("El formulario venció o no es de esta sesión; vuelva a cargar la página.")


CsrfChecked = Depends(check_csrf)


class _LazyCsrfToken:
    """The session's CSRF token, made (and so the session written) only when a template prints
    it: a page without a form, such as the public ones, sets no cookie for an anonymous visitor."""

    def __init__(self, request: Request) -> None:
        self._request = request

    def __str__(self) -> str:
        return csrf_token(self._request)

    def __html__(self) -> str:  # what Jinja's autoescape prints (the token is URL-safe text)
        return str(self)


@reads_database
def page_actor(request: Request, rt: RuntimeDep) -> Actor:
    """The user of the request's live login session; otherwise the login form (a session that
    ended, expired or whose user was deactivated is forgotten by the cookie too)."""
    session = session_of(request)
    if session is not None:
        try:
            return Caller(rt, None, session).read_access(None).actor
        except SessionExpired as expired:
            flash(request, "error", expired.message)
        except Unauthorized:
            pass
        request.session.pop(SESSION_ID, None)
    raise LoginRequired("Inicie sesión.", next=str(request.url.path))


PageActor = Annotated[Actor, Depends(page_actor)]


def flash(request: Request, kind: str, text: str) -> None:
    request.session.setdefault("flashes", []).append([kind, text])


def render(request: Request, template: str, actor: Actor | None, status_code: int = 200,
           headers: dict[str, str] | None = None, synthetic: bool = False, **context: Any) -> HTMLResponse:
    """A page from values its service prepared; `synthetic` (read by that service, in its own
    transaction) marks the demo's data. The header's links are the access policy's."""
    return templates.TemplateResponse(request, template, {
        "actor": actor, "nav": navigation(actor) if actor else [], "signed_in_as": signed_in_as(actor) if actor else "",
        "csrf_token": _LazyCsrfToken(request), "synthetic": synthetic,
        "flashes": request.session.pop("flashes", []), **context}, status_code=status_code, headers=headers)


def pages_of(rows: int, page: int, size: int, query: dict[str, str]) -> dict[str, object]:
    """A long table's pages: how many, and the links to the previous and next one with the same
    filters (`query`, empty values left out)."""
    pages = max(1, -(-rows // size))
    kept = {key: value for key, value in query.items() if value}

    def link(to: int) -> str | None:
        return "?" + urlencode({**kept, "pagina": to}) if 1 <= to <= pages and to != page else None

    return {"page": page, "pages": pages, "previous": link(page - 1), "next": link(page + 1)}


_FORM_PAGES = ((re.compile(r"^(/planes/[^/]+)/decision$"), r"\1/informe"), (re.compile(r"^(/planes/[^/]+)/[a-z]+$"), r"\1"))
"""Where each form of a plan was: a refused one goes back there."""


def page_invalid(request: Request, message: str) -> Response:
    """A page's form or query that fails validation (a missing date, a version of 0): its message
    in Spanish, as a notice on the page the form was on, or on an error page (422) for a link."""
    if request.method == "POST":
        for form, page in _FORM_PAGES:
            if form.match(request.url.path):
                flash(request, "error", f"No se registró: {message}")
                return RedirectResponse(form.sub(page, request.url.path), status_code=303)
    return render(request, "error.html", None, status_code=422, title="Datos inválidos", detail=message)


def page_error(request: Request, error: KptError, status_code: int) -> Response:
    """A refusal on a page: the login form when signed out, else an error page in Spanish (it
    shows no plan's data, so it reads nothing: a refusal costs no transaction)."""
    if isinstance(error, LoginRequired) or error.code == "unauthorized":
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    title = {404: "No encontrado", 403: "No permitido"}.get(status_code, "No se pudo completar")
    return render(request, "error.html", None, status_code=status_code, title=title, detail=error.message)
