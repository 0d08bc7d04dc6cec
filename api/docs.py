"""/docs: Swagger UI 5 (FastAPI emits OpenAPI 3.1) from the package's own copy
(templates/static/swagger-ui, with its provenance), so the API's description works offline and
the page loads nothing from any other host (FastAPI's own /docs loads it from a CDN)."""

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from api.static_files import static_url

DOCS_URL = "/docs"


def docs_html(app: FastAPI) -> str:
    """The page: the viewer's script, style and icon under versioned local URLs; no validator
    badge (Swagger UI would ask validator.swagger.io)."""
    return get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} · API (Swagger UI)",
        swagger_js_url=static_url("swagger-ui/swagger-ui-bundle.js"),
        swagger_css_url=static_url("swagger-ui/swagger-ui.css"),
        swagger_favicon_url=static_url("swagger-ui/favicon-32x32.png"),
        swagger_ui_parameters={"validatorUrl": None}).body.decode()


def install_docs(app: FastAPI) -> None:
    page = docs_html(app)

    @app.get(DOCS_URL, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page)
