"""HTTP transitions under concurrent clients, against a bare FastAPI endpoint writing one row.

What it measures, in one run on this machine, through a real server: uvicorn started as a
subprocess exactly as `kpt serve` starts it (`uvicorn.run` of a factory with host, port,
`--workers` and the HTTP protocol of api/http_protocol.py, which sets TCP_NODELAY; uvicorn's
defaults otherwise: the installed loop and HTTP parser, access log on, here to a file), bound to
127.0.0.1 on a free port. The load comes from this process: `--clients` concurrent
clients, each on its own keep-alive connection, in a closed loop (the next request leaves when the
last answer has arrived). The client is a few lines of raw HTTP/1.1 on asyncio streams, so that the
load generator, which shares the machine's cores with the server, costs both parts as little as
possible. Each request's latency is the time from sending it to the last byte of its answer.

A. "HTTP transitions": `POST /api/v1/plans/{id}/transitions` of `api.app:create_app` on a fresh
   database prepared as bench/transitions.py prepares it (its functions: `--plans` municipalities'
   2024 plans before the council) and the back edge `devolver_para_ajustes` /
   `radicar_ante_corporacion` with legal date LEGAL_DAY, an endless supply of allowed steps. Each
   request carries what a careful API client sends: the bearer token of the office that may record
   the step (the council's for `devolver_para_ajustes`, the planning office's for
   `radicar_ante_corporacion`; the authorisation model lets only an entity's own office act, so
   there is one user per role and entity), a fresh `Idempotency-Key` and `If-Match` with the version
   the previous answer returned. Each client owns its plans (dealt round-robin), so no two requests
   race for a plan: every request must answer 200; any other status or a broken connection is
   counted and makes the run invalid. After the run, with the server stopped: the audit events
   added equal the 200 answers (warm-up included) and are all `transition_applied`, as are the
   idempotency records; the hash chain verifies (`verify`) and replay rebuilds the tables.
   The route is `async def`: FastAPI reads its parameters on the event loop and the route hands its
   database work (the caller's access, the key, the step) to the app's database threads
   (kpt_workflow/db_threads.py; one thread on SQLite) in one hand-off.
B. The baseline: bench/_bare_app.py, a bare FastAPI app whose one route validates the same JSON
   body and writes one ~600-byte row in its own transaction: on SQLite plain `sqlite3`, BEGIN
   IMMEDIATE; INSERT; COMMIT on a fresh file with the PRAGMAs of `kpt_workflow.storage.db` (WAL,
   synchronous=FULL, foreign_keys, busy_timeout); on PostgreSQL one autocommitted `psycopg` INSERT.
   Same uvicorn command, same workers, same clients sending the same headers and bodies. It runs
   twice, once in each execution model, each on a fresh table:
   B  the idiomatic one: a plain `def` route, run in AnyIO's thread pool;
   B' A's own: an `async def` route handing the write to the same `DatabaseThreads` (one thread on
      SQLite), so that A/B' compares the work of a step with a row's under one execution model.

A, B and B' take turns in `--rounds` rounds (A, B, B', A, B, B', …; `--seconds` per part split
over them), each part on a server started for it: this machine's speed can drift by a third
within a minute, so each round's ratios compare parts run side by side, and the ratio reported is
the median of the rounds' ratios (each round's is printed too). A's plans go on from round to
round; its rates, latencies and CPU gather every round.

In each round a part warms up, untimed (`--warmup`, default 1 s), then runs its share of
`--seconds`; no request leaves after that and those in flight are awaited. Timed are the requests
answered after the warm-up (one begun during the warm-up counts with its whole latency, so a long
wait is never hidden); a round's rate is their number over the wall time from the end of the
warm-up to the last answer. It prints, for A, B and B', requests, seconds, req/s, mean, p50, p99
and the slowest over all rounds; the CPU the server processes (uvicorn and its workers), the
clients and, for a PostgreSQL server on this machine, all of that server's processes spent per
answered request (on a machine whose cores the three share, what a part costs the database
counts against its rate too); then A/B against the target
(>= 40 %; B is the issue's bare endpoint), A/B' for comparison (B' is the stricter yardstick of
A's own execution model, without the issue's target), A's p99 against the target (< 50 ms) and,
beside it, the lower p99 of B and B' (when even the bare endpoint answers slower in both models
under the same clients, the machine cannot meet the target, whatever A does), the invariants,
the setup and the machine, with its load average at the start: on a shared machine the figures
are only as quiet as the neighbours.
With 32 closed-loop clients the p99 target is also a rate target: the mean latency is clients /
rate (Little's law), so p99 < 50 ms needs more than 640 answers/s.

Run from the repository root with the project's virtualenv:

    python bench/http.py                       # SQLite, 64 plans, 32 clients, 1 worker, 15 s per part in 3 rounds
    python bench/http.py --seconds 3 --rounds 1 --json    # one JSON object on stdout
    python bench/http.py --url postgresql+psycopg://user@127.0.0.1:5432/bench --workers 4
    python bench/http.py --no-idempotency-key  # what the Idempotency-Key costs A

With `--url` the PostgreSQL database must hold no plans (it is initialised as `kpt init` does);
each baseline's table is created in it and dropped after its part. Exit status 0 when the run is
valid (every request of the three parts answered 200 and the invariants hold), 1 otherwise; the
targets are reported, not enforced.
"""

