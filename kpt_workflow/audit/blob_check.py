"""Documents are part of the proof: every blob a `document_filed` event names must be in the store
with the bytes of its SHA-256 and size, and the store holds nothing else. The chain proves the
events (kpt_workflow.storage.event_log); this proves the files they point to, beside it and separately.

Also the check a download makes before it sends a byte (`open_verified`)."""

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from sqlalchemy import ColumnElement, Connection, select

from kpt_workflow.storage.event_log import EVENTS
from kpt_workflow.audit import security_log

from kpt_workflow.storage.blobs import BlobStore, Stored, digest_of, is_blob_name, is_temp_name
from kpt_workflow.base.errors import InvalidInput, KptError
from kpt_workflow.storage.tables import Document
from kpt_workflow.base.figures import amount

DOCUMENT = Document.__table__
TEMP_GRACE_SECONDS = 300
"""A temporary file younger than this may be a write in flight: neither reported nor collected."""
BLOB_GRACE_SECONDS = 60
"""A filing stores its blob a moment before its event commits (and `BlobStore.put` refreshes the
mtime of a blob it finds): `kpt blobs gc` lists an unnamed blob younger than this, but keeps it."""
Kind = Literal["alterado", "ausente", "sin_referencia"]
KIND_LABELS = {"alterado": "ALTERADO", "ausente": "AUSENTE", "sin_referencia": "SIN REFERENCIA"}
_KIND: dict[str, Kind] = {"altered": "alterado", "absent": "ausente"}


class DocumentAltered(KptError):
    code = "documento_alterado"


class DocumentMissing(KptError):
    code = "documento_ausente"


@dataclass(frozen=True)
class Reference:
    """A filed version naming a blob: where a damaged file is felt."""

    plan_id: str
    doc_type: str
    version: int
    size: int

    def label(self) -> str:
        return f"{self.plan_id} {self.doc_type} v{self.version}"


@dataclass(frozen=True)
class Problem:
    kind: Kind
    path: str  # relative to the store's folder
    sha256: str | None  # the name, when it is one
    size: int | None  # on disk (None: missing)
    references: tuple[Reference, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "path": self.path, "sha256": self.sha256, "size": self.size,
                "documents": [{"plan_id": r.plan_id, "doc_type": r.doc_type, "version": r.version,
                               "expected_size": r.size} for r in self.references]}

    def line(self, shown: int = 5) -> str:
        """One line in Spanish, naming the plan, type and version of (at most `shown` of) its documents."""
        names = "; ".join(r.label() for r in self.references[:shown])
        more = len(self.references) - shown
        whose = f" — {names}" + (f" y {amount(more, 'documento')} más" if more > 0 else "") if names else ""
        size = "" if self.size is None else f" ({self.size} bytes)"
        return f"  - {KIND_LABELS[self.kind]}: {self.path}{size}{whose}"


@dataclass
class BlobReport:
    files: int = 0  # distinct blobs re-hashed
    bytes: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def mb_per_s(self) -> float:
        return round(self.bytes / 1e6 / self.seconds, 1) if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "files": self.files, "bytes": self.bytes, "seconds": round(self.seconds, 3),
                "mb_per_s": self.mb_per_s, "problems": [p.as_dict() for p in self.problems]}


def repaired(conn: Connection, stored: Stored) -> bool:
    """A filing's blob replaced an altered file, or restored a missing one that a document (of
    any plan) was filed with before: what a filing reports as `blob_reparado`."""
    if stored.found != "absent":
        return stored.found == "altered"
    return conn.execute(select(DOCUMENT.c.id).where(DOCUMENT.c.sha256 == stored.sha256).limit(1)).first() is not None


def restore(conn: Connection, blobs: BlobStore, content: bytes, who: str) -> tuple[Stored, list[Reference]]:
    """Put back the bytes of a filed document, whatever its plan's state (a finished plan takes no
    new filing): refused unless an event names their SHA-256, which is what proves them. A copy
    that was altered or missing is rewritten, and the repair goes to the security log."""
    digest = hashlib.sha256(content).hexdigest()
    refs = references(conn, EVENTS.c.payload.contains(digest)).get(digest)
    if not refs:
        raise InvalidInput(f"Ningún documento radicado tiene la huella {digest}: no hay nada que restituir con este "
                           "archivo (¿es el original?).", field="path")
    stored = blobs.put(content)
    if stored.written:
        more = f" y {len(refs) - 5} más" if len(refs) > 5 else ""
        security_log.record(conn, "documento_restituido", who, detail=f"{digest} ({KIND_LABELS[_KIND[stored.found]]}): "
                            + "; ".join(r.label() for r in refs[:5]) + more)
    return stored, refs


