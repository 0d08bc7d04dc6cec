"""A file is what its bytes say: PDF, XLSX, DOCX or CSV, each proved by parsing it (never by its
name or declared type), then held against the formats its document type accepts. Everything else
(plain text, HTML, SVG, executables, archives of anything else) is refused with a stable `reason`.

Office files are zip archives: their central directory is bounded and inspected (entries, names,
declared sizes) before anything in them is read, and nothing in them is decompressed here."""

import csv
import io
import logging
import struct
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from kpt_workflow.base.errors import ArchiveRejected, EmptyFile, FileTooLarge, FormatNotAccepted, KptError, UnsupportedFile
from kpt_workflow.base.figures import amount

if TYPE_CHECKING:
    from pypdf.generic import PdfObject

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV = "text/csv"
Format = Literal["pdf", "xlsx", "docx", "csv"]  # what a document type may accept (catalogs/documentos.yaml)
MEDIA_TYPES: dict[Format, str] = {"pdf": PDF, "xlsx": XLSX, "docx": DOCX, "csv": CSV}
FORMATS = tuple(MEDIA_TYPES)
# The errors a file's content can earn (the service audits each of them as a refused filing).
REFUSALS: tuple[type[KptError], ...] = (EmptyFile, FileTooLarge, UnsupportedFile, ArchiveRejected)

_ZIP_LOCAL, _ZIP_END = b"PK\x03\x04", b"PK\x05\x06"
_ZIP_END_SIZE, _ZIP_COMMENT_MAX = 22, 0xFFFF
_CENTRAL_ENTRY_BUDGET = 512  # bytes of central directory allowed per entry (OOXML part names are short)
# An OOXML package is a zip with [Content_Types].xml and its format's main part (ECMA-376 part 2).
_OFFICE_PARTS: dict[Format, str] = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}
_CONTENT_TYPES = "[Content_Types].xml"
_ACCEPTED = "Se aceptan PDF, XLSX, DOCX o CSV, según su contenido (no su nombre)."
_CSV_SAMPLE = 64 * 1024
_CSV_DELIMITERS = ",;\t|"
_TEXT_CONTROLS = {chr(c) for c in range(32)} - set("\t\n\r") | {"\x7f"}
logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged upload is refused, not logged line by line


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = 25 * 1024 * 1024
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    max_compression_ratio: int = 100
    max_archive_entries: int = 1000
    max_pdf_pages: int = 10_000
    max_pdf_xref_stream_entries: int = 200_000  # pypdf's default, 2,000,000, would take it seconds to read
    max_pdf_objects: int = 200_000  # pypdf reads a plain xref table whole: 550,000 objects took it 4-8 s here


def check(content: bytes, formats: Collection[str], limits: UploadLimits = UploadLimits()) -> str:
    """The media type of `content` if its bytes prove it one of `formats` (pdf, xlsx, docx, csv);
    otherwise one of REFUSALS, with a Spanish message and a stable `reason`."""
    found = identify(content, limits)
    if found not in formats:
        *others, last = [f.upper() for f in FORMATS if f in formats]
        accepted = f"{', '.join(others)} o {last}" if others else last
        raise FormatNotAccepted(f"El archivo es un {found.upper()}, pero este tipo de documento solo admite {accepted}.",
                                field="file", reason="format_not_accepted")
    return MEDIA_TYPES[found]


def identify(content: bytes, limits: UploadLimits = UploadLimits()) -> Format:
    """pdf, xlsx, docx or csv, each only once its structure has parsed; anything else is refused."""
    if not content:
        raise EmptyFile("El archivo está vacío.", field="file", reason="empty")
    if len(content) > limits.max_bytes:
        raise FileTooLarge(f"El archivo pesa {len(content):,} bytes; el máximo es {limits.max_bytes:,}."
                           .replace(",", "."), field="file", reason="too_large")
    if content.startswith(b"%PDF-"):
        _check_pdf(content, limits)
        return "pdf"
    if content.startswith(_ZIP_LOCAL):
        return _office_format(content, limits)
    _check_csv(content)
    return "csv"