from __future__ import annotations

import _no_shadow  # noqa: F401  (first: this file's name shadows the standard `http`; see bench/_no_shadow.py)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import gc  # noqa: E402
import importlib.metadata  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable, Iterator, Sequence  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import asdict, dataclass, field, replace  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.append(str(REPO))  # for `bench.*`: bench/ itself must stay off the path (see _no_shadow)

import httpx  # noqa: E402
from sqlalchemy import Engine, func, make_url, select  # noqa: E402

from api.http_protocol import HTTP_PROTOCOL  # noqa: E402
from bench import _bare_app  # noqa: E402
from bench.transitions import (BACK_EDGE, BASELINE_ROW_BYTES, BUSY_TIMEOUT_MS, LEGAL_DAY, SQLITE_PRAGMAS,  # noqa: E402
                               Samples, Setup, Timing, create_database, last_event_seq, machine_info,
                               prepare_plans, timing_line)
from kpt_workflow.audit.verify import verify
from kpt_workflow.storage import event_log
from kpt_workflow.audit import replay  # noqa: E402
from kpt_workflow.services.accounts import create_user  # noqa: E402
from kpt_workflow.storage.blobs import BlobStore  # noqa: E402
from kpt_workflow.services.bootstrap import init_database  # noqa: E402
from kpt_workflow.storage.db import make_engine  # noqa: E402
from kpt_workflow.lifecycle.engine import workflow  # noqa: E402
from kpt_workflow.storage.idempotency import TABLE as IDEMPOTENCY  # noqa: E402
from kpt_workflow.storage.recorder import PLAN  # noqa: E402
from kpt_workflow.services.plans import WORKFLOW_NAME  # noqa: E402
from kpt_workflow.states.schema import TransitionSpec  # noqa: E402
from kpt_workflow.storage.unit_of_work import UnitOfWork  # noqa: E402

HOST = "127.0.0.1"  # never anything but loopback
TARGET_RATIO = 0.40
TARGET_P99_MS = 50.0
STARTUP_TIMEOUT_S = 60.0
API = "/api/v1"
REAL_APP = "api.app:create_app"
BARE_APP = "bench._bare_app:create_app"
THREAD_POOL, DB_THREADS = _bare_app.THREAD_POOL, _bare_app.DB_THREADS
# execution model of the bare app -> its name in the report, its label, what A/it compares
BASELINES = {
    THREAD_POOL: ("B", "bare FastAPI def, one-row INSERT", "the idiomatic `def` route, in AnyIO's thread pool"),
    DB_THREADS: ("B'", "bare async, on A's db thread", "A's execution model, `async def` + DatabaseThreads"),
}


# --- the load generator -------------------------------------------------------------------------

@dataclass
class Cursor:
    """A plan as the client that owns it sees it: the step it fires next, the version it last read."""

    plan_id: str
    entity_code: str
    trigger: str
    version: int


