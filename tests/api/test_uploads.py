"""Hostile uploads to a plan's documents: each refused with a stable code, and a refusal stores
nothing (no document row, no file; only its audit event); what is accepted is judged by its bytes and stored under
its SHA-256, whatever its name claims."""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from kpt_workflow.base.media import DOCX, PDF as PDF_TYPE, XLSX
from kpt_workflow.services.sample import PDF

API = "/api/v1"
MAX_BYTES = 1024 * 1024  # the app fixture's max_document_bytes
DOC_TYPE, LEGAL_DATE = "formato_empalme_01", "2023-12-15"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + bytes(4096)
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"PE\x00\x00" + bytes(4096)


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?>'
                 b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
XLSX_FILE = _zip({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook><sheets/></workbook>"})
DOCX_FILE = _zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<document><body/></document>"})


def _zip_bomb() -> bytes:
    """64 MiB of zeros in a sheet: under the absolute limit, caught by the compression ratio."""
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "xl/worksheets/sheet1.xml": bytes(64 * 1024 * 1024)})


HOSTILE = {
    "oversize": (lambda: PDF + bytes(MAX_BYTES + 1 - len(PDF)), "informe.pdf", 413, "file_too_large"),
    "elf_renamed_pdf": (lambda: ELF, "informe.pdf", 415, "unsupported_media_type"),
    "pe_renamed_pdf": (lambda: PE, "informe.pdf", 415, "unsupported_media_type"),
    "zip_bomb_as_xlsx": (_zip_bomb, "presupuesto.xlsx", 422, "archive_rejected"),
    "plain_zip_as_docx": (lambda: _zip({"payload.exe": ELF}), "acta.docx", 415, "unsupported_media_type"),
    "broken_zip_as_xlsx": (lambda: b"PK\x03\x04" + bytes(64), "presupuesto.xlsx", 415, "unsupported_media_type"),
    "empty": (lambda: b"", "informe.pdf", 422, "empty_file"),
}


def _files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def plan_id(new_plan) -> str:  # type: ignore[no-untyped-def]
    return new_plan("05001")


@pytest.fixture
def upload(client, as_user, plan_id):  # type: ignore[no-untyped-def]
    """File `content` as `filename` for the own planning office; returns the response."""

    def send(content: bytes, filename: str, media_type: str):  # type: ignore[no-untyped-def]
        return client.post(f"{API}/plans/{plan_id}/documents", headers=as_user("planeacion"),
                           data={"doc_type": DOC_TYPE, "fecha": LEGAL_DATE},
                           files={"file": (filename, content, media_type)})

    return send


@pytest.fixture
def trace(client, as_user, app, plan_id):  # type: ignore[no-untyped-def]
    """What a filing leaves behind: the plan's events, its document rows and the stored files."""

    def read() -> tuple[list[object], list[object], set[Path]]:
        headers = as_user("dnp")
        return (client.get(f"{API}/plans/{plan_id}/history", headers=headers).json(),
                client.get(f"{API}/plans/{plan_id}/documents", headers=headers).json(),
                _files(app.state.runtime.blobs.root))

    return read


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_upload_is_refused_with_a_stable_code_and_stores_nothing(case, upload, trace):
    """Refused by the service: no document, no file, one audited refusal. Too large: refused while
    reading, before the service sees it."""
    build, filename, status, code = HOSTILE[case]
    events, documents, files = trace()
    response = upload(build(), filename, "application/pdf")
    assert response.status_code == status, response.text
    assert response.json()["code"] == code and response.json()["detail"]
    events_after, documents_after, files_after = trace()
    assert (documents_after, files_after) == (documents, files)
    audited = [] if code == "file_too_large" else ["document_rejected"]
    assert [e["event_type"] for e in events_after[len(events):]] == audited


def test_a_file_of_exactly_the_maximum_size_is_accepted(upload, trace):
    content = PDF + b"%" * (MAX_BYTES - len(PDF))
    response = upload(content, "informe.pdf", "application/pdf")
    assert response.status_code == 201, response.text
    assert response.json()["size"] == MAX_BYTES and response.json()["media_type"] == PDF_TYPE


@pytest.mark.parametrize("name, stored_as", [("../../etc/passwd", "passwd"), ("/etc/passwd", "passwd"),
                                             ("..\\..\\Windows\\win.ini", "win.ini")])
def test_a_path_as_filename_is_kept_as_a_bare_name_and_stored_under_the_content_hash(
        name, stored_as, upload, trace, client, as_user, app, plan_id, tmp_path):
    data_dir, around = app.state.runtime.blobs.root, tmp_path.parent  # `around` holds this test's tmp_path
    in_data, everywhere = _files(data_dir), _files(around)
    response = upload(PDF, name, "application/pdf")
    assert response.status_code == 201, response.text
    digest = hashlib.sha256(PDF).hexdigest()
    assert response.json()["filename"] == stored_as and response.json()["sha256"] == digest
    assert _files(data_dir) - in_data == {Path("blobs", digest[:2], digest)}
    written = {around / p for p in _files(around) - everywhere}
    assert all(p.is_relative_to(data_dir) or p.name.startswith("kpt.db") for p in written), written
    assert not (data_dir / "../../etc/passwd").resolve().exists()
    download = client.get(f"{API}/plans/{plan_id}/documents/{DOC_TYPE}/versions/1/content", headers=as_user("dnp"))
    assert download.content == PDF and f'filename="{stored_as}"' in download.headers["content-disposition"]


@pytest.mark.parametrize("content, filename, media_type", [(XLSX_FILE, "presupuesto.xlsx", XLSX),
                                                           (DOCX_FILE, "acta.docx", DOCX),
                                                           (XLSX_FILE, "renombrado.pdf", XLSX)])
def test_office_files_are_accepted_with_the_media_type_of_their_content(
        content, filename, media_type, upload, client, as_user, plan_id):
    response = upload(content, filename, "application/pdf")
    assert response.status_code == 201, response.text
    assert response.json()["media_type"] == media_type
    [row] = client.get(f"{API}/plans/{plan_id}/documents", headers=as_user("planeacion")).json()
    assert row["media_type"] == media_type and row["sha256"] == hashlib.sha256(content).hexdigest()
    download = client.get(f"{API}/plans/{plan_id}/documents/{DOC_TYPE}/versions/1/content",
                          headers=as_user("corporacion"))
    assert download.status_code == 200
    assert download.content == content and download.headers["content-type"] == media_type


def test_a_refused_council_approval_stores_no_file(client, as_user, app, plan_id, trace):
    before = trace()
    response = client.post(f"{API}/plans/{plan_id}/council-decision", headers=as_user("corporacion"),
                           data={"decision": "aprobar", "fecha": "2024-05-20", "numero": "Acuerdo 05"},
                           files={"file": ("acuerdo.pdf", PDF, "application/pdf")})
    assert response.status_code == 409 and response.json()["code"] == "unknown_trigger"  # still in alistamiento
    assert trace() == before
