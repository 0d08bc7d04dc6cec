"""Reading a bottleneck report in the tests: one part of it under some filters, and its rows by id
or by state (shared by tests/test_reports.py and tests/test_reports_demo.py)."""

from sqlalchemy import Engine

from kpt_workflow.reports.filters import ReportFilters
from kpt_workflow.storage.unit_of_work import UnitOfWork


def report_of(engine: Engine, function, **filters):  # type: ignore[no-untyped-def]
    """`function` (a report or a part of it) under `ReportFilters(**filters)`, in its own read."""
    with UnitOfWork(engine) as uow:
        return function(uow.connection, ReportFilters(**filters))


def ids(rows: list[dict[str, object]]) -> list[object]:
    return [r["id"] for r in rows]


def state_count(report: list[dict[str, object]], state: str) -> object:
    return next(r["count"] for r in report if r["state"] == state)
