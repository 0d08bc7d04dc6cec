"""The pages anyone reads without login: an entity's plans (/publico) and the open data
(/datos-abiertos). No cookie for an anonymous visitor; never a user, an internal note or a draft;
the files' rows are the plans' own statuses, computed once per chain head."""

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from kpt_workflow.base.config import Settings
from kpt_workflow.law import calendar
from kpt_workflow.reports import open_data as open_data_files
from kpt_workflow.services import open_data, views
from kpt_workflow.services.access import operator
from kpt_workflow.services.sample import PDF
from kpt_workflow.storage.unit_of_work import UnitOfWork

ACUERDO = ("acto_aprobacion", date(2024, 5, 20), "Acuerdo 05")
PUBLIC_PATHS = ("/publico", "/publico/05001", "/publico/99999", "/publico?codigo=abc", "/datos-abiertos",
                "/datos-abiertos/planes.csv", "/datos-abiertos/planes.json", "/datos-abiertos/diccionario.json")


@pytest.fixture
def approved(plan_in_council, decide) -> str:  # type: ignore[no-untyped-def]
    """Medellín's 2024 plan, approved by its concejo (Acuerdo 05 of 20 May 2024)."""
    decide(plan_in_council, "aprobar", ACUERDO[1], number=ACUERDO[2])
    return plan_in_council


