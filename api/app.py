"""The FastAPI application: `create_app(settings)` builds everything it needs, so tests get their
own database and the CLI's `kpt serve` the configured one."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.routes import admin, documents, entities, plans, strategy
from api.runtime import Runtime
from kpt_workflow import __version__
from kpt_workflow.config import Settings

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> FastAPI:
    runtime = Runtime.from_settings(settings or Settings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        runtime.engine.dispose()

    app = FastAPI(title="kpt-workflow", version=__version__, lifespan=lifespan,
                  description="Ciclo de vida de los Planes de Desarrollo Territorial (Kit de Planeación Territorial).")
    app.state.runtime = runtime
    errors.install(app)
    for module in (entities, plans, documents, strategy, admin):
        app.include_router(module.router, prefix=API_PREFIX)

    @app.get(f"{API_PREFIX}/health", tags=["salud"], summary="El servicio responde")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