@dataclass(frozen=True)
class Load:
    """What one part sends: a transition request per cursor, to the real route or the bare one."""

    port: int
    tokens: dict[tuple[str, str], str]  # (role, entity code) -> bearer token
    steps: dict[str, TransitionSpec]  # the back-edge steps, by trigger
    real: bool  # A: follow the plan through its answers; B: only alternate the triggers
    idempotency_keys: bool = True

    def request(self, cursor: Cursor, key: str) -> bytes:
        path = f"{API}/plans/{cursor.plan_id}/transitions" if self.real else f"/rows/{cursor.plan_id}"
        body = json.dumps({"trigger": cursor.trigger, "fecha": LEGAL_DAY.isoformat()}).encode()
        token = self.tokens[self.steps[cursor.trigger].by[0], cursor.entity_code]
        key_header = f"Idempotency-Key: {key}\r\n" if self.idempotency_keys else ""
        return (f"POST {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nAuthorization: Bearer {token}\r\n{key_header}"
                f"If-Match: \"{cursor.version}\"\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    def accept(self, cursor: Cursor, body: bytes) -> None:
        """Move the cursor past a 200 answer."""
        if not self.real:
            cursor.trigger = BACK_EDGE[self.steps[cursor.trigger].dest]
            return
        answer = json.loads(body)
        cursor.version, cursor.trigger = int(answer["version"]), BACK_EDGE[answer["to"]]


@dataclass
class ClientRun:
    latencies_ns: list[int] = field(default_factory=list)  # requests answered in the timed window
    answered_ok: int = 0  # warm-up included
    last_answer_ns: int = 0
    failures: Counter[str] = field(default_factory=Counter)


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Status and body of one HTTP/1.1 answer (uvicorn sends Content-Length for these)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            raise ValueError("chunked answers are not expected")
    if length is None:
        raise ValueError("answer without Content-Length")
    return int(head[9:12]), await reader.readexactly(length)


def failure_name(status: int, body: bytes) -> str:
    try:
        return f"{status} {json.loads(body).get('code', '')}".strip()
    except (ValueError, AttributeError):
        return str(status)


async def client_loop(connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], load: Load,
                      cursors: Sequence[Cursor], name: str, timed_from: int, deadline: int) -> ClientRun:
    """Send, wait for the answer, send the next, until the deadline; stop at the first failure
    (the state of its plan is then unknown to the client)."""
    reader, writer = connection
    run = ClientRun()
    clock = time.perf_counter_ns
    try:
        i = 0
        while (start := clock()) < deadline:
            cursor = cursors[i % len(cursors)]
            writer.write(load.request(cursor, f"{name}-{i}"))
            status, body = await read_answer(reader)
            end = clock()
            if status != 200:
                run.failures[failure_name(status, body)] += 1
                break
            load.accept(cursor, body)
            run.answered_ok += 1
            if end >= timed_from:  # a request begun in the warm-up counts whole: a long wait is not hidden
                run.latencies_ns.append(end - start)
                run.last_answer_ns = end
            i += 1
    except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        run.failures[f"connection: {type(exc).__name__}"] += 1
    finally:
        writer.close()
    return run


@dataclass(frozen=True)
class CpuUse:
    """CPU spent while the clients ran (warm-up included), per answered request and in cores."""

    server_ms_per_request: float | None  # None where /proc is not there to read
    server_cores: float | None
    client_ms_per_request: float
    client_cores: float
    database_ms_per_request: float | None  # PostgreSQL on this machine: every process of its server
    database_cores: float | None


@dataclass
class PartRun:
    """One part over the rounds: every timed answer's latency (with each round's rate), the
    answers and failures, the CPU spent while the clients ran (warm-up included)."""

    samples: Samples = field(default_factory=Samples)
    answered_ok: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    server_cpu_s: float | None = 0.0  # None once a round found no /proc to read
    client_cpu_s: float = 0.0
    database_cpu_s: float | None = 0.0  # None unless every round read a PostgreSQL server on this machine
    wall_s: float = 0.0

    @property
    def timing(self) -> Timing | None:
        """None when too few requests were timed to give figures."""
        return self.samples.timing() if len(self.samples.latencies_ns) >= 2 else None

    @property
    def max_ms(self) -> float | None:
        return max(self.samples.latencies_ns) / 1e6 if self.samples.latencies_ns else None

    @property
    def cpu(self) -> CpuUse | None:
        if not self.wall_s:
            return None
        per_request = 1000 / max(self.answered_ok, 1)
        server, database = self.server_cpu_s, self.database_cpu_s
        return CpuUse(server_ms_per_request=server * per_request if server is not None else None,
                      server_cores=server / self.wall_s if server is not None else None,
                      client_ms_per_request=self.client_cpu_s * per_request,
                      client_cores=self.client_cpu_s / self.wall_s,
                      database_ms_per_request=database * per_request if database is not None else None,
                      database_cores=database / self.wall_s if database is not None else None)

    @property
    def valid(self) -> bool:
        return not self.failures and self.timing is not None


