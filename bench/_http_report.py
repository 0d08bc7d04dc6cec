"""What bench/http.py found, as text or as one JSON object: each part's rate, latencies, failures
and CPU, the ratios of the rounds and A's p99 against their targets, the invariants of part A's
database, the server stack and the machine."""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import statistics
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import _bare_app
from bench._bare_sqlite import BASELINE_ROW_BYTES
from bench._http_database import Invariants
from bench._http_parts import PartRun
from bench._plans import LEGAL_DAY, Setup
from bench._timing import timing_line, verdict

TARGET_RATIO = 1.20  # A/B, issue 23 point 7
TARGET_P99_MS = 35.0
THREAD_POOL, DB_THREADS = _bare_app.THREAD_POOL, _bare_app.DB_THREADS
# execution model of the bare app -> its name in the report, its label, what A/it compares
BASELINES = {
    THREAD_POOL: ("B", "bare FastAPI def, one-row INSERT", "the idiomatic `def` route, in AnyIO's thread pool"),
    DB_THREADS: ("B'", "bare async, on A's db thread", "A's execution model, `async def` + DatabaseThreads"),
}


def server_stack() -> dict[str, object]:
    """What serves both apps; uvicorn picks uvloop and httptools when they are installed."""
    versions = {name: importlib.metadata.version(name) for name in ("fastapi", "starlette", "uvicorn", "pydantic")}
    return {**versions, "loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
            "http": "httptools" if importlib.util.find_spec("httptools") else "h11"}


@dataclass(frozen=True)
class Report:
    """Everything one run found, for the text and the JSON output."""

    args: argparse.Namespace
    database: str  # "sqlite" or "postgresql"
    directory: Path
    machine: dict[str, object]
    load_average: tuple[float, float, float]  # when the run began
    setup: Setup
    users: int
    transitions: PartRun
    invariants: Invariants
    baselines: dict[str, PartRun]  # by execution model: B (THREAD_POOL) and B' (DB_THREADS)

    def round_ratios(self, model: str) -> list[float]:
        """A/B (or A/B') of each round: two parts run side by side."""
        return [a / b for a, b in zip(self.transitions.samples.rounds, self.baselines[model].samples.rounds)]

    def ratio(self, model: str) -> float | None:
        """The median of the rounds' ratios: this machine's speed can drift by a third within a
        minute, and each round's compares parts run minutes apart at most."""
        ratios = self.round_ratios(model)
        return statistics.median(ratios) if ratios and len(ratios) == self.args.rounds else None

    @property
    def p99_ms(self) -> float | None:
        return self.transitions.timing.p99_ms if self.transitions.timing else None

    @property
    def bare_p99_ms(self) -> float | None:
        """The lower p99 of B and B', the yardstick of A's: when even the bare endpoint answers
        slower than the target in both execution models under the same clients, the machine is too
        slow for it, whatever A does. (B's alone would not do: on SQLite its threads queue for the
        one write lock, and its tail says more of that than of the machine.)"""
        p99s = [run.timing.p99_ms for run in self.baselines.values() if run.timing]
        return min(p99s) if p99s else None

    @property
    def valid(self) -> bool:
        """Every request answered 200 and part A left the database as it should."""
        return self.transitions.valid and all(b.valid for b in self.baselines.values()) and self.invariants.ok

    def as_dict(self) -> dict[str, object]:
        def part(run: PartRun) -> dict[str, object]:
            return {**(asdict(run.timing) if run.timing else {}), "max_ms": run.max_ms,
                    "answered_ok": run.answered_ok, "failures": dict(run.failures),
                    "cpu": asdict(run.cpu) if run.cpu else None, "round_rates": run.samples.rounds}

        ratio, same_model_ratio, p99 = self.ratio(THREAD_POOL), self.ratio(DB_THREADS), self.p99_ms
        return {
            "benchmark": "HTTP transitions vs bare FastAPI one-row endpoint",
            "config": {"database": self.database, "plans": self.args.plans, "clients": self.args.clients,
                       "workers": self.args.workers, "seconds_per_part": self.args.seconds,
                       "rounds": self.args.rounds,
                       "warmup_s": self.args.warmup,
                       "idempotency_keys": not self.args.no_idempotency_key, "legal_day": LEGAL_DAY.isoformat(),
                       "directory": str(self.directory), "baseline_row_bytes": BASELINE_ROW_BYTES},
            "machine": {**self.machine, "load_average": self.load_average, "server": server_stack()},
            "setup": {**asdict(self.setup), "users": self.users},
            "transitions": part(self.transitions),
            "invariants": {**asdict(self.invariants), "ok": self.invariants.ok},
            "baseline": part(self.baselines[THREAD_POOL]),
            "baseline_db_threads": part(self.baselines[DB_THREADS]),
            "ratio": ratio,
            "round_ratios": self.round_ratios(THREAD_POOL),
            "target_ratio": TARGET_RATIO,
            "ratio_met": ratio is not None and ratio >= TARGET_RATIO,
            "ratio_db_threads": same_model_ratio,
            "round_ratios_db_threads": self.round_ratios(DB_THREADS),
            "p99_ms": p99,
            "target_p99_ms": TARGET_P99_MS,
            "p99_met": p99 is not None and p99 < TARGET_P99_MS,
            "bare_p99_ms": self.bare_p99_ms,
            "valid": self.valid,
        }


