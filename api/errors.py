"""One place maps error codes to HTTP statuses; every error is JSON {"code", "detail"}."""

import logging
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any, NamedTuple

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from kpt_workflow.base.errors import KptError
from kpt_workflow.storage.failures import operational_failure
from kpt_workflow.base.validation import describe_error

STATUS_BY_CODE = {
    "not_found": 404, "unauthorized": 401, "forbidden": 403,
    "plan_exists": 409, "already_exists": 409, "plan_version_conflict": 409, "actos_fuera_de_orden": 409,
    "unknown_trigger": 409, "guard_failed": 422, "idempotency_key_reused": 422,
    "file_too_large": 413, "unsupported_media_type": 415, "login_required": 401,
    "sesion_vencida": 401, "demasiados_intentos": 429, "servidor_ocupado": 503,
    "format_not_accepted": 415, "archive_rejected": 422,
    "documento_alterado": 409, "documento_ausente": 410,
}
_log = logging.getLogger("kpt.api")
_FAILURE_PAGE = """<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>Servicio no disponible · Kit de Planeación Territorial</title></head>
<body><main><h1>No se pudo completar</h1><p>{detail}</p><p>{hint}</p></main></body></html>
"""
_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
               413: "file_too_large", 415: "unsupported_media_type"}
_HTTP_DETAILS = {400: "La solicitud está mal formada (cuerpo o formulario ilegible).", 401: "Falta un token válido (Authorization: Bearer …).", 404: "No existe ese recurso.",
                 405: "Método no permitido en este recurso."}


class ErrorBody(BaseModel):
    """Every error the API answers: a stable code, a Spanish detail, and sometimes more (the field,
    the current version, the failing checklist)."""

    model_config = ConfigDict(extra="allow")

    code: str
    detail: str


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description} for status, description in (
        (400, "Solicitud mal formada"), (401, "Sin credenciales válidas"), (403, "El rol no puede hacer esto"), (404, "No existe (o no es visible)"),
        (409, "Conflicto: versión vencida, paso imposible o recurso existente"), (413, "Archivo demasiado grande"),
        (415, "Tipo de archivo no admitido"), (422, "Entrada inválida o requisitos sin cumplir"))
}


def status_for(error: KptError) -> int:
    return STATUS_BY_CODE.get(error.code, 422)


def error_headers(error: KptError) -> dict[str, str]:
    """What a refusal tells the client beyond its body: how to authenticate, how long to wait."""
    headers = {"WWW-Authenticate": "Bearer"} if error.code == "unauthorized" else {}
    if "retry_after" in error.details:
        headers["Retry-After"] = str(error.details["retry_after"])
    return headers


def error_body(error: KptError) -> dict[str, object]:
    return {"code": error.code, "detail": error.message, **error.details}


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/static/"))


class PageErrors(NamedTuple):
    """How the pages answer an error (api/pages/web.py): HTML in Spanish with the site's navigation."""

    refused: Callable[[Request, KptError, int], Awaitable[Response]]
    """A refusal (not found, forbidden, a conflict…): an error page, or the login redirect."""
    invalid: Callable[[Request, str], Awaitable[Response]]
    """A form or query that fails validation: a notice on the form's page."""
    failed: Callable[[Request, int, str], Awaitable[Response]]
    """No such page or method, or a defect (500): an error page with this status and text."""


DEFECT = "Ocurrió un error inesperado y quedó registrado para revisarlo. Intente de nuevo en un momento."


def install(app: FastAPI, pages: PageErrors) -> None:
    """JSON for the API; HTML for the pages (`pages`)."""

    @app.exception_handler(KptError)
    async def _kpt_error(request: Request, error: KptError) -> Response:
        if _is_page(request):
            page = await pages.refused(request, error, status_for(error))
            if "retry_after" in error.details:  # a page refused for a while says how long, as the API does
                page.headers["Retry-After"] = str(error.details["retry_after"])
            return page
        return JSONResponse(error_body(error), status_code=status_for(error), headers=error_headers(error))

    async def _operational(request: Request, error: Exception) -> Response:
        """A database or disk failure: 503 with its Spanish code and hint (the cause goes to the log,
        not to the client: it may name files and hosts), or a plain error page; never a traceback."""
        failure = operational_failure(error)
        if failure is None:
            raise error  # a defect, not the machine: left to the server's own 500
        _log.error("falla de operación %s en %s %s", failure.code, request.method, request.url.path, exc_info=error)
        failure.details.pop("cause", None)
        if _is_page(request):  # not `pages`: their navigation reads the database that just failed
            return HTMLResponse(_FAILURE_PAGE.format(detail=escape(failure.message),
                                                     hint=escape(str(failure.details["hint"]))), status_code=503)
        return JSONResponse(error_body(failure), status_code=503)

    app.add_exception_handler(DBAPIError, _operational)
    app.add_exception_handler(OSError, _operational)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        field, message = describe_error(error.errors()[0])
        if _is_page(request):  # the form's own field name, as its label says it
            return await pages.invalid(request, f"{error.errors()[0]['loc'][-1]}: {message}.")
        return JSONResponse({"code": "validation_error", "detail": f"{field}: {message}.", "field": field},
                            status_code=422)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> Response:
        code = _HTTP_CODES.get(error.status_code, "http_error")
        detail = _HTTP_DETAILS.get(error.status_code, str(error.detail))
        if _is_page(request):
            return await pages.failed(request, error.status_code, detail)
        return JSONResponse({"code": code, "detail": detail}, status_code=error.status_code,
                            headers=getattr(error, "headers", None))

    async def _defect(request: Request, _: Exception) -> Response:
        """Starlette's last resort (its ServerErrorMiddleware logs the exception after this answer):
        a Spanish message, never a traceback."""
        if _is_page(request):
            return await pages.failed(request, 500, DEFECT)
        return JSONResponse({"code": "error_interno", "detail": DEFECT}, status_code=500)

    app.add_exception_handler(Exception, _defect)
