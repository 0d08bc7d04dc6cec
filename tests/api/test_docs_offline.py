"""/docs works without internet: Swagger UI 5 comes from the package (templates/static/swagger-ui,
copied unchanged from npm's swagger-ui-dist, as its PROVENANCE.md records), and neither the page
nor its policy names any host but the app's own."""

import hashlib
import re

from api.static_files import KEPT, STATIC_DIR

SWAGGER = STATIC_DIR / "swagger-ui"
URL = re.compile(r"\b(?:https?:)?//[^\s\"'<>)]+")


def test_the_docs_page_references_no_host_but_the_apps(client):
    page = client.get("/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    assert URL.findall(page.text) == []  # not even protocol-relative: every URL is a path of this app
    assert not re.search(r"https?:|//", page.headers["content-security-policy"])
    for path in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        asset = client.get(path)
        assert path.startswith("/static/swagger-ui/") and asset.status_code == 200, path
        assert asset.headers["cache-control"] == KEPT, path
    assert "'/openapi.json'" in page.text and client.get("/openapi.json").json()["openapi"].startswith("3.1")


def test_swagger_ui_5_is_the_npm_copy_its_provenance_names():
    table = dict(re.findall(r"^\| `([^`]+)` \| ([0-9a-f]{64}) \|$", (SWAGGER / "PROVENANCE.md").read_text(), re.M))
    shipped = {path.name for path in SWAGGER.iterdir()} - {"PROVENANCE.md"}
    assert set(table) == shipped and "swagger-ui-bundle.js" in shipped and "LICENSE" in shipped
    for name, digest in table.items():
        assert hashlib.sha256((SWAGGER / name).read_bytes()).hexdigest() == digest, name
    assert b"SmartBear" in (SWAGGER / "NOTICE").read_bytes()


def test_redoc_which_only_loads_from_a_cdn_is_not_served(client):
    assert client.get("/redoc").status_code == 404