def csv_rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # UTF-8 with BOM, as the dashboard's CSV: Excel reads the accents
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def test_an_anonymous_visitor_gets_no_cookie(client, approved):
    for path in (*PUBLIC_PATHS, f"/publico/05001/documentos/{approved}/acto_aprobacion/1"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code in (200, 303, 404, 422), (path, response.status_code)
        assert "set-cookie" not in response.headers, path
    assert not client.cookies


def test_the_public_page_shows_state_terms_and_the_adopted_plan(client, approved):
    page = client.get("/publico/05001")
    assert page.status_code == 200
    text = page.text
    assert "MEDELLÍN" in text and "Plan de Desarrollo Territorial 2024–2027" in text and "Aprobado" in text
    assert "Radicar el proyecto ante el Consejo Territorial de Planeación" in text and "Ley 152 de 1994, art. 39" in text
    assert "29 de febrero de 2024" in text  # Colombian dates
    for shown in ("Acuerdo que adopta el plan", "n.º Acuerdo 05", "20 de mayo de 2024", "Diagnóstico territorial",
                  "Parte estratégica", "Concepto del Consejo Territorial de Planeación"):
        assert shown in text, shown
    for internal in ("Acta del Consejo de Gobierno", "Formato de empalme", "Radicado del proyecto ante",
                     "Acto que designa el equipo formulador"):
        assert internal not in text, internal
    download = client.get(f"/publico/05001/documentos/{approved}/acto_aprobacion/1")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment")
    assert client.get(f"/publico/05001/documentos/{approved}/acta_consejo_gobierno/1").status_code == 404
    assert client.get(f"/publico/11001/documentos/{approved}/acto_aprobacion/1").status_code == 404  # not its plan


def test_the_plan_document_is_a_draft_until_the_act_that_adopts_it(client, plan_in_council):
    text = client.get("/publico/05001").text
    assert "Discusión con corporaciones" in text and "Concepto del Consejo Territorial de Planeación" in text
    assert "Diagnóstico territorial" not in text and "Parte estratégica" not in text
    assert client.get(f"/publico/05001/documentos/{plan_in_council}/diagnostico/1").status_code == 404


def test_the_public_page_never_shows_users_or_internal_notes(client, as_user, new_plan, file_doc):
    plan_id = new_plan()
    file_doc(plan_id, "programa_gobierno", note="NOTA-INTERNA-123")
    filed = client.post(f"/api/v1/plans/{plan_id}/documents", headers=as_user("planeacion"),
                        data={"doc_type": "diagnostico_infancia", "fecha": "2024-02-05"},
                        files={"file": ("d.pdf", PDF, "application/pdf")})
    assert filed.status_code == 201
    client.post(f"/api/v1/plans/{plan_id}/transitions", headers=as_user("planeacion"),
                json={"trigger": "iniciar_construccion", "fecha": "2024-01-20"})  # refused: it stays internal
    text = client.get("/publico/05001").text
    assert "Programa de gobierno inscrito" in text
    for hidden in ("NOTA-INTERNA-123", "planeacion-own", "rechazad", "Intento"):
        assert hidden not in text, hidden


def test_the_public_page_is_cacheable_until_something_is_filed(client, new_plan, file_doc):
    plan_id = new_plan()
    first = client.get("/publico/05001")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=300"
    again = client.get("/publico/05001", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"].removeprefix("W/") == etag.removeprefix("W/") and not again.content
    file_doc(plan_id, "programa_gobierno")
    changed = client.get("/publico/05001", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_an_entity_without_a_plan_of_its_own_names_the_one_that_covers_it(client):
    text = client.get("/publico/91263").text  # El Encanto, área no municipalizada of Amazonas
    assert "no formula un plan propio" in text and 'href="/publico/91"' in text
    assert client.get("/publico/99999").status_code == 404


def test_the_lookup_form_goes_to_the_entitys_page(client):
    found = client.get("/publico", params={"codigo": "05001"}, follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"] == "/publico/05001"
    refused = client.get("/publico", params={"codigo": "../login"}, follow_redirects=False)
    assert refused.status_code == 422 and "no es un código DIVIPOLA" in refused.text


def test_open_data_has_one_row_per_plan_with_its_statuses_terms(client, engine, approved, new_plan, file_doc):
    late = new_plan("11001")
    file_doc(late, "radicado_ctp", date(2024, 3, 5), "CTP-77")  # four working days after its term
    rows = {row["plan"]: row for row in csv_rows(client.get("/datos-abiertos/planes.csv"))}
    assert set(rows) == {approved, late}
    today = calendar.today_in_colombia()
    for plan_id, row in rows.items():
        with UnitOfWork(engine) as uow:
            status = views.status(uow, operator("test"), plan_id, today)
        assert (row["estado"], row["estado_nombre"], row["fecha_corte"]) == (status["state"], status["state_label"],
                                                                             today.isoformat())
        for term in status["deadlines"]:
            assert row[f"{term['code']}_fecha_limite"] == (term["date"] or "")
            assert row[f"{term['code']}_cumplido_el"] == (term["met_on"] or "")
            assert row[f"{term['code']}_dias_retraso"] == str(term["days_late"] or "")
    assert (rows[late]["radicacion_ctp_dias_retraso"], rows[late]["radicacion_ctp_cumplido_el"]) == ("5", "2024-03-05")
    assert rows[approved]["terminado"] == "sí" and rows[late]["terminado"] == "no"
    assert int(rows[late]["plazos_vencidos_entidad"]) >= 1 and rows[approved]["datos_sinteticos"] == "no"


def test_csv_and_json_carry_the_same_rows_and_the_dictionary_describes_every_column(client, approved, new_plan):
    new_plan("11001")
    csv_read = csv_rows(client.get("/datos-abiertos/planes.csv"))
    json_read = client.get("/datos-abiertos/planes.json").json()
    dictionary = client.get("/datos-abiertos/diccionario.json").json()
    keys = [c["nombre"] for c in dictionary["columnas"]]
    assert list(csv_read[0]) == keys and all(list(row) == keys for row in json_read["planes"])
    assert all(c["etiqueta"] and c["descripcion"] and c["tipo"] for c in dictionary["columnas"])
    assert json_read["metadatos"]["planes"] == len(csv_read) == 2
    cell = {True: "sí", False: "no", None: ""}
    for as_csv, as_json in zip(csv_read, json_read["planes"]):
        assert as_csv == {k: cell[v] if v is None or isinstance(v, bool) else str(v) for k, v in as_json.items()}
    page = client.get("/datos-abiertos").text
    assert all(f"<code>{key}</code>" in page for key in keys)


def test_the_files_are_computed_once_per_chain_head(client, new_plan, file_doc, monkeypatch):
    plan_id = new_plan()
    computed: list[date] = []
    real = open_data.many_plan_terms

    def counted(conn, day, *rest):  # type: ignore[no-untyped-def]
        computed.append(day)
        return real(conn, day, *rest)

    monkeypatch.setattr(open_data, "many_plan_terms", counted)
    first = client.get("/datos-abiertos/planes.csv")
    assert client.get("/datos-abiertos/planes.json").status_code == 200
    assert len(computed) == 1  # the JSON came from the same computation
    assert client.get("/datos-abiertos/planes.csv", headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    file_doc(plan_id, "radicado_ctp", date(2024, 2, 27), "CTP-1")
    second = client.get("/datos-abiertos/planes.csv")
    assert len(computed) == 2 and second.headers["etag"] != first.headers["etag"]
    assert csv_rows(second)[0]["radicacion_ctp_cumplido_el"] == "2024-02-27"
    assert second.headers["content-disposition"] == (
        f'attachment; filename="planes-{calendar.today_in_colombia().isoformat()}.csv"')


def test_synthetic_data_says_so_in_every_public_view(client, new_plan, synthetic):
    new_plan()
    assert "Datos SINTÉTICOS" in client.get("/publico/05001").text
    assert csv_rows(client.get("/datos-abiertos/planes.csv"))[0]["datos_sinteticos"] == "sí"
    assert client.get("/datos-abiertos/planes.json").json()["metadatos"]["datos_sinteticos"] is True


def test_each_address_is_rate_limited_on_the_public_pages(engine, tmp_path: Path):
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False), data_dir=tmp_path / "data",
                        public_requests_per_minute=2)
    with TestClient(create_app(settings)) as client:
        assert [client.get("/publico/05001").status_code for _ in range(2)] == [200, 200]
        refused = client.get("/datos-abiertos/planes.csv")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert "set-cookie" not in refused.headers and "Demasiadas consultas" in refused.text


def test_the_dictionary_follows_the_definitions_terms():
    keys = [c.key for c in open_data_files.columns()]
    assert "decision_corporacion_fecha_limite" in keys and keys.index("plan") == 0
    assert len(keys) == len(set(keys))
    assert json.loads(json.dumps(open_data_files.dictionary()))["columnas"][0]["nombre"] == "plan"
