"""The pages under their Content-Security-Policy in Chromium: nothing on them is blocked, and what
used to be inline styling (the login card's width, the council's form labels) still applies."""

from conftest import PASSWORD


def _violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Chromium reports every blocked script, style or image on the console."""
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text) if "Content Security Policy" in message.text else None)
    return found


def test_login_page_keeps_its_layout_and_signs_in_under_the_policy(browser, live_server, users):
    context = browser.new_context(locale="es-CO")
    page = context.new_page()
    blocked = _violations(page)
    page.goto(f"{live_server}/login")
    assert page.eval_on_selector("form.card", "f => getComputedStyle(f).maxWidth") == "420px"
    page.fill("#username", "ana")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.url.startswith(f"{live_server}/planes/"), page.url  # signed in: the office's plan page
    assert blocked == []
    context.close()


def test_no_page_has_anything_blocked_by_the_policy(signed_in, live_server, plan_in_council):
    for username, paths in (("concejo", [f"/planes/{plan_in_council}", f"/planes/{plan_in_council}/informe"]),
                            ("dnp", ["/tablero", "/planes", "/ciclo"])):
        page = signed_in(username)
        blocked = _violations(page)
        for path in paths:
            response = page.goto(f"{live_server}{path}")
            assert response is not None and response.ok, path
            assert "script-src 'self'" in response.headers["content-security-policy"]
        assert blocked == [], (username, blocked)
    report = signed_in("concejo")
    report.goto(f"{live_server}/planes/{plan_in_council}/informe")
    assert report.eval_on_selector("label[for=aprobar-numero]", "l => getComputedStyle(l).fontWeight") == "600"
