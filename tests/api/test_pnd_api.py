"""The articulation with the PND over HTTP, on its pages and on the command line: tags go in with
the parte estratégica by the entity's planning office; every role that sees the plan reads its
alignment; the national view has the dashboard's readers and scope; `kpt plan pnd` and `kpt pnd
report` print the same figures, with --json."""

import json

from kpt_workflow.services.sample import INVESTMENT_PLAN, STRATEGIC_PART

API = "/api/v1"


def _tagged_part() -> dict:
    part = json.loads(json.dumps(STRATEGIC_PART))
    part["ejes"][0]["programas"][0]["pnd"] = ["seguridad_humana", "paz_total"]
    return part


def _record(client, headers, plan_id: str) -> None:
    done = client.put(f"{API}/plans/{plan_id}/strategy?fecha=2024-02-10", json=_tagged_part(), headers=headers)
    assert done.status_code == 200, done.text
    done = client.put(f"{API}/plans/{plan_id}/investments?fecha=2024-02-12", json=INVESTMENT_PLAN, headers=headers)
    assert done.status_code == 200, done.text


def test_tags_go_in_with_the_strategy_and_every_role_that_sees_the_plan_reads_the_alignment(client, as_user, new_plan):
    plan_id = new_plan("05001")
    refused = client.put(f"{API}/plans/{plan_id}/strategy?fecha=2024-02-10", json=_tagged_part(),
                         headers=as_user("corporacion"))
    assert refused.status_code == 403
    bad = json.loads(json.dumps(STRATEGIC_PART))
    bad["ejes"][0]["programas"][0]["pnd"] = ["agua"]
    unknown = client.put(f"{API}/plans/{plan_id}/strategy?fecha=2024-02-10", json=bad, headers=as_user("planeacion"))
    assert unknown.status_code == 422 and "no está en el catálogo vigente" in unknown.json()["detail"]
    _record(client, as_user("planeacion"), plan_id)
    for role in ("planeacion", "corporacion", "departamento", "dnp", "admin"):
        shown = client.get(f"{API}/plans/{plan_id}/pnd", headers=as_user(role))
        assert shown.status_code == 200, role
        lines = {line["code"]: line["total"] for line in shown.json()["lines"]}
        assert lines["seguridad_humana"] == lines["paz_total"] == 6_000_000_000
        assert shown.json()["untagged_total"] == 6_000_000_000
    assert client.get(f"{API}/plans/{plan_id}/pnd", headers=as_user("planeacion", "foreign")).status_code == 404


def test_the_national_view_is_the_dashboards_readers_and_a_department_sees_its_own(client, as_user, new_plan):
    medellin, bogota = new_plan("05001"), new_plan("11001")
    _record(client, as_user("planeacion"), medellin)
    _record(client, as_user("planeacion", "foreign"), bogota)
    country = client.get(f"{API}/reports/pnd?period=2024", headers=as_user("dnp")).json()
    line = {entry["code"]: entry for entry in country["lines"]}["paz_total"]
    assert (line["amount"], line["plans"], country["plans"], country["total"]) == (12_000_000_000, 2, 2, 24_000_000_000)
    antioquia = client.get(f"{API}/reports/pnd?period=2024&department=25", headers=as_user("departamento")).json()
    assert antioquia["filters"]["department_code"] == "05" and antioquia["total"] == 12_000_000_000
    for role in ("planeacion", "corporacion"):
        assert client.get(f"{API}/reports/pnd", headers=as_user(role)).status_code == 403


def test_the_pages_show_the_lines_the_money_and_the_counting_rule(client, as_user, new_plan, page_of):
    plan_id = new_plan("05001")
    _record(client, as_user("planeacion"), plan_id)
    council = page_of("concejal", "corporacion")
    page = council.get(f"/planes/{plan_id}/pnd")
    assert page.status_code == 200
    assert "Seguridad humana y justicia social" in page.text and "Sin línea del PND" in page.text
    assert "$6.000.000.000" in page.text and "cuenta su inversión completa en cada una" in page.text
    assert f'href="/planes/{plan_id}/pnd"' in council.get(f"/planes/{plan_id}").text
    national = page_of("gobernacion", "departamento").get("/tablero/pnd?periodo=2024")
    assert national.status_code == 200 and "Paz total" in national.text and "$12.000.000.000" in national.text
    assert "ANTIOQUIA" in national.text


def test_the_cli_prints_the_alignment_and_the_national_view_with_json(engine, new_plan, kpt_on, record_strategy):
    from kpt_workflow import services
    from kpt_workflow.services.access import operator
    from kpt_workflow.storage.unit_of_work import UnitOfWork
    plan_id = new_plan("05001")
    with UnitOfWork(engine, write=True) as uow:
        services.record_strategic_part(uow, plan_id=plan_id, data=_tagged_part(), actor=operator("t"))
    with UnitOfWork(engine, write=True) as uow:
        services.record_investment_plan(uow, plan_id=plan_id, data=INVESTMENT_PLAN, actor=operator("t"))
    url = engine.url.render_as_string(hide_password=False)
    code, out = kpt_on(url, "plan", "pnd", plan_id, "--json")
    assert code == 0 and json.loads(out)["untagged_total"] == 6_000_000_000
    code, out = kpt_on(url, "plan", "pnd", plan_id)
    assert code == 0 and "Paz total: $6.000.000.000" in out and "sin línea del PND" in out
    code, out = kpt_on(url, "pnd", "report", "--periodo", "2024", "--json")
    assert code == 0 and json.loads(out)["total"] == 12_000_000_000
    code, out = kpt_on(url, "pnd", "report", "--periodo", "2024")
    assert code == 0 and "Seguridad humana y justicia social: $6.000.000.000 en 1 plan" in out
    code, out = kpt_on(url, "plan", "pnd", "99999-2024")
    assert code != 0 and "Traceback" not in out


def test_the_cli_imports_the_next_pnd_only_for_the_dnp_and_refuses_a_bad_file_in_spanish(engine, kpt_on, tmp_path):
    url = engine.url.render_as_string(hide_password=False)
    bad = tmp_path / "pnd.yaml"
    bad.write_text("nombre: X\nfundamento: Y\nlineas:\n  - {codigo: A, tipo: transformacion, nombre: A, "
                   "fundamento: L}\n", encoding="utf-8")
    code, out = kpt_on(url, "pnd", "import", str(bad), "--simular")
    assert code == 1 and "pnd.yaml: lineas[0].codigo" in out
    good = tmp_path / "pnd2.yaml"
    good.write_text("nombre: PND siguiente\nfundamento: Ley\nlineas:\n  - {codigo: vida, tipo: transformacion, "
                    "nombre: Vida, fundamento: Ley}\n", encoding="utf-8")
    code, out = kpt_on(url, "pnd", "import", str(good), "--simular", "--json")
    assert code == 0 and json.loads(out)["added"] == ["vida"] and json.loads(out)["applied"] is False