def _unsupported(message: str, reason: str) -> UnsupportedFile:
    return UnsupportedFile(message, field="file", reason=reason)


def _check_pdf(content: bytes, limits: UploadLimits) -> None:
    """The trailer must lead to a catalog whose page tree parses and holds at least one page.
    The objects are counted first (one pass in C, ~10 ms for 25 MB), so the parser never starts on
    a file built to keep it busy."""
    from pypdf import PdfReader  # here: loading pypdf takes 0.1 s, which every `kpt` command would pay

    if content.count(b"endobj") > limits.max_pdf_objects:
        raise _unsupported(f"El PDF tiene más de {limits.max_pdf_objects:,} objetos; guárdelo de nuevo (optimizado) "
                           f"o divídalo en partes.".replace(",", "."), "pdf_too_many_objects")
    try:
        reader = PdfReader(io.BytesIO(content), xref_stream_maximum_entries=limits.max_pdf_xref_stream_entries)
        catalog = reader.trailer["/Root"].get_object()
        if catalog.get("/Type") != "/Catalog":
            raise ValueError("the trailer's /Root is not a catalog")
        pages = _count_pages(catalog["/Pages"], limits.max_pdf_pages)
    except UnsupportedFile:
        raise
    # A hostile PDF can make pypdf raise almost anything (KeyError, TypeError, RecursionError,
    # zlib.error, LimitReachedError, ...): whatever it raises, the file is not a PDF we can keep.
    except Exception as exc:
        raise _unsupported("El archivo dice ser PDF pero su estructura está dañada o incompleta.",
                           "pdf_damaged") from exc
    if pages < 1:
        raise _unsupported("El PDF no tiene ninguna página.", "pdf_no_pages")


def _count_pages(tree: "PdfObject", budget: int) -> int:
    """Walk the page tree node by node (each parsed by pypdf), at most `budget` nodes: pypdf's own
    flattening has no bound (200,000 tiny pages in 20 MB took it 12 s here). A cycle is damage."""
    from pypdf.generic import DictionaryObject, IndirectObject

    pending, seen, pages = [tree], set(), 0
    while pending:
        reference = pending.pop()
        key = (reference.idnum, reference.generation) if isinstance(reference, IndirectObject) else id(reference)
        if key in seen:
            raise ValueError("the page tree has a cycle")
        seen.add(key)
        if len(seen) > budget:
            raise _unsupported(f"El PDF tiene más de {amount(budget, 'página')}; divídalo en partes.",
                               "pdf_too_many_pages")
        node = reference.get_object()
        if not isinstance(node, DictionaryObject):
            raise ValueError("a page tree node is not a dictionary")
        if "/Kids" in node:
            pending.extend(node["/Kids"].get_object())
        else:
            pages += 1
    return pages


def _office_format(content: bytes, limits: UploadLimits) -> Format:
    """xlsx or docx: the archive is bounded and safe, and holds the parts its format requires."""
    _check_zip_directory(content, limits)
    try:
        infos = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise _unsupported("El archivo parece un ZIP pero está dañado.", "zip_damaged") from exc
    if len(infos) > limits.max_archive_entries:
        raise _too_many_entries(limits)
    names = [info.filename for info in infos]
    unsafe = next((n for n in names if _unsafe_member(n)), None)
    if unsafe is not None:
        raise ArchiveRejected(f"El archivo comprimido contiene una ruta insegura ({unsafe[:80]!r}); no se guardó.",
                              field="file", reason="zip_unsafe_path")
    if len(set(names)) != len(names):
        raise ArchiveRejected("El archivo comprimido repite un nombre de parte; no se guardó.",
                              field="file", reason="zip_duplicate_name")
    uncompressed = sum(info.file_size for info in infos)
    if uncompressed > limits.max_uncompressed_bytes or uncompressed > limits.max_compression_ratio * len(content):
        raise ArchiveRejected("El archivo comprimido se expande de forma desproporcionada (posible bomba ZIP); "
                              "no se guardó.", field="file", reason="zip_bomb")
    present = set(names)
    found = [fmt for fmt, part in _OFFICE_PARTS.items() if part in present]
    if _CONTENT_TYPES not in present or len(found) != 1:
        raise _unsupported("El archivo es un ZIP, pero no un XLSX ni un DOCX con sus partes obligatorias. "
                           f"{_ACCEPTED}",
                           "zip_not_office")
    return found[0]


