"""The Plan Indicativo workbook over HTTP: every role that reads the plan downloads it; only the
entity's planning office uploads it back; refused cells come back one by one with 422, a file that
is not an XLSX with 415, and nothing is written in either case."""

import io

import pytest
from openpyxl import load_workbook

from kpt_workflow.lifecycle import plan_indicativo_layout as layout
from kpt_workflow.services.sample import INVESTMENT_PLAN, STRATEGIC_PART

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def plan(new_plan, record_strategy) -> str:  # type: ignore[no-untyped-def]
    plan_id = new_plan()
    record_strategy(plan_id, STRATEGIC_PART, INVESTMENT_PLAN)
    return plan_id


def _with_goal(content: bytes, value: object) -> bytes:
    book = load_workbook(io.BytesIO(content))
    header = [c.value for c in book[layout.PRODUCTOS][1]]
    book[layout.PRODUCTOS].cell(row=2, column=header.index(layout.META_CUATRIENIO) + 1).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("role, side, status", [("planeacion", "own", 200), ("corporacion", "own", 200),
                                                ("departamento", "own", 200), ("dnp", "own", 200),
                                                ("planeacion", "foreign", 404), ("departamento", "foreign", 404)])
def test_whoever_reads_the_plan_downloads_its_workbook(client, as_user, plan, role, side, status) -> None:  # type: ignore[no-untyped-def]
    got = client.get(f"/api/v1/plans/{plan}/plan-indicativo.xlsx", headers=as_user(role, side))
    assert got.status_code == status
    if status == 200:
        assert got.headers["content-type"] == XLSX
        assert got.headers["content-disposition"].startswith('attachment; filename="plan-indicativo-05001-2024.xlsx"')
        assert layout.LINEAS in load_workbook(io.BytesIO(got.content)).sheetnames


def _upload(client, headers, plan: str, content: bytes, name: str = "plan.xlsx"):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/plans/{plan}/plan-indicativo", headers=headers, data={"fecha": "2024-03-01"},
                       files={"file": (name, content, XLSX)})


def test_the_planning_office_uploads_an_edited_workbook_and_the_plan_shows_it(client, as_user, plan) -> None:  # type: ignore[no-untyped-def]
    office = as_user("planeacion")
    content = _with_goal(client.get(f"/api/v1/plans/{plan}/plan-indicativo.xlsx", headers=office).content, 16500)
    done = _upload(client, office, plan, content)
    assert done.status_code == 200, done.text
    assert done.json()["metas"] == 4 and done.json()["rechazos"] == []
    goals = {g["indicator_code"]: g for p in client.get(f"/api/v1/plans/{plan}/strategy", headers=office).json()
             for g in p["goals"]}
    assert goals["220102801"]["meta_cuatrienio"] == "16500"


@pytest.mark.parametrize("role, side, status", [("corporacion", "own", 403), ("dnp", "own", 403),
                                                ("departamento", "own", 403), ("planeacion", "foreign", 404)])
def test_no_one_else_uploads_a_workbook(client, as_user, plan, role, side, status) -> None:  # type: ignore[no-untyped-def]
    content = client.get(f"/api/v1/plans/{plan}/plan-indicativo.xlsx", headers=as_user("dnp")).content
    refused = _upload(client, as_user(role, side), plan, content)
    assert refused.status_code == status and refused.json()["code"] in ("forbidden", "not_found")


def test_refused_cells_come_back_one_by_one_and_nothing_is_written(client, as_user, plan) -> None:  # type: ignore[no-untyped-def]
    office = as_user("planeacion")
    version = client.get(f"/api/v1/plans/{plan}", headers=office).json()["version"]
    content = _with_goal(client.get(f"/api/v1/plans/{plan}/plan-indicativo.xlsx", headers=office).content, "mucho")
    refused = _upload(client, office, plan, content)
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "plan_indicativo_rechazado" and "no se registró nada" in body["detail"]
    assert [(r["sheet"], r["row"], r["column"], r["value"]) for r in body["rechazos"]] == [
        (layout.PRODUCTOS, 2, layout.META_CUATRIENIO, "mucho")]
    assert client.get(f"/api/v1/plans/{plan}", headers=office).json()["version"] == version


@pytest.mark.parametrize("content", [b"programa;anio\n2201;2024\n", b"%PDF-1.4 no es un libro", b"<html></html>"])
def test_a_file_that_is_not_an_xlsx_is_refused_with_415(client, as_user, plan, content) -> None:  # type: ignore[no-untyped-def]
    refused = _upload(client, as_user("planeacion"), plan, content)
    assert refused.status_code == 415 and refused.json()["detail"]


def _csrf(page: str) -> str:
    import re
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_the_plan_page_links_the_workbook_and_its_office_imports_it_back(page_of, plan) -> None:  # type: ignore[no-untyped-def]
    office = page_of("ana", "planeacion")
    page = office.get(f"/planes/{plan}")
    assert f'href="/planes/{plan}/plan-indicativo.xlsx"' in page.text and 'id="importar-plan-indicativo"' in page.text
    content = office.get(f"/planes/{plan}/plan-indicativo.xlsx").content
    form = {"csrf_token": _csrf(page.text), "fecha": "2024-03-01", "version": "3"}
    refused = office.post(f"/planes/{plan}/plan-indicativo", data=form,
                          files={"file": ("plan.xlsx", _with_goal(content, "mucho"), XLSX)})
    assert refused.status_code == 422
    assert "«Plan indicativo (productos)», fila 2, columna «Meta cuatrienio» (valor: mucho)" in refused.text
    done = office.post(f"/planes/{plan}/plan-indicativo", data=form, follow_redirects=False,
                       files={"file": ("plan.xlsx", _with_goal(content, 16500), XLSX)})
    assert done.status_code == 303
    shown = office.get(f"/planes/{plan}").text
    assert "Plan Indicativo importado" in shown and "16500" in shown


def test_the_council_downloads_the_workbook_but_has_no_import_form(page_of, plan) -> None:  # type: ignore[no-untyped-def]
    council = page_of("concejal", "corporacion")
    page = council.get(f"/planes/{plan}").text
    assert f'href="/planes/{plan}/plan-indicativo.xlsx"' in page and "importar-plan-indicativo" not in page
    assert council.get(f"/planes/{plan}/plan-indicativo.xlsx").headers["content-type"] == XLSX
