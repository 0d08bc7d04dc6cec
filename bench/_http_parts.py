"""The parts of bench/http.py, one round at a time: part A on the app `kpt serve` runs, parts
B and B' on the bare app, each on a server started for it and loaded by the clients; and what
each part gathers over the rounds."""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Engine

from api.serving import APP_FACTORY
from bench import _bare_app
from bench._bare_sqlite import BASELINE_ROW_BYTES, SQLITE_PRAGMAS
from bench._cpu import CpuUse, added, cpu_between, cpu_seconds, database_cpu
from bench._http_load import API, Cursor, Load, RoundLoad, collector_paused, drive
from bench._plans import BUSY_TIMEOUT_MS
from bench._server import served, server_env
from bench._timing import Samples, Timing

REAL_APP = APP_FACTORY
BARE_APP = "bench._bare_app:create_app"


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

    def add(self, round_load: RoundLoad) -> None:
        if round_load.latencies_ns:
            self.samples.add(round_load.latencies_ns, round_load.elapsed_s)
        self.answered_ok += round_load.answered_ok
        self.failures.update(round_load.failures)


def run_round(app: str, health: str, env: dict[str, str], load: Load, cursors: Sequence[Cursor],
              args: argparse.Namespace, log: Path, into: PartRun) -> None:
    """One round of a part: serve `app`, load it for its share of `--seconds`, stop it; with the
    CPU the server and the clients spent meanwhile."""
    database = database_cpu(args.url)
    with served(app, health, env, args.workers, log) as (port, pid):
        server_before, database_before = cpu_seconds(pid), database()
        client_before, wall_before = time.process_time(), time.perf_counter()
        with collector_paused():
            into.add(asyncio.run(drive(replace(load, port=port), cursors, args.clients, args.warmup,
                                       args.seconds / args.rounds)))
        server_after, database_after = cpu_seconds(pid), database()
        client_after, wall = time.process_time(), time.perf_counter() - wall_before
    server_spent = None if server_before is None or server_after is None else server_after - server_before
    into.server_cpu_s = added(into.server_cpu_s, server_spent)
    into.database_cpu_s = added(into.database_cpu_s, cpu_between(database_before, database_after))
    into.client_cpu_s += client_after - client_before
    into.wall_s += wall


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
