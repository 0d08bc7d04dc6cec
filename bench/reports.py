"""Warm latency of the national report against the bare SQL aggregation it rests on, and audit
verification throughput, on an existing database (e.g. one built by bench/scale_db.py).

What it measures, in one run:

A. `reports.national_report(conn, ReportFilters(as_of=...))` with no department or category filter,
   in a read `UnitOfWork` (one transaction, as the dashboard runs it): one warm-up call, then the
   median of `--repeat` timed calls.
B. The baseline, timed the same way in the same kind of transaction: the two bare SQL aggregations
   the report's headline figures rest on,
       SELECT state, count(*) FROM plan GROUP BY state
       SELECT count(*) FROM audit_event WHERE event_type = 'transition_blocked'
   (current states from the plan table, no as-of, no join, no per-plan deadlines or drill-down rows:
   the least any national report must do).

It prints both medians, the ratio A/B (target <= 2x) and whether A meets the absolute target
(< 300 ms warm); then it times one full `audit.verify` (after the runs above, so the cache is warm)
and prints events/s (target >= 200,000/s).

    python bench/reports.py --url sqlite:////tmp/scale.db
    python bench/reports.py --url sqlite:////tmp/scale.db --repeat 9 --json

Exit status 0 when the chain verifies; the targets are reported, not enforced.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date

import _no_shadow  # noqa: F401,E402  (first: see bench/_no_shadow.py)

from sqlalchemy import Connection, Engine, text  # noqa: E402

from kpt_workflow import audit  # noqa: E402
from kpt_workflow.db import make_engine  # noqa: E402
from kpt_workflow.demo import DEMO_END  # noqa: E402
from kpt_workflow.reports import ReportFilters, national_report  # noqa: E402
from kpt_workflow.unit_of_work import UnitOfWork  # noqa: E402

TARGET_RATIO = 2.0
TARGET_REPORT_MS = 300.0
TARGET_VERIFY_PER_S = 200_000
BASELINE_SQL = ("SELECT state, count(*) FROM plan GROUP BY state",
                "SELECT count(*) FROM audit_event WHERE event_type = 'transition_blocked'")


@dataclass(frozen=True)
class Timing:
    repeats: int
    median_ms: float
    min_ms: float
    max_ms: float


@dataclass(frozen=True)
class VerifyTiming:
    ok: bool
    events: int
    seconds: float
    per_second: float
    problem: str | None


def timed(engine: Engine, repeat: int, work: Callable[[Connection], object]) -> Timing:
    """One warm-up, then `repeat` timed calls, each in its own read transaction."""
    def once() -> float:
        start = time.perf_counter()
        with UnitOfWork(engine) as uow:
            work(uow.connection)
        return (time.perf_counter() - start) * 1000

    once()
    ms = [once() for _ in range(repeat)]
    return Timing(repeats=repeat, median_ms=statistics.median(ms), min_ms=min(ms), max_ms=max(ms))


def baseline(conn: Connection) -> object:
    return [conn.execute(text(sql)).all() for sql in BASELINE_SQL]


def time_verify(engine: Engine) -> VerifyTiming:
    start = time.perf_counter()
    with UnitOfWork(engine) as uow:
        result = audit.verify(uow.connection)
    seconds = time.perf_counter() - start
    return VerifyTiming(ok=result.ok, events=result.events, seconds=seconds,
                        per_second=result.events / seconds if seconds else 0.0, problem=result.problem)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", required=True, help="database URL (sqlite:///… or postgresql+psycopg://…)")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls after the warm-up (default 5)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=DEMO_END,
                        help=f"legal date of the report (default the demo's end, {DEMO_END})")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    engine = make_engine(args.url)
    filters = ReportFilters(as_of=args.as_of)
    try:
        with UnitOfWork(engine) as uow:
            events = int(uow.connection.execute(text("SELECT count(*) FROM audit_event")).scalar_one())
            plans = int(uow.connection.execute(text("SELECT count(*) FROM plan")).scalar_one())
        report = timed(engine, args.repeat, lambda conn: national_report(conn, filters))
        bare = timed(engine, args.repeat, baseline)
        verify = time_verify(engine)
    finally:
        engine.dispose()
    ratio = report.median_ms / bare.median_ms
    out = {
        "benchmark": "national_report vs bare SQL aggregation; audit.verify throughput",
        "config": {"url": args.url, "repeat": args.repeat, "as_of": args.as_of.isoformat(),
                   "baseline_sql": list(BASELINE_SQL)},
        "database": {"plans": plans, "events": events},
        "national_report": asdict(report), "baseline": asdict(bare),
        "ratio": ratio, "ratio_target": TARGET_RATIO, "ratio_met": ratio <= TARGET_RATIO,
        "report_target_ms": TARGET_REPORT_MS, "report_target_met": report.median_ms < TARGET_REPORT_MS,
        "verify": asdict(verify), "verify_target_per_s": TARGET_VERIFY_PER_S,
        "verify_target_met": verify.per_second >= TARGET_VERIFY_PER_S,
    }
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        def met(flag: object) -> str:
            return "met" if flag else "NOT met"
        print(f"kpt reports benchmark: {args.url} ({plans} plans, {events} events), as of {args.as_of}, "
              f"median of {args.repeat} warm runs")
        print(f"A  national_report        median {report.median_ms:9.1f} ms  (min {report.min_ms:.1f}, "
              f"max {report.max_ms:.1f})")
        print(f"B  bare SQL aggregation   median {bare.median_ms:9.1f} ms  (min {bare.min_ms:.1f}, "
              f"max {bare.max_ms:.1f})")
        print(f"A/B = {ratio:.1f}x (target <= {TARGET_RATIO:.0f}x): {met(out['ratio_met'])}; "
              f"A < {TARGET_REPORT_MS:.0f} ms: {met(out['report_target_met'])}")
        print(f"audit.verify: ok={verify.ok}, {verify.events} events in {verify.seconds:.2f} s = "
              f"{verify.per_second:,.0f} events/s (target >= {TARGET_VERIFY_PER_S:,}/s): "
              f"{met(out['verify_target_met'])}" + (f"; {verify.problem}" if verify.problem else ""))
    return 0 if verify.ok else 1


if __name__ == "__main__":
    sys.exit(main())