def references(conn: Connection, *where: ColumnElement[bool]) -> dict[str, list[Reference]]:
    """Every blob the events name (filed versions; a refused file has no blob), by SHA-256."""
    named: dict[str, list[Reference]] = {}
    query = (select(EVENTS.c.plan_id, EVENTS.c.payload).where(EVENTS.c.event_type == "document_filed", *where)
             .order_by(EVENTS.c.seq).execution_options(yield_per=5000))
    for plan_id, payload in conn.execute(query):
        document = json.loads(payload)
        if document.get("sha256"):
            named.setdefault(document["sha256"], []).append(
                Reference(plan_id, document["doc_type"], document["version"], document["size"]))
    return named


@dataclass(frozen=True)
class StoredFile:
    path: Path
    size: int
    modified: float

    def younger_than(self, seconds: float, now: float) -> bool:
        return now - self.modified < seconds


def stored_files(blobs: BlobStore) -> Iterator[StoredFile]:
    """Every file under the store's folder, at any depth (a stray file may be anywhere)."""
    for folder, _, names in os.walk(blobs.folder):
        for name in names:
            path = Path(folder, name)
            try:
                stat = path.lstat()
            except FileNotFoundError:  # removed while we walked (a temp file renamed)
                continue
            yield StoredFile(path, stat.st_size, stat.st_mtime)


def unreferenced(blobs: BlobStore, named: dict[str, list[Reference]], listed: list[StoredFile],
                 now: float) -> list[StoredFile]:
    """Files of `listed` no event names: anything but a referenced blob in its place, sparing a
    recent temp file (a write in flight). List the files before reading `named`, so that a blob
    stored before its event committed is named by the time it is judged."""
    return [f for f in listed
            if not (is_blob_name(f.path.name) and f.path.name in named and f.path == blobs.path_for(f.path.name))
            and not (is_temp_name(f.path.name) and f.younger_than(TEMP_GRACE_SECONDS, now))]


def check(blobs: BlobStore, named: dict[str, list[Reference]], listed: list[StoredFile],
          progress: Callable[[int], None] = lambda _: None) -> BlobReport:
    """Re-hash every named blob once (streaming) and compare it with its events' hash and size;
    `progress` gets the bytes of each file as it is done."""
    report, started = BlobReport(), time.perf_counter()
    for sha256, refs in named.items():
        path = blobs.path_for(sha256)
        try:
            with path.open("rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                intact = size == refs[0].size and digest_of(handle) == sha256
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            report.problems.append(Problem("ausente", _relative(blobs, path), sha256, None, tuple(refs)))
            continue
        report.files, report.bytes = report.files + 1, report.bytes + size
        if not intact:
            report.problems.append(Problem("alterado", _relative(blobs, path), sha256, size, tuple(refs)))
        progress(size)
    now = time.time()
    report.problems.extend(Problem("sin_referencia", _relative(blobs, f.path),
                                   f.path.name if is_blob_name(f.path.name) else None, f.size)
                           for f in unreferenced(blobs, named, listed, now))
    report.seconds = time.perf_counter() - started
    return report


@dataclass(frozen=True)
class Garbage:
    """A file `kpt blobs gc` lists: an unnamed blob or stray file, or an old temporary file."""

    file: StoredFile
    relative: str
    temporary: bool
    kept: bool  # a blob too recent to remove (see BLOB_GRACE_SECONDS)

    def as_dict(self) -> dict[str, object]:
        return {"path": self.relative, "size": self.file.size, "temporary": self.temporary, "kept": self.kept}


def garbage(blobs: BlobStore, named: dict[str, list[Reference]], listed: list[StoredFile]) -> list[Garbage]:
    now = time.time()
    return [Garbage(f, _relative(blobs, f.path), is_temp_name(f.path.name),
                    is_blob_name(f.path.name) and f.younger_than(BLOB_GRACE_SECONDS, now))
            for f in unreferenced(blobs, named, listed, now)]


def remove(found: list[Garbage]) -> list[Garbage]:
    """Delete what `garbage` found, but what it keeps; returns what was deleted."""
    removed = []
    for item in found:
        if not item.kept:
            item.file.path.unlink(missing_ok=True)
            removed.append(item)
    return removed


def _relative(blobs: BlobStore, path: Path) -> str:
    return str(path.relative_to(blobs.folder))


def open_verified(blobs: BlobStore, sha256: str, size: int | None, what: str) -> BinaryIO:
    """The blob open, its bytes checked against its name and size, positioned at its start: the
    caller sends from this very handle, so a file swapped in after the check (a rename over the
    name) is not what is sent. `what` names the document in the refusal."""
    path = blobs.path_for(sha256)
    try:
        handle = path.open("rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise DocumentMissing(f"El archivo de {what} no está en el almacén de documentos: no se puede entregar. "
                              "Vuelva a radicar el mismo archivo para restituirlo.", sha256=sha256) from None
    try:
        if os.fstat(handle.fileno()).st_size != size or digest_of(handle) != sha256:
            raise DocumentAltered(f"El archivo de {what} fue alterado en el almacén: su contenido ya no corresponde "
                                  "a su huella SHA-256 y no se entrega. Vuelva a radicar el archivo original para "
                                  "restituirlo.", sha256=sha256)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return handle
