"""What a backup holds, written beside it as `manifest.json` and checked again after a restore:
the chain's size and head, the schema revision, and the blobs (count and one hash over all)."""

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, inspect, select, text

from kpt_workflow.storage.event_log import EVENTS
from kpt_workflow import __version__

from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.storage.tables import Plan

MANIFEST = "manifest.json"
SQLITE_COPY = "kpt.db"
POSTGRES_DUMP = "kpt.dump"
BLOBS = "blobs"
_BLOB_NAME = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BlobInventory:
    """The blobs of a folder: how many, their bytes, and SHA-256 over the sorted "sha256 size" lines
    (two folders with the same inventory hold the same files, named by the same hashes)."""

    count: int
    total_bytes: int
    total_hash: str


@dataclass
class Manifest:
    database: str  # "sqlite" | "postgresql"
    file: str
    chain_size: int
    head_hash: str | None
    plans: int
    schema_revision: str | None
    blobs: BlobInventory
    created_at: str  # UTC, "YYYY-MM-DDTHH:MM:SSZ"
    code_version: str = __version__
    damaged_blobs: list[str] = field(default_factory=list)  # altered or missing in the source: not copied

    def write(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> "Manifest":
        try:
            data: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            return cls(**{**data, "blobs": BlobInventory(**data["blobs"])})
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise InvalidInput(f"'{folder}' no es un respaldo de kpt: falta o no se lee su {MANIFEST}.",
                               field="origen") from exc


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ChainState:
    """The chain's last event (seq 0 and no hash when empty), the plans and the schema revision,
    read in one transaction."""

    size: int
    head_hash: str | None
    plans: int
    schema_revision: str | None


def chain_state(conn: Connection) -> ChainState:
    size = conn.execute(select(func.coalesce(func.max(EVENTS.c.seq), 0))).scalar_one()
    head = conn.execute(select(EVENTS.c.hash).where(EVENTS.c.seq == size)).scalar() if size else None
    plans = conn.execute(select(func.count()).select_from(Plan.__table__)).scalar_one()
    return ChainState(size, head, plans, schema_revision(conn))


def schema_revision(conn: Connection) -> str | None:
    """Alembic's revision stamp (None for a database never migrated)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def blob_files(root: Path) -> Iterator[Path]:
    """The blobs under `root` (a data folder or a backup): files named by a SHA-256 in their two-
    character folder; a leftover temporary file of an interrupted write is no blob."""
    folder = root / BLOBS
    if folder.is_dir():
        for path in sorted(folder.glob("??/*")):
            if path.is_file() and _BLOB_NAME.fullmatch(path.name) and path.parent.name == path.name[:2]:
                yield path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def inventory(sizes: dict[str, int]) -> BlobInventory:
    """The inventory of blobs known by hash and size."""
    lines = "".join(f"{sha} {size}\n" for sha, size in sorted(sizes.items()))
    return BlobInventory(len(sizes), sum(sizes.values()), hashlib.sha256(lines.encode()).hexdigest())
