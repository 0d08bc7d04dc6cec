"""What a running app holds: its settings, its one engine and its file store."""

from dataclasses import dataclass

from sqlalchemy import Engine

from kpt_workflow.blobs import BlobStore
from kpt_workflow.config import Settings
from kpt_workflow.db import make_engine
from kpt_workflow.media import UploadLimits


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    blobs: BlobStore
    limits: UploadLimits

    @classmethod
    def from_settings(cls, settings: Settings) -> "Runtime":
        return cls(settings, make_engine(settings.database_url, settings.sqlite_busy_timeout_ms),
                   BlobStore(settings.data_dir), UploadLimits(max_bytes=settings.max_upload_bytes))