def part_lines(label: str, run: PartRun) -> list[str]:
    lines = [timing_line(label, run.timing, "reqs") if run.timing else f"{label:<34} too few answers to time"]
    failures = ", ".join(f"{n} × {name}" for name, n in sorted(run.failures.items())) or "none"
    slowest = f"slowest {run.max_ms:.1f} ms; " if run.max_ms is not None else ""
    lines.append(f"   {slowest}{run.answered_ok} answered 200 (warm-up included); failed: {failures}")
    cpu = run.cpu
    if cpu is not None:
        server = (f"server {cpu.server_cores:.2f} cores, {cpu.server_ms_per_request:.2f} ms/request"
                  if cpu.server_cores is not None and cpu.server_ms_per_request is not None else "server not measured")
        database = (f"; PostgreSQL (all its processes) {cpu.database_cores:.2f} cores, "
                    f"{cpu.database_ms_per_request:.2f} ms/request"
                    if cpu.database_cores is not None and cpu.database_ms_per_request is not None else "")
        lines.append(f"   CPU: {server}{database}; clients {cpu.client_cores:.2f} cores, "
                     f"{cpu.client_ms_per_request:.3f} ms/request")
    return lines


def invariant_line(found: Invariants) -> str:
    chain = f"ok ({found.chain_events} events)" if found.chain_ok else f"BROKEN: {found.chain_problem}"
    rebuilt = "agrees" if not found.replay_differences else f"DIFFERS: {'; '.join(found.replay_differences)}"
    return (f"   invariants {'hold' if found.ok else 'FAIL'}: {found.answered_ok} answered 200, "
            f"{found.events_added} events added, {found.transitions_applied} transition_applied, "
            f"{found.idempotency_records} idempotency records; chain {chain}; replay {rebuilt}")



def print_text(report: Report) -> None:
    args, machine, setup, stack = report.args, report.machine, report.setup, server_stack()
    print(f"kpt_workflow HTTP benchmark: {args.plans} plans, {args.clients} clients, {args.workers} worker(s), "
          f"{args.seconds} s per part in {args.rounds} rounds (A, B, B' in turn; {args.warmup} s warm-up each), "
          f"{report.database} ({report.directory})")
    print(f"machine: {machine['platform']}, {machine['cpu']}, nproc {machine['nproc']}, load average at start "
          + " ".join(f"{x:.2f}" for x in report.load_average))
    print(f"versions: Python {machine['python']}, SQLite {machine['sqlite']}, SQLAlchemy {machine['sqlalchemy']}, "
          f"FastAPI {stack['fastapi']}, Starlette {stack['starlette']}, uvicorn {stack['uvicorn']} "
          f"({stack['loop']}, {stack['http']})")
    print(f"setup (not timed): {setup.plans} plans, {setup.filings} filings, {setup.steps} steps "
          f"in {setup.seconds:.1f} s; {report.users} API users with tokens")
    keys = "Idempotency-Key and If-Match" if not args.no_idempotency_key else "If-Match, no Idempotency-Key"
    for line in part_lines("A  POST /plans/{id}/transitions", report.transitions):
        print(line)
    print(f"   each request: bearer token of the entity's office, {keys}")
    print(invariant_line(report.invariants))
    for model, (name, label, _) in BASELINES.items():
        for line in part_lines(f"{name:<2} {label}", report.baselines[model]):
            print(line)
    print(f"   one {BASELINE_ROW_BYTES}-byte row per request; "
          + ("BEGIN IMMEDIATE/INSERT/COMMIT; WAL, synchronous=FULL, foreign_keys, busy_timeout"
             if report.database == "sqlite" else "one autocommitted INSERT"))
    for model, (name, _, meaning) in BASELINES.items():
        ratio = report.ratio(model)
        if ratio is None:
            continue
        judged = (f"target >= {100 * TARGET_RATIO:.0f} %): {verdict(ratio >= TARGET_RATIO)}" if model == THREAD_POOL
                  else "for comparison, no target: B' is not bare, it borrows A's database thread and commit groups)")
        rounds = ", ".join(f"{100 * r:.0f}" for r in report.round_ratios(model))
        print(f"A/{name:<2} = {100 * ratio:.1f} %  (median of rounds {rounds} %; {judged}  "
              f"({name.strip()}: {meaning})")
    if report.p99_ms is not None:
        print(f"A p99 = {report.p99_ms:.1f} ms  (target < {TARGET_P99_MS:.0f} ms): "
              f"{verdict(report.p99_ms < TARGET_P99_MS)}")
    if (bare := report.bare_p99_ms) is not None:
        within = ("within the target" if bare < TARGET_P99_MS
                  else "above the target itself: this machine cannot meet it in either execution model")
        print(f"bare p99 = {bare:.1f} ms  (the better of B and B', same clients): {within}")
    if not report.valid:
        print("INVALID RUN: some requests failed or an invariant does not hold", file=sys.stderr)
