"""The evidence bundle's download on the council's completeness report: offered to, and taken by,
the entity's council and planning office and the DNP; a 404 page for everyone else; logged."""

import io
import zipfile
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from kpt_workflow.audit import security_log
from kpt_workflow.storage.unit_of_work import UnitOfWork

LINK = "Paquete de evidencia (ZIP)"


@pytest.fixture
def browser_as(app, with_password, log_in) -> Iterator[Callable[[str, str, str | None], TestClient]]:  # type: ignore[no-untyped-def]
    clients: list[TestClient] = []

    def open_as(username: str, role: str, entity: str | None) -> TestClient:
        with_password(username, role=role, entity=entity)
        client = TestClient(app).__enter__()
        clients.append(client)
        assert log_in(client, username).status_code == 303
        return client

    yield open_as
    for client in clients:
        client.__exit__(None, None, None)


@pytest.mark.parametrize("role, entity", [("corporacion", "05001"), ("planeacion", "05001"), ("dnp", None)])
def test_the_report_offers_the_bundle_and_it_downloads_as_a_zip(browser_as, plan_in_council, engine, role, entity):
    client = browser_as("usuario", role, entity)
    assert LINK in client.get(f"/planes/{plan_in_council}/informe").text
    response = client.get(f"/planes/{plan_in_council}/paquete.zip", params={"hoy": "2024-05-12"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith(f'attachment; filename="paquete-{plan_in_council}.zip"')
    assert int(response.headers["content-length"]) == len(response.content)
    with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
        assert bundle.testzip() is None and "verificar_paquete.py" in bundle.namelist()
    with UnitOfWork(engine) as uow:
        logged = [e for e in security_log.recent(uow.connection) if e["kind"] == "paquete_evidencia"]
    assert [(e["username"], e["client_address"]) for e in logged] == [("usuario", "testclient")]


@pytest.mark.parametrize("role, entity", [("departamento", "05"), ("admin", None), ("corporacion", "11001"),
                                          ("planeacion", "11001")])
def test_anyone_else_gets_a_not_found_page_and_no_link(browser_as, plan_in_council, engine, role, entity):
    client = browser_as("usuario", role, entity)
    response = client.get(f"/planes/{plan_in_council}/paquete.zip")
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "No encontrado" in response.text
    report = client.get(f"/planes/{plan_in_council}/informe")
    assert LINK not in report.text  # the department reads the report; the others do not see the plan
    with UnitOfWork(engine) as uow:
        assert not [e for e in security_log.recent(uow.connection) if e["kind"] == "paquete_evidencia"]


def test_a_file_altered_in_the_store_is_a_conflict_page_not_a_truncated_zip(browser_as, plan_in_council, blobs):
    victim = next(blobs.folder.rglob("*/*"))
    victim.write_bytes(b"otro contenido")
    response = browser_as("concejo", "corporacion", "05001").get(f"/planes/{plan_in_council}/paquete.zip")
    assert response.status_code == 409 and "fue alterado en el almacén" in response.text
