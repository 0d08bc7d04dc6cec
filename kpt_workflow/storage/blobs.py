"""Content-addressed storage of filed files under the data directory (SHA-256 names, never the
user's filename, so a name can never become a path)."""

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Literal, NamedTuple

TEMP_PREFIX = "tmp"
"""How a file being written is named until its rename (mkstemp's: "tmp" and 8 random characters)."""
_BLOB_NAME = re.compile(r"[0-9a-f]{64}")


class Stored(NamedTuple):
    sha256: str
    found: Literal["intact", "altered", "absent"]  # what the store held under that name before

    @property
    def written(self) -> bool:
        return self.found != "intact"


def is_blob_name(name: str) -> bool:
    return _BLOB_NAME.fullmatch(name) is not None


def is_temp_name(name: str) -> bool:
    return name.startswith(TEMP_PREFIX) and not is_blob_name(name)


def digest_of(handle: BinaryIO) -> str:
    """SHA-256 of an open file from its current position, read in chunks (bounded memory)."""
    return hashlib.file_digest(handle, "sha256").hexdigest()


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def folder(self) -> Path:
        """Everything the store writes lives here (blobs and their temporary files)."""
        return self.root / "blobs"

    def path_for(self, sha256: str) -> Path:
        return self.folder / sha256[:2] / sha256

    def holds(self, sha256: str) -> bool:
        """The file named `sha256` exists and its bytes hash to its name."""
        try:
            with self.path_for(sha256).open("rb") as handle:
                return digest_of(handle) == sha256
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return False

    def put(self, content: bytes) -> Stored:
        """Store `content` once and return its SHA-256. A file already there is re-hashed: if its
        bytes were altered (or it was deleted), the new copy replaces it, which is how filing the
        same document again repairs it. A file found intact gets a fresh mtime, so that `kpt blobs
        gc`, which spares recent files, does not take a blob an event is about to name."""
        digest = hashlib.sha256(content).hexdigest()
        target = self.path_for(digest)
        if self.holds(digest):
            os.utime(target)
            return Stored(digest, "intact")
        found: Literal["altered", "absent"] = "altered" if target.exists() or target.is_symlink() else "absent"
        target.parent.mkdir(parents=True, exist_ok=True)
        self._write(target, content)
        return Stored(digest, found)

    @staticmethod
    def _write(target: Path, content: bytes) -> None:
        """Temp file + fsync + rename + fsync of the folder: the name shows either nothing, the old
        file or the whole new one. Every failure (disk full, file size limit) removes the temp file."""
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=TEMP_PREFIX)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself survives a power cut
        finally:
            os.close(folder)

    def get(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()
