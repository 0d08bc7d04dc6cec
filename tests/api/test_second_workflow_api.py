"""A second workflow declared in KPT_DEFINITIONS_DIR, driven over HTTP with no code change: listed,
created beside the PDT, refused and advanced, shown by the pages, and kept out of the PDTs' report."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from kpt_workflow.base.config import Settings
from kpt_workflow.services.sample import PDF

API = "/api/v1"
PLAN = "05001-2024-tramite_corto"


@pytest.fixture
def app(engine: Engine, tmp_path: Path, second_workflow: Path):  # type: ignore[no-untyped-def]
    """The app of tests/api/conftest.py, configured with the second workflow's folder."""
    return create_app(Settings(database_url=engine.url.render_as_string(hide_password=False),
                               data_dir=tmp_path / "data", definitions_dir=second_workflow))


def _file(client: TestClient, headers: dict[str, str], doc_type: str, legal_date: str) -> None:
    filed = client.post(f"{API}/plans/{PLAN}/documents", headers=headers, data={"doc_type": doc_type, "fecha": legal_date},
                        files={"file": (f"{doc_type}.pdf", PDF, "application/pdf")})
    assert filed.status_code == 201, filed.text


def _step(client: TestClient, headers: dict[str, str], trigger: str, legal_date: str) -> dict:  # type: ignore[type-arg]
    return client.post(f"{API}/plans/{PLAN}/transitions", headers=headers,
                       json={"trigger": trigger, "fecha": legal_date}).json()


def test_a_declared_workflow_is_driven_over_the_api_to_its_end(client, as_user):
    office = as_user("planeacion")
    listed = client.get(f"{API}/workflows", headers=office).json()
    assert [(w["name"], w["default"]) for w in listed] == [("pdt", True), ("tramite_corto", False)]
    body = {"entity_code": "05001", "period": 2024, "fecha": "2024-01-02"}
    assert client.post(f"{API}/plans", headers=office, json=body).json()["id"] == "05001-2024"
    created = client.post(f"{API}/plans", headers=office, json={**body, "flujo": "tramite_corto"})
    assert created.status_code == 201 and created.json()["id"] == PLAN and created.json()["state"] == "borrador"
    unknown = client.post(f"{API}/plans", headers=office, json={**body, "flujo": "inventado"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "invalid_input"
    assert "los que hay: pdt, tramite_corto" in unknown.json()["detail"]

    refused = _step(client, office, "enviar_a_revision", "2024-01-20")
    assert refused["code"] == "guard_failed" and refused["checklist"][0]["rule"] == "documento_programa_gobierno"
    _file(client, office, "programa_gobierno", "2024-01-15")
    assert _step(client, office, "enviar_a_revision", "2024-01-20")["to"] == "en_revision"
    _file(client, office, "acta_informe_gestion", "2024-01-25")
    assert _step(client, office, "cerrar", "2024-02-01")["to"] == "cerrado"
    plan = client.get(f"{API}/plans/{PLAN}", headers=office)
    assert plan.json()["state_label"] == "Cerrado"
    assert plan.headers["ETag"].removeprefix("W/") == f'"{plan.json()["version"]}"'  # weak when gzipped
    actions = [e["action"] for e in client.get(f"{API}/plans/{PLAN}/history", headers=office).json()]
    assert actions[0] == "crear_plan" and actions[-1] == "cerrar"
    assert client.get(f"{API}/audit/verify", headers=as_user("dnp")).json()["ok"]

    report = client.get(f"{API}/reports/bottlenecks", params={"as_of": "2024-03-01"}, headers=as_user("dnp")).json()
    assert [r["id"] for r in report["plan_rows"]] == ["05001-2024"]  # the PDTs only
    report = client.get(f"{API}/reports/bottlenecks", params={"as_of": "2024-03-01", "flujo": "tramite_corto"},
                        headers=as_user("dnp")).json()
    assert [(r["id"], r["state_label"]) for r in report["plan_rows"]] == [(PLAN, "Cerrado")]


def test_the_pages_show_a_declared_workflows_plan_and_lifecycle(client, as_user, with_password, log_in):
    office = as_user("planeacion")
    client.post(f"{API}/plans", headers=office, json={"entity_code": "05001", "period": 2024, "flujo": "tramite_corto",
                                                      "fecha": "2024-01-02"})
    _file(client, office, "programa_gobierno", "2024-01-15")
    with_password("ana", role="planeacion", entity="05001")
    assert log_in(client, "ana").status_code == 303
    page = client.get(f"/planes/{PLAN}")
    assert page.status_code == 200
    assert "Trámite corto de prueba (versión 1 del flujo)" in page.text and "Enviar a revisión" in page.text
    assert 'name="trigger" value="enviar_a_revision"' in page.text  # the office may take the step
    listing = client.get("/planes")
    assert listing.status_code == 200 and f'href="/planes/{PLAN}"' in listing.text and "<td>Borrador</td>" in listing.text
    lifecycle = client.get("/ciclo", params={"flujo": "tramite_corto"})
    assert lifecycle.status_code == 200 and "Ciclo de vida: Trámite corto de prueba" in lifecycle.text
    read = lifecycle.text.split("</header>")[1].split("<details>")[0]  # the Mermaid text below is for machines
    assert "tramite_corto" not in read.replace('href="/ciclo?flujo=', "")  # words, not codes
    assert 'href="/ciclo?flujo=pdt"' in lifecycle.text
