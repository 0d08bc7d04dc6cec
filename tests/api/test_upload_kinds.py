"""Each document type takes the formats it declares, proved by the bytes: through the API a refused
file answers 413/415/422 with a code and a Spanish detail, leaves the plan where it was, stores no
file and no document, and is audited in the plan's history (size and digest, never the bytes).
Downloads are attachments typed as their bytes were proved."""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from kpt_workflow.audit import replay
from kpt_workflow.base.media import CSV, DOCX
from kpt_workflow.services.sample import PDF
from kpt_workflow.storage.unit_of_work import UnitOfWork

API = "/api/v1"
MAX_BYTES = 1024 * 1024  # the app fixture's max_upload_bytes
CONTENT_TYPES = b'<?xml version="1.0" encoding="UTF-8"?><Types/>'


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


XLSX_PARTS = {"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>"}
HTML = b"<!DOCTYPE html><html><body><h1>Acuerdo 05</h1><script>alert(1)</script></body></html>"
REFUSED = {  # name: (doc_type, filename, bytes, status, code, reason)
    "text as a table": ("plan_plurianual_inversiones", "inversiones.csv",
                        "Señor alcalde:\nAdjunto el plan de inversiones.\n".encode(), 415, "unsupported_media_type",
                        "csv_no_delimiter"),
    "html renamed pdf": ("acta_informe_gestion", "acta.pdf", HTML, 415, "unsupported_media_type", "markup"),
    "html behind a pdf header": ("acta_informe_gestion", "acta.pdf", b"%PDF-1.4\n" + HTML, 415,
                                 "unsupported_media_type", "pdf_damaged"),
    "svg": ("diagnostico", "mapa.pdf", b'<svg xmlns="http://www.w3.org/2000/svg"/>', 415, "unsupported_media_type",
            "markup"),
    "executable": ("diagnostico", "diagnostico.docx", b"MZ\x90\x00" + bytes(512), 415, "unsupported_media_type",
                   "unknown_format"),
    "spreadsheet as a radicado": ("radicado_ctp", "radicado.pdf", _zip(XLSX_PARTS), 415, "format_not_accepted",
                                  "format_not_accepted"),
    "xlsx of 1,001 entries": ("plan_plurianual_inversiones", "inversiones.xlsx",
                              _zip({**XLSX_PARTS, **{f"xl/s{i}.xml": b"" for i in range(999)}}), 422,
                              "archive_rejected", "zip_too_many_entries"),
    "xlsx escaping its folder": ("plan_plurianual_inversiones", "inversiones.xlsx",
                                 _zip({**XLSX_PARTS, "../../evil.sh": b"x"}), 422, "archive_rejected",
                                 "zip_unsafe_path"),
    "csv with ragged rows": ("plan_plurianual_inversiones", "inversiones.csv", b"programa,anio,valor\n2201,2024\n",
                             415, "unsupported_media_type", "csv_ragged_rows"),
}


def _files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def send(client, as_user):  # type: ignore[no-untyped-def]
    def post(plan_id: str, doc_type: str, filename: str, content: bytes, legal_date: str = "2024-02-12"):  # type: ignore[no-untyped-def]
        return client.post(f"{API}/plans/{plan_id}/documents", headers=as_user("planeacion"),
                           data={"doc_type": doc_type, "fecha": legal_date},
                           files={"file": (filename, content, "application/pdf")})

    return post


@pytest.fixture
def seen(client, as_user, app):  # type: ignore[no-untyped-def]
    """What a plan shows: its status, history and documents, and the files under the data dir."""

    def read(plan_id: str) -> dict[str, object]:
        headers = as_user("dnp")
        return {"status": client.get(f"{API}/plans/{plan_id}", headers=headers).json(),
                "history": client.get(f"{API}/plans/{plan_id}/history", headers=headers).json(),
                "documents": client.get(f"{API}/plans/{plan_id}/documents", headers=headers).json(),
                "files": _files(app.state.runtime.blobs.root)}  # the data dir: blobs and any temp file

    return read


def _assert_audited_refusal(before: dict, after: dict, doc_type: str, content: bytes, reason: str,  # type: ignore[type-arg]
                            code: str) -> None:
    assert after["documents"] == before["documents"] and after["files"] == before["files"]
    assert after["status"]["state"] == before["status"]["state"]
    assert after["status"]["version"] == before["status"]["version"] + 1
    [rejected] = after["history"][len(before["history"]):]
    assert rejected["event_type"] == "document_rejected"
    assert rejected["payload"] == {"doc_type": doc_type, "code": code, "reason": reason, "size": len(content),
                                   "sha256": hashlib.sha256(content).hexdigest(), "filename": rejected["payload"]["filename"]}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_refused_kind_answers_its_code_stores_nothing_and_is_audited(case, new_plan, send, seen, engine):
    doc_type, filename, content, status, code, reason = REFUSED[case]
    plan_id = new_plan()
    before = seen(plan_id)
    response = send(plan_id, doc_type, filename, content)
    assert response.status_code == status, response.text
    body = response.json()
    assert (body["code"], body["reason"], body["field"]) == (code, reason, "file")
    assert body["detail"].startswith("El ") and body["version"] == before["status"]["version"] + 1
    _assert_audited_refusal(before, seen(plan_id), doc_type, content, reason, code)
    with UnitOfWork(engine) as uow:
        assert replay.differences(uow.connection) == []


