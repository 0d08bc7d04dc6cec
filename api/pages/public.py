"""What anyone may read without login: an entity's plans (/publico/CODIGO), their public documents,
and the open data (/datos-abiertos). These pages read no session and write none, so an anonymous
visitor gets no cookie; each client address is rate limited (`Guards.public`); the answers carry
an ETag that names the chains' heads and may be kept `KPT_PUBLIC_MAX_AGE_SECONDS` by any cache
(they are the same for everyone). The routes without database work are `async def`: nothing to
hand to a thread."""

import json
import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.database_work import reads_database
from api.deps import GuardsDep, RuntimeDep, client_address
from api.downloads import verified_download
from api.pages.web import render
from kpt_workflow.law import calendar
from kpt_workflow.reports.open_data import dictionary
from kpt_workflow.services import open_data, public
from kpt_workflow.storage.unit_of_work import UnitOfWork


async def _admitted(request: Request, guards: GuardsDep) -> None:
    """Each client address may read these pages so many times a minute (429 with Retry-After past it)."""
    guards.public.admit(client_address(request), "Demasiadas consultas seguidas a las páginas públicas.")


router = APIRouter(include_in_schema=False, dependencies=[Depends(_admitted)])
DIVIPOLA = re.compile(r"[0-9]{2}([0-9]{3})?")
ANONYMOUS = "anónimo"  # who a refused public download is logged under


def _known(request: Request) -> set[str]:
    """The ETags the client holds (If-None-Match), compared weakly (RFC 9110, 13.1.2): a tag the
    compression made weak (`W/`, api/edge/compression.py) still names the same content."""
    return {tag.strip().removeprefix("W/") for tag in request.headers.get("if-none-match", "").split(",") if tag.strip()}


def _cached(rt: RuntimeDep, etag: str) -> dict[str, str]:
    """Any cache may keep the answer; a signed-in user's browser (whose session cookie the answer may
    refresh) is kept apart by `Vary: Cookie`."""
    return {"ETag": etag, "Cache-Control": f"public, max-age={rt.settings.public_max_age_seconds}", "Vary": "Cookie"}


@router.get("/publico", response_class=HTMLResponse)
async def public_index(request: Request, codigo: str = "") -> Response:
    """A form to look an entity up by its DIVIPOLA code (the form's answer goes to its page)."""
    code = codigo.strip()
    if DIVIPOLA.fullmatch(code):
        return RedirectResponse(f"/publico/{code}", status_code=303)
    refused = [["error", f"«{code[:20]}» no es un código DIVIPOLA: escriba 2 dígitos (un departamento) o 5 (un "
                         "municipio o distrito)."]] if code else []
    return render(request, "public_index.html", None, status_code=422 if code else 200, public=True, flashes=refused)


@router.get("/publico/{codigo}", response_class=HTMLResponse)
@reads_database
def entity_page(codigo: str, request: Request, rt: RuntimeDep) -> Response:
    with UnitOfWork(rt.engine) as uow:
        shown = public.public_entity(uow, codigo, calendar.today_in_colombia())
    etag, synthetic = shown.pop("etag"), shown.pop("synthetic")
    if etag in _known(request):
        return Response(status_code=304, headers=_cached(rt, etag))
    return render(request, "public_entity.html", None, headers=_cached(rt, etag), synthetic=synthetic, public=True,
                  **shown)


@router.get("/publico/{codigo}/documentos/{plan_id}/{doc_type}/{version}")
@reads_database
def public_document(codigo: str, plan_id: str, doc_type: str, version: int, request: Request,
                    rt: RuntimeDep) -> Response:
    """A public document's file, its bytes proved before the first is sent (api/downloads.py)."""
    with UnitOfWork(rt.engine) as uow:
        document = public.public_document(uow, codigo, plan_id, doc_type, version, calendar.today_in_colombia())
    return verified_download(rt, request, document, ANONYMOUS, f"'{doc_type}' versión {version} del plan {plan_id} "
                             f"(consulta pública)", f"{doc_type}-v{version}")


@router.get("/datos-abiertos", response_class=HTMLResponse)
async def open_data_page(request: Request) -> HTMLResponse:
    """The data dictionary, with the links to the files."""
    return render(request, "open_data.html", None, public=True, dictionary=dictionary())


@router.get("/datos-abiertos/diccionario.json")
async def open_data_dictionary() -> Response:
    return Response(json.dumps(dictionary(), ensure_ascii=False, indent=1), media_type="application/json")


def _file(request: Request, rt: RuntimeDep, extension: str, media_type: str) -> Response:
    """Every plan's row as of today: 304 if the client holds the current files (two indexed reads),
    else the files, built once per chain heads and day (services.open_data)."""
    today = calendar.today_in_colombia()
    with UnitOfWork(rt.engine) as uow:
        etag = open_data.current_etag(uow, today)
        files = None if etag in _known(request) else open_data.open_data(uow, today, rt.open_data)
    headers = _cached(rt, etag)
    if files is None:
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="planes-{today.isoformat()}.{extension}"'
    return Response(files.csv if extension == "csv" else files.json, media_type=media_type, headers=headers)


@router.get("/datos-abiertos/planes.csv")
@reads_database
def plans_csv(request: Request, rt: RuntimeDep) -> Response:
    return _file(request, rt, "csv", "text/csv; charset=utf-8")


@router.get("/datos-abiertos/planes.json")
@reads_database
def plans_json(request: Request, rt: RuntimeDep) -> Response:
    return _file(request, rt, "json", "application/json")
