"""Media types from the content, never from the filename; office files are zip archives, so
they are also checked for zip bombs before anything is stored."""

import io
import zipfile
from dataclasses import dataclass

from kpt_workflow.errors import ArchiveRejected, EmptyFile, FileTooLarge, UnsupportedFile

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV = "text/csv"


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = 25 * 1024 * 1024
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    max_compression_ratio: int = 100


def sniff(content: bytes, limits: UploadLimits = UploadLimits()) -> str:
    """PDF, XLSX, DOCX or CSV (UTF-8 text), judged by the bytes; anything else is refused."""
    if not content:
        raise EmptyFile("El archivo está vacío.", field="file")
    if len(content) > limits.max_bytes:
        raise FileTooLarge(f"El archivo pesa {len(content):,} bytes; el máximo es {limits.max_bytes:,}."
                           .replace(",", "."), field="file")
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"PK\x03\x04"):
        return _office_type(content, limits)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and _looks_textual(text):
        return CSV
    raise UnsupportedFile("Tipo de archivo no admitido: se aceptan PDF, XLSX, DOCX o CSV (según su contenido, "
                          "no su nombre).", field="file")


def _looks_textual(text: str) -> bool:
    """CSV is text: no control characters other than tabs and line breaks."""
    return all(ch.isprintable() or ch in "\t\r\n" for ch in text[:4096])


def _office_type(content: bytes, limits: UploadLimits) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise UnsupportedFile("El archivo parece un ZIP pero está dañado.", field="file") from exc
    uncompressed = sum(info.file_size for info in infos)
    if uncompressed > limits.max_uncompressed_bytes or uncompressed > limits.max_compression_ratio * len(content):
        raise ArchiveRejected("El archivo comprimido se expande de forma desproporcionada (posible bomba ZIP); "
                              "no se guardó.", field="file")
    names = {info.filename for info in infos}
    if "[Content_Types].xml" in names:
        if any(n.startswith("xl/") for n in names):
            return XLSX
        if any(n.startswith("word/") for n in names):
            return DOCX
    raise UnsupportedFile("Solo se aceptan archivos ZIP de Office (XLSX o DOCX).", field="file")
