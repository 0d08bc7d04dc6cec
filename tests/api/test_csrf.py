"""Writes that ride on the browser's session cookie must come from our own pages: on the API the
session's CSRF token in X-CSRF-Token or a same-origin request; page forms posted from another site
are refused even with the form's token. Bearer-token calls are not concerned."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kpt_workflow.services.accounts import create_user
from kpt_workflow.services.sample import PDF
from kpt_workflow.storage.unit_of_work import UnitOfWork

API = "/api/v1"
OWN_ORIGIN = "http://testserver"  # TestClient's base URL
NEW_PLAN = {"entity_code": "05001", "period": 2024}
PASSWORD = "clave-de-prueba-123"
CROSS_SITE = [{"Origin": "https://atacante.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"},
              {"Sec-Fetch-Site": "same-site", "Origin": OWN_ORIGIN}]


def page_token(client: TestClient, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, f"{path} sin token CSRF"
    return match.group(1)


@pytest.fixture
def browser(client: TestClient, engine: Engine) -> TestClient:
    """A client signed in through the login page, as a browser would be: it holds the session cookie."""
    with UnitOfWork(engine, write=True) as uow:
        create_user(uow.session, username="ana", role="planeacion", entity_code="05001", password=PASSWORD)
        uow.commit()
    signed_in = client.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": page_token(client, "/login")},
                            follow_redirects=False)
    assert signed_in.status_code == 303 and "kpt_sesion" in client.cookies
    return client


def plans_seen(client: TestClient) -> list[object]:
    return client.get(f"{API}/plans").json()


@pytest.mark.parametrize("headers", [{}, *CROSS_SITE, {"X-CSRF-Token": "otro-token"}, {"Authorization": "Basic YW5hOng="}])
def test_a_session_write_to_the_api_without_token_or_same_origin_is_refused(headers, browser):
    response = browser.post(f"{API}/plans", json=NEW_PLAN, headers=headers)
    assert response.status_code == 403 and response.json()["code"] == "csrf_rechazado"
    assert "X-CSRF-Token" in response.json()["detail"]
    assert plans_seen(browser) == []


def test_a_session_upload_without_token_is_refused_before_anything_is_stored(browser, new_plan, app):
    plan_id = new_plan("05001")
    response = browser.post(f"{API}/plans/{plan_id}/documents", data={"doc_type": "formato_empalme_01", "fecha": "2023-12-15"},
                            files={"file": ("informe.pdf", PDF, "application/pdf")})
    assert response.status_code == 403 and response.json()["code"] == "csrf_rechazado"
    assert browser.get(f"{API}/plans/{plan_id}/documents").json() == []
    assert not (app.state.runtime.blobs.root / "blobs").exists()


@pytest.mark.parametrize("proof", ["token", "sec-fetch-site", "origin"])
def test_a_session_write_from_our_own_pages_is_accepted(proof, browser):
    headers = {"token": lambda: {"X-CSRF-Token": page_token(browser, "/planes")},
               "sec-fetch-site": lambda: {"Sec-Fetch-Site": "same-origin"},
               "origin": lambda: {"Origin": OWN_ORIGIN}}[proof]()
    response = browser.post(f"{API}/plans", json=NEW_PLAN, headers=headers)
    assert response.status_code == 201, response.text
    assert len(plans_seen(browser)) == 1


def test_a_bearer_call_is_not_asked_for_a_csrf_token(client, as_user):
    response = client.post(f"{API}/plans", json=NEW_PLAN, headers={**as_user("planeacion"), "Origin": "https://otro.example"})
    assert response.status_code == 201, response.text


def test_a_write_without_session_or_token_is_still_unauthorized(client):
    response = client.post(f"{API}/plans", json=NEW_PLAN, headers={"Origin": "https://atacante.example"})
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_a_page_form_posted_from_another_site_is_refused_even_with_its_token(headers, browser):
    response = browser.post("/logout", data={"csrf_token": page_token(browser, "/planes")}, headers=headers,
                            follow_redirects=False)
    assert response.status_code == 403 and response.json()["code"] == "csrf_rechazado"
    assert browser.get("/planes", follow_redirects=False).status_code == 200  # still signed in


@pytest.mark.parametrize("headers", [{}, {"Origin": OWN_ORIGIN}, {"Sec-Fetch-Site": "same-origin"}])
def test_a_page_form_from_our_own_pages_goes_through(headers, browser):
    response = browser.post("/logout", data={"csrf_token": page_token(browser, "/planes")}, headers=headers,
                            follow_redirects=False)
    assert response.status_code == 303
    assert browser.get("/planes", follow_redirects=False).status_code in (302, 303, 307)  # signed out


def test_a_login_posted_from_another_site_is_refused(client, engine):
    """Login CSRF: another site must not sign the browser in to an account of its choosing."""
    response = client.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": page_token(client, "/login")},
                           headers={"Sec-Fetch-Site": "cross-site"}, follow_redirects=False)
    assert response.status_code == 403 and "kpt_sesion" not in response.headers.get("set-cookie", "")
