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
   (`kpt_workflow.db_threads.DatabaseThreads` of the engine: on SQLite one thread, which runs the
   steps waiting as one commit group, one COMMIT and one fsync for all, and answers them after
   it). A caller's next step leaves when the answer to its last one is back, so every step is
   durable (synchronous=FULL) before it counts, as in A. Latency: from hand-off to answer.
B. The baseline: a bare `sqlite3` loop on a separate fresh file with the same durability settings
   (WAL, synchronous=FULL, foreign_keys=ON, busy_timeout), each iteration `BEGIN IMMEDIATE`, one
   `INSERT` of a ~600-byte row (about an audit event), `COMMIT`, for the same duration.
B∥ The honest limit of A∥: the same bare rows, on a fresh file of their own with the same settings,
   grouped as A∥'s steps are: `--callers` threads each hand one row at a time to one committer
   thread, which writes the rows waiting (as many as the database thread would group) in one
   `BEGIN IMMEDIATE` … `COMMIT`, one fsync, and then answers them all. What A∥ loses against it is
   the engine's own work; what B∥ gains over B is all group commit can give.

A, A∥, B and B∥ take turns in `--rounds` rounds (A, A∥, B, B∥, A, …; `--seconds` per part split
over them), because this machine's fsync, which B's rate mostly is, can drift by half within a
minute: each round's ratios compare two parts run side by side, and the ratio reported is the
median of the rounds' ratios (each round's are printed too). Rates and latencies gather every
round.

C. For context, the floor under A: after the rounds, on the same database file, the very statements
   a step runs (the plan's row, its documents, the chain head, the plan's update, the event's
   insert, as `recorder.DriverRecorder` issues them on SQLite), through plain `sqlite3` with
   precomputed values and none of the Python between them (no checklist, no Machine, no hashing), for one round's time. What
   A costs beyond C is the engine's Python; what C costs beyond B is the database's own work for a
   step (four B-tree pages instead of one).

It prints the five rates with mean/p50/p99 latency; A∥/B against issue 23's target (>= 60 %), since A∥ is
the engine's throughput: steps as the service runs them, from concurrent callers on the database
thread; A∥/B∥ (B∥: bare sqlite3 with the same grouping, 16 callers and one fsync per group) against
the target of the turn after issue 23 (>= 50 %), since B∥ is what A∥ could
be if a step cost no more than a bare row; A/B for context, what one caller that waits for each
commit gets, with no target: C/B, the most A/B could be with no Python at all, is itself about
50 % (a step writes four B-tree pages, the bare row one); and the Python, SQLite and machine it
ran on. Setup (schema, DIVIPOLA
registry, plans, filings, parte estratégica and plan plurianual, steps to
`discusion_corporaciones`, all through the service layer) happens in a temporary directory and
is not timed.

Run from the repository root with the project's virtualenv:

    python bench/transitions.py                       # 200 municipalities, 10 s per part in 5 rounds, 16 callers
    python bench/transitions.py --callers 32
    python bench/transitions.py --plans 50 --seconds 3
    python bench/transitions.py --json                # one JSON object on stdout

Exit status 0 when the run is valid (every timed step applied; after A and A∥ the hash chain
verifies and replay rebuilds the tables), 1 otherwise; the ratio targets are
reported, not enforced.
"""

from __future__ import annotations

import _no_shadow  # noqa: F401  (first: see bench/_no_shadow.py)

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

from bench._bare_sqlite import Baseline, GroupedBaseline, run_statements_alone  # noqa: E402
from bench._plans import create_database, last_event_seq, prepare_plans  # noqa: E402
from bench._timing import check_turns, machine_info  # noqa: E402
from bench._transition_steps import BackEdgeSteps, TransitionParts  # noqa: E402
from bench._transitions_report import Report, print_text  # noqa: E402
from kpt_workflow.audit.verify import verify as verify_chain
from kpt_workflow.audit import replay  # noqa: E402
from kpt_workflow.storage.blobs import BlobStore  # noqa: E402
from kpt_workflow.storage.db_threads import DatabaseThreads  # noqa: E402
from kpt_workflow.storage.unit_of_work import UnitOfWork  # noqa: E402


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--plans", type=int, default=200, help="plans (municipalities) to set up (default 200)")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each timed part (default 10)")
    parser.add_argument("--callers", type=int, default=16, help="concurrent callers of parts A∥ and B∥ (default 16)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds the parts A, A∥, B and B∥ take turns in, --seconds split over them (default 5)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--dir", type=Path, default=None,
                        help="parent of the temporary directory (default: the system's); every file goes there")
    return check_turns(parser, parser.parse_args(argv))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    each = args.seconds / args.rounds
    with tempfile.TemporaryDirectory(prefix="kpt-bench-", dir=args.dir) as tmp:
        directory = Path(tmp)
        engine = create_database(directory)
        baseline = Baseline(directory / "baseline.db")
        grouped = GroupedBaseline(directory / "baseline-grouped.db", args.callers)
        try:
            plan_ids, setup = prepare_plans(engine, BlobStore(directory / "data"), args.plans)
            parts, first_seq = TransitionParts(BackEdgeSteps(engine, plan_ids), args.callers), last_event_seq(engine)
            threads = DatabaseThreads.for_engine(engine)
            try:
                for _ in range(args.rounds):  # interleaved: a drift of the machine touches every part alike
                    parts.run_one(each)
                    parts.run_concurrent(each, threads)
                    baseline.run(each)
                    grouped.run(each)
            finally:
                threads.shutdown()
            with UnitOfWork(engine) as uow:
                chain_ok, replay_agrees = verify_chain(uow.connection).ok, not replay.differences(uow.connection)
            transitions, concurrent = parts.run("one", first_seq), parts.run("concurrent", first_seq)
        finally:
            baseline.close()
            grouped.close()
            engine.dispose()
        statements = run_statements_alone(directory / "kpt.db", plan_ids, each)
    report = Report(plans=args.plans, seconds_per_part=args.seconds, rounds=args.rounds, directory=directory,
                    machine=machine_info(), callers=args.callers, setup=setup, transitions=transitions,
                    concurrent=concurrent, baseline=baseline.samples.timing(),
                    grouped=grouped.samples.timing(), rows_per_commit=grouped.rows_per_commit, statements=statements,
                    round_rates={"A": parts.one.rounds, "A∥": parts.concurrent.rounds, "B": baseline.samples.rounds,
                                 "B∥": grouped.samples.rounds},
                    chain_ok=chain_ok, replay_agrees=replay_agrees)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print_text(report)
    return 0 if report.valid else 1


if __name__ == "__main__":
    sys.exit(main())
