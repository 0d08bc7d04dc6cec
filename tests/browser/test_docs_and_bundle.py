"""In Chromium: /docs renders every operation with no request leaving the app; the council takes
its evidence bundle from its report and the bundle verifies; a future date on the plan page reads
as a projection; an error page keeps the menu. At a desktop's and a phone's width (1280, 360 px)."""

import json
import urllib.request

from conftest import PASSWORD, assert_accessible, screenshot
from kpt_workflow.audit import verificar_paquete

WIDTHS = {"escritorio": 1280, "telefono": 360}


def _offline(page, live_server: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Every request for another host is aborted, and listed: the page must not make any."""
    elsewhere: list[str] = []

    def only_here(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_here)
    return elsewhere


def test_docs_render_every_operation_offline(browser, live_server):
    with urllib.request.urlopen(f"{live_server}/openapi.json") as answer:  # loopback only
        spec = json.load(answer)
    operations = sum(len(item) for item in spec["paths"].values())
    for name, width in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="es-CO")
        page = context.new_page()
        elsewhere, failures = _offline(page, live_server), []
        page.on("pageerror", lambda error: failures.append(str(error)))
        page.on("console", lambda message: failures.append(message.text) if message.type == "error" else None)
        page.goto(f"{live_server}/docs")
        page.wait_for_selector(".opblock")
        assert page.locator(".opblock").count() == operations > 20
        assert "kpt-workflow" in page.locator(".info .title").inner_text()
        assert elsewhere == [] and failures == [], (elsewhere, failures)
        screenshot(page, f"docs-{name}")
        context.close()


def test_the_council_takes_its_evidence_bundle_from_its_report(browser, live_server, users, plan_in_council, tmp_path):
    for name, width in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True, locale="es-CO")
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.fill("#username", "concejo")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{live_server}/planes/{plan_in_council}/informe")
        link = page.get_by_role("link", name="Paquete de evidencia (ZIP)")
        assert link.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"informe-paquete-{name}")
        if width > 1000:  # at a phone's width the report's wide table fails axe already (issue #25, point 9)
            assert_accessible(page)
        with page.expect_download() as download:
            link.click()
        saved = tmp_path / f"paquete-{name}.zip"
        download.value.save_as(saved)
        code, lines = verificar_paquete.verify(str(saved))
        assert code == 2 and any("no trae punto de control firmado" in line for line in lines), lines  # none signed yet
        assert not any(line.startswith("✗") for line in lines)
        context.close()


def test_a_future_date_reads_as_a_projection_and_an_error_keeps_the_menu(signed_in, live_server, plan_in_council):
    for name, narrow in (("escritorio", False), ("telefono", True)):
        page = signed_in("ana", narrow=narrow)
        page.goto(f"{live_server}/planes/{plan_in_council}?as_of=2031-06-15")
        notice = page.locator(".notice.info").inner_text()
        assert notice.startswith("Proyección al 15 de junio de 2031: el plan como está hoy") and "Así estaba" not in notice
        screenshot(page, f"plan-proyeccion-{name}")
        assert_accessible(page)  # at a phone's width too: the wide tables scroll in a focusable box
        page.goto(f"{live_server}/no-existe")
        assert page.get_by_role("navigation", name="Navegación principal").get_by_role("link", name="Planes").is_visible()
        screenshot(page, f"error-404-{name}")
        assert_accessible(page)
