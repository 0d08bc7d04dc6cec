"""Cross-site writes refused, for the API and the pages alike.

The session cookie is SameSite=Lax, which still lets a sibling site (same-site) send it, and old
browsers ignore the attribute. So a write that rides on the session must show it comes from our own
pages: on the API, the page's CSRF token in `X-CSRF-Token`, or the browser's word that the request
is same-origin (`Sec-Fetch-Site`, else `Origin`). A bearer token is presented deliberately by its
holder, never attached by a browser on its own: those calls pass. Page forms also carry the token
that `api.pages.web.check_csrf` checks; here they are refused too when the browser says they come
from another site.
"""

import hmac

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.edge.replies import refuse

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "x-csrf-token"
SESSION_CSRF_KEY = "csrf"  # where api.pages.web keeps the session's token
DETAIL = ("Solicitud rechazada: una escritura con la sesión del navegador debe venir de las páginas de este "
          "sitio (misma procedencia) o traer el token CSRF de la sesión en la cabecera X-CSRF-Token.")


class CrossSiteWrites:
    def __init__(self, app: ASGIApp, *, api_prefix: str = "/api/") -> None:
        self.app = app
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in WRITES and not self._allowed(scope):
            await refuse(scope, receive, send, 403, "csrf_rechazado", DETAIL)
            return
        await self.app(scope, receive, send)

    def _allowed(self, scope: Scope) -> bool:
        headers = Headers(scope=scope)
        if not scope["path"].startswith(self.api_prefix):
            return not _cross_site(scope, headers)
        if headers.get("authorization", "").lower().startswith("bearer "):
            return True
        session = scope.get("session") or {}
        if not session:  # no session cookie: nothing for a forged request to ride on (401 further in)
            return True
        return _token_matches(headers, session) or _same_origin(scope, headers)


def _token_matches(headers: Headers, session: dict[str, object]) -> bool:
    expected, presented = session.get(SESSION_CSRF_KEY), headers.get(CSRF_HEADER)
    return (isinstance(expected, str) and bool(expected) and presented is not None
            and hmac.compare_digest(expected.encode(), presented.encode()))


def _same_origin(scope: Scope, headers: Headers) -> bool:
    """The browser says so: Sec-Fetch-Site when it sends it (all current ones do), else Origin."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = headers.get("origin")
    return origin is not None and origin.lower() == _own_origin(scope, headers)


def _cross_site(scope: Scope, headers: Headers) -> bool:
    """Only what the browser states against us: a request that says nothing (curl, an old browser)
    is left to the form's token."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site in ("cross-site", "same-site")
    origin = headers.get("origin")
    return origin is not None and origin.lower() != _own_origin(scope, headers)


def _own_origin(scope: Scope, headers: Headers) -> str:
    """scheme://host as the browser writes an Origin; the scheme is https behind a trusted proxy
    (uvicorn's ProxyHeadersMiddleware has set it)."""
    return f"{scope['scheme']}://{headers.get('host', '')}".lower()
