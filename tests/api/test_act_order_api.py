"""An act that contradicts one on file is a conflict over HTTP too: 409, its stable code, the
Spanish reason with its legal basis, and nothing of the file stored."""

from datetime import date

from kpt_workflow.services.sample import PDF

API = "/api/v1"


def test_a_radicado_dated_after_its_concept_is_a_409_naming_both(client, as_user, new_plan, file_doc):
    plan_id = new_plan("05001")
    file_doc(plan_id, "concepto_ctp", legal_date=date(2024, 3, 20))
    response = client.post(f"{API}/plans/{plan_id}/documents", headers=as_user("planeacion"),
                           data={"doc_type": "radicado_ctp", "fecha": "2024-03-25", "numero": "R-1"},
                           files={"file": ("radicado.pdf", PDF, "application/pdf")})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "actos_fuera_de_orden"
    assert "«Concepto del Consejo Territorial de Planeación» (20 de marzo de 2024) no puede ser anterior" in body["detail"]
    listed = client.get(f"{API}/plans/{plan_id}/documents", headers=as_user("planeacion")).json()
    assert [row["doc_type"] for row in listed] == ["concepto_ctp"]
