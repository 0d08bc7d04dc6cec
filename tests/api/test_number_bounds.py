"""Numbers through the API, on both databases: every value out of its domain is a 422 with a stable
code and a Spanish detail naming the field, nothing is written (the plan's version stays), and
the server still answers; "1e9999999" once hung the worker, 2^63 and Infinity were 500s."""

import copy
import json
import re
from html import unescape
from typing import Any

import pytest
from sqlmodel import select

from kpt_workflow.services.accounts import create_user
from kpt_workflow.services.sample import INVESTMENT_PLAN
from kpt_workflow.storage.tables import Plan, PlanInvestment
from kpt_workflow.storage.unit_of_work import UnitOfWork

API = "/api/v1"
ENGLISH = ("Input should", "Value error", "should be", "valid ", "Field required", "greater than", "less than")
OUT_OF_DOMAIN = [
    pytest.param("1e9999999", id="exponent-ten-million"), pytest.param("1e99999", id="exponent-hundred-thousand"),
    pytest.param(2**63, id="2^63"), pytest.param(10**15 + 1, id="10^15+1"), pytest.param(-1, id="negative"),
    pytest.param(1.5, id="float"), pytest.param("Infinity", id="Infinity-text"), pytest.param("NaN", id="NaN-text"),
    pytest.param(True, id="true"), pytest.param([], id="list"),
]
RAW_LITERALS = ["Infinity", "-Infinity", "NaN", "1e9999999", "9" * 5000]  # JSON Python's json reads (or refuses)


def spanish(detail: str) -> bool:
    return not any(word in detail for word in ENGLISH)


def version_of(engine, plan_id: str) -> int:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        return uow.session.get(Plan, plan_id).version


def amounts(uow: UnitOfWork, plan_id: str) -> list[int]:
    return list(uow.session.exec(select(PlanInvestment.amount).where(PlanInvestment.plan_id == plan_id)))


def investments(**change: Any) -> dict[str, Any]:
    plan = copy.deepcopy(INVESTMENT_PLAN)
    line_change = {k: v for k, v in change.items() if k != "total"}
    plan["lineas"][0].update(line_change)  # type: ignore[index]
    if "total" in change:
        plan["total"] = change["total"]
    return plan


@pytest.fixture
def plan_id(new_plan) -> str:  # type: ignore[no-untyped-def]
    return new_plan()


def refused(response, field: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] in ("validation_error", "invalid_input"), body
    assert field in body["detail"] and spanish(body["detail"]), body["detail"]
    return body


def still_answers(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"{API}/health").status_code == 200


@pytest.mark.parametrize("field", ["valor", "anio", "total"])
@pytest.mark.parametrize("value", OUT_OF_DOMAIN)
def test_a_number_out_of_its_domain_is_refused_in_spanish_and_nothing_is_stored(client, as_user, engine, plan_id,
                                                                                field, value):
    before = version_of(engine, plan_id)
    response = client.put(f"{API}/plans/{plan_id}/investments", json=investments(**{field: value}),
                          headers=as_user("planeacion"))
    refused(response, field)
    assert version_of(engine, plan_id) == before
    with UnitOfWork(engine) as uow:
        assert amounts(uow, plan_id) == []
    still_answers(client)


@pytest.mark.parametrize("literal", RAW_LITERALS)
def test_a_json_literal_beyond_any_domain_is_refused(client, as_user, engine, plan_id, literal):
    body = json.dumps(investments(valor=0)).replace('"valor": 0', f'"valor": {literal}', 1)
    response = client.put(f"{API}/plans/{plan_id}/investments", content=body,
                          headers={**as_user("planeacion"), "Content-Type": "application/json"})
    assert response.status_code in (400, 422), response.text
    assert spanish(response.json()["detail"])
    assert version_of(engine, plan_id) == 1
    still_answers(client)


@pytest.mark.parametrize("version", ["1e9999999", str(2**63), "0", "-1", "1.5", "²", "Infinity"])
def test_a_version_out_of_range_in_the_query_is_refused(client, as_user, engine, plan_id, version):
    response = client.put(f"{API}/plans/{plan_id}/investments", params={"version": version},
                          json=investments(), headers=as_user("planeacion"))
    refused(response, "version")
    assert version_of(engine, plan_id) == 1


