"""Reading an uploaded file within the size limit. Its name is kept as metadata only (sanitized),
never used as a path: files are stored under their SHA-256."""

import hashlib
import re
from pathlib import PurePosixPath, PureWindowsPath

from fastapi import UploadFile

from kpt_workflow.errors import FileTooLarge
from kpt_workflow.media import UploadLimits

_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


def read_upload(upload: UploadFile, limits: UploadLimits) -> tuple[bytes, str]:
    """The bytes (at most the limit; one byte more is a refusal) and a display name."""
    content = upload.file.read(limits.max_bytes + 1)
    if len(content) > limits.max_bytes:
        raise FileTooLarge(f"El archivo supera el máximo de {limits.max_bytes:,} bytes.".replace(",", "."),
                           field="file")
    return content, display_name(upload.filename or "")


def display_name(name: str) -> str:
    """'../../etc/passwd' → 'passwd'; a name for people to read, nothing more."""
    base = _UNSAFE.sub("", PureWindowsPath(PurePosixPath(name).name).name)[:200]
    return base if base.strip(". ") else "archivo"


def content_hash(content: bytes | None) -> str | None:
    return hashlib.sha256(content).hexdigest() if content is not None else None