def test_a_file_over_the_limit_is_refused_while_reading_and_leaves_the_plan_untouched(new_plan, send, seen):
    plan_id = new_plan()
    before = seen(plan_id)
    response = send(plan_id, "diagnostico", "diagnostico.pdf", PDF + bytes(MAX_BYTES))
    assert response.status_code == 413 and response.json()["code"] == "file_too_large"
    assert seen(plan_id) == before


def test_html_renamed_pdf_as_the_councils_act_does_not_approve_the_plan(client, as_user, plan_in_council, seen):
    before = seen(plan_in_council)
    response = client.post(f"{API}/plans/{plan_in_council}/council-decision", headers=as_user("corporacion"),
                           data={"decision": "aprobar", "fecha": "2024-05-20", "numero": "Acuerdo 05"},
                           files={"file": ("acuerdo.pdf", HTML, "application/pdf")})
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type", response.text
    after = seen(plan_in_council)
    assert after["status"]["state"] == "discusion_corporaciones"
    _assert_audited_refusal(before, after, "acto_aprobacion", HTML, "markup", "unsupported_media_type")


@pytest.mark.parametrize("doc_type, filename, content, media_type", [
    ("plan_plurianual_inversiones", "inversiones.csv", "programa;año;valor\n2201;2024;1500\n".encode(), CSV),
    ("diagnostico", "diagnostico.docx",
     _zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<document/>"}), DOCX),
])
def test_a_kind_the_type_declares_is_filed_and_downloaded_as_an_attachment_of_its_checked_type(
        doc_type, filename, content, media_type, new_plan, send, client, as_user):
    plan_id = new_plan()
    response = send(plan_id, doc_type, filename, content)
    assert response.status_code == 201, response.text
    assert response.json()["media_type"] == media_type
    download = client.get(f"{API}/plans/{plan_id}/documents/{doc_type}/versions/1/content", headers=as_user("dnp"))
    assert download.content == content
    assert download.headers["content-type"].split(";")[0] == media_type
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"] == f"attachment; filename=\"{filename}\"; filename*=UTF-8''{filename}"


def _raw_multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    """A form with the file's name sent raw (clients percent-encode control characters; an attacker's do not)."""
    boundary = "kptboundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: application/pdf\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_a_filename_loses_bidi_and_control_characters_and_is_downloaded_under_a_safe_header(
        new_plan, client, as_user):
    plan_id = new_plan()
    shown_as_pdf = "acta_año\u202efdp.exe\x07\x1b\u200b"  # U+202E shows it as 'acta_añoexe.pdf'
    body, content_type = _raw_multipart({"doc_type": "diagnostico", "fecha": "2024-02-12"}, shown_as_pdf, PDF)
    response = client.post(f"{API}/plans/{plan_id}/documents", content=body,
                           headers={**as_user("planeacion"), "Content-Type": content_type})
    assert response.status_code == 201 and response.json()["filename"] == "acta_añofdp.exe", response.text
    download = client.get(f"{API}/plans/{plan_id}/documents/diagnostico/versions/1/content", headers=as_user("dnp"))
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"acta_anofdp.exe\"; filename*=UTF-8''acta_a%C3%B1ofdp.exe")


def test_a_long_filename_is_cut_in_its_stem_and_keeps_its_extension(new_plan, send):
    response = send(new_plan(), "diagnostico", "d" * 500 + ".pdf", PDF)
    assert response.status_code == 201
    assert response.json()["filename"] == "d" * 116 + ".pdf"


def test_a_refused_file_under_an_idempotency_key_is_audited_once_and_answered_the_same(
        new_plan, client, as_user, seen):
    plan_id = new_plan()
    before = seen(plan_id)
    answers = [client.post(f"{API}/plans/{plan_id}/documents", headers={**as_user("planeacion"), "Idempotency-Key": "k1"},
                           data={"doc_type": "diagnostico", "fecha": "2024-02-12"},
                           files={"file": ("diagnostico.pdf", HTML, "application/pdf")}) for _ in range(2)]
    assert [a.status_code for a in answers] == [415, 415] and answers[0].json() == answers[1].json()
    _assert_audited_refusal(before, seen(plan_id), "diagnostico", HTML, "markup", "unsupported_media_type")
