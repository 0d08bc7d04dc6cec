"""The council's outcomes through the API and the pages (#24, point 1): the council-decision route
takes the reasons and the modifications; the council's report offers one form per decision with
only the fields it records, and shows each outcome with its act, its texts and its basis."""

import re
from html import unescape

from fastapi.testclient import TestClient

from kpt_workflow.services.sample import PDF

API = "/api/v1"
ACT = {"file": ("acto.pdf", PDF, "application/pdf")}
CHANGES = "Se agrega el programa 4102 con metas de primera infancia."
REASONS = "El plan plurianual no cuadra con el diagnóstico de infancia."


def _visible(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_approval_with_modifications_through_the_api(client, as_user, plan_in_council):
    council, office = as_user("corporacion"), as_user("planeacion")
    decision = f"{API}/plans/{plan_in_council}/council-decision"
    form = {"decision": "aprobar_con_modificaciones", "fecha": "2024-05-20", "numero": "Acuerdo 05"}
    unexplained = client.post(decision, headers=council, data=form, files=ACT)
    assert (unexplained.status_code, unexplained.json()["field"]) == (422, "modificaciones")
    refused = client.post(decision, headers=council, data={**form, "modificaciones": CHANGES}, files=ACT)
    assert refused.status_code == 422 and refused.json()["code"] == "guard_failed"
    assert [c["rule"] for c in refused.json()["checklist"] if not c["passed"]] == ["aceptacion_previa_modificaciones"]
    by_council = client.post(f"{API}/plans/{plan_in_council}/documents", headers=council, files=ACT,
                             data={"doc_type": "aceptacion_modificaciones", "fecha": "2024-05-15"})
    assert by_council.status_code == 403  # the executive's acceptance is the planning office's filing
    filed = client.post(f"{API}/plans/{plan_in_council}/documents", headers=office, files=ACT,
                        data={"doc_type": "aceptacion_modificaciones", "fecha": "2024-05-15"})
    assert filed.status_code == 201, filed.text
    assert client.post(decision, headers=office, data={**form, "modificaciones": CHANGES},
                       files=ACT).status_code == 403  # the office does not decide for the council
    approved = client.post(decision, headers=council, data={**form, "modificaciones": CHANGES}, files=ACT)
    assert approved.status_code == 200, approved.text
    assert approved.json()["to"] == "aprobado" and approved.json()["decision"]["modifications"] == CHANGES
    history = client.get(f"{API}/plans/{plan_in_council}/history", headers=council).json()
    assert [e["payload"]["decision"]["modifications"] for e in history if "decision" in e["payload"]] == [CHANGES] * 2
    assert client.get(f"{API}/audit/verify", headers=as_user("dnp")).json()["ok"]


def test_denial_and_decree_through_the_api(client, as_user, plan_in_council):
    council, office = as_user("corporacion"), as_user("planeacion")
    denied = client.post(f"{API}/plans/{plan_in_council}/council-decision", headers=council, files=ACT, data={
        "decision": "negar", "fecha": "2024-05-10", "numero": "Acta 30", "motivo": REASONS})
    assert denied.status_code == 200 and denied.json()["to"] == "negado"
    client.post(f"{API}/plans/{plan_in_council}/documents", headers=office, files=ACT,
                data={"doc_type": "decreto_adopcion", "fecha": "2024-05-13", "numero": "Decreto 100"})
    by_council = client.post(f"{API}/plans/{plan_in_council}/transitions", headers=council,
                             json={"trigger": "adoptar_por_decreto", "fecha": "2024-05-13"})
    assert by_council.status_code == 403  # the decree is the executive's
    adopted = client.post(f"{API}/plans/{plan_in_council}/transitions", headers=office,
                          json={"trigger": "adoptar_por_decreto", "fecha": "2024-05-13"})
    assert adopted.status_code == 200 and adopted.json()["to"] == "adoptado_por_decreto"
    assert any("Concepto 2127 de 2013" in line for line in adopted.json()["basis"])


def test_the_report_page_offers_each_decision_with_its_own_fields_and_shows_the_outcomes(
        app, plan_in_council, with_password, log_in):
    with_password("concejo", role="corporacion", entity="05001")
    with TestClient(app) as council:
        assert log_in(council, "concejo").status_code == 303
        report = council.get(f"/planes/{plan_in_council}/informe?hoy=2024-05-12").text
        forms = {name: form for form in re.findall(r"<form[^>]*/decision\".*?</form>", report, re.S)
                 for name in re.findall(r'name="decision" value="([^"]+)"', form)}
        assert sorted(forms) == ["aprobar", "aprobar_con_modificaciones", "devolver", "negar"]
        fields = {name: set(re.findall(r'name="(numero|motivo|modificaciones|file|fecha)"', form))
                  for name, form in forms.items()}
        assert fields == {"aprobar": {"fecha", "numero", "file"},
                          "aprobar_con_modificaciones": {"fecha", "numero", "file", "modificaciones"},
                          "devolver": {"fecha", "numero", "file", "motivo"},
                          "negar": {"fecha", "numero", "file", "motivo"}}
        assert "Falta la aceptación previa y por escrito del alcalde" in unescape(forms["aprobar_con_modificaciones"])
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', report)
        assert csrf is not None
        version = re.search(r'name="version" value="(\d+)"', report)
        assert version is not None
        posted = council.post(f"/planes/{plan_in_council}/decision", follow_redirects=False, files=ACT, data={
            "decision": "devolver", "fecha": "2024-05-10", "numero": "Acta 21", "motivo": REASONS,
            "version": version.group(1), "csrf_token": csrf.group(1)})
        assert posted.status_code == 303
        shown = _visible(council.get(f"/planes/{plan_in_council}/informe?hoy=2024-05-12").text)
        assert "Decisión registrada: el plan pasó a «Trámite ambiental y de planeación»" in shown
        assert "Decisión: Devolver para ajustes" in shown and f"Motivos: {REASONS}" in shown
        assert ("Acta de la sesión en que el concejo devolvió el proyecto para ajustes: n.º Acta 21 del 10 de mayo de 2024"
                in shown)
        page = _visible(council.get(f"/planes/{plan_in_council}").text)
        assert "Paso «La corporación devuelve el proyecto para ajustes»" in page and f"Motivos: {REASONS}" in page
        pdf = council.get(f"/planes/{plan_in_council}/informe.pdf?hoy=2024-05-12")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
