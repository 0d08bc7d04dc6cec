"""Build a large kpt database for the report and audit benchmarks, keeping the hash chain valid.

1. `init_database` (schema and DIVIPOLA registry) and `run_demo` (the synthetic 2024 cycle of all
   1,134 planning entities, through the service layer: ~34k real events).
2. Bulk append of synthetic *blocked attempts* until the audit holds `--events` events in all:
   each is a `transition_blocked` event of a plan that is stuck in a state where the demo itself
   recorded refused steps, copying one of those real refusals (trigger, states, failed outcome
   list, payload) with a legal date between the plan's entry in its state (at the earliest
   2024-01-01) and the demo's end (2024-06-28). Events are made day by day, so the appended part of
   the chain is in legal order. `plan_version` continues each plan's sequence and the plan's
   `version` is updated in the same transaction, so replay still agrees with the tables; so are
   the `blocked_rule_day` counts of the appended refusals (`projections.count_refusal`, the fold
   the application's append uses, summed over the transaction and upserted once at its end).
   `prev_hash`/`hash` come from `kpt_workflow.storage.event_encoding.compute_hash` in chain order; rows go in with
   executemany batches (`--batch`) inside large transactions (`--commit-every`), holding the write
   lock (BEGIN IMMEDIATE on SQLite, the chain's advisory lock on PostgreSQL).
3. `audit.verify` and `replay.differences` over the result, printed (must be ok / empty).

    python bench/scale_db.py --url sqlite:////tmp/scale.db --events 100000
    python bench/scale_db.py --url postgresql+psycopg://user@host/db --events 1000000
    python bench/scale_db.py --url sqlite:////tmp/small.db --entities 40 --events 5000   # a quick check

`--entities N` runs the demo for N planning entities spread evenly over the registry's order
instead of all of them: the same paths on a small country, for tests.

The database must be new (no plans). Exit status 0 when the chain verifies and replay agrees.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import _no_shadow  # noqa: F401,E402  (first: see bench/_no_shadow.py)

from sqlalchemy import Connection, Engine, bindparam, func, select, text, update  # noqa: E402

from kpt_workflow.audit.verify import verify as verify_chain
from kpt_workflow.storage import event_encoding

from kpt_workflow.storage import projections

from kpt_workflow.audit import replay  # noqa: E402
from kpt_workflow.storage.blobs import BlobStore  # noqa: E402
from kpt_workflow.services.bootstrap import init_database  # noqa: E402
from kpt_workflow.storage.db import WRITE_OPTION, make_engine  # noqa: E402
from kpt_workflow.services.demo import DEMO_END, run_demo  # noqa: E402
from kpt_workflow.storage.tables import Entity  # noqa: E402
from kpt_workflow.storage.recorder import CHAIN_LOCK_KEY, EVENTS, PLAN  # noqa: E402

MAX_EVENTS = 1_000_000
FIRST_DAY = date(2024, 1, 1)
ACTOR = "sintetico:escala"
BLOCKED = "transition_blocked"


@dataclass(frozen=True)
class Template:
    """A real refused step, copied into the synthetic ones."""

    action: str
    from_state: str
    to_state: str | None
    outcomes: str
    payload: str


@dataclass
class StuckPlan:
    id: str
    version: int
    entered_on: date
    templates: list[Template]


@dataclass(frozen=True)
class Result:
    demo_events: int
    demo_seconds: float
    appended: int
    append_seconds: float
    rows_per_second: float
    plans_touched: int
    total_events: int
    verify: dict[str, object]
    verify_seconds: float
    replay_differences: list[str]
    replay_seconds: float

    @property
    def ok(self) -> bool:
        return bool(self.verify["ok"]) and not self.replay_differences and self.total_events == self.verify["events"]


# --- reading what the demo wrote -------------------------------------------------------------------

def event_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(EVENTS)).scalar_one())


def stuck_plans(conn: Connection) -> list[StuckPlan]:
    """Plans whose current state has real refusals from that state to copy (distinct templates)."""
    templates: dict[str, dict[tuple[str, str, str], Template]] = defaultdict(dict)
    rows = conn.execute(select(EVENTS.c.action, EVENTS.c.from_state, EVENTS.c.to_state, EVENTS.c.outcomes,
                               EVENTS.c.payload).where(EVENTS.c.event_type == BLOCKED).order_by(EVENTS.c.seq))
    for row in rows:
        templates[row.from_state].setdefault((row.action, row.outcomes, row.payload), Template(*row))
    plans = conn.execute(select(PLAN.c.id, PLAN.c.version, PLAN.c.state, PLAN.c.state_entered_on)
                         .order_by(PLAN.c.id)).all()
    return [StuckPlan(p.id, p.version, max(p.state_entered_on, FIRST_DAY), list(templates[p.state].values()))
            for p in plans if templates.get(p.state)]


def chain_head(conn: Connection) -> tuple[int, str]:
    head = conn.execute(select(EVENTS.c.seq, EVENTS.c.hash).order_by(EVENTS.c.seq.desc()).limit(1)).first()
    return (head.seq, head.hash) if head else (0, event_encoding.GENESIS_HASH)


def spread_entities(conn: Connection, count: int | None) -> list[str] | None:
    """`count` planning entities spread evenly over the registry's order (None: all of them)."""
    if count is None:
        return None
    table = Entity.__table__
    codes = list(conn.execute(select(table.c.code).where(table.c.plans_own_pdt).order_by(table.c.code)).scalars())
    return [codes[i * len(codes) // count] for i in range(min(count, len(codes)))]


# --- synthetic events ------------------------------------------------------------------------------

def synthetic_events(plans: Sequence[StuckPlan], count: int, seed: int) -> Iterator[tuple[StuckPlan, date, Template]]:
    """`count` (plan, legal date, template) in legal-date order, spread evenly over the days from
    2024-01-01 to the demo's end; each day picks among the plans already in their state that day."""
    rng = random.Random(seed)
    days = [FIRST_DAY + timedelta(days=n) for n in range((DEMO_END - FIRST_DAY).days + 1)]
    by_entry = sorted(plans, key=lambda p: p.entered_on)
    eligible: list[StuckPlan] = []
    made = 0
    for index, day in enumerate(days):
        while len(eligible) < len(by_entry) and by_entry[len(eligible)].entered_on <= day:
            eligible.append(by_entry[len(eligible)])
        today = count * (index + 1) // len(days) - made  # cumulative share, so the total is exact
        if not eligible:  # nobody stuck yet: the share moves to the next day
            continue
        for _ in range(today):
            plan = rng.choice(eligible)
            yield plan, day, rng.choice(plan.templates)
        made += today


def write_transaction(engine: Engine) -> Any:
    return engine.connect().execution_options(**{WRITE_OPTION: True})


def bulk_append(engine: Engine, plans: Sequence[StuckPlan], count: int, seed: int, batch: int,
                commit_every: int) -> tuple[int, float, int]:
    """Append `count` blocked attempts; returns (rows, seconds, plans touched)."""
    events = synthetic_events(plans, count, seed)
    set_version = update(PLAN).where(PLAN.c.id == bindparam("plan_id")).values(version=bindparam("new_version"))
    recorded_at = datetime.now(timezone.utc)
    touched: set[str] = set()
    written = 0
    start = time.perf_counter()
    while written < count:
        with write_transaction(engine) as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
            seq, prev_hash = chain_head(conn)  # read under the write lock
            changed: dict[str, int] = {}
            blocked: dict[projections.RuleDay, projections.Blocked] = {}
            in_transaction = 0
            while in_transaction < commit_every and written < count:
                rows = []
                for plan, day, template in _take(events, min(batch, commit_every - in_transaction, count - written)):
                    seq += 1
                    plan.version += 1
                    recorded_at += timedelta(microseconds=1000)
                    row: dict[str, Any] = {
                        "seq": seq, "plan_id": plan.id, "plan_version": plan.version, "event_type": BLOCKED,
                        "schema_version": event_encoding.SCHEMA_VERSION, "recorded_at": recorded_at, "actor": ACTOR,
                        "action": template.action, "from_state": template.from_state,
                        "to_state": template.to_state, "legal_date": day, "outcomes": template.outcomes,
                        "payload": template.payload, "prev_hash": prev_hash,
                    }
                    row["hash"] = prev_hash = event_encoding.compute_hash(row)
                    rows.append(row)
                    changed[plan.id] = plan.version
                    projections.count_refusal(blocked, plan.id, day, _outcomes(template.outcomes))
                if not rows:
                    raise SystemExit("internal error: the synthetic event stream ran dry")
                conn.execute(EVENTS.insert(), rows)
                in_transaction += len(rows)
                written += len(rows)
            conn.execute(set_version, [{"plan_id": p, "new_version": v} for p, v in changed.items()])
            projections.add_blocked(conn, blocked)
            touched.update(changed)
    return written, time.perf_counter() - start, len(touched)


@lru_cache(maxsize=None)
def _outcomes(text: str) -> list[dict[str, object]]:
    """A template's outcomes, decoded once (templates are few, their copies many)."""
    return json.loads(text)


def _take(events: Iterator[Any], n: int) -> list[Any]:
    return [event for _, event in zip(range(n), events)]


# --- the run ---------------------------------------------------------------------------------------

def build(args: argparse.Namespace, blobs: Path) -> Result:
    engine = make_engine(args.url, bulk_load=True)
    try:
        init_database(engine)
        start = time.perf_counter()
        with engine.connect() as conn:
            entity_codes = spread_entities(conn, args.entities)
        run_demo(engine, BlobStore(blobs), seed=args.seed, entity_codes=entity_codes)
        demo_seconds = time.perf_counter() - start
        with engine.connect() as conn:
            demo_events = event_count(conn)
            plans = stuck_plans(conn)
        wanted = max(0, args.events - demo_events)
        if wanted and not plans:
            raise SystemExit("the demo left no plan stuck with refused steps to copy")
        appended, seconds, touched = (bulk_append(engine, plans, wanted, args.seed, args.batch, args.commit_every)
                                      if wanted else (0, 0.0, 0))
        if engine.dialect.name == "postgresql":
            # Fresh statistics after the bulk load, as the demo does, and the visibility map that
            # index-only scans need: what autovacuum would do in time (it may be off in a test cluster).
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        with engine.connect() as conn:
            total = event_count(conn)
            start = time.perf_counter()
            verified = verify_chain(conn)
            verify_seconds = time.perf_counter() - start
            start = time.perf_counter()
            differences = replay.differences(conn)
            replay_seconds = time.perf_counter() - start
    finally:
        engine.dispose()
    return Result(demo_events=demo_events, demo_seconds=demo_seconds, appended=appended, append_seconds=seconds,
                  rows_per_second=appended / seconds if seconds else 0.0, plans_touched=touched,
                  total_events=total, verify=verified.as_dict(), verify_seconds=verify_seconds,
                  replay_differences=differences, replay_seconds=replay_seconds)


def print_text(result: Result, args: argparse.Namespace) -> None:
    print(f"kpt scale database: {args.url}, target {args.events} events")
    print(f"demo (init + run_demo, service layer): {result.demo_events} events in {result.demo_seconds:.1f} s")
    print(f"bulk append: {result.appended} blocked attempts over {result.plans_touched} plans in "
          f"{result.append_seconds:.1f} s = {result.rows_per_second:,.0f} rows/s "
          f"(batch {args.batch}, {args.commit_every} rows per transaction)")
    print(f"total events: {result.total_events}")
    verify = result.verify
    print(f"audit.verify: ok={verify['ok']} events={verify['events']} head={verify['head_hash']} "
          f"({result.verify_seconds:.1f} s)" + (f" FIRST BAD {verify['first_bad_seq']}: {verify['problem']}"
                                                 if not verify["ok"] else ""))
    shown = result.replay_differences[:10]
    print(f"replay.differences: {len(result.replay_differences)} ({result.replay_seconds:.1f} s)"
          + "".join(f"\n  {line}" for line in shown))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", required=True, help="database URL (sqlite:///… or postgresql+psycopg://…); new")
    parser.add_argument("--events", type=int, default=100_000,
                        help=f"audit events in all at the end (default 100000, at most {MAX_EVENTS})")
    parser.add_argument("--seed", type=int, default=1, help="seed of the demo and of the synthetic events")
    parser.add_argument("--entities", type=int, default=None,
                        help="run the demo for this many planning entities only, spread over the registry "
                             "(default: all 1,134; fewer for a quick check)")
    parser.add_argument("--batch", type=int, default=5_000, help="rows per executemany (default 5000)")
    parser.add_argument("--commit-every", type=int, default=100_000, help="rows per transaction (default 100000)")
    parser.add_argument("--blobs", type=Path, default=None,
                        help="directory for the demo's document files (default: a temporary one, removed)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)
    if not 0 < args.events <= MAX_EVENTS:
        parser.error(f"--events must be between 1 and {MAX_EVENTS}")
    if args.batch < 1 or args.commit_every < 1:
        parser.error("--batch and --commit-every must be >= 1")
    if args.entities is not None and args.entities < 1:
        parser.error("--entities must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.blobs is not None:
        result = build(args, args.blobs)
    else:
        with tempfile.TemporaryDirectory(prefix="kpt-scale-blobs-") as tmp:
            result = build(args, Path(tmp))
    if args.json:
        print(json.dumps({"benchmark": "scale database build", "config": {
            "url": args.url, "events": args.events, "seed": args.seed, "entities": args.entities, "batch": args.batch,
            "commit_every": args.commit_every}, **asdict(result), "ok": result.ok}, indent=2))
    else:
        print_text(result, args)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
