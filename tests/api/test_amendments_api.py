"""The admin API of legal amendments: only an administrator records or reads them; bad input is a
Spanish 4xx with a stable code, never a 500."""

BODY = {"norma": "Ley 9999 de 2024", "articulo": "art. 2", "fecha_norma": "2024-03-01", "periodos": [2024],
        "alcance": "departamento", "valores": ["05"], "plazo": "radicacion_corporacion", "nueva_fecha": "2024-05-31"}


def test_an_administrator_records_and_lists_amendments(client, as_user):
    made = client.post("/api/v1/amendments", json=BODY, headers=as_user("admin"))
    assert made.status_code == 201 and made.json()["basis"] == "Ley 9999 de 2024, art. 2"
    listed = client.get("/api/v1/amendments", headers=as_user("admin")).json()
    assert [a["norm"] for a in listed][-1] == "Ley 9999 de 2024" and len(listed) == 3  # after DL 683's two
    again = client.post("/api/v1/amendments", json=BODY, headers=as_user("admin"))
    assert again.status_code == 409 and again.json()["code"] == "already_exists"


def test_no_other_role_records_or_reads_amendments(client, as_user):
    for role in ("planeacion", "corporacion", "departamento", "dnp"):
        refused = client.post("/api/v1/amendments", json=BODY, headers=as_user(role))
        assert refused.status_code == 403 and "enmiendas" in refused.json()["detail"]
        assert client.get("/api/v1/amendments", headers=as_user(role)).status_code == 403


def test_bad_amendments_are_spanish_4xx_with_stable_codes(client, as_user):
    cases = [({"plazo": "no_existe"}, "enmienda_plazo_desconocido"),
             ({"desde_acto": "radicado_corporacion", "meses": 1}, "enmienda_fecha_o_termino"),
             ({"nueva_fecha": None, "desde_acto": "no_existe", "meses": 1}, "enmienda_acto_desconocido"),
             ({"periodos": [2026]}, "enmienda_periodo_invalido"),
             ({"valores": ["98"]}, "enmienda_valor_desconocido")]
    for changes, code in cases:
        answer = client.post("/api/v1/amendments", json={**BODY, **changes}, headers=as_user("admin"))
        assert answer.status_code == 422 and answer.json()["code"] == code, answer.json()
    assert client.post("/api/v1/amendments", json={**BODY, "meses": 0}, headers=as_user("admin")).status_code == 422