async def drive(load: Load, cursors: Sequence[Cursor], clients: int, warmup: float, seconds: float,
                into: PartRun) -> None:
    """`clients` closed loops over their own cursors, connected first: warm-up, then the timed
    window; what they saw goes `into` the part's run, as one round."""
    connections = [await asyncio.open_connection(HOST, load.port) for _ in range(clients)]
    timed_from = time.perf_counter_ns() + int(warmup * 1e9)
    deadline = timed_from + int(seconds * 1e9)
    this_round = secrets.token_hex(4)  # in every Idempotency-Key: no round reuses another's
    runs = await asyncio.gather(*(client_loop(connection, load, cursors[n::clients], f"{this_round}-c{n}", timed_from,
                                              deadline) for n, connection in enumerate(connections)))
    latencies = [ns for run in runs for ns in run.latencies_ns]
    if latencies:
        into.samples.add(latencies, (max(run.last_answer_ns for run in runs) - timed_from) / 1e9)
    into.answered_ok += sum(run.answered_ok for run in runs)
    for run in runs:
        into.failures.update(run.failures)


def _stat(pid: str) -> tuple[str, float]:
    """A process's command name and user + system CPU seconds, from /proc (OSError once it ended)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    name, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat.rsplit(")", 1)[1].split()
    return name, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process and of its live descendants (uvicorn's workers), from /proc."""
    try:
        own = _stat(str(pid))[1]
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    return own + sum(cpu_seconds(int(child)) or 0.0 for child in children)


CpuSnapshot = dict[str, float]
"""CPU seconds so far of each process of a kind, by pid."""


def postgres_cpu() -> CpuSnapshot | None:
    """User + system CPU of every process of the PostgreSQL server on this machine: the backends
    serving the parts' connections, and its background writers, which work for them too (and
    for anyone else's databases on that server). None without /proc."""
    try:
        pids = [pid for pid in os.listdir("/proc") if pid.isdigit()]
    except OSError:
        return None
    snapshot = {}
    for pid in pids:
        try:
            name, seconds = _stat(pid)
        except OSError:
            continue  # it ended meanwhile
        if name.startswith("postgres"):
            snapshot[pid] = seconds
    return snapshot


def cpu_between(before: CpuSnapshot | None, after: CpuSnapshot | None) -> float | None:
    """The CPU the processes alive at `after` spent since `before` (all of it for those started
    since): a process that ended meanwhile, such as another client's connection, takes its CPU
    with it, and is left out rather than counted as a negative."""
    if before is None or after is None:
        return None
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def database_cpu(url: str | None) -> Callable[[], CpuSnapshot | None]:
    """How to read the database server's CPU, when it can be read: PostgreSQL on this machine.
    SQLite runs inside the server process (its CPU is the server's); a remote server is not ours
    to read."""
    if url is None or make_url(url).host not in (None, "", "localhost", "127.0.0.1", "::1"):
        return lambda: None
    return postgres_cpu


def _added(total: float | None, spent: float | None) -> float | None:
    """A round's CPU added to a part's, or None once any round could not read it."""
    return None if total is None or spent is None else total + spent


# --- the servers --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def server_env(settings: dict[str, str]) -> dict[str, str]:
    """This process's environment without its KPT_* settings (no stray database), plus `settings`."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("KPT_")}, **settings}


def wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with status {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the server did not answer {url} within {STARTUP_TIMEOUT_S:.0f} s:\n{log.read_text()[-3000:]}")


@contextmanager
def served(app: str, health: str, env: dict[str, str], workers: int, log: Path) -> Iterator[tuple[int, int]]:
    """Start uvicorn on `app` (a factory) as `kpt serve` does, in the log's directory (no stray
    `.env` is read there); yield its port and pid once `health` answers."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--factory", "--host", HOST, "--port", str(port),
               "--workers", str(workers), "--http", HTTP_PROTOCOL, "--app-dir", str(REPO)]
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=log.parent, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_until_up(process, f"http://{HOST}:{port}{health}", log)
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: only the server and its workers
            process.wait()


# --- setup (not timed) ----------------------------------------------------------------------------

def open_database(url: str | None, directory: Path) -> Engine:
    """A fresh SQLite file in `directory`, or the PostgreSQL database at `url`, which must hold no plans."""
    if url is None:
        return create_database(directory)
    engine = make_engine(url, BUSY_TIMEOUT_MS)
    init_database(engine)
    with engine.connect() as conn:
        plans = conn.execute(select(func.count()).select_from(PLAN)).scalar_one()
    if plans:
        engine.dispose()
        raise SystemExit(f"--url: the database already holds {plans} plans; give a new one")
    return engine


