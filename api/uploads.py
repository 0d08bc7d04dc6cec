"""Reading an uploaded file within the size limit. Its name is kept as metadata only (sanitized),
never used as a path: files are stored under their SHA-256. And the other way: a download's name
and body."""

import hashlib
import unicodedata
from collections.abc import Iterator
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, BinaryIO
from urllib.parse import quote

from fastapi import UploadFile
from starlette.concurrency import run_in_threadpool

from kpt_workflow import services
from kpt_workflow.base.errors import FileTooLarge
from kpt_workflow.base.media import UploadLimits

MAX_NAME = 120  # characters of a display name, its extension included
MAX_EXTENSION = 10
# Control (Cc) and format (Cf) characters: NUL, line breaks, and the bidi overrides and isolates
# (U+202E shows 'informe\u202Efdp.exe' as 'informeexe.pdf') and zero-width characters.
_HIDDEN = ("Cc", "Cf")


def read_upload(upload: UploadFile, limits: UploadLimits) -> tuple[bytes, str]:
    """The bytes (at most the limit; one byte more is a refusal) and a display name."""
    content = upload.file.read(limits.max_bytes + 1)
    if len(content) > limits.max_bytes:
        raise FileTooLarge(f"El archivo supera el máximo de {limits.max_bytes:,} bytes.".replace(",", "."),
                           field="file")
    return content, display_name(upload.filename or "")


async def screened_filing(upload: UploadFile, limits: UploadLimits, **filing: Any) -> services.Filing:
    """The filing of an uploaded file, its bytes read and judged (`services.screen`) in AnyIO's
    pool, before it goes to the database's writer: a PDF of thousands of pages takes a second to
    judge, and no other request waits on it."""
    def read_and_screen() -> services.Filing:
        content, filename = read_upload(upload, limits)
        return services.screen(services.Filing(content=content, filename=filename, **filing))
    return await run_in_threadpool(read_and_screen)


def display_name(name: str) -> str:
    """'../../etc/passwd' → 'passwd'; a name for people to read, nothing more: without hidden
    characters, and at most MAX_NAME characters, cut in the stem so the extension survives."""
    visible = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch) not in _HIDDEN)
    base = PureWindowsPath(PurePosixPath(visible).name).name.strip()
    if not base.strip("."):
        return "archivo"
    stem, dot, extension = base.rpartition(".")
    if not dot or not stem or len(extension) > MAX_EXTENSION:
        return base[:MAX_NAME]
    return f"{stem[:MAX_NAME - len(extension) - 1].rstrip()}.{extension}"


def content_disposition(name: str) -> str:
    """`attachment` (never shown inline) with the name twice (RFC 6266): an ASCII fallback for old
    clients in `filename`, and the exact UTF-8 name, percent-encoded, in `filename*` (RFC 5987)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(ch if ch.isalnum() or ch in " .-_()" else "_" for ch in ascii_name).strip() or "archivo"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_chunks(handle: BinaryIO, size: int = 256 * 1024) -> Iterator[bytes]:
    """A download's body from an open file, closed at its end (or when the client goes)."""
    with handle:
        while chunk := handle.read(size):
            yield chunk


def content_hash(content: bytes | None) -> str | None:
    return hashlib.sha256(content).hexdigest() if content is not None else None
