"""Throughput of guarded transitions with their audit event, against bare SQLite commits.

What it measures, in one run on this machine:

A. "guarded transitions + audit": `services.advance` called in its own
   `UnitOfWork(engine, write=True)` (BEGIN IMMEDIATE) for plans waiting before the council. Each
   call reads the plan and its documents, evaluates the whole checklist of the step, fires the step
   on the shared `transitions` Machine, bumps the plan version, appends the hash-chained audit event
   and commits. The back edge `devolver_para_ajustes` / `radicar_ante_corporacion` gives an endless
   supply of allowed steps: every step carries the same legal date (`LEGAL_DAY`), the date of the
   plan's `radicado_corporacion`, so rule `radicado_corporacion_vigente` keeps passing with no
   re-filing. Every timed call must apply; a refusal is counted and makes the run invalid.
A∥ The same steps from `--callers` concurrent callers (asyncio tasks, each owning a share of the
   plans), each handing its step to the database thread that serves the app's step route
   (`kpt_workflow.storage.db_threads.DatabaseThreads` of the engine: on SQLite one thread, which runs the
   steps waiting as one commit group, one COMMIT and one fsync for all, and answers them after
   it). A caller's next step leaves when the answer to its last one is back, so every step is
   durable (synchronous=FULL) before it counts, as in A. Latency: from hand-off to answer.
B. The baseline: a bare `sqlite3` loop on a separate fresh file with the same durability settings
   (WAL, synchronous=FULL, foreign_keys=ON, busy_timeout), each iteration `BEGIN IMMEDIATE`, one
   `INSERT` of a ~600-byte row (about an audit event), `COMMIT`, for the same duration.

A, A∥ and B take turns in `--rounds` rounds (A, A∥, B, A, A∥, B, …; `--seconds` per part split
over them), because this machine's fsync, which B's rate mostly is, can drift by half within a
minute: each round's ratios compare two parts run side by side, and the ratio reported is the
median of the rounds' ratios (each round's are printed too). Rates and latencies gather every
round.

C. For context, the floor under A: after the rounds, on the same database file, the very statements a step
   runs (the plan's row, its documents, the chain head, the plan's update, the event's insert, as
   `recorder.DriverRecorder` issues them on SQLite), through plain `sqlite3` with precomputed values and none
   of the Python between them (no checklist, no Machine, no hashing), for one round's time. What
   A costs beyond C is the engine's Python; what C costs beyond B is the database's own work for a
   step (four B-tree pages instead of one).

It prints the four rates with mean/p50/p99 latency; A∥/B against the target (>= 50 %), since A∥ is
the engine's throughput: steps as the service runs them, from concurrent callers on the database
thread; A/B for context, what one caller that waits for each commit gets, with no target: C/B, the
most A/B could be with no Python at all, is itself about 50 % (a step writes four B-tree pages,
the bare row one); and the Python, SQLite and machine it ran on. Setup (schema, DIVIPOLA
registry, plans, filings, parte estratégica and plan plurianual, steps to
`discusion_corporaciones`, all through the service layer) happens in a temporary directory and
is not timed.

Run from the repository root with the project's virtualenv:

    python bench/transitions.py                       # 200 municipalities, 10 s per part in 5 rounds, 16 callers
    python bench/transitions.py --callers 32
    python bench/transitions.py --plans 50 --seconds 3
    python bench/transitions.py --json                # one JSON object on stdout

Exit status 0 when the run is valid (every timed step applied; after A and A∥ the hash chain
verifies and replay rebuilds the tables), 1 otherwise; the ratio target is
reported, not enforced.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

import _no_shadow  # noqa: F401,E402  (first: see bench/_no_shadow.py)

import sqlalchemy  # noqa: E402
from sqlalchemy import Engine, func  # noqa: E402
from sqlmodel import select  # noqa: E402

from kpt_workflow.audit.verify import verify as verify_chain

from kpt_workflow.audit import replay

from kpt_workflow import services  # noqa: E402
from kpt_workflow.services.access import operator
from kpt_workflow.storage.blobs import BlobStore  # noqa: E402
from kpt_workflow.services.bootstrap import init_database  # noqa: E402
from kpt_workflow.storage.db import make_engine  # noqa: E402
from kpt_workflow.storage.db_threads import DatabaseThreads  # noqa: E402
from kpt_workflow.lifecycle.engine import workflow  # noqa: E402
from kpt_workflow.base.errors import GuardFailed  # noqa: E402
from kpt_workflow.storage.tables import AuditEvent, Entity, Plan  # noqa: E402
from kpt_workflow.storage.recorder import EVENT_COLUMNS, SQLITE, step_sql  # noqa: E402
from kpt_workflow.services.sample import (DOCUMENTS_2024, INVESTMENT_PLAN, PDF, STEPS_2024,  # noqa: E402
                                  STRATEGIC_PART, STRATEGY_DATES)
from kpt_workflow.storage.unit_of_work import UnitOfWork  # noqa: E402
from kpt_workflow.base.words import MUNICIPIO  # noqa: E402

PERIOD = 2024
ACTOR = operator("bench")
BUSY_TIMEOUT_MS = 30_000  # make_engine's default, used for both parts
TARGET_RATIO = 0.50
BASELINE_ROW_BYTES = 600  # about one audit event (JSON outcomes + payload + hashes)
# The one legal day of the council round: date of `radicado_corporacion`, of the step that puts the
# plan before the council, and of every timed step, so the back edge never needs a new filing.
LEGAL_DAY = date(2024, 5, 6)
# The synthetic sample cycle, with the council round moved to that day.
DOCUMENTS: dict[str, tuple[date, str | None]] = {**DOCUMENTS_2024, "radicado_corporacion": (LEGAL_DAY, "PA-045")}
SETUP_STEPS: list[tuple[str, date]] = [*STEPS_2024[:-1], ("radicar_ante_corporacion", LEGAL_DAY)]
# The back edge: from each state, the step that leads to the other one.
BACK_EDGE: dict[str, str] = {
    "discusion_corporaciones": "devolver_para_ajustes",
    "tramite_ambiental_y_planeacion": "radicar_ante_corporacion",
}
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
                  f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


@dataclass(frozen=True)
class Timing:
    """Figures of one timed loop."""

    operations: int
    seconds: float
    per_second: float
    mean_ms: float
    p50_ms: float
    p99_ms: float


@dataclass(frozen=True)
class TransitionRun:
    timing: Timing
    applied: int
    refused: int
    audit_event_bytes: float  # mean size of the text columns of the events written while timed


@dataclass(frozen=True)
class Setup:
    plans: int
    filings: int
    steps: int
    seconds: float


# --- measuring ---------------------------------------------------------------------------------

def summarize(latencies_ns: Sequence[int], elapsed_s: float) -> Timing:
    """Rate over the wall time of the loop; latency quantiles over the individual calls."""
    ms = sorted(n / 1e6 for n in latencies_ns)
    if len(ms) < 2:
        raise SystemExit("too few iterations to report figures: raise --seconds")
    return Timing(operations=len(ms), seconds=elapsed_s, per_second=len(ms) / elapsed_s,
                  mean_ms=statistics.fmean(ms), p50_ms=statistics.median(ms),
                  p99_ms=statistics.quantiles(ms, n=100, method="inclusive")[98])


@dataclass
class Samples:
    """The calls of one part, gathered over the rounds: each call's latency and the loops' wall time."""

    latencies_ns: list[int] = field(default_factory=list)
    elapsed_s: float = 0.0
    rounds: list[float] = field(default_factory=list)  # the rate of each round

    def add(self, latencies_ns: list[int], elapsed_s: float) -> None:
        self.latencies_ns += latencies_ns
        self.elapsed_s += elapsed_s
        self.rounds.append(len(latencies_ns) / elapsed_s)

    def timing(self) -> Timing:
        return summarize(self.latencies_ns, self.elapsed_s)


def timed_loop(seconds: float, operation: Callable[[int], None], samples: Samples, first: int = 0) -> int:
    """Call `operation(i)` for i = first, first + 1, … until `seconds` have passed, timing each
    call into `samples`; the next i."""
    latencies: list[int] = []
    clock = time.perf_counter_ns
    start = clock()
    deadline = start + int(seconds * 1e9)
    i = first
    while (now := clock()) < deadline:
        operation(i)
        latencies.append(clock() - now)
        i += 1
    samples.add(latencies, (clock() - start) / 1e9)
    return i


# --- setup (not timed) -------------------------------------------------------------------------

def create_database(directory: Path) -> Engine:
    """A fresh kpt database: schema by migrations and the DIVIPOLA registry, as `kpt init` does."""
    engine = make_engine(f"sqlite:///{directory / 'kpt.db'}", busy_timeout_ms=BUSY_TIMEOUT_MS)
    init_database(engine)
    return engine


def pick_municipalities(engine: Engine, count: int) -> list[str]:
    """`count` municipality codes spread evenly over the registry (all departments represented)."""
    with UnitOfWork(engine) as uow:
        codes = list(uow.session.exec(select(Entity.code).where(Entity.kind == MUNICIPIO).order_by(Entity.code)))
    if count > len(codes):
        raise SystemExit(f"--plans {count}: the registry has only {len(codes)} municipalities")
    stride = len(codes) / count
    return [codes[int(i * stride)] for i in range(count)]


def record_strategy(engine: Engine, plan_id: str) -> None:
    """Record the parte estratégica and the plan plurianual that `radicar_ante_ctp` checks."""
    with UnitOfWork(engine, write=True) as uow:
        services.record_strategic_part(uow, plan_id=plan_id, data=STRATEGIC_PART, actor=ACTOR,
                                       legal_date=STRATEGY_DATES[0])
    with UnitOfWork(engine, write=True) as uow:
        services.record_investment_plan(uow, plan_id=plan_id, data=INVESTMENT_PLAN, actor=ACTOR,
                                        legal_date=STRATEGY_DATES[1])


def prepare_plan(engine: Engine, blobs: BlobStore, entity_code: str) -> str:
    """Create the entity's 2024 plan, file its documents, record its strategy and take it before the council."""
    with UnitOfWork(engine, write=True) as uow:
        plan_id = str(services.create_plan(uow, entity_code=entity_code, period=PERIOD, actor=ACTOR,
                                           legal_date=date(PERIOD, 1, 1))["id"])
    for doc_type, (legal_date, number) in DOCUMENTS.items():
        filing = services.Filing(doc_type=doc_type, content=PDF, filename=f"{doc_type}.pdf",
                                 legal_date=legal_date, number=number)
        with UnitOfWork(engine, write=True) as uow:
            services.file_document(uow, blobs, plan_id=plan_id, filing=filing, actor=ACTOR)
    record_strategy(engine, plan_id)
    for trigger, legal_date in SETUP_STEPS:
        with UnitOfWork(engine, write=True) as uow:
            services.advance(uow, plan_id=plan_id, trigger=trigger, actor=ACTOR, legal_date=legal_date)
    return plan_id


