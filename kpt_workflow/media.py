"""Media types from the content, not the filename."""

import io
import zipfile

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV = "text/csv"


def sniff(content: bytes) -> str | None:
    """PDF, XLSX, DOCX or CSV (UTF-8 text); None for anything else."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            if any(n.startswith("xl/") for n in names):
                return XLSX
            if any(n.startswith("word/") for n in names):
                return DOCX
        return None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return CSV if text and "\x00" not in text else None