def _check_zip_directory(content: bytes, limits: UploadLimits) -> None:
    """Read the end-of-central-directory record ourselves, so that an archive claiming more
    entries (or a larger directory) than allowed is refused before zipfile parses its directory."""
    tail = content[-(_ZIP_END_SIZE + _ZIP_COMMENT_MAX):]
    at = tail.rfind(_ZIP_END)
    if at < 0 or len(tail) - at < _ZIP_END_SIZE:
        raise _unsupported("El archivo parece un ZIP pero está dañado.", "zip_damaged")
    _, _, _, _, entries, directory_size, _, _ = struct.unpack("<4s4H2LH", tail[at:at + _ZIP_END_SIZE])
    if entries > limits.max_archive_entries or directory_size > limits.max_archive_entries * _CENTRAL_ENTRY_BUDGET:
        raise _too_many_entries(limits)


def _too_many_entries(limits: UploadLimits) -> ArchiveRejected:
    return ArchiveRejected(f"El archivo comprimido tiene más de {limits.max_archive_entries:,} partes; no se guardó."
                           .replace(",", "."), field="file", reason="zip_too_many_entries")


def _unsafe_member(name: str) -> bool:
    """A part name that could escape a folder when extracted: absolute, a drive, `..`, a backslash."""
    return (not name or name.startswith("/") or "\\" in name or ":" in name.split("/")[0]
            or ".." in name.split("/") or any(ch in _TEXT_CONTROLS for ch in name))


def _check_csv(content: bytes) -> None:
    """UTF-8 text (a BOM is allowed) that is a table: a delimiter, ≥ 2 columns, ≥ 2 rows, and every
    non-empty row as wide as the first."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _unsupported(f"El archivo no es PDF, XLSX, DOCX ni texto UTF-8. {_ACCEPTED}",
                           "unknown_format") from exc
    if any(ch in _TEXT_CONTROLS for ch in text[:_CSV_SAMPLE]):
        raise _unsupported(f"El archivo contiene datos binarios de un tipo no admitido. {_ACCEPTED}",
                           "unknown_format")
    if text.lstrip().startswith("<"):
        raise _unsupported(f"El archivo es HTML, XML o SVG, que no se admiten. {_ACCEPTED}", "markup")
    rows, widths = 0, set()
    try:  # row by row, keeping only their widths: a 25 MB table is never held as lists of cells
        for row in csv.reader(io.StringIO(text, newline=""), _dialect(text[:_CSV_SAMPLE])):
            if any(row):  # a blank line is [] and a line of bare delimiters ['', '']: neither is a row
                rows += 1
                widths.add(len(row))
    except csv.Error as exc:
        raise _not_a_table("no se pudo leer como tabla", "csv_unreadable") from exc
    if rows < 2:
        raise _not_a_table("tiene menos de dos filas", "csv_one_row")
    if min(widths) < 2:
        raise _not_a_table("tiene una sola columna", "csv_one_column")
    if len(widths) > 1:
        raise _not_a_table(f"sus filas tienen distinto número de columnas ({', '.join(map(str, sorted(widths)))})",
                           "csv_ragged_rows")


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    """The Sniffer's dialect; when rows disagree it finds none, so the first line's most frequent
    delimiter is taken instead, and the rows' widths say what is wrong."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=_CSV_DELIMITERS)
    except csv.Error:
        header = sample.lstrip().partition("\n")[0]
        delimiter = max(_CSV_DELIMITERS, key=header.count)
        if not header.count(delimiter):
            raise _not_a_table("no se encontró un separador (, ; | o tabulador)", "csv_no_delimiter") from None
        return type("FirstLine", (csv.excel,), {"delimiter": delimiter})


def _not_a_table(why: str, reason: str) -> UnsupportedFile:
    return _unsupported(f"El archivo es texto pero no una tabla CSV: {why}.", reason)
