"""A planning office drives a plan from alistamiento to aprobado over HTTP; the council approves."""

from kpt_workflow.services.sample import DOCUMENTS_2024 as CYCLE_2024, INVESTMENT_PLAN, PDF, STEPS_2024, STRATEGIC_PART

API = "/api/v1"


def _file(client, headers, plan_id, doc_type, legal_date, number=None):  # type: ignore[no-untyped-def]
    data = {"doc_type": doc_type, "fecha": legal_date.isoformat()} | ({"numero": number} if number else {})
    return client.post(f"{API}/plans/{plan_id}/documents", headers=headers, data=data,
                       files={"file": (f"{doc_type}.pdf", PDF, "application/pdf")})


def test_planning_office_drives_a_plan_to_approval(client, as_user):
    office = as_user("planeacion")
    created = client.post(f"{API}/plans", headers=office, json={"entity_code": "05001", "period": 2024})
    assert created.status_code == 201, created.text
    plan_id = created.json()["id"]
    refused = client.post(f"{API}/plans/{plan_id}/transitions", headers=office,
                          json={"trigger": "iniciar_construccion", "fecha": "2024-01-20"})
    assert refused.status_code == 422 and refused.json()["code"] == "guard_failed"
    for doc_type, (legal_date, number) in CYCLE_2024.items():
        assert _file(client, office, plan_id, doc_type, legal_date, number).status_code == 201
    assert client.put(f"{API}/plans/{plan_id}/strategy?fecha=2024-02-10", headers=office,
                      json=STRATEGIC_PART).status_code == 200
    assert client.put(f"{API}/plans/{plan_id}/investments?fecha=2024-02-12", headers=office,
                      json=INVESTMENT_PLAN).status_code == 200
    for trigger, legal_date in STEPS_2024:
        step = client.post(f"{API}/plans/{plan_id}/transitions", headers=office,
                           json={"trigger": trigger, "fecha": legal_date.isoformat()})
        assert step.status_code == 200, step.text
    status = client.get(f"{API}/plans/{plan_id}", headers=office)
    assert status.json()["state"] == "discusion_corporaciones"
    assert status.headers["ETag"].removeprefix("W/") == f'"{status.json()["version"]}"'  # weak when gzipped
    council = as_user("corporacion")
    decided = client.post(f"{API}/plans/{plan_id}/council-decision", headers=council,
                          data={"decision": "aprobar", "fecha": "2024-05-20", "numero": "Acuerdo 05"},
                          files={"file": ("acuerdo.pdf", PDF, "application/pdf")})
    assert decided.status_code == 200, decided.text
    assert decided.json()["to"] == "aprobado"
    history = client.get(f"{API}/plans/{plan_id}/history", headers=council).json()
    assert history[1]["event_type"] == "transition_blocked" and history[-1]["action"] == "aprobar"
    assert client.get(f"{API}/audit/verify", headers=as_user("dnp")).json()["ok"]  # DNP and admin only


def test_planning_office_cannot_record_the_councils_approval(client, as_user, plan_in_council):
    response = client.post(f"{API}/plans/{plan_in_council}/transitions", headers=as_user("planeacion"),
                           json={"trigger": "aprobar", "fecha": "2024-05-20"})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_stale_if_match_is_a_conflict_and_writes_nothing(client, as_user, plan_in_council):
    office = as_user("planeacion")
    version = client.get(f"{API}/plans/{plan_in_council}", headers=office).json()["version"]
    response = client.post(f"{API}/plans/{plan_in_council}/transitions", headers={**office, "If-Match": f'"{version - 1}"'},
                           json={"trigger": "adoptar_por_decreto", "fecha": "2024-05-28"})
    assert response.status_code == 409 and response.json()["current_version"] == version
    assert client.get(f"{API}/plans/{plan_in_council}", headers=office).json()["version"] == version


def test_idempotent_retry_returns_the_first_response_and_writes_nothing(client, as_user, plan_to_return):
    council = {**as_user("corporacion"), "Idempotency-Key": "devolucion-1"}
    body = {"trigger": "devolver_para_ajustes", "fecha": "2024-05-10"}
    first = client.post(f"{API}/plans/{plan_to_return}/transitions", headers=council, json=body)
    again = client.post(f"{API}/plans/{plan_to_return}/transitions", headers=council, json=body)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    history = client.get(f"{API}/plans/{plan_to_return}/history", headers=council).json()
    assert [e["action"] for e in history].count("devolver_para_ajustes") == 1
    other = client.post(f"{API}/plans/{plan_to_return}/transitions", headers=council,
                        json={**body, "fecha": "2024-05-11"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


def test_a_refused_step_under_a_key_is_replayed_as_refused_and_recorded_once(client, as_user, new_plan):
    plan_id = new_plan("05001")
    office = {**as_user("planeacion"), "Idempotency-Key": "intento-1"}
    body = {"trigger": "iniciar_construccion", "fecha": "2024-01-20"}
    first = client.post(f"{API}/plans/{plan_id}/transitions", headers=office, json=body)
    again = client.post(f"{API}/plans/{plan_id}/transitions", headers=office, json=body)
    assert first.status_code == again.status_code == 422 and first.json()["code"] == "guard_failed"
    assert again.content == first.content and again.headers["Idempotent-Replayed"] == "true"
    history = client.get(f"{API}/plans/{plan_id}/history", headers=office).json()
    assert [e["event_type"] for e in history].count("transition_blocked") == 1


def test_a_replay_sends_the_very_bytes_of_the_first_answer(client, as_user, plan_to_return):
    council = {**as_user("corporacion"), "Idempotency-Key": "devolucion-bytes"}
    body = {"trigger": "devolver_para_ajustes", "fecha": "2024-05-10"}
    first = client.post(f"{API}/plans/{plan_to_return}/transitions", headers=council, json=body)
    again = client.post(f"{API}/plans/{plan_to_return}/transitions", headers=council, json=body)
    assert first.status_code == again.status_code == 200 and "Idempotent-Replayed" not in first.headers
    assert again.content == first.content and again.headers["content-type"] == first.headers["content-type"]


def test_requests_never_assign_state_or_version_fields(client, as_user):
    response = client.post(f"{API}/plans", headers=as_user("planeacion"),
                           json={"entity_code": "05001", "period": 2024, "state": "aprobado"})
    assert response.status_code == 422 and response.json()["code"] == "validation_error"
    assert "state" in response.json()["detail"]


def test_errors_are_spanish_json_with_a_code(client, as_user):
    assert client.get(f"{API}/plans").json() == {
        "code": "unauthorized", "detail": "Falta un token válido (Authorization: Bearer …) o una sesión iniciada."}
    missing = client.get(f"{API}/plans/99999-2024", headers=as_user("dnp"))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    bad_date = client.get(f"{API}/plans/05001-2024?hoy=ayer", headers=as_user("dnp"))
    assert bad_date.status_code in (404, 422) and set(bad_date.json()) >= {"code", "detail"}