def back_edge_steps() -> dict[str, TransitionSpec]:
    """The back-edge steps as the workflow declares them: where each leads, and whose act it is
    (the role the route requires of the token)."""
    triggers = set(BACK_EDGE.values())
    return {t.trigger: t for t in workflow(WORKFLOW_NAME).definition.transitions if t.trigger in triggers}


def prepare_cursors(engine: Engine, plan_ids: Sequence[str]) -> list[Cursor]:
    """The plans as they stand after setup: all before the council, at their current version."""
    with engine.connect() as conn:
        rows = {row.id: row for row in conn.execute(
            select(PLAN.c.id, PLAN.c.entity_code, PLAN.c.state, PLAN.c.version).where(PLAN.c.id.in_(plan_ids)))}
    return [Cursor(plan_id, rows[plan_id].entity_code, BACK_EDGE[rows[plan_id].state], rows[plan_id].version)
            for plan_id in plan_ids]


def username(role: str, entity_code: str) -> str:
    return f"bench-{role}-{entity_code}"


def create_tokens(engine: Engine, entity_codes: Sequence[str], roles: Sequence[str]) -> dict[tuple[str, str], str]:
    """One API user per role and entity: only an entity's own office or council may record its steps."""
    tokens = {}
    with UnitOfWork(engine, write=True) as uow:
        for code in entity_codes:
            for role in roles:
                _, tokens[role, code] = create_user(uow.session, username=username(role, code), role=role,
                                                    entity_code=code)
        uow.commit()
    return tokens


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection in the clients while they load (as `timeit` times): a full one here
    stopped every client for up to 100 ms, which the latencies would have charged to the server."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# --- the two parts --------------------------------------------------------------------------------

def run_round(app: str, health: str, env: dict[str, str], load: Load, cursors: Sequence[Cursor],
              args: argparse.Namespace, log: Path, into: PartRun) -> None:
    """One round of a part: serve `app`, load it for its share of `--seconds`, stop it; with the
    CPU the server and the clients spent meanwhile."""
    database = database_cpu(args.url)
    with served(app, health, env, args.workers, log) as (port, pid):
        server_before, database_before = cpu_seconds(pid), database()
        client_before, wall_before = time.process_time(), time.perf_counter()
        with collector_paused():
            asyncio.run(drive(replace(load, port=port), cursors, args.clients, args.warmup,
                              args.seconds / args.rounds, into))
        server_after, database_after = cpu_seconds(pid), database()
        client_after, wall = time.process_time(), time.perf_counter() - wall_before
    server_spent = None if server_before is None or server_after is None else server_after - server_before
    into.server_cpu_s = _added(into.server_cpu_s, server_spent)
    into.database_cpu_s = _added(into.database_cpu_s, cpu_between(database_before, database_after))
    into.client_cpu_s += client_after - client_before
    into.wall_s += wall


@dataclass(frozen=True)
class Invariants:
    """What part A left in the database, checked with the server stopped."""

    answered_ok: int  # 200 answers, warm-up included
    keyed: bool  # the requests carried an Idempotency-Key
    events_added: int
    transitions_applied: int  # of those events
    idempotency_records: int  # keys stored with a 200 answer
    chain_ok: bool
    chain_events: int
    chain_problem: str | None
    replay_differences: list[str]  # the first few

    @property
    def ok(self) -> bool:
        return (self.chain_ok and not self.replay_differences
                and self.answered_ok == self.events_added == self.transitions_applied
                and self.idempotency_records == (self.answered_ok if self.keyed else 0))


def check_invariants(engine: Engine, first_seq: int, answered_ok: int, keyed: bool,
                     users: Sequence[str]) -> Invariants:
    events = event_log.EVENTS
    with engine.connect() as conn:
        added = dict(conn.execute(select(events.c.event_type, func.count()).where(events.c.seq > first_seq)
                                  .group_by(events.c.event_type)).all())
        keys = conn.execute(select(func.count()).select_from(IDEMPOTENCY).where(
            IDEMPOTENCY.c.username.in_(users), IDEMPOTENCY.c.status_code == 200)).scalar_one()
        chain = verify(conn)
        differences = replay.differences(conn)
    return Invariants(answered_ok=answered_ok, keyed=keyed, events_added=sum(added.values()),
                      transitions_applied=added.get("transition_applied", 0), idempotency_records=keys,
                      chain_ok=chain.ok, chain_events=chain.events, chain_problem=chain.problem,
                      replay_differences=differences[:5])


