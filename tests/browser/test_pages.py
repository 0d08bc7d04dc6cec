"""The three users' pages in Chromium: a blocked step fixed and applied, a council decision, roles."""

import json

from pathlib import Path

from openpyxl import load_workbook
from sqlmodel import select

from conftest import assert_accessible, screenshot
from kpt_workflow.services.demo import run_demo
from kpt_workflow.storage.tables import Entity
from kpt_workflow.services.sample import DOCUMENTS_2024, INVESTMENT_PLAN, PDF, STRATEGIC_PART
from kpt_workflow.storage.unit_of_work import UnitOfWork


def _plan_missing_programa(new_plan, file_doc) -> str:  # type: ignore[no-untyped-def]
    """Everything for the first step but the programa de gobierno and empalme format 10."""
    plan_id = new_plan("05001")
    for doc_type in ("acta_informe_gestion", "acto_equipo_formulador", *(f"formato_empalme_{n:02d}" for n in range(1, 10))):
        file_doc(plan_id, doc_type)
    return plan_id


def test_planning_office_fixes_a_blocked_step_and_advances(signed_in, live_server, new_plan, file_doc, tmp_path: Path):
    plan_id = _plan_missing_programa(new_plan, file_doc)
    page = signed_in("ana")
    assert page.url.endswith(f"/planes/{plan_id}")  # the office lands on its own plan
    assert page.locator("li[aria-current=step]").inner_text().startswith("Alistamiento")
    screenshot(page, "oficina-plan-inicial")
    assert_accessible(page)

    first = page.locator("#h-ahora + p + p").inner_text()  # what to do now, before anything else
    assert "Qué hacer ahora: Para «Iniciar la construcción articulada»:" in first
    step = page.locator("section:has(#paso-iniciar_construccion)")
    assert step.locator("button").count() == 0  # a blocked step is explained, not pressable
    assert "se podrá dar cuando se cumplan los requisitos" in step.inner_text()
    step.locator("li:has-text('Programa de gobierno inscrito') >> text=Hacerlo ahora").click()
    assert page.url.endswith("documento=programa_gobierno#radicar")
    assert page.locator("#doc_type").input_value() == "programa_gobierno"  # the fix's form, already set
    screenshot(page, "oficina-paso-bloqueado")

    pdf = tmp_path / "programa.pdf"
    pdf.write_bytes(PDF)
    page.fill("#fecha-doc", DOCUMENTS_2024["programa_gobierno"][0].isoformat())
    page.set_input_files("#file", str(pdf))
    page.click("text=Radicar nueva versión")
    notice = page.locator("#documentos + .notice.success")  # confirmed where the form sent the reader
    assert "Documento radicado: Programa de gobierno inscrito, versión 1, ahora la vigente." in notice.inner_text()
    assert notice.is_visible() and notice.evaluate("e => e.getBoundingClientRect().top < window.innerHeight")
    assert "vigente" in page.locator("tr:has-text('Programa de gobierno inscrito')").first.inner_text()

    page.select_option("#doc_type-ausencia", "formato_empalme_10")
    page.fill("#fecha-ausencia", "2023-12-20")
    page.fill("#motivo", "El mandatario saliente no lo entregó; se pidió por oficio.")
    page.click("text=Registrar ausencia justificada")
    assert "Ausencia justificada registrada" in page.locator(".notice.success").inner_text()

    page.fill("#fecha-iniciar_construccion", "2024-01-20")
    page.click("text=Dar el paso: Iniciar la construcción articulada")
    assert "Paso aplicado" in page.locator(".notice.success").inner_text()
    assert page.locator("li[aria-current=step]").inner_text().startswith("Construcción articulada")
    history = page.locator("#historia + .table-wrap").inner_text()
    assert "Paso «Iniciar la construcción articulada»: Alistamiento → Construcción articulada" in history  # labels
    screenshot(page, "oficina-paso-aplicado")


