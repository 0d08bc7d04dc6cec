"""The FastAPI application: `create_app(settings)` builds everything it needs, so tests get their
own database and the CLI's `kpt serve` the configured one."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp

from api import edge, errors
from api.docs import install_docs
from api.edge.csrf import CrossSiteWrites
from api.edge.limits import describe_limits
from api.pages import alerts as alert_pages
from api.pages import diagnostic as diagnostic_pages
from api.pages import auth, dashboard, general, public, territory as territory_pages
from api.pages import plan_indicativo as plan_indicativo_pages
from api.pages import plans as plan_pages
from api.pages import pnd as pnd_pages
from api.pages.web import PAGE_ERRORS, session_secret
from api.routes import (admin, alerts, amendments, calendars, diagnostic, documents, entities, plan_indicativo, plans,
                        pnd, reports, strategy, territory, workflows)
from api.runtime import Runtime
from api.static_files import PREFIX, STATIC_DIR, VersionedStatic
from kpt_workflow import __version__
from kpt_workflow.base.config import Settings
from kpt_workflow.lifecycle.engine import use_definitions_from
from kpt_workflow.services.throttle import Guards

API_PREFIX = "/api/v1"


class KptApp(FastAPI):
    """FastAPI with the edge (api/edge) wrapped around its whole stack, Starlette's
    ServerErrorMiddleware included: the size limit comes before anything else runs, and the
    security headers reach every response."""

    def build_middleware_stack(self) -> ASGIApp:
        return edge.outside(self, self.state.runtime.settings, super().build_middleware_stack())


def create_app(settings: Settings | None = None) -> FastAPI:
    runtime = Runtime.from_settings(settings or Settings())
    use_definitions_from(runtime.settings.definitions_dir)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        gc.collect()
        gc.freeze()  # what start-up built lives as long as the app: no full collection walks it again
        yield
        runtime.stop_threads()
        runtime.engine.dispose()

    limits = describe_limits(runtime.settings.max_document_bytes, runtime.settings.max_json_bytes)
    app = KptApp(title="kpt-workflow", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                 description="Ciclo de vida de los Planes de Desarrollo Territorial (Kit de Planeación Territorial).\n\n"
                             + limits + " Las escrituras con la sesión del navegador (no con token Bearer) deben traer "
                             "el token CSRF de la sesión en `X-CSRF-Token` o venir del mismo sitio (403 `csrf_rechazado`).")
    app.state.runtime = runtime
    app.state.guards = Guards.from_settings(runtime.settings)
    errors.install(app, PAGE_ERRORS)
    responses = {**errors.ERROR_RESPONSES, 413: {**errors.ERROR_RESPONSES[413],
                                                  "description": f"Archivo o cuerpo demasiado grande. {limits}"}}
    # The busiest first: FastAPI tries the routes one by one in this order, a few microseconds each (the
    # plans' router first takes 0.035 ms of CPU, 5 %, off a step's request: measured in process, in turns
    # with the old order, 2026-12-07). The API's paths never overlap, so the order decides nothing else.
    for module in (plans, documents, strategy, entities, territory, workflows, plan_indicativo, reports, admin,
                   amendments, calendars, alerts, diagnostic, pnd):
        app.include_router(module.router, prefix=API_PREFIX, responses=responses)
    for page in (auth, general, plan_pages, plan_indicativo_pages, dashboard, territory_pages, alert_pages, public,
                 diagnostic_pages, pnd_pages):
        app.include_router(page.router)
    app.mount(PREFIX, VersionedStatic(directory=STATIC_DIR), name="static")
    install_docs(app)  # /docs from the package's own Swagger UI (offline); no ReDoc, which only loads from a CDN
    app.add_middleware(CrossSiteWrites, api_prefix="/api/")  # inside the session middleware: it reads the session
    app.add_middleware(SessionMiddleware, secret_key=session_secret(runtime.settings.data_dir,
                                                                    runtime.settings.session_secret),
                       session_cookie="kpt_sesion", same_site="lax", https_only=runtime.settings.secure_cookies)

    @app.get(f"{API_PREFIX}/health", tags=["salud"], summary="El servicio responde")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