def run_transitions(engine: Engine, directory: Path, load: Load, cursors: Sequence[Cursor],
                    args: argparse.Namespace, into: PartRun) -> None:
    """A round of part A on the app `kpt serve` runs; its plans go on from where the last round left them."""
    env = server_env({"KPT_DATABASE_URL": engine.url.render_as_string(hide_password=False),
                      "KPT_DATA_DIR": str(directory / "data"), "KPT_SQLITE_BUSY_TIMEOUT_MS": str(BUSY_TIMEOUT_MS),
                      "KPT_SESSION_SECRET": secrets.token_hex(32)})  # else each worker would race to make one
    run_round(REAL_APP, f"{API}/health", env, load, cursors, args, directory / "server-a.log", into)


def run_baseline(url: str, model: str, directory: Path, load: Load, cursors: Sequence[Cursor],
                 args: argparse.Namespace, into: PartRun) -> None:
    """A round of part B or B' (`model`): the bare app on a fresh table, loaded with the same
    requests (it ignores tokens and keys)."""
    _bare_app.create_table(url, list(SQLITE_PRAGMAS))
    env = server_env({_bare_app.URL_VAR: url, _bare_app.PRAGMAS_VAR: ";".join(SQLITE_PRAGMAS),
                      _bare_app.ROW_BYTES_VAR: str(BASELINE_ROW_BYTES), _bare_app.MODEL_VAR: model})
    try:
        run_round(BARE_APP, "/health", env, replace(load, real=False), cursors, args,
                  directory / f"server-b-{model}.log", into)
    finally:
        _bare_app.drop_table(url)


# --- report ---------------------------------------------------------------------------------------

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


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


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


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--plans", type=int, default=64, help="plans (municipalities) to set up (default 64)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument("--seconds", type=float, default=15.0,
                        help="timed duration of each part, split over the rounds (default 15)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds the parts A, B and B' take turns in (default 3)")
    parser.add_argument("--warmup", type=float, default=1.0, help="untimed warm-up of each part (default 1)")
    parser.add_argument("--url", default=None,
                        help="a PostgreSQL database holding no plans, instead of a fresh SQLite file")
    parser.add_argument("--no-idempotency-key", action="store_true",
                        help="send no Idempotency-Key (to see what the key costs)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--dir", type=Path, default=None,
                        help="parent of the temporary directory (default: the system's); files and logs go there")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.workers < 1 or args.rounds < 1 or args.seconds <= 0 or args.warmup < 0:
        parser.error("--clients, --workers and --rounds must be >= 1, --seconds > 0 and --warmup >= 0")
    if args.plans < args.clients:
        parser.error("--plans must be >= --clients: each client owns its plans")
    if args.url is not None and not args.url.startswith("postgresql"):
        parser.error("--url: a postgresql:// or postgresql+psycopg:// URL (SQLite is the default)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    load_average = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="kpt-bench-http-", dir=args.dir) as tmp:
        directory = Path(tmp)
        engine = open_database(args.url, directory)
        try:
            plan_ids, setup = prepare_plans(engine, BlobStore(directory / "data"), args.plans)
            steps = back_edge_steps()
            cursors = prepare_cursors(engine, plan_ids)
            tokens = create_tokens(engine, sorted({c.entity_code for c in cursors}),
                                   sorted({step.by[0] for step in steps.values()}))
            load = Load(port=0, tokens=tokens, steps=steps, real=True,
                        idempotency_keys=not args.no_idempotency_key)
            first_seq = last_event_seq(engine)
            transitions, baselines = PartRun(), {model: PartRun() for model in BASELINES}
            for _ in range(args.rounds):
                run_transitions(engine, directory, load, cursors, args, transitions)
                for model, baseline in baselines.items():
                    run_baseline(engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
                                 if args.url else str(directory / f"baseline-{model}.db"), model, directory, load,
                                 prepare_cursors(engine, plan_ids), args, baseline)
            invariants = check_invariants(engine, first_seq, transitions.answered_ok, load.idempotency_keys,
                                          [username(role, code) for role, code in tokens])
        finally:
            engine.dispose()
    report = Report(args=args, database="postgresql" if args.url else "sqlite", directory=directory,
                    machine=machine_info(), load_average=load_average, setup=setup, users=len(tokens),
                    transitions=transitions, invariants=invariants, baselines=baselines)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, default=str))
    else:
        print_text(report)
    return 0 if report.valid else 1


if __name__ == "__main__":
    sys.exit(main())