def test_council_records_its_decision(signed_in, plan_in_council, tmp_path: Path):
    page = signed_in("concejo")
    assert page.url.endswith(f"/planes/{plan_in_council}/informe")  # a council lands on its plan's report
    assert "El proyecto llegó completo." in page.locator("main").inner_text()
    assert_accessible(page)
    screenshot(page, "concejo-informe")
    acuerdo = tmp_path / "acuerdo.pdf"
    acuerdo.write_bytes(PDF)
    page.fill("#aprobar-fecha", "2024-05-20")
    page.fill("#aprobar-numero", "Acuerdo 05 de 2024")
    page.set_input_files("#aprobar-file", str(acuerdo))
    page.click("form:has(#aprobar-numero) button[type=submit]")
    assert "Decisión registrada" in page.locator(".notice.success").inner_text()
    assert "Aprobado" in page.locator("main").inner_text()
    with page.expect_download() as download:
        page.click("text=Descargar PDF")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    screenshot(page, "concejo-decision")


def test_roles_see_only_their_plans_on_every_page(signed_in, live_server, new_plan):
    own, foreign = new_plan("05001"), new_plan("11001")
    office = signed_in("ana")
    assert office.goto(f"{live_server}/planes/{foreign}").status == 404
    assert "No encontrado" in office.locator("h1").inner_text()
    department = signed_in("antioquia")
    assert department.goto(f"{live_server}/planes/{own}").status == 200
    assert department.goto(f"{live_server}/planes/{foreign}").status == 404
    administrator = signed_in("admin")
    assert administrator.url.endswith("/planes") and own in administrator.locator("table").inner_text()
    listing = signed_in("dnp")
    listing.goto(f"{live_server}/planes")
    assert own in listing.locator("table").inner_text() and foreign in listing.locator("table").inner_text()
    for path, name in (("/planes", "planes"), ("/ciclo", "ciclo")):
        listing.goto(f"{live_server}{path}")
        assert_accessible(listing)
        screenshot(listing, f"dnp-{name}")


def test_pages_work_at_phone_width_and_login_is_required(browser, signed_in, live_server, new_plan):
    plan_id = new_plan("05001")
    anonymous = browser.new_page()
    anonymous.goto(f"{live_server}/planes/{plan_id}")
    assert "/login" in anonymous.url
    assert_accessible(anonymous)
    screenshot(anonymous, "login")
    anonymous.close()
    phone = signed_in("ana", narrow=True)
    screenshot(phone, "oficina-telefono")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1