def prepare_plans(engine: Engine, blobs: BlobStore, count: int) -> tuple[list[str], Setup]:
    start = time.perf_counter()
    plan_ids = [prepare_plan(engine, blobs, code) for code in pick_municipalities(engine, count)]
    setup = Setup(plans=len(plan_ids), filings=len(plan_ids) * len(DOCUMENTS),
                  steps=len(plan_ids) * len(SETUP_STEPS), seconds=time.perf_counter() - start)
    return plan_ids, setup


# --- part A: guarded transitions + audit -------------------------------------------------------

def last_event_seq(engine: Engine) -> int:
    with UnitOfWork(engine) as uow:
        return int(uow.session.exec(select(func.coalesce(func.max(AuditEvent.seq), 0))).one())


def mean_event_bytes(engine: Engine, after_seq: int) -> float:
    """Mean size of the text an audit event stores (JSON outcomes and payload, hashes, names)."""
    size = (func.length(AuditEvent.outcomes) + func.length(AuditEvent.payload) + func.length(AuditEvent.hash)
            + func.length(AuditEvent.prev_hash) + func.length(AuditEvent.plan_id) + func.length(AuditEvent.action)
            + func.length(AuditEvent.event_type) + func.length(AuditEvent.actor)
            + func.coalesce(func.length(AuditEvent.from_state), 0) + func.coalesce(func.length(AuditEvent.to_state), 0))
    with UnitOfWork(engine) as uow:
        value = uow.session.exec(select(func.avg(size)).where(AuditEvent.seq > after_seq)).one()
    return float(value or 0.0)


