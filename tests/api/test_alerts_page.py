"""/avisos: the signed-in user's alerts in words, and its calendar links made and revoked there."""

import re
from urllib.parse import urlsplit

from fastapi.testclient import TestClient


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_the_office_reads_its_alerts_and_subscribes_its_calendar(app, with_password, log_in, new_plan):
    plan_id = new_plan()
    new_plan("11001")
    with_password("ana", role="planeacion", entity="05001")
    with TestClient(app) as browser:
        assert log_in(browser, "ana").status_code == 303
        page = browser.get("/avisos", params={"hoy": "2024-02-22"})
        assert page.status_code == 200 and "<title>Avisos de plazos · " in page.text
        assert "al 22 de febrero de 2024" in page.text and "1 aviso" in page.text
        assert "Próximo a vencer:" in page.text and "vence el jueves 29 de febrero de 2024" in page.text
        assert f'href="/planes/{plan_id}#plazos"' in page.text and "11001" not in page.text
        assert 'href="/api/v1/entities/05001/calendar.ics"' in page.text
        assert browser.get("/api/v1/entities/05001/calendar.ics").headers["content-type"].startswith("text/calendar")
        made = browser.post("/avisos/calendario", data={"csrf_token": _csrf(page.text)})
        assert made.status_code == 200  # followed back to /avisos, the link in the notice, once
        link = re.search(r"(http://testserver/api/v1/entities/05001/calendar\.ics\?token=[\w-]+)", made.text)
        assert link is not None
        handle = re.search(r"Revocar (\w+)", made.text).group(1)  # type: ignore[union-attr]
        feed = urlsplit(link.group(1))
        with TestClient(app) as calendar_app:  # no session, no header: the link alone
            assert calendar_app.get(f"{feed.path}?{feed.query}").status_code == 200
            browser.post(f"/avisos/calendario/{handle}/revocar", data={"csrf_token": _csrf(made.text)})
            assert calendar_app.get(f"{feed.path}?{feed.query}").status_code == 401
        again = browser.get("/avisos").text
        assert link.group(1) not in again and "revocado el" in again
