"""Every response carries the security headers: each page and API route, the docs (with their own
policy), static files, errors of every kind, the edge's own refusals and even Starlette's 500.
Over HTTPS (always, or as a trusted proxy says) the session cookie is Secure and HSTS is sent."""

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from starlette.routing import BaseRoute, Route

from api.app import create_app
from api.edge.headers import PAGE_POLICY, inline_script_hashes
from kpt_workflow.services.accounts import create_user
from kpt_workflow.base.config import Settings
from kpt_workflow.storage.unit_of_work import UnitOfWork

API = "/api/v1"
PASSWORD = "clave-de-prueba-123"
FIXED = {"x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "same-origin",
         "cross-origin-opener-policy": "same-origin"}
DOCS = ("/docs",)


def assert_secured(response: httpx.Response, *, https: bool = False) -> None:
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    for name, value in FIXED.items():
        assert response.headers.get(name) == value, f"{where}: {name}"
    assert "camera=()" in response.headers.get("permissions-policy", ""), where
    policy = response.headers.get("content-security-policy", "")
    if response.request.url.path in DOCS:
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, where
    else:
        assert policy == PAGE_POLICY, where
    assert ("strict-transport-security" in response.headers) == https, where


def build(engine: Engine, tmp_path: Path, **settings: object):  # type: ignore[no-untyped-def]
    return create_app(Settings(database_url=engine.url.render_as_string(hide_password=False),
                               data_dir=tmp_path / "data", max_document_bytes=1024 * 1024, **settings))


def sign_in(client: TestClient, engine: Engine, role: str = "admin", entity: str | None = None) -> httpx.Response:
    with UnitOfWork(engine, write=True) as uow:
        create_user(uow.session, username="usuario", role=role, entity_code=entity, password=PASSWORD)
        uow.commit()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    response = client.post("/login", data={"username": "usuario", "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303
    return response


def get_paths(routes: list[BaseRoute], prefix: str = "") -> Iterator[str]:
    """Every GET route's path; FastAPI 0.165 keeps an included router whole (`_IncludedRouter`)."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from get_paths(route.original_router.routes, prefix + route.include_context.prefix)
        elif isinstance(route, (APIRoute, Route)) and "GET" in (route.methods or ()):
            yield prefix + route.path


def test_every_get_route_and_every_kind_of_error_carries_the_headers(client, app, engine, new_plan):
    sign_in(client, engine)
    plan_id = new_plan("05001")
    paths = [path for path in get_paths(app.routes) if "{" not in path]
    assert {"/", "/planes", "/tablero", "/login", "/docs", "/openapi.json", f"{API}/health"} <= set(paths)
    responses = [client.get(path, follow_redirects=False) for path in paths]
    responses += [
        client.get(f"/planes/{plan_id}"),  # a plan's page
        client.get(f"{API}/plans/{plan_id}"),
        client.get("/static/kpt.css"),
        client.get("/no-existe"),  # 404
        client.get(f"{API}/plans/no-existe"),  # an API error
        client.post(f"{API}/plans", json={}),  # 403 csrf_rechazado (session without token)
        TestClient(app).get(f"{API}/plans"),  # 401, no session
        client.post(f"{API}/plans", content=b"{}" * 1024 * 1024, headers={"content-type": "application/json"}),  # 413
        client.post(f"{API}/plans", content=b"{}", headers={"content-type": "application/json", "content-length": "-2"}),
    ]
    assert {r.status_code for r in responses} >= {200, 303, 400, 401, 403, 404, 413}, [r.status_code for r in responses]
    for response in responses:
        assert_secured(response)


def test_the_docs_policy_allows_exactly_the_inline_script_it_carries(client):
    response = client.get("/docs")
    hashes = inline_script_hashes(response.text)
    assert hashes and all(h in response.headers["content-security-policy"] for h in hashes)
    assert "'unsafe-inline'" not in response.headers["content-security-policy"].split("style-src")[0]


def test_the_pages_hold_no_inline_script_or_style(client, engine, new_plan):
    """What the pages' policy would block: the templates must not need it."""
    sign_in(client, engine)
    plan_id = new_plan("05001")
    for path in ("/login", "/planes", f"/planes/{plan_id}", f"/planes/{plan_id}/informe", "/tablero", "/ciclo"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=", html, re.IGNORECASE), path


def test_an_unexpected_error_still_carries_the_headers(engine, tmp_path):
    app = build(engine, tmp_path)

    @app.get("/rompe")
    def broken() -> None:
        raise RuntimeError("falla de prueba")

    response = TestClient(app, raise_server_exceptions=False).get("/rompe")
    assert response.status_code == 500
    assert_secured(response)


def test_the_session_cookie_is_httponly_and_lax_and_not_secure_over_plain_http(client, engine):
    cookie = sign_in(client, engine).headers["set-cookie"].lower()
    assert "kpt_sesion=" in cookie and "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


@pytest.mark.parametrize("settings, headers", [({"secure_cookies": True}, {}),
                                               ({"trust_proxy_headers": True}, {"X-Forwarded-Proto": "https"})])
def test_over_https_the_cookie_is_secure_and_hsts_is_sent(settings, headers, engine, tmp_path):
    """The browser talks HTTPS (to us, or to the proxy): the login page's session cookie is Secure."""
    with TestClient(build(engine, tmp_path, **settings), headers=headers) as client:
        login_page = client.get("/login")
        assert_secured(login_page, https=True)
        assert "secure" in [a.strip() for a in login_page.headers["set-cookie"].lower().split(";")]
        assert_secured(client.get("/static/kpt.css"), https=True)
        assert_secured(client.get(f"{API}/plans"), https=True)  # a 401


def test_an_untrusted_forwarded_proto_changes_nothing(client):
    login_page = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert_secured(login_page, https=False)
    assert "secure" not in login_page.headers["set-cookie"].lower()
