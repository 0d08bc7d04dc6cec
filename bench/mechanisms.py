"""What each performance mechanism of the write path gains: the grouped steps of bench/transitions.py
(part A∥: `--callers` concurrent callers handing guarded steps to the database threads, each
answered once durable) with every mechanism on, and again with each one off, side by side.

The configurations, on SQLite (always) and PostgreSQL (with `--url`):

  all on                the app's: `DatabaseThreads.for_engine(engine)`.
  no group commit       SQLite: `DatabaseThreads(1)`, the same one thread, each step its own
                        transaction and fsync (kpt_workflow/storage/commit_group.py off).
  no kept connections   PostgreSQL: `DatabaseThreads(POSTGRES_THREADS)` without `keeps`, a pool
                        checkout and checkin per step (unit_of_work.connections_kept off).
  no held-back writes   PostgreSQL: a second engine on the same database whose recorders send each
                        statement at once (`recorder.send_at_once`): no statements held back for the
                        COMMIT's round trip, no engine hooks, no locked row kept.

Each switch is a constructor argument or that one engine flag: the code that runs is the
service's. The configurations take turns in `--rounds` rounds (`--seconds` per configuration split
over them; each round begins with the next one) on one database whose plans go on from round to round; each prints its steps/s, p50
and p99 over all rounds and the median of its rounds' rates against all-on's in the same round.
A mechanism whose ratio stays near 100 % does not pay. The load average at the start and the end
is printed: on a shared machine the figures are only as quiet as the neighbours.

    python bench/mechanisms.py                          # SQLite, 200 plans, 16 callers, 12 s in 4 rounds
    python bench/mechanisms.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_db

With `--url` the PostgreSQL database must hold no plans (it is initialised as `kpt init` does).
Exit status 0 when every timed step applied and the hash chain verifies.
"""

from __future__ import annotations

import _no_shadow  # noqa: F401  (first: see bench/_no_shadow.py)

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

from sqlalchemy import Engine  # noqa: E402

from bench._http_database import open_database  # noqa: E402
from bench._plans import BUSY_TIMEOUT_MS, prepare_plans  # noqa: E402
from bench._timing import Samples, check_turns, timing_line  # noqa: E402
from bench._transition_steps import BackEdgeSteps, TransitionParts  # noqa: E402
from kpt_workflow.audit.verify import verify as verify_chain  # noqa: E402
from kpt_workflow.storage.blobs import BlobStore  # noqa: E402
from kpt_workflow.storage.db import make_engine  # noqa: E402
from kpt_workflow.storage.db_threads import POSTGRES_THREADS, DatabaseThreads  # noqa: E402
from kpt_workflow.storage.recorder import send_at_once  # noqa: E402
from kpt_workflow.storage.unit_of_work import UnitOfWork  # noqa: E402

ALL_ON = "all on"


@dataclass
class Configuration:
    """One way of running the steps: on which engine, handed to which threads."""

    name: str
    engine: Engine
    threads: Callable[[], DatabaseThreads]
    samples: Samples = field(default_factory=Samples)
    applied: int = 0
    refused: int = 0

    def run(self, plan_ids: Sequence[str], callers: int, seconds: float) -> None:
        parts = TransitionParts(BackEdgeSteps(self.engine, plan_ids), callers, concurrent=self.samples)
        threads = self.threads()
        try:
            parts.run_concurrent(seconds, threads)
        finally:
            threads.shutdown()
        self.applied += parts.applied["concurrent"]
        self.refused += parts.refused["concurrent"]


def configurations(engine: Engine, url: str | None) -> list[Configuration]:
    if url is None:
        return [Configuration(ALL_ON, engine, lambda: DatabaseThreads.for_engine(engine)),
                Configuration("no group commit", engine, lambda: DatabaseThreads(1))]
    at_once = make_engine(url, BUSY_TIMEOUT_MS)
    send_at_once(at_once)
    return [Configuration(ALL_ON, engine, lambda: DatabaseThreads.for_engine(engine)),
            Configuration("no kept connections", engine, lambda: DatabaseThreads(POSTGRES_THREADS)),
            Configuration("no held-back writes", at_once, lambda: DatabaseThreads.for_engine(at_once))]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--plans", type=int, default=200, help="plans (municipalities) to set up (default 200)")
    parser.add_argument("--callers", type=int, default=16, help="concurrent callers (default 16)")
    parser.add_argument("--seconds", type=float, default=12.0,
                        help="timed duration of each configuration, split over the rounds (default 12)")
    parser.add_argument("--rounds", type=int, default=4, help="rounds the configurations take turns in (default 4)")
    parser.add_argument("--url", default=None, help="a PostgreSQL database holding no plans, instead of SQLite")
    parser.add_argument("--dir", type=Path, default=None, help="parent of the temporary directory")
    return check_turns(parser, parser.parse_args(argv))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="kpt-bench-mechanisms-", dir=args.dir) as tmp:
        engine = open_database(args.url, Path(tmp))
        runs = configurations(engine, args.url)
        try:
            plan_ids, _ = prepare_plans(engine, BlobStore(Path(tmp) / "data"), args.plans)
            for k in range(args.rounds):  # each round begins with the next configuration: none always goes first
                for run in runs[k % len(runs):] + runs[:k % len(runs)]:
                    run.run(plan_ids, args.callers, args.seconds / args.rounds)
            with UnitOfWork(engine) as uow:
                chain_ok = verify_chain(uow.connection).ok
        finally:
            for run in runs:
                run.engine.dispose()
    print(f"kpt_workflow write-path mechanisms: {engine.dialect.name}, {args.plans} plans, {args.callers} callers, "
          f"{args.seconds} s per configuration in {args.rounds} rounds; load average "
          f"{' '.join(f'{x:.2f}' for x in load_before)} at the start, "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    base = runs[0].samples.rounds
    for run in runs:
        ratio = statistics.median(r / b for r, b in zip(run.samples.rounds, base))
        print(timing_line(run.name, run.samples.timing(), "steps") + f"  {100 * ratio:5.1f} % of all on")
        print(f"   rounds: {', '.join(f'{r:.0f}' for r in run.samples.rounds)} steps/s; "
              f"applied {run.applied}, refused {run.refused}")
    valid = chain_ok and all(run.refused == 0 for run in runs)
    print(f"chain {'verifies' if chain_ok else 'BROKEN'}; {'valid' if valid else 'INVALID'} run")
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())
