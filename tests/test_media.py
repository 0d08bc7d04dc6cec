"""A file is what its bytes say: crafted byte strings against kpt_workflow.base.media, each refused with
its stable code and reason, whatever name or type it would have claimed; and the catalog's formats."""

import io
import struct
import time
import warnings
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from fpdf import FPDF

from kpt_workflow.reference.document_types import CATALOG_PATH, load_catalog
from kpt_workflow.base.errors import DefinitionError, KptError
from kpt_workflow.base.media import CSV, DOCX, PDF, XLSX, UploadLimits, check, identify
from kpt_workflow.services.sample import PDF as SAMPLE_PDF, minimal_pdf

ALL = ("pdf", "xlsx", "docx", "csv")
CONTENT_TYPES = b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
XLSX_PARTS = {"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>"}
DOCX_PARTS = {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<document/>"}


def fpdf2_pdf(pages: int = 1) -> bytes:
    """A PDF as a real producer writes it (fpdf2: compressed content streams, /Info, /ID)."""
    pdf = FPDF()
    pdf.set_creation_date(datetime(2024, 5, 20, tzinfo=timezone.utc))
    pdf.set_font("helvetica", size=12)
    for page in range(pages):
        pdf.add_page()
        pdf.cell(text=f"Acuerdo 05 de 2024, pagina {page + 1}")
    return bytes(pdf.output())


def zip_of(parts: dict[str, bytes], *, stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def xlsx_with_entries(count: int) -> bytes:
    return zip_of({**XLSX_PARTS, **{f"xl/worksheets/sheet{i}.xml": b"<worksheet/>" for i in range(count - 2)}},
                  stored=True)


def with_declared_entries(archive: bytes, count: int) -> bytes:
    """The end-of-central-directory record rewritten to claim `count` entries."""
    end = archive.rfind(b"PK\x05\x06")
    return archive[:end + 8] + struct.pack("<HH", count, count) + archive[end + 12:]


def duplicated_names() -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate, and writes it
        for name, content in (*XLSX_PARTS.items(), ("xl/workbook.xml", b"<other/>")):
            archive.writestr(name, content)
    return buffer.getvalue()


ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + bytes(256)
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"PE\x00\x00" + bytes(256)
FPDF2 = fpdf2_pdf()

REFUSED = {  # name: (bytes, code, reason)
    "empty": (b"", "empty_file", "empty"),
    "html": (b"<!DOCTYPE html><html><body>Acuerdo</body></html>", "unsupported_media_type", "markup"),
    "html after blank lines": (b"\n\n   <html><script>alert(1)</script></html>", "unsupported_media_type", "markup"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "unsupported_media_type",
            "markup"),
    "xml with a BOM": ("\ufeff<?xml version='1.0'?><a>1,2</a>".encode(), "unsupported_media_type", "markup"),
    "elf executable": (ELF, "unsupported_media_type", "unknown_format"),
    "windows executable": (PE, "unsupported_media_type", "unknown_format"),
    "latin-1 text": ("año;mes\n2024;enero\n".encode("latin-1"), "unsupported_media_type", "unknown_format"),
    "plain text letter": ("Señor alcalde:\nAdjunto el acta de la sesión.\nAtentamente, la secretaría.\n".encode(),
                          "unsupported_media_type", "csv_no_delimiter"),
    "csv of one column": (b"meta\n100\n200\n", "unsupported_media_type", "csv_no_delimiter"),
    "csv of one row": (b"meta,valor,anio\n", "unsupported_media_type", "csv_one_row"),
    "csv with ragged rows": (b"meta,valor,anio\n100,2024\n200,2025,x\n", "unsupported_media_type", "csv_ragged_rows"),
    "pdf header then garbage": (b"%PDF-1.7\n" + b"\x00garbage" * 64, "unsupported_media_type", "pdf_damaged"),
    "pdf header then html": (b"%PDF-<html><body>renamed</body></html>", "unsupported_media_type", "pdf_damaged"),
    "pdf without a trailer": (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "unsupported_media_type",
                              "pdf_damaged"),
    "truncated pdf": (FPDF2[: len(FPDF2) // 2], "unsupported_media_type", "pdf_damaged"),
    "pdf cut before its end marker": (FPDF2[:-8], "unsupported_media_type", "pdf_damaged"),
    "pdf whose root is not a catalog": (SAMPLE_PDF.replace(b"/Type /Catalog", b"/Type /Katalog"),
                                        "unsupported_media_type", "pdf_damaged"),
    "pdf with an empty page tree": (SAMPLE_PDF.replace(b"/Kids [3 0 R] /Count 1", b"/Kids [     ] /Count 0"),
                                    "unsupported_media_type", "pdf_no_pages"),
    "pdf whose page tree loops": (SAMPLE_PDF.replace(b"/Kids [3 0 R]", b"/Kids [2 0 R]"),
                                  "unsupported_media_type", "pdf_damaged"),
    "broken zip": (b"PK\x03\x04" + bytes(64), "unsupported_media_type", "zip_damaged"),
    "zip of an executable": (zip_of({"payload.exe": ELF}), "unsupported_media_type", "zip_not_office"),
    "zip of text files": (zip_of({"[Content_Types].xml": CONTENT_TYPES, "notas.txt": b"hola"}),
                          "unsupported_media_type", "zip_not_office"),
    "xlsx and docx at once": (zip_of({**XLSX_PARTS, **DOCX_PARTS}), "unsupported_media_type", "zip_not_office"),
    "xlsx without content types": (zip_of({"xl/workbook.xml": b"<workbook/>"}), "unsupported_media_type",
                                   "zip_not_office"),
    "xlsx of 1,001 entries": (xlsx_with_entries(1001), "archive_rejected", "zip_too_many_entries"),
    "xlsx hiding entries behind its end record": (with_declared_entries(xlsx_with_entries(3000), 3),
                                                  "archive_rejected", "zip_too_many_entries"),
    "xlsx with ../ in a name": (zip_of({**XLSX_PARTS, "xl/../../etc/cron.d/x": b"x"}), "archive_rejected",
                                "zip_unsafe_path"),
    "xlsx with an absolute name": (zip_of({**XLSX_PARTS, "/etc/passwd": b"x"}), "archive_rejected",
                                   "zip_unsafe_path"),
    "xlsx with a backslash": (zip_of({**XLSX_PARTS, "xl\\..\\evil.xml": b"x"}), "archive_rejected",
                              "zip_unsafe_path"),
    "docx with a drive letter": (zip_of({**DOCX_PARTS, "C:/Windows/evil.dll": b"x"}), "archive_rejected",
                                 "zip_unsafe_path"),
    "xlsx repeating a part": (duplicated_names(), "archive_rejected", "zip_duplicate_name"),
    "zip bomb by ratio": (zip_of({**XLSX_PARTS, "xl/worksheets/sheet1.xml": bytes(16 * 1024 * 1024)}),
                          "archive_rejected", "zip_bomb"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_crafted_bytes_are_refused_with_a_stable_code_and_reason(name):
    content, code, reason = REFUSED[name]
    with pytest.raises(KptError) as refused:
        check(content, ALL)
    assert (refused.value.code, refused.value.details["reason"]) == (code, reason)
    assert refused.value.message and refused.value.details["field"] == "file"


@pytest.mark.parametrize("content, media_type", [
    (SAMPLE_PDF, PDF), (FPDF2, PDF), (fpdf2_pdf(pages=40), PDF), (minimal_pdf("Acta (03) de 2024"), PDF),
    (FPDF2 + b"\n% appended after the end marker", PDF),
    (zip_of(XLSX_PARTS), XLSX), (zip_of(DOCX_PARTS), DOCX), (xlsx_with_entries(1000), XLSX),
    (b"meta,valor\nR220101,55\n", CSV), ("\ufeffmeta;valor;año\nR220101;55;2024\n\n".encode(), CSV),
    (b"meta\tvalor\nR220101\t55\n", CSV), (b'meta|"valor, con coma"\nR220101|55\n', CSV),
], ids=["sample", "fpdf2", "fpdf2 40 pages", "escaped text", "trailing bytes", "xlsx", "docx", "xlsx of 1,000 entries",
        "csv comma", "csv semicolon with BOM", "csv tab", "csv pipe with quotes"])
def test_files_whose_structure_parses_are_accepted_with_their_media_type(content, media_type):
    assert check(content, ALL) == media_type


def test_a_format_the_document_type_does_not_accept_is_refused_naming_what_it_accepts():
    with pytest.raises(KptError) as refused:
        check(zip_of(XLSX_PARTS), ("pdf", "docx"))
    assert refused.value.code == "format_not_accepted" and refused.value.details["reason"] == "format_not_accepted"
    assert refused.value.message == "El archivo es un XLSX, pero este tipo de documento solo admite PDF o DOCX."


def test_the_size_limit_is_applied_before_anything_is_parsed():
    with pytest.raises(KptError) as refused:
        identify(FPDF2, UploadLimits(max_bytes=len(FPDF2) - 1))
    assert refused.value.code == "file_too_large"


def test_a_page_tree_larger_than_the_budget_is_refused_without_walking_it_all():
    with pytest.raises(KptError) as refused:
        identify(fpdf2_pdf(pages=12), UploadLimits(max_pdf_pages=10))
    assert refused.value.details["reason"] == "pdf_too_many_pages"
    assert identify(fpdf2_pdf(pages=9), UploadLimits(max_pdf_pages=10)) == "pdf"  # the Pages node counts too


def test_an_archive_over_the_absolute_uncompressed_limit_is_a_bomb_even_at_a_modest_ratio():
    content = zip_of({**XLSX_PARTS, "xl/worksheets/sheet1.xml": bytes(2 * 1024 * 1024)})
    with pytest.raises(KptError) as refused:
        identify(content, UploadLimits(max_uncompressed_bytes=1024 * 1024, max_compression_ratio=10_000))
    assert refused.value.details["reason"] == "zip_bomb"


def test_every_document_type_accepts_pdf_and_signed_acts_accept_only_pdf():
    catalog = load_catalog()
    assert all("pdf" in d.formats for d in catalog.documents)
    for code in ("acto_aprobacion", "decreto_adopcion", "radicado_ctp", "radicado_corporacion", "acta_consejo_gobierno"):
        assert catalog.get(code).formats == ("pdf",)
    assert "xlsx" in catalog.get("plan_plurianual_inversiones").formats


@pytest.mark.parametrize("formats, complaint", [
    (["pdf", "exe"], "formats"), ([], "formats"), (["pdf", "pdf"], "formato repetido")])
def test_a_catalog_with_unknown_missing_or_repeated_formats_is_a_load_error(formats, complaint, tmp_path: Path):
    data = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    data["documents"][0]["formats"] = formats
    path = tmp_path / "documentos.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError) as error:
        load_catalog(path)
    assert str(path) in error.value.message and complaint in error.value.message


def test_a_pdf_built_to_keep_the_parser_busy_is_refused_before_parsing():
    """550,000 empty objects in 25 MB kept pypdf busy 4-8 s; counted first, the file is refused at once."""
    body = b"".join(b"%d 0 obj<<>>endobj\n" % n for n in range(1, 250_002))
    hostile = b"%PDF-1.4\n" + body + b"trailer<</Size 250002/Root 1 0 R>>\nstartxref\n0\n%%EOF\n"
    start = time.perf_counter()
    with pytest.raises(KptError) as refused:
        identify(hostile)
    assert refused.value.details["reason"] == "pdf_too_many_objects"
    assert time.perf_counter() - start < 1.0  # the count, not the parser (which took seconds)
    assert identify(fpdf2_pdf(pages=3), UploadLimits(max_pdf_objects=100)) == "pdf"
