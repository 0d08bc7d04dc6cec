"""An error on a page (404, 403, 405, 422, 500) is a Spanish page that keeps the site's header:
the signed-in user's navigation and name, as every page has; the API keeps answering JSON."""

import re

import pytest
from fastapi.testclient import TestClient

NAV = ('href="/planes"', 'href="/ciclo"', "Salir")


@pytest.fixture
def office(app, with_password, log_in):  # type: ignore[no-untyped-def]
    @app.get("/rompe")
    def broken() -> None:
        raise RuntimeError("falla de prueba")

    with_password("ana", role="planeacion", entity="05001")
    with TestClient(app, raise_server_exceptions=False) as client:
        assert log_in(client, "ana").status_code == 303
        yield client


@pytest.mark.parametrize("path, status, said", [
    ("/no-existe", 404, "No existe esa página."),
    ("/planes/11001-2024", 404, "No existe el plan '11001-2024'."),
    ("/tablero", 403, "no puede ver el tablero nacional"),
    ("/planes/05001-2024/pasos", 405, "Esta dirección no admite esa acción."),
    ("/planes/05001-2024?as_of=ayer", 422, "as_of: debe ser una fecha AAAA-MM-DD"),
    ("/rompe", 500, "Ocurrió un error inesperado y quedó registrado"),
])
def test_an_error_page_keeps_the_users_navigation(office, new_plan, path, status, said):
    new_plan("05001")
    new_plan("11001")
    page = office.get(path)
    assert page.status_code == status and page.headers["content-type"].startswith("text/html")
    assert said in page.text.replace("&#39;", "'") and all(link in page.text for link in NAV), page.text[-600:]
    assert "ana (oficina de planeación · MEDELLÍN)" in page.text
    assert "Traceback" not in page.text and "RuntimeError" not in page.text


def test_signed_out_an_error_page_has_no_navigation_and_the_api_stays_json(client):
    page = client.get("/no-existe")
    assert page.status_code == 404 and "No existe esa página." in page.text
    assert not any(link in page.text for link in NAV)
    assert client.get("/api/v1/no-existe").json() == {"code": "not_found", "detail": "No existe ese recurso."}


def test_an_unexpected_api_error_is_json_in_spanish(app):
    @app.get("/api/v1/rompe")
    def broken() -> None:
        raise RuntimeError("falla de prueba")

    answer = TestClient(app, raise_server_exceptions=False).get("/api/v1/rompe")
    assert answer.status_code == 500 and answer.json()["code"] == "error_interno"
    assert re.search("inesperado", answer.json()["detail"])
