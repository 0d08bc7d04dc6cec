"""What bench/transitions.py found, as text or as one JSON object: the parts' rates and
latencies, the ratios of the rounds against their targets, and whether the run was valid."""

from __future__ import annotations

import statistics
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from bench._bare_sqlite import BASELINE_ROW_BYTES
from bench._plans import LEGAL_DAY, Setup
from bench._timing import Timing, timing_line, verdict
from bench._transition_steps import TransitionRun

TARGET_RATIO = 0.60  # A∥/B, issue 23 point 7
TARGET_GROUPED_RATIO = 0.50  # A∥/B∥, the target of the turn after issue 23


@dataclass(frozen=True)
class Report:
    """Everything one run found, for the text and the JSON output."""

    plans: int
    seconds_per_part: float
    rounds: int
    directory: Path
    machine: dict[str, object]
    callers: int
    setup: Setup
    transitions: TransitionRun
    concurrent: TransitionRun
    baseline: Timing
    grouped: Timing
    rows_per_commit: float  # of B∥
    statements: Timing
    round_rates: dict[str, list[float]]  # each part's rate in each round
    chain_ok: bool
    replay_agrees: bool

    def round_ratios(self, part: str, baseline: str = "B") -> list[float]:
        return [rate / base for rate, base in zip(self.round_rates[part], self.round_rates[baseline])]

    @property
    def ratio(self) -> float:
        """A∥/B, the engine's throughput against the bare loop: the median of the rounds' ratios,
        each of two parts run side by side."""
        return statistics.median(self.round_ratios("A∥"))

    @property
    def grouped_ratio(self) -> float:
        """A∥/B∥, the grouped steps against bare rows grouped the same way: what the engine's
        work costs the grouped path, on top of what grouping itself can give."""
        return statistics.median(self.round_ratios("A∥", "B∥"))

    @property
    def one_caller_ratio(self) -> float:
        """A/B: what one caller that waits for each commit gets, bounded by C/B."""
        return statistics.median(self.round_ratios("A"))

    @property
    def ceiling(self) -> float:
        """A/B if the engine's Python cost nothing: C/B."""
        return self.statements.per_second / self.baseline.per_second

    @property
    def valid(self) -> bool:
        """Every timed call applied its step (none refused), the chain verifies and replay agrees."""
        return self.chain_ok and self.replay_agrees and all(
            run.refused == 0 and run.applied == run.timing.operations for run in (self.transitions, self.concurrent))

    def as_dict(self) -> dict[str, object]:
        return {
            "benchmark": "guarded transitions + audit vs bare sqlite3 commit",
            "config": {"plans": self.plans, "seconds_per_part": self.seconds_per_part, "rounds": self.rounds,
                       "callers": self.callers,
                       "legal_day": LEGAL_DAY.isoformat(), "directory": str(self.directory),
                       "baseline_row_bytes": BASELINE_ROW_BYTES},
            "machine": self.machine,
            "setup": asdict(self.setup),
            "transitions": {**asdict(self.transitions.timing), "applied": self.transitions.applied,
                            "refused": self.transitions.refused,
                            "audit_event_bytes_mean": round(self.transitions.audit_event_bytes, 1)},
            "concurrent_transitions": {**asdict(self.concurrent.timing), "applied": self.concurrent.applied,
                                       "refused": self.concurrent.refused, "callers": self.callers},
            "baseline": asdict(self.baseline),
            "grouped_baseline": {**asdict(self.grouped), "callers": self.callers,
                                 "rows_per_commit": self.rows_per_commit},
            "statements_alone": asdict(self.statements),
            "ratio": self.ratio,
            "target": TARGET_RATIO,
            "target_met": self.ratio >= TARGET_RATIO,
            "grouped_ratio": self.grouped_ratio,
            "grouped_target": TARGET_GROUPED_RATIO,
            "grouped_target_met": self.grouped_ratio >= TARGET_GROUPED_RATIO,
            "one_caller_ratio": self.one_caller_ratio,
            "one_caller_ceiling_without_python": self.ceiling,
            "round_ratios": {"A∥/B": self.round_ratios("A∥"), "A∥/B∥": self.round_ratios("A∥", "B∥"),
                             "A/B": self.round_ratios("A")},
            "chain_ok": self.chain_ok,
            "replay_agrees": self.replay_agrees,
            "valid": self.valid,
        }