@pytest.mark.parametrize("version", OUT_OF_DOMAIN + [pytest.param(0, id="zero")])
def test_a_version_out_of_range_in_the_body_is_refused(client, as_user, engine, plan_id, version):
    response = client.post(f"{API}/plans/{plan_id}/transitions", json={"trigger": "iniciar_construccion",
                                                                       "version": version},
                           headers=as_user("planeacion"))
    refused(response, "version")
    assert version_of(engine, plan_id) == 1
    still_answers(client)


@pytest.mark.parametrize("if_match", ['"²"', '"1³"', "²", "", '""', "1", '"1e9"', '"-1"', '"0"', f'"{"9" * 40}"',
                                      '"1", "2"', 'W/"1³"'])
def test_an_if_match_that_is_not_a_version_is_refused(client, as_user, engine, plan_id, if_match):
    # Starlette reads header bytes as Latin-1: b"\xb2" arrives as "²", which str.isdigit() passed.
    response = client.put(f"{API}/plans/{plan_id}/investments", json=investments(),
                          headers={**as_user("planeacion"), "If-Match": if_match.encode("latin-1")})
    refused(response, "If-Match")
    assert version_of(engine, plan_id) == 1
    still_answers(client)


@pytest.mark.parametrize("if_match", ["*", '"1"', 'W/"1"', ' "1" '])
def test_an_if_match_of_the_current_version_or_any_is_accepted(client, as_user, engine, plan_id, if_match):
    response = client.put(f"{API}/plans/{plan_id}/investments", json=investments(),
                          headers={**as_user("planeacion"), "If-Match": if_match})
    assert response.status_code == 200, response.text
    assert version_of(engine, plan_id) == 2


def test_an_if_match_of_another_version_is_a_conflict(client, as_user, engine, plan_id):
    response = client.put(f"{API}/plans/{plan_id}/investments", json=investments(),
                          headers={**as_user("planeacion"), "If-Match": '"3"'})
    assert response.status_code == 409 and response.json()["code"] == "plan_version_conflict"


@pytest.mark.parametrize("period", ["1e9999999", 2**63, 2**31, "²", 1.5, True])
def test_a_period_out_of_range_is_refused(client, as_user, period):
    response = client.post(f"{API}/plans", json={"entity_code": "05001", "period": period},
                           headers=as_user("planeacion"))
    refused(response, "period")


def test_the_largest_amount_is_stored_exactly(client, as_user, engine, plan_id):
    data = investments(valor=str(10**15), total=10**15)
    response = client.put(f"{API}/plans/{plan_id}/investments", json=data, headers=as_user("planeacion"))
    assert response.status_code == 200, response.text
    with UnitOfWork(engine) as uow:
        assert uow.session.get(Plan, plan_id).declared_investment_total == 10**15
        assert max(amounts(uow, plan_id)) == 10**15


@pytest.fixture
def signed_in_office(client, engine):  # type: ignore[no-untyped-def]
    """The client signed in on the pages as the own planning office; returns the form's CSRF token."""
    with UnitOfWork(engine, write=True) as uow:
        create_user(uow.session, username="oficina", role="planeacion", entity_code="05001", password="una clave larga")
        uow.commit()
    def csrf() -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]

    client.post("/login", data={"username": "oficina", "password": "una clave larga", "csrf_token": csrf()},
                follow_redirects=False)
    return csrf()  # signing in starts a new session, with a new token


@pytest.mark.parametrize("version", ["1e9999999", str(2**63), "²", "0"])
def test_a_page_form_with_a_version_out_of_range_gets_the_same_spanish_refusal(client, engine, plan_id,
                                                                               signed_in_office, version):
    """On the page the form was on, as a notice (the API answers the same refusal as JSON)."""
    response = client.post(f"/planes/{plan_id}/pasos", data={
        "trigger": "iniciar_construccion", "fecha": "2024-01-20", "version": version, "csrf_token": signed_in_office},
        follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, f"/planes/{plan_id}")
    notice = re.search(r'class="notice error"[^>]*>([^<]+)<', client.get(f"/planes/{plan_id}").text)
    assert notice is not None and "version" in notice[1] and spanish(unescape(notice[1])), notice
    assert version_of(engine, plan_id) == 1


@pytest.mark.parametrize("pagina", ["1e9999999", str(2**63), "0"])
def test_a_page_number_out_of_range_is_refused(client, signed_in_office, pagina):
    response = client.get("/planes", params={"pagina": pagina})
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/html")
    assert "pagina: " in unescape(response.text) and spanish(unescape(response.text))
