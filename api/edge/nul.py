"""A NUL character in a request's path or query is refused at the edge: no identifier or filter
holds one, and PostgreSQL cannot store or even compare text that does (it raised a DataError deep
in the access read: a 500)."""

from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from api.edge.replies import refuse


class NulInRequest:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _has_nul(scope):
            await refuse(scope, receive, send, 400, "caracter_nulo",
                         "La ruta o la consulta contiene el carácter nulo (%00), que ningún dato admite.")
            return
        await self.app(scope, receive, send)


def _has_nul(scope: Scope) -> bool:
    raw = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    return b"\x00" in unquote_to_bytes(raw) or b"\x00" in unquote_to_bytes(scope.get("query_string", b""))
