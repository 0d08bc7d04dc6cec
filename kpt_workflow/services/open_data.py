"""The open data files (kpt_workflow.reports.open_data), for anyone, without login.

Every plan's row needs its terms (about half a second for the whole country's 1,134 plans), and
they change only with an event in either chain or with the day: so the files are built once per
`chain_key` and kept in the `TermsCache` the app holds, and their ETag names that key, so a client
that already has them gets a 304 for the price of reading two chain heads."""

import hashlib
from dataclasses import dataclass
from datetime import date

from kpt_workflow.reports.open_data import plan_rows, rows_csv, rows_json
from kpt_workflow.reports.plan_terms import TermsCache, chain_key, many_plan_terms
from kpt_workflow.reports.report_export import csv_file
from kpt_workflow.storage.repository import holds_synthetic_demo
from kpt_workflow.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class OpenDataFiles:
    etag: str
    csv: bytes
    json: bytes
    plans: int


def etag_of(key: tuple[object, ...]) -> str:
    """A strong ETag for what was computed under `key` (`plan_terms.chain_key`)."""
    return '"' + hashlib.sha256(repr(key).encode()).hexdigest()[:32] + '"'


def current_etag(uow: UnitOfWork, today: date) -> str:
    """The ETag the files of `today` have now: two indexed reads, nothing computed."""
    return etag_of(chain_key(uow.connection, today))


def open_data(uow: UnitOfWork, today: date, cache: TermsCache[OpenDataFiles] | None = None) -> OpenDataFiles:
    """Every plan's row counted to `today`, as CSV and JSON (built again only when a chain moved or
    the day changed, with `cache`)."""
    conn = uow.connection
    key = chain_key(conn, today)

    def build() -> OpenDataFiles:
        synthetic = holds_synthetic_demo(conn)
        rows = plan_rows(many_plan_terms(conn, today), synthetic)
        return OpenDataFiles(etag_of(key), csv_file(rows_csv(rows)), rows_json(rows, today, synthetic).encode(),
                             len(rows))

    return cache.get(key, build) if cache is not None else build()