def rounds_text(report: Report, part: str, baseline: str = "B") -> str:
    return ", ".join(f"{100 * r:.0f}" for r in report.round_ratios(part, baseline))


def print_text(report: Report) -> None:
    machine, setup, transitions = report.machine, report.setup, report.transitions
    print(f"kpt_workflow transitions benchmark: {report.plans} plans, {report.seconds_per_part} s per part "
          f"in {report.rounds} rounds (A, A∥, B, B∥ in turn), in {report.directory}")
    print(f"machine: {machine['platform']}, {machine['cpu']}, nproc {machine['nproc']}")
    print(f"versions: Python {machine['python']}, SQLite {machine['sqlite']}, SQLAlchemy {machine['sqlalchemy']}")
    print(f"setup (not timed): {setup.plans} plans, {setup.filings} filings, {setup.steps} steps "
          f"in {setup.seconds:.1f} s")
    print(timing_line("A  guarded transitions + audit", transitions.timing, "steps"))
    print(f"   applied {transitions.applied}, refused {transitions.refused}; "
          f"audit event ~{transitions.audit_event_bytes:.0f} bytes of text")
    concurrent = report.concurrent
    print(timing_line(f"A∥ the same, {report.callers} callers", concurrent.timing, "steps"))
    print(f"   applied {concurrent.applied}, refused {concurrent.refused}; on the engine's database thread, "
          f"the steps waiting committed together (one fsync)")
    print(timing_line("B  sqlite3 BEGIN/INSERT/COMMIT", report.baseline, "rows "))
    print(f"   one {BASELINE_ROW_BYTES}-byte row per transaction; WAL, synchronous=FULL, foreign_keys, busy_timeout")
    print(timing_line(f"B∥ the same, {report.callers} callers grouped", report.grouped, "rows "))
    print(f"   one committer thread: the rows waiting in one transaction, one fsync "
          f"({report.rows_per_commit:.1f} rows per commit); same settings")
    print(timing_line("C  the step's SQL alone (sqlite3)", report.statements, "steps"))
    print("   same database after the rounds, same statements, precomputed values, none of the engine's Python")
    print(f"A∥/B = {100 * report.ratio:.1f} %  (target >= {100 * TARGET_RATIO:.0f} %): "
          f"{verdict(report.ratio >= TARGET_RATIO)}  (median of {report.rounds} rounds: "
          f"{rounds_text(report, 'A∥')} %; the engine's throughput, as the service runs steps)")
    print(f"A∥/B∥ = {100 * report.grouped_ratio:.1f} %  (target of the next turn >= {100 * TARGET_GROUPED_RATIO:.0f} %): "
          f"{verdict(report.grouped_ratio >= TARGET_GROUPED_RATIO)}  (median of {report.rounds} rounds: "
          f"{rounds_text(report, 'A∥', 'B∥')} %; the grouped steps against the most grouping gives bare rows)")
    print(f"A/B  = {100 * report.one_caller_ratio:.1f} %  (one caller waiting for each commit, no target: with "
          f"no Python at all C/B = {100 * report.ceiling:.1f} %)  (median of {report.rounds} rounds: "
          f"{rounds_text(report, 'A')} %)")
    print(f"after A and A∥: chain {'verifies' if report.chain_ok else 'BROKEN'}; "
          f"replay {'agrees with the tables' if report.replay_agrees else 'DISAGREES'}")
    if not report.valid:
        print("INVALID RUN: some timed steps were refused, or the log does not hold", file=sys.stderr)
