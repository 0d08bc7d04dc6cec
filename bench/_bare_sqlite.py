"""The bare sqlite3 parts of bench/transitions.py, the yardsticks of the engine's steps: plain
`sqlite3` with the durability settings of `kpt_workflow.storage.db`, no engine, no SQLAlchemy.

B   the commit loop: BEGIN IMMEDIATE; INSERT one ~600-byte row; COMMIT, as fast as one caller goes.
B∥  the same rows with the database thread's commit grouping: the limit of the grouped path A∥.
C   a step's own statements on the kpt database, values precomputed: the floor under A.
"""

from __future__ import annotations

import os
import queue
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from bench._plans import BACK_EDGE, BUSY_TIMEOUT_MS, LEGAL_DAY
from bench._timing import Samples, Timing, timed_loop
from kpt_workflow.storage.db_threads import GROUP_LIMIT
from kpt_workflow.lifecycle.engine import default_workflow
from kpt_workflow.storage.recorder import EVENT_COLUMNS, SQLITE, step_sql

BASELINE_ROW_BYTES = 600  # about one audit event (JSON outcomes + payload + hashes)
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
                  f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
INSERT_ROW = "INSERT INTO event (plan_id, body) VALUES (?, ?)"


def connect(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """A plain sqlite3 connection with the durability settings of `kpt_workflow.storage.db`."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
                                 check_same_thread=check_same_thread)
    for pragma in SQLITE_PRAGMAS:
        connection.execute(pragma)
    return connection


def baseline_connection(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """`connect` on a fresh file, with the one table the baselines write their rows to."""
    connection = connect(path, check_same_thread=check_same_thread)
    connection.execute("CREATE TABLE event (seq INTEGER PRIMARY KEY, plan_id TEXT NOT NULL, body TEXT NOT NULL)")
    return connection


def row_bodies() -> list[str]:
    """The rows' bodies, built before timing."""
    return [os.urandom(BASELINE_ROW_BYTES // 2).hex() for _ in range(1024)]


def row_key(i: int) -> str:
    return f"{i % 1000:05d}-2024"


class Baseline:
    """B: BEGIN IMMEDIATE; INSERT one ~600-byte row; COMMIT — as fast as the loop goes."""

    def __init__(self, path: Path) -> None:
        self.connection = baseline_connection(path)
        self.bodies = row_bodies()
        self.samples = Samples()
        self.rows = 0

    def insert(self, i: int) -> None:
        self.connection.execute("BEGIN IMMEDIATE")
        self.connection.execute(INSERT_ROW, (row_key(i), self.bodies[i % len(self.bodies)]))
        self.connection.execute("COMMIT")

    def run(self, seconds: float) -> None:
        self.rows = timed_loop(seconds, self.insert, self.samples, first=self.rows)

    def close(self) -> None:
        self.connection.close()


class GroupedBaseline:
    """B∥: what group commit can give at most, with nothing of the engine. `callers` threads each
    hand one row at a time to one committer thread and wait for its answer; the committer writes
    the rows waiting (GROUP_LIMIT at most, as the app's database thread groups steps) in one
    BEGIN IMMEDIATE … COMMIT, one fsync, and then answers them all. No savepoints, no event loop.
    Latency: from hand-off to answer."""

    def __init__(self, path: Path, callers: int) -> None:
        self.connection = baseline_connection(path, check_same_thread=False)  # the committer's alone
        self.callers = callers
        self.bodies = row_bodies()
        self.samples = Samples()
        self.rows = self.commits = 0
        self.error: BaseException | None = None

    def run(self, seconds: float) -> None:
        requests: queue.SimpleQueue[tuple[int, threading.Event] | None] = queue.SimpleQueue()
        committer = threading.Thread(target=self._commit_groups, args=(requests,), name="bench-committer")
        committer.start()
        clock = time.perf_counter_ns
        start = clock()
        deadline = start + int(seconds * 1e9)
        latencies: list[list[int]] = [[] for _ in range(self.callers)]
        callers = [threading.Thread(target=self._caller, args=(k, requests, deadline, latencies[k]))
                   for k in range(self.callers)]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join()
        elapsed_s = (clock() - start) / 1e9
        requests.put(None)  # every caller has had its last answer: the queue is empty
        committer.join()
        if self.error is not None:
            raise SystemExit(f"B∥: {self.error!r}")
        self.samples.add([ns for own in latencies for ns in own], elapsed_s)

    @property
    def rows_per_commit(self) -> float:
        return self.rows / self.commits if self.commits else 0.0

    def _caller(self, k: int, requests: queue.SimpleQueue[tuple[int, threading.Event] | None], deadline: int,
                latencies: list[int]) -> None:
        """A closed loop: the next row leaves when the last one's commit is answered."""
        answered, clock, i = threading.Event(), time.perf_counter_ns, k
        while (now := clock()) < deadline and self.error is None:
            answered.clear()
            requests.put((i, answered))
            answered.wait()
            latencies.append(clock() - now)
            i += self.callers

    def _commit_groups(self, requests: queue.SimpleQueue[tuple[int, threading.Event] | None]) -> None:
        execute, bodies = self.connection.execute, self.bodies
        while (first := requests.get()) is not None:
            group = [first]
            while len(group) < GROUP_LIMIT:
                try:
                    waiting = requests.get_nowait()
                except queue.Empty:
                    break
                assert waiting is not None  # the stop comes after every caller's last answer
                group.append(waiting)
            try:
                execute("BEGIN IMMEDIATE")
                for i, _ in group:
                    execute(INSERT_ROW, (row_key(i), bodies[i % len(bodies)]))
                execute("COMMIT")
            except BaseException as error:  # answered anyway, so that no caller waits for ever
                self.error = error
            self.rows += len(group)
            self.commits += 1
            for _, answered in group:
                answered.set()

    def close(self) -> None:
        self.connection.close()


def run_statements_alone(path: Path, plan_ids: Sequence[str], seconds: float) -> Timing:
    """C: a step's statements on the kpt database itself (the plan's row, its documents, the chain
    head, the plan's update, the event's insert, as `recorder.DriverRecorder` issues them on
    SQLite), values precomputed: the last applied event of each plan is the template of the rows
    inserted (their hashes are not a chain's: the file is thrown away after the run)."""
    connection = connect(path)
    columns, sql = EVENT_COLUMNS, step_sql(SQLITE)
    plans = {plan_id: list(connection.execute(
        f"SELECT {', '.join(columns)} FROM audit_event WHERE plan_id = ? AND event_type = 'transition_applied' "
        f"ORDER BY seq DESC LIMIT 1", (plan_id,)).fetchone()) for plan_id in plan_ids}
    position = {name: i for i, name in enumerate(columns)}
    legal_day = LEGAL_DAY.isoformat()
    flow = default_workflow()  # the demo's: where each back-edge step leads (looked up before timing starts)

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
