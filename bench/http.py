"""HTTP transitions under concurrent clients, against a bare FastAPI endpoint writing one row.

What it measures, in one run on this machine, through a real server: uvicorn started as a
subprocess exactly as `kpt serve` starts it (`uvicorn.run` of a factory with host, port,
`--workers` and the HTTP protocol of api/http_protocol.py, which sets TCP_NODELAY and sends an
answer's head and body in one write, and the access log of api/access_log.py, here to a file;
uvicorn's defaults otherwise: the installed loop and HTTP parser), bound to 127.0.0.1 on a free
port. The load comes from this process: `--clients` concurrent clients, each on its own keep-alive
connection, in a closed loop (the next request leaves when the last answer has arrived). The client
is a few lines of raw HTTP/1.1 on asyncio streams, so that the load generator, which shares the
machine's cores with the server, costs both parts as little as possible. Each request's latency is
the time from sending it to the last byte of its answer.

A. "HTTP transitions": `POST /api/v1/plans/{id}/transitions` of `api.app:create_app` on a fresh
   database prepared as bench/transitions.py prepares it (bench/_plans.py: `--plans` municipalities'
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
   idempotency records; the hash chain verifies (`audit.verify`) and replay rebuilds the tables.
   FastAPI reads the route's parameters on the event loop and `api.database_work.on_database`
   hands its database work (the caller's access, the key, the step) to the app's database threads
   (kpt_workflow/storage/db_threads.py; one thread on SQLite, the server's one executor for
   database work) in one hand-off.
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
(>= 120 %; B is the issue's bare endpoint), A/B' for comparison (B' is the stricter yardstick of
A's own execution model, without the issue's target), A's p99 against the target (< 35 ms) and,
beside it, the lower p99 of B and B' (when even the bare endpoint answers slower in both models
under the same clients, the machine cannot meet the target, whatever A does), the invariants,
the setup and the machine, with its load average at the start: on a shared machine the figures
are only as quiet as the neighbours.
With 32 closed-loop clients the p99 target is also a rate target: the mean latency is clients /
rate (Little's law), so p99 < 35 ms needs more than 914 answers/s.

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
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

from bench._http_database import (back_edge_steps, check_invariants, create_tokens, open_database,  # noqa: E402
                                  prepare_cursors, username)
from bench._http_load import Load  # noqa: E402
from bench._http_parts import PartRun, run_baseline, run_transitions  # noqa: E402
from bench._http_report import BASELINES, Report, print_text  # noqa: E402
from bench._plans import last_event_seq, prepare_plans  # noqa: E402
from bench._timing import machine_info  # noqa: E402
from kpt_workflow.storage.blobs import BlobStore  # noqa: E402


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
