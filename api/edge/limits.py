"""Body size limits, enforced before a byte of the body is read.

A declared Content-Length past the limit is refused at once; any other body (chunked, or longer
than it claimed) is counted as the app pulls it, and refused the moment the count passes the
limit. Without this, Starlette reads a multipart body to its end (spooling files to disk) before
any route or dependency, authentication included, is reached.
"""

import re
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.edge.replies import refuse
from kpt_workflow.base.figures import number

# A document's form carries a few short fields beside it (type, dates, number, CSRF token) and the
# multipart framing: this much on top of the document limit, no more.
FORM_FIELDS_ALLOWANCE = 64 * 1024
_DIGITS = re.compile(r"[0-9]{1,19}")
_UNITS = ((1024 * 1024, "MB"), (1024, "KB"), (1, "bytes"))


def size_text(n_bytes: int) -> str:
    """20971520 -> '20 MB', 65536 -> '64 KB', 1500 -> '1.500 bytes': the largest unit that divides it."""
    size, unit = next((size, unit) for size, unit in _UNITS if n_bytes % size == 0)
    return f"{number(n_bytes // size)} {unit}"


@dataclass(frozen=True)
class BodyLimit:
    max_bytes: int
    code: str
    detail: str


def body_limits(document_bytes: int, json_bytes: int) -> tuple[BodyLimit, BodyLimit]:
    """(multipart uploads, every other body), as the refusals word them."""
    return (BodyLimit(document_bytes + FORM_FIELDS_ALLOWANCE, "archivo_muy_grande",
                      f"El archivo supera el máximo de {size_text(document_bytes)} por documento."),
            BodyLimit(json_bytes, "cuerpo_muy_grande",
                      f"El cuerpo de la solicitud supera el máximo de {size_text(json_bytes)}."))


def describe_limits(document_bytes: int, json_bytes: int) -> str:
    """The limits as /docs states them."""
    return (f"Límites: {size_text(document_bytes)} por documento (el formulario multipart admite además "
            f"{size_text(FORM_FIELDS_ALLOWANCE)} para sus otros campos) y {size_text(json_bytes)} para cualquier otro "
            "cuerpo (JSON, formularios urlencoded). Un cuerpo mayor se rechaza con 413 (`archivo_muy_grande` o "
            "`cuerpo_muy_grande`) antes de leerlo y antes de autenticar.")


class BodyLimits:
    def __init__(self, app: ASGIApp, *, document_bytes: int, json_bytes: int) -> None:
        self.app = app
        self.multipart, self.other = body_limits(document_bytes, json_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        multipart = headers.get("content-type", "").lower().startswith("multipart/form-data")
        limit = self.multipart if multipart else self.other
        declared = headers.getlist("content-length")
        if declared and (len(set(declared)) > 1 or not _DIGITS.fullmatch(declared[0].strip())):
            await refuse(scope, receive, send, 400, "longitud_invalida",
                         "La cabecera Content-Length no es un número entero de bytes válido.",
                         {"Connection": "close"})
        elif declared and int(declared[0]) > limit.max_bytes:
            await _too_large(scope, receive, send, limit)
        else:
            counted = _CountedBody(scope, receive, send, limit)
            await self.app(scope, counted.receive, counted.send)


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: BodyLimit) -> None:
    """Connection: close, so the server need not drain the rest of the body to reuse the connection."""
    await refuse(scope, receive, send, 413, limit.code, limit.detail, {"Connection": "close"})


class _CountedBody:
    """One request's body as the app pulls it. Past the limit it answers 413 itself, tells the app
    the client is gone (Starlette then raises ClientDisconnect where it reads) and drops whatever
    the app still tries to send, so the client gets exactly one response."""

    def __init__(self, scope: Scope, receive: Receive, send: Send, limit: BodyLimit) -> None:
        self.scope, self._receive, self._send, self.limit = scope, receive, send, limit
        self.received = 0
        self.refused = False
        self.response_started = False

    async def receive(self) -> Message:
        if self.refused:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit.max_bytes:
                self.refused = True
                if not self.response_started:  # a response under way can only be cut short
                    await _too_large(self.scope, self._receive, self._send, self.limit)
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: Message) -> None:
        if self.refused:
            return
        if message["type"] == "http.response.start":
            self.response_started = True
        await self._send(message)
