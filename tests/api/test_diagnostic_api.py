"""The plan's standardized diagnostic over HTTP and on its page: every reader of the plan reads it
and downloads it; only the entity's planning office writes a section (If-Match, Spanish 4xx
refusals) and files it as the plan's `diagnostico` document, which then downloads like any other."""

import io
import re

from docx import Document
from pypdf import PdfReader

API = "/api/v1"


def _version(client, headers, plan_id: str) -> int:
    return client.get(f"{API}/plans/{plan_id}/diagnostic", headers=headers).json()["plan"]["version"]


def test_readers_of_the_plan_read_it_and_only_its_office_writes(client, as_user, new_plan):
    plan_id = new_plan("05001")
    for role in ("planeacion", "corporacion", "departamento", "dnp"):
        shown = client.get(f"{API}/plans/{plan_id}/diagnostic", headers=as_user(role))
        assert shown.status_code == 200 and shown.json()["sections"][0]["figures"][0]["value"] == 2_616_335
    assert client.get(f"{API}/plans/{plan_id}/diagnostic", headers=as_user("planeacion", "foreign")).status_code == 404
    url = f"{API}/plans/{plan_id}/diagnostic/sections/salud"
    assert client.put(url, headers=as_user("planeacion", "foreign"), json={"texto": "x"}).status_code == 404
    for role in ("corporacion", "dnp", "departamento"):
        refused = client.put(url, headers=as_user(role), json={"texto": "x"})
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden" and "Su rol" in refused.json()["detail"]
    office = as_user("planeacion")
    version = _version(client, office, plan_id)
    done = client.put(url, headers={**office, "If-Match": f'"{version}"'}, json={"texto": "Cobertura alta en salud."})
    assert done.status_code == 200 and done.json()["plan_version"] == version + 1
    stale = client.put(url, headers={**office, "If-Match": f'"{version}"'}, json={"texto": "Otra."})
    assert stale.status_code == 409 and stale.json()["code"] == "plan_version_conflict"
    huge = client.put(url, headers=office, json={"texto": "a" * 20_001})
    assert huge.status_code == 422 and "máximo es 20.000" in huge.json()["detail"]
    unknown = client.put(f"{API}/plans/{plan_id}/diagnostic/sections/deporte", headers=office, json={"texto": "x"})
    assert unknown.status_code == 404 and "no tiene la sección" in unknown.json()["detail"]
    sections = client.get(f"{API}/plans/{plan_id}/diagnostic", headers=as_user("dnp")).json()["sections"]
    assert next(s for s in sections if s["code"] == "salud")["text"] == "Cobertura alta en salud."


def test_the_downloads_open_and_the_filing_is_a_document_of_the_plan(client, as_user, new_plan):
    plan_id = new_plan("05001")
    docx = client.get(f"{API}/plans/{plan_id}/diagnostic/document", headers=as_user("corporacion"))
    assert docx.status_code == 200 and "diagnostico-05001-2024.docx" in docx.headers["content-disposition"]
    headings = [p.text for p in Document(io.BytesIO(docx.content)).paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == ["Contexto general de la entidad", "Educación"] and "Transporte" in headings
    pdf = client.get(f"{API}/plans/{plan_id}/diagnostic/document?formato=pdf", headers=as_user("dnp"))
    assert pdf.headers["content-type"] == "application/pdf" and len(PdfReader(io.BytesIO(pdf.content)).pages) >= 2
    assert client.get(f"{API}/plans/{plan_id}/diagnostic/document?formato=odt", headers=as_user("dnp")).status_code == 422
    filing = f"{API}/plans/{plan_id}/diagnostic/filing"
    assert client.post(filing, headers=as_user("corporacion"), json={"fecha": "2024-02-10"}).status_code == 403
    filed = client.post(filing, headers={**as_user("planeacion"), "Idempotency-Key": "diag-1"}, json={"fecha": "2024-02-10"})
    assert filed.status_code == 201 and filed.json()["doc_type"] == "diagnostico" and filed.json()["version"] == 1
    again = client.post(filing, headers={**as_user("planeacion"), "Idempotency-Key": "diag-1"}, json={"fecha": "2024-02-10"})
    assert again.json()["version"] == 1  # the same key: the first answer, nothing filed twice
    content = client.get(f"{API}/plans/{plan_id}/documents/diagnostico/versions/1/content", headers=as_user("corporacion"))
    assert content.status_code == 200 and "2.616.335 personas" in [
        c.text for t in Document(io.BytesIO(content.content)).tables for r in t.rows for c in r.cells]


def test_the_page_shows_the_sections_and_the_office_edits_and_files_them(client, with_password, log_in, new_plan,
                                                                        synthetic):
    plan_id = new_plan("05001")
    with_password("ofi", "planeacion", "05001")
    assert log_in(client, "ofi").status_code == 303
    assert f"/planes/{plan_id}/diagnostico" in client.get(f"/planes/{plan_id}").text
    page = client.get(f"/planes/{plan_id}/diagnostico")
    assert page.status_code == 200 and "2.616.335 personas" in page.text and "Ley 1448 de 2011, art. 174" in page.text
    assert "las cifras con fuente son las publicadas por el DANE y el DNP" in page.text  # the demo's own banner
    assert "ningún documento, fecha, número ni valor" not in page.text
    assert "Ley 715 de 2001, art. 44" in page.text and "agua_saneamiento" not in re.sub(r"<[^>]+>", "", page.text)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    saved = client.post(f"/planes/{plan_id}/diagnostico/victimas", data={
        "csrf_token": csrf, "version": version, "texto": "Hay 120 familias víctimas registradas."}, follow_redirects=True)
    assert saved.status_code == 200 and "Hay 120 familias víctimas registradas." in saved.text
    assert "Sección «Víctimas del conflicto armado» guardada" in saved.text
    stale = client.post(f"/planes/{plan_id}/diagnostico/victimas", data={
        "csrf_token": csrf, "version": version, "texto": "Otra."}, follow_redirects=True)
    assert "cambió" in stale.text and "Otra." not in stale.text
    version = re.search(r'name="version" value="(\d+)"', stale.text).group(1)
    filed = client.post(f"/planes/{plan_id}/diagnostico/radicar", data={
        "csrf_token": csrf, "version": version, "formato": "docx", "fecha": "2024-02-10"}, follow_redirects=True)
    assert "Diagnóstico territorial, versión 1" in filed.text
