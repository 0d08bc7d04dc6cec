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

from api.database_work import reading, reads_database
from api.deps import SESSION_ID, Caller, RuntimeDep, session_of
from api.errors import PageErrors
from api.static_files import static_url
from kpt_workflow.services.access import Actor, navigation, role_names, signed_in_as
from kpt_workflow.base.errors import Forbidden, KptError, Unauthorized
from kpt_workflow.base.figures import amount, exact, number
from kpt_workflow.law import calendar
from kpt_workflow.services.sessions import SessionExpired
from templates import TEMPLATES_DIR

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters["numero"] = number  # 1.134 and 103,1, as on the command line
templates.env.filters["cuenta"] = amount  # 1 plan, 2 planes: the noun agreed with the number
templates.env.filters["roles"] = role_names  # ('corporacion',) -> 'concejo o asamblea'
templates.env.filters["cifra"] = exact  # a published figure with all its decimals: 5,14 %
templates.env.filters["fecha"] = calendar.table_date  # 2024-06-15 -> 15/06/2024, as Colombian forms write it
templates.env.filters["fecha_larga"] = calendar.written_date  # 2024-06-15 -> 15 de junio de 2024, in a sentence
templates.env.globals["static_url"] = static_url  # /static/kpt.css?v=<its hash>: kept a year (api/static_files.py)
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
            actor = request.state.page_actor = Caller(rt, None, session).read_access(None).actor
            return actor
        except SessionExpired as expired:
            flash(request, "error", expired.message)
        except Unauthorized:
            pass
        request.session.pop(SESSION_ID, None)
    raise LoginRequired("Inicie sesión.", next=str(request.url.path))


PageActor = Annotated[Actor, Depends(page_actor)]


def flash(request: Request, kind: str, text: str, at: str = "") -> None:
    """A notice for the next page; `at` names the section it belongs in (the plan page's
    "documentos": seen where the form that caused it sends the reader), else the page's top."""
    request.session.setdefault("flashes", []).append([kind, text, at])


def render(request: Request, template: str, actor: Actor | None, status_code: int = 200,
           headers: dict[str, str] | None = None, synthetic: bool = False, **context: Any) -> HTMLResponse:
    """A page from values its service prepared; `synthetic` (read by that service, in its own
    transaction) marks the demo's data. The header's links are the access policy's. Notices:
    the page's own (`flashes` in `context`), else those stored for it; each with its section."""
    flashes = context.pop("flashes", request.session.pop("flashes", []))
    return templates.TemplateResponse(request, template, {
        "actor": actor, "nav": navigation(actor) if actor else [], "signed_in_as": signed_in_as(actor) if actor else "",
        "csrf_token": _LazyCsrfToken(request), "synthetic": synthetic,
        "flashes": [(*f[:2], f[2] if len(f) > 2 else "") for f in flashes], **context}, status_code=status_code, headers=headers)


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


async def page_invalid(request: Request, message: str) -> Response:
    """A page's form or query that fails validation (a missing date, a version of 0): its message
    in Spanish, as a notice on the page the form was on, or on an error page (422) for a link."""
    if request.method == "POST":
        for form, page in _FORM_PAGES:
            if form.match(request.url.path):
                flash(request, "error", f"No se registró: {message}")
                return RedirectResponse(form.sub(page, request.url.path), status_code=303)
    return await page_failed(request, 422, message)


async def page_refused(request: Request, error: KptError, status_code: int) -> Response:
    """A refusal on a page: the login form when signed out, else an error page in Spanish."""
    if isinstance(error, LoginRequired) or error.code == "unauthorized":
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    return await page_failed(request, status_code, error.message)


_TITLES = {404: "No encontrado", 403: "No permitido", 405: "Acción no disponible", 422: "Datos inválidos",
           500: "Error inesperado"}
_PAGE_DETAILS = {404: "No existe esa página.", 405: "Esta dirección no admite esa acción."}


async def page_failed(request: Request, status_code: int, detail: str) -> Response:
    """An error page that keeps the site's header: the user's navigation, as on every page. It
    shows no plan's data; it reads the user only when the route did not (an unknown address)."""
    return render(request, "error.html", await _error_actor(request), status_code=status_code,
                  title=_TITLES.get(status_code, "No se pudo completar"), detail=detail)


async def page_unanswered(request: Request, status_code: int, detail: str) -> Response:
    """No route answered (no such page, or not with that method), or a defect broke the one that did."""
    return await page_failed(request, status_code, _PAGE_DETAILS.get(status_code, detail))


async def _error_actor(request: Request) -> Actor | None:
    """The user the route identified (`page_actor`), or the one of the request's live login session
    (one read on the reading lane); none without a session, or if it cannot be read."""
    known = getattr(request.state, "page_actor", None)
    session = session_of(request)
    if known is not None or session is None:
        return known
    try:
        return await reading(request, lambda: Caller(request.app.state.runtime, None, session).read_access(None).actor)
    except Exception:  # an error page must not fail: a lost session or database shows it without the menu
        return None


PAGE_ERRORS = PageErrors(refused=page_refused, invalid=page_invalid, failed=page_unanswered)