def test_no_page_scrolls_sideways_at_360_px_for_any_role(signed_in, live_server, plan_in_council):
    """#25, point 9: at a small phone's width every page fits (wide tables scroll inside their box)
    and axe finds nothing serious or critical."""
    pages = {"ana": ["/planes", f"/planes/{plan_in_council}", f"/planes/{plan_in_council}/informe", "/ciclo",
                     f"/planes/{plan_in_council}/diagnostico", f"/planes/{plan_in_council}/pnd"],
             "concejo": [f"/planes/{plan_in_council}/informe", f"/planes/{plan_in_council}/pnd"],
             "dnp": ["/tablero", "/tablero/pnd", "/planes", "/ciclo"], "antioquia": ["/tablero", "/tablero/pnd"]}
    for username, paths in pages.items():
        page = signed_in(username, narrow=True)
        page.set_viewport_size({"width": 360, "height": 800})
        for path in paths:
            page.goto(f"{live_server}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{username} {path}: {width} px"
            assert_accessible(page)  # a table wider than the phone scrolls in a box the keyboard reaches
        screenshot(page, f"{username}-360")


OVERFLOWING_TABLES = "[...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth + 1).length"


def test_the_pnd_pages_show_every_amount_at_a_desktops_width(signed_in, live_server, engine, blobs):
    """Medellín's amounts (tens of thousands of millions, every year and its total) fit 1280 px with no
    table to scroll, right-aligned; the national view folds each line's departments until asked
    (one department alone, as a department's filter shows it, stays open)."""
    with UnitOfWork(engine) as uow:
        codes = [list(uow.session.exec(select(Entity.code).where(Entity.plans_own_pdt, Entity.department_code == code)
                                       .order_by(Entity.code)))[:size] for code, size in (("05", 12), ("08", 4))]
    run_demo(engine, blobs, seed=3, entity_codes=[c for department in codes for c in department])
    page = signed_in("ana")
    page.goto(f"{live_server}/planes/05001-2024/pnd")
    assert page.evaluate(OVERFLOWING_TABLES) == 0
    assert page.evaluate("getComputedStyle(document.querySelector('td.amount')).textAlign") == "right"
    assert page.locator("text=Iniciativas del departamento").count() == 1
    screenshot(page, "pnd-medellin-1280")
    national = signed_in("dnp")
    national.goto(f"{live_server}/tablero/pnd")
    assert national.evaluate(OVERFLOWING_TABLES) == 0
    folded = national.locator("td details").first
    assert folded.get_attribute("open") is None and not folded.locator("li").first.is_visible()
    folded.locator("summary").click()
    assert folded.locator("li").first.is_visible()
    assert_accessible(national)


def test_dnp_filters_the_dashboard_and_exports_the_same_rows(signed_in, live_server, engine, blobs, tmp_path: Path):
    with UnitOfWork(engine) as uow:
        codes = list(uow.session.exec(select(Entity.code).where(Entity.plans_own_pdt,
                                                               Entity.department_code.in_(["91", "94", "05"]))))
    run_demo(engine, blobs, seed=3, entity_codes=[c for c in codes if not c.startswith("05")] + codes[:12])
    page = signed_in("dnp")
    assert page.url.endswith("/tablero")
    page.select_option("#departamento", "91")
    page.fill("#hoy", "2024-06-28")
    page.click("text=Aplicar")
    shown = [row.split("\t")[0] for row in page.locator("#tabla-planes tbody").inner_text().splitlines() if row.strip()]
    assert shown and all(plan_id.startswith("91") for plan_id in shown)
    assert_accessible(page)
    screenshot(page, "dnp-tablero-amazonas")
    with page.expect_download() as download:
        page.click("#exportar-xlsx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    book = load_workbook(saved)
    exported = [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert exported == shown
    departments = [row[:3] for row in book["Por departamento"].iter_rows(min_row=2, values_only=True)]
    assert departments == [("91", "AMAZONAS", len(shown))]
    assert ("Datos", "SINTÉTICOS de demostración: ningún documento, fecha, número ni valor es de una entidad "
                     "real.") in list(book["Acerca de"].iter_rows(values_only=True))


def test_department_sees_only_its_municipalities_on_the_dashboard(signed_in, new_plan):
    new_plan("05001"), new_plan("11001")
    page = signed_in("antioquia")
    table = page.locator("#tabla-planes").inner_text()
    assert "05001-2024" in table and "11001-2024" not in table
    assert page.locator("#departamento").get_attribute("readonly") is not None


def test_planning_office_uploads_its_strategic_part_and_investment_plan(signed_in, new_plan, tmp_path: Path):
    plan_id = new_plan("05001")
    part = tmp_path / "parte.json"
    part.write_text(json.dumps(STRATEGIC_PART), encoding="utf-8")
    lines = tmp_path / "plurianual.csv"
    lines.write_text("programa,anio,fuente,valor\n" + "".join(
        f"{line['programa']},{line['anio']},{line['fuente']},{line['valor']}\n" for line in INVESTMENT_PLAN["lineas"]),
        encoding="utf-8")
    page = signed_in("ana")
    for kind, upload in (("parte_estrategica", part), ("plan_plurianual", lines)):
        page.select_option("#kind", kind)
        page.fill("#fecha-estrategia", "2024-02-10")
        page.set_input_files("#file-estrategia", str(upload))
        page.click("text=Registrar (reemplaza la versión vigente)")
        assert "Registrado" in page.locator(".notice.success").inner_text(), page.locator("main").inner_text()[:500]
    section = page.locator("#estrategia ~ section").first.inner_text()
    assert "2201" in section and "R220101" in section
    screenshot(page, "oficina-parte-estrategica")
    assert plan_id in page.url