class BackEdgeSteps:
    """The timed steps of A and A∥ (one object for both: each plan takes its back edge in turn,
    whichever part fires it); applied and refused are counted (a refusal makes the run invalid)."""

    def __init__(self, engine: Engine, plan_ids: Sequence[str]) -> None:
        self.engine = engine
        self.plan_ids = plan_ids
        with UnitOfWork(engine) as uow:
            states = dict(uow.session.exec(select(Plan.id, Plan.state).where(Plan.id.in_(plan_ids))).all())  # type: ignore[attr-defined]
        self.next_trigger = {plan_id: BACK_EDGE[states[plan_id]] for plan_id in plan_ids}
        self.applied = self.refused = 0

    def step(self, plan_id: str) -> None:
        try:
            with UnitOfWork(self.engine, write=True) as uow:
                result = services.advance(uow, plan_id=plan_id, trigger=self.next_trigger[plan_id], actor=ACTOR,
                                          legal_date=LEGAL_DAY)
        except GuardFailed:
            self.refused += 1
            return
        self.applied += 1
        self.next_trigger[plan_id] = BACK_EDGE[str(result["to"])]


@dataclass
class TransitionParts:
    """Parts A and A∥ over the rounds: their calls, and what the steps they fired did."""

    steps: BackEdgeSteps
    callers: int
    one: Samples = field(default_factory=Samples)
    concurrent: Samples = field(default_factory=Samples)
    applied: dict[str, int] = field(default_factory=lambda: {"one": 0, "concurrent": 0})
    refused: dict[str, int] = field(default_factory=lambda: {"one": 0, "concurrent": 0})

    def run_one(self, seconds: float) -> None:
        """One caller: round-robin over the plans, each step in its own transaction."""
        plan_ids = self.steps.plan_ids
        with self._counted("one"):
            timed_loop(seconds, lambda i: self.steps.step(plan_ids[i % len(plan_ids)]), self.one)

    def run_concurrent(self, seconds: float, threads: DatabaseThreads) -> None:
        """`callers` closed-loop callers, plans dealt round-robin, steps on the engine's database thread."""
        plan_ids, callers, clock = self.steps.plan_ids, self.callers, time.perf_counter_ns
        latencies: list[int] = []

        async def caller(own: Sequence[str], deadline: int) -> None:
            i = 0
            while (now := clock()) < deadline:
                await threads.run(partial(self.steps.step, own[i % len(own)]))
                latencies.append(clock() - now)
                i += 1

        async def all_callers() -> int:
            start = clock()
            deadline = start + int(seconds * 1e9)
            await asyncio.gather(*(caller(plan_ids[k::callers], deadline) for k in range(callers)))
            return clock() - start

        with self._counted("concurrent"):
            self.concurrent.add(latencies, asyncio.run(all_callers()) / 1e9)

    @contextmanager
    def _counted(self, part: str) -> Iterator[None]:
        applied, refused = self.steps.applied, self.steps.refused
        yield
        self.applied[part] += self.steps.applied - applied
        self.refused[part] += self.steps.refused - refused

    def run(self, part: str, first_seq: int) -> TransitionRun:
        samples = self.one if part == "one" else self.concurrent
        return TransitionRun(timing=samples.timing(), applied=self.applied[part], refused=self.refused[part],
                             audit_event_bytes=mean_event_bytes(self.steps.engine, first_seq))


