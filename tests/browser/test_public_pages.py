"""The public pages in Chromium, as an anonymous citizen on a phone and a desktop: found by code,
readable (axe), no horizontal scroll, and no cookie; the office's alerts page likewise."""

from datetime import date

import pytest

from conftest import assert_accessible, screenshot


@pytest.mark.parametrize("width", [360, 1280])
def test_a_citizen_finds_an_entitys_plan_without_login(browser, live_server, approved_plan, width):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="es-CO")
    page = context.new_page()
    page.goto(f"{live_server}/publico")
    assert_accessible(page)
    page.fill("#codigo", "05001")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/publico/05001")
    assert page.locator("h1").inner_text().startswith("MEDELLÍN")
    assert page.get_by_role("link", name="Acuerdo que adopta el plan").count() == 1
    assert_accessible(page)
    screenshot(page, f"publico-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    page.goto(f"{live_server}/datos-abiertos")
    assert_accessible(page)
    screenshot(page, f"datos-abiertos-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    assert context.cookies() == []
    context.close()


def test_the_office_reads_its_alerts_on_a_phone(signed_in, live_server, new_plan):
    new_plan("05001")
    page = signed_in("ana", narrow=True)
    page.goto(f"{live_server}/avisos?hoy={date(2024, 2, 22).isoformat()}")
    assert "Próximo a vencer" in page.content()
    assert_accessible(page)
    screenshot(page, "avisos-telefono")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1


@pytest.fixture
def approved_plan(plan_in_council, decide) -> str:  # type: ignore[no-untyped-def]
    decide(plan_in_council, "aprobar", date(2024, 5, 20), number="Acuerdo 05")
    return plan_in_council
