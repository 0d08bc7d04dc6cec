"""The diagnosis, associativity and products bank over HTTP and on their pages: every role reads
them; imports are the DNP's; a product goes into a plan only by its own planning office."""

import re

import pytest
from sqlalchemy import delete

from kpt_workflow.storage.tables import TerritoryIndicator

API = "/api/v1"
ROLES = ("planeacion", "corporacion", "departamento", "dnp", "admin")
NEW = "Tasa de prueba por HTTP"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_any_entity_s_diagnosis_associativity_and_the_bank(client, as_user, role):
    headers = as_user(role)
    diagnosis = client.get(f"{API}/entities/11001/diagnosis?anio=2024", headers=headers)
    assert diagnosis.status_code == 200 and diagnosis.json()["population"]["value"] > 7_000_000
    assert client.get(f"{API}/entities/05001/associativity?km=10", headers=headers).json()["neighbours"][0]["code"] == "05360"
    found = client.get(f"{API}/products", params={"q": "Alcantarillado"}, headers=headers).json()
    assert "4003018" in [p["code"] for p in found["products"]]


def test_medellin_s_diagnosis_over_http_shows_2024_population_and_especial(client, as_user):
    shown = client.get(f"{API}/entities/05001/diagnosis?anio=2024", headers=as_user("dnp")).json()
    assert shown["population"]["value"] == 2_616_335 and shown["categories"]["years"][-1]["category"] == "Especial"
    assert shown["population"]["department"] and shown["population"]["nation"]


def test_unknown_entity_and_bad_query_are_spanish_json_errors(client, as_user):
    missing = client.get(f"{API}/entities/99999/diagnosis", headers=as_user("dnp"))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    far = client.get(f"{API}/entities/05001/associativity?km=5000", headers=as_user("dnp"))
    assert far.status_code == 422


def test_indicator_import_is_the_dnp_s_and_refusals_name_the_line(client, as_user, engine):
    csv_text = f"entidad,indicador,anio,valor,unidad,fuente\n05001,{NEW},2023,7.5,%,Prueba\n"
    try:
        office = client.post(f"{API}/territory-indicators", headers=as_user("planeacion"),
                             files={"file": ("t.csv", csv_text.encode(), "text/csv")})
        assert office.status_code == 403 and office.json()["code"] == "forbidden"
        bad = client.post(f"{API}/territory-indicators", headers=as_user("dnp"),
                          files={"file": ("t.csv", (csv_text + f"05001,{NEW},2024,siete,%,P\n").encode(), "text/csv")})
        assert bad.status_code == 422 and bad.json()["code"] == "valor_no_numerico" and bad.json()["line"] == 3
        done = client.post(f"{API}/territory-indicators", headers=as_user("dnp"),
                           files={"file": ("t.csv", csv_text.encode(), "text/csv")})
        assert done.status_code == 200 and done.json()["added"] == 1
        shown = client.get(f"{API}/entities/05001/diagnosis", headers=as_user("corporacion")).json()
        assert any(r["indicator"] == NEW and r["value"] == 7.5 for r in shown["indicators"])
    finally:
        with engine.begin() as conn:
            conn.execute(delete(TerritoryIndicator.__table__).where(TerritoryIndicator.__table__.c.indicator == NEW))


def test_a_product_goes_into_a_plan_only_through_its_own_planning_office(client, as_user, new_plan):
    plan_id = new_plan("05001")
    body = {"producto": "4003018", "eje": "Agua y saneamiento", "fecha": "2024-02-10", "meta_cuatrienio": "3"}
    assert client.post(f"{API}/plans/{plan_id}/products", headers=as_user("planeacion", "foreign"),
                       json=body).status_code == 404
    assert client.post(f"{API}/plans/{plan_id}/products", headers=as_user("corporacion"), json=body).status_code == 403
    added = client.post(f"{API}/plans/{plan_id}/products", headers=as_user("planeacion"), json=body)
    assert added.status_code == 200, added.text
    strategy = client.get(f"{API}/plans/{plan_id}/strategy", headers=as_user("planeacion")).json()
    assert strategy[0]["goals"][0]["product_code"] == "4003018"


def test_the_pages_show_the_diagnosis_the_bank_and_associativity(client, with_password, log_in, new_plan):
    new_plan("05001")
    with_password("ofi", "planeacion", "05001")
    assert log_in(client, "ofi").status_code == 303
    page = client.get("/entidades/05001/diagnostico?anio=2024")
    assert page.status_code == 200 and "2.616.335" in page.text and "Especial" in page.text
    assert "<svg" in page.text and "Índice de pobreza multidimensional" in page.text
    assert client.get("/diagnostico", follow_redirects=False).headers["location"] == "/entidades/05001/diagnostico"
    bank = client.get("/productos", params={"q": "alcantarillado"})
    assert "4003018 · Alcantarillados construidos" in bank.text and "Agregar al plan 05001-2024" in bank.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', bank.text).group(1)
    version = re.search(r'name="version" value="(\d+)"', bank.text).group(1)
    added = client.post("/productos/agregar", data={
        "csrf_token": csrf, "plan": "05001-2024", "producto": "4003018", "version": version, "fecha": "2024-02-10",
        "indicador": "400301801", "eje": "Agua", "q": "alcantarillado"}, follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == "/planes/05001-2024#estrategia"
    assert "producto MGA 4003018" in client.get("/planes/05001-2024").text
    associativity = client.get("/entidades/05001/asociatividad?km=12")
    assert "ITAGÜÍ" in associativity.text and "Ley 1454 de 2011" in associativity.text
