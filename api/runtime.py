"""What a running app holds: its settings, its one engine, the threads that use it, and its file store."""

from dataclasses import dataclass, field

from sqlalchemy import Engine

from kpt_workflow.storage.db_threads import DatabaseThreads
from kpt_workflow.storage.blobs import BlobStore
from kpt_workflow.base.config import Settings
from kpt_workflow.storage.db import make_engine
from kpt_workflow.base.media import UploadLimits
from kpt_workflow.storage.migrate import require_current_schema
from kpt_workflow.reports.plan_terms import PlanTerms, TermsCache
from kpt_workflow.services.open_data import OpenDataFiles


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    db_threads: DatabaseThreads  # the one executor of the routes' database work (api/database_work.py) …
    read_threads: DatabaseThreads  # … and its lane for reads (on PostgreSQL, the same threads)
    blobs: BlobStore
    limits: UploadLimits
    # The whole country's terms (the DNP's alerts) and the open data files, each kept under the
    # chains' heads and the day (kpt_workflow.reports.plan_terms.TermsCache).
    country_terms: TermsCache[list[PlanTerms]] = field(default_factory=TermsCache)
    open_data: TermsCache[OpenDataFiles] = field(default_factory=TermsCache)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Runtime":
        engine = require_current_schema(make_engine(settings.database_url, settings.sqlite_busy_timeout_ms))
        threads = DatabaseThreads.for_engine(engine)
        return cls(settings, engine, threads, threads.readers(), BlobStore(settings.data_dir),
                   UploadLimits(max_bytes=settings.max_document_bytes))

    def stop_threads(self) -> None:
        """Let both lanes finish the work queued, then end their threads."""
        for threads in {id(lane): lane for lane in (self.db_threads, self.read_threads)}.values():
            threads.shutdown()