# --- part C: the step's statements alone ------------------------------------------------------

def run_statements_alone(path: Path, plan_ids: Sequence[str], seconds: float) -> Timing:
    """A step's statements on the kpt database itself, values precomputed: the last applied event
    of each plan is the template of the rows inserted (their hashes are not a chain's: the file is
    thrown away after the run)."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    for pragma in SQLITE_PRAGMAS:
        connection.execute(pragma)
    columns, sql = EVENT_COLUMNS, step_sql(SQLITE)
    plans = {plan_id: list(connection.execute(
        f"SELECT {', '.join(columns)} FROM audit_event WHERE plan_id = ? AND event_type = 'transition_applied' "
        f"ORDER BY seq DESC LIMIT 1", (plan_id,)).fetchone()) for plan_id in plan_ids}
    position = {name: i for i, name in enumerate(columns)}
    legal_day = LEGAL_DAY.isoformat()
    flow = workflow("pdt")  # where each back-edge step leads (looked up before timing starts)

    def step(i: int) -> None:
        row = plans[plan_ids[i % len(plan_ids)]]
        plan_id, version, state = row[position["plan_id"]], row[position["plan_version"]], row[position["to_state"]]
        moved = flow.transition(state, BACK_EDGE[state]).dest
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(sql.plan, (plan_id,)).fetchall()
        connection.execute(sql.documents, (plan_id, legal_day)).fetchall()
        seq, head = connection.execute(sql.head).fetchall()[0]
        connection.execute("UPDATE plan SET version = ?, state = ?, state_entered_on = ? WHERE id = ? AND version = ?",
                           (version + 1, moved, legal_day, plan_id, version))
        row[position["seq"]], row[position["plan_version"]], row[position["prev_hash"]] = seq + 1, version + 1, head
        row[position["from_state"]], row[position["to_state"]] = state, moved
        row[position["hash"]] = f"{seq + 1:064x}"
        connection.execute(sql.insert_event, row)
        connection.execute("COMMIT")

    samples = Samples()
    try:
        timed_loop(seconds, step, samples)
    finally:
        connection.close()
    return samples.timing()


# --- part B: bare sqlite3 baseline -------------------------------------------------------------

def baseline_connection(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with the durability settings of `kpt_workflow.storage.db`."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    for pragma in SQLITE_PRAGMAS:
        connection.execute(pragma)
    connection.execute("CREATE TABLE event (seq INTEGER PRIMARY KEY, plan_id TEXT NOT NULL, body TEXT NOT NULL)")
    return connection


class Baseline:
    """BEGIN IMMEDIATE; INSERT one ~600-byte row; COMMIT — as fast as the loop goes."""

    def __init__(self, path: Path) -> None:
        self.connection = baseline_connection(path)
        self.bodies = [os.urandom(BASELINE_ROW_BYTES // 2).hex() for _ in range(1024)]  # built before timing
        self.samples = Samples()
        self.rows = 0

    def insert(self, i: int) -> None:
        self.connection.execute("BEGIN IMMEDIATE")
        self.connection.execute("INSERT INTO event (plan_id, body) VALUES (?, ?)",
                                (f"{i % 1000:05d}-2024", self.bodies[i % len(self.bodies)]))
        self.connection.execute("COMMIT")

    def run(self, seconds: float) -> None:
        self.rows = timed_loop(seconds, self.insert, self.samples, first=self.rows)

    def close(self) -> None:
        self.connection.close()


# --- report ------------------------------------------------------------------------------------

def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> dict[str, object]:
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "sqlalchemy": sqlalchemy.__version__, "platform": platform.platform(), "cpu": cpu_model(),
            "nproc": nproc}


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
    statements: Timing
    round_rates: dict[str, list[float]]  # each part's rate in each round

    def round_ratios(self, part: str) -> list[float]:
        return [rate / baseline for rate, baseline in zip(self.round_rates[part], self.round_rates["B"])]

    @property
    def ratio(self) -> float:
        """A∥/B, the engine's throughput against the bare loop: the median of the rounds' ratios,
        each of two parts run side by side."""
        return statistics.median(self.round_ratios("A∥"))

    @property
    def one_caller_ratio(self) -> float:
        """A/B: what one caller that waits for each commit gets, bounded by C/B."""
        return statistics.median(self.round_ratios("A"))

    @property
    def ceiling(self) -> float:
        """A/B if the engine's Python cost nothing: C/B."""
        return self.statements.per_second / self.baseline.per_second

    chain_ok: bool
    replay_agrees: bool

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
            "statements_alone": asdict(self.statements),
            "ratio": self.ratio,
            "target": TARGET_RATIO,
            "target_met": self.ratio >= TARGET_RATIO,
            "one_caller_ratio": self.one_caller_ratio,
            "one_caller_ceiling_without_python": self.ceiling,
            "round_ratios": {"A∥/B": self.round_ratios("A∥"), "A/B": self.round_ratios("A")},
            "chain_ok": self.chain_ok,
            "replay_agrees": self.replay_agrees,
            "valid": self.valid,
        }


