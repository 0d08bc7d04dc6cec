"""The diagnosis, the products bank and the associativity options in Chromium, at a desktop's and a
phone's width (360 px): accessible (axe), nothing wider than the screen, chart text of 12 px or more;
and a planning office adds a product found by words to its plan."""

from conftest import PASSWORD, assert_accessible, screenshot

SMALLEST_SVG_TEXT = "() => Math.min(...Array.from(document.querySelectorAll('svg text'), t => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getBoundingClientRect().width / t.ownerSVGElement.viewBox.baseVal.width))"


def _phone(browser, live_server, username: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="es-CO")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def test_diagnosis_and_associativity_read_at_desktop_and_phone_widths(signed_in, browser, live_server, users):
    page = signed_in("dnp")
    page.goto(f"{live_server}/entidades/05001/diagnostico?anio=2024")
    assert "2.616.335" in page.locator(".kpi").inner_text()
    assert page.locator("svg.chart").count() == 1 and page.locator("figure.bars").count() == 1  # trend; IPM bars
    screenshot(page, "diagnostico-medellin")
    assert_accessible(page)
    page.goto(f"{live_server}/entidades/05001/asociatividad?km=12")
    assert "ITAGÜÍ" in page.locator("main").inner_text()
    assert_accessible(page)
    context, phone = _phone(browser, live_server, "dnp")
    for path in ("/entidades/05021/diagnostico?anio=2024", "/entidades/05021/asociatividad", "/productos?q=agua"):
        phone.goto(f"{live_server}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, path
        if "diagnostico" in path:
            assert phone.evaluate(SMALLEST_SVG_TEXT) >= 12
            assert phone.evaluate("parseFloat(getComputedStyle(document.querySelector('.bar-label')).fontSize)") >= 12
            screenshot(phone, "diagnostico-alejandria-360")
    context.close()


def test_the_office_finds_a_product_by_words_and_adds_it_to_its_plan(signed_in, live_server, new_plan):
    plan_id = new_plan("05001")
    page = signed_in("ana")
    page.goto(f"{live_server}/productos")
    page.fill("#q", "Alcantarillados CONSTRUÍDOS")
    page.click("text=Buscar")
    card = page.locator("section.card", has_text="4003018 · Alcantarillados construidos")
    assert_accessible(page)
    card.locator("summary").click()
    card.locator("input[name=eje]").fill("Agua y saneamiento básico")
    card.locator("input[name=fecha]").fill("2024-02-10")
    card.locator("text=Agregar producto e indicador").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/planes/{plan_id}#estrategia")
    assert "agregado al programa" in page.locator(".notice.success").inner_text()
    assert "producto MGA 4003018" in page.locator("main").inner_text()
    screenshot(page, "banco-producto-agregado")