def timing_line(label: str, timing: Timing, unit: str) -> str:
    return (f"{label:<34} {timing.operations:>7} {unit} in {timing.seconds:5.2f} s  {timing.per_second:8.1f}/s  "
            f"mean {timing.mean_ms:6.2f} ms  p50 {timing.p50_ms:6.2f} ms  p99 {timing.p99_ms:6.2f} ms")


def rounds_text(report: Report, part: str) -> str:
    return ", ".join(f"{100 * r:.0f}" for r in report.round_ratios(part))


def print_text(report: Report) -> None:
    machine, setup, transitions = report.machine, report.setup, report.transitions
    print(f"kpt_workflow transitions benchmark: {report.plans} plans, {report.seconds_per_part} s per part "
          f"in {report.rounds} rounds (A, A∥, B in turn), in {report.directory}")
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
    print(timing_line("C  the step's SQL alone (sqlite3)", report.statements, "steps"))
    print("   same database after the rounds, same statements, precomputed values, none of the engine's Python")
    verdict = "met" if report.ratio >= TARGET_RATIO else "NOT met"
    print(f"A∥/B = {100 * report.ratio:.1f} %  (target >= {100 * TARGET_RATIO:.0f} %): {verdict}  "
          f"(median of {report.rounds} rounds: {rounds_text(report, 'A∥')} %; the engine's throughput, "
          f"as the service runs steps)")
    print(f"A/B  = {100 * report.one_caller_ratio:.1f} %  (one caller waiting for each commit, no target: with "
          f"no Python at all C/B = {100 * report.ceiling:.1f} %)  (median of {report.rounds} rounds: "
          f"{rounds_text(report, 'A')} %)")
    print(f"after A and A∥: chain {'verifies' if report.chain_ok else 'BROKEN'}; "
          f"replay {'agrees with the tables' if report.replay_agrees else 'DISAGREES'}")
    if not report.valid:
        print("INVALID RUN: some timed steps were refused, or the log does not hold", file=sys.stderr)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--plans", type=int, default=200, help="plans (municipalities) to set up (default 200)")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each timed part (default 10)")
    parser.add_argument("--callers", type=int, default=16, help="concurrent callers of part A∥ (default 16)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds the parts A, A∥ and B take turns in, --seconds split over them (default 5)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--dir", type=Path, default=None,
                        help="parent of the temporary directory (default: the system's); both files go there")
    args = parser.parse_args(argv)
    if args.plans < 1 or args.seconds <= 0 or args.rounds < 1 or not 1 <= args.callers <= args.plans:
        parser.error("--plans and --rounds must be >= 1, --seconds > 0 and --callers between 1 and --plans")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    each = args.seconds / args.rounds
    with tempfile.TemporaryDirectory(prefix="kpt-bench-", dir=args.dir) as tmp:
        directory = Path(tmp)
        engine = create_database(directory)
        baseline = Baseline(directory / "baseline.db")
        try:
            plan_ids, setup = prepare_plans(engine, BlobStore(directory / "data"), args.plans)
            parts, first_seq = TransitionParts(BackEdgeSteps(engine, plan_ids), args.callers), last_event_seq(engine)
            threads = DatabaseThreads.for_engine(engine)
            try:
                for _ in range(args.rounds):  # interleaved: a drift of the machine touches every part alike
                    parts.run_one(each)
                    parts.run_concurrent(each, threads)
                    baseline.run(each)
            finally:
                threads.shutdown()
            with UnitOfWork(engine) as uow:
                chain_ok, replay_agrees = verify_chain(uow.connection).ok, not replay.differences(uow.connection)
            transitions, concurrent = parts.run("one", first_seq), parts.run("concurrent", first_seq)
        finally:
            baseline.close()
            engine.dispose()
        statements = run_statements_alone(directory / "kpt.db", plan_ids, each)
    report = Report(plans=args.plans, seconds_per_part=args.seconds, rounds=args.rounds, directory=directory,
                    machine=machine_info(), callers=args.callers, setup=setup, transitions=transitions,
                    concurrent=concurrent, baseline=baseline.samples.timing(), statements=statements,
                    round_rates={"A": parts.one.rounds, "A∥": parts.concurrent.rounds, "B": baseline.samples.rounds},
                    chain_ok=chain_ok, replay_agrees=replay_agrees)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print_text(report)
    return 0 if report.valid else 1


if __name__ == "__main__":
    sys.exit(main())
