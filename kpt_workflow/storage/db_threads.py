"""Where the server runs all its database work (api/database_work.py hands every route's there):
threads of their own, one on SQLite, where many writes share one commit.

AnyIO's pool, where FastAPI runs a plain `def` route, has up to 40 threads; under many clients
they contend for the GIL and for SQLite's one write lock, and the switching costs more than the
work. SQLite lets one writer in at a time
anyway, so there one thread takes all the work, in arrival order, and runs the jobs waiting at
once as one commit group (kpt_workflow.storage.commit_group): one COMMIT, one fsync, for all of them,
and then answers them all. PostgreSQL takes several writers at once, each job in its own
transactions, but a few threads serve it best: a thread waiting on a round trip lets another
work, yet every answer must take the GIL back, which more threads contend for; a worker process
is bound by its GIL long before the database is (bench/http.py on PostgreSQL, 1 worker: 1 thread
gave 860 steps/s, 3 threads 900; an earlier build, 2 workers: 15 threads each 330-360, 2 to 4
threads 520-570). More than one keeps a worker going while one of its jobs waits on a plan's lock.
Each PostgreSQL thread keeps its pooled connection from job to job while jobs keep coming, and
gives it back when none waits (unit_of_work.connections_kept): a checkout and a checkin per job
cost about as much as one of its statements.

The hand-off is a queue and a future of the event loop, not `run_in_executor`: its
concurrent.futures Future, chained to an asyncio one, cost more than the trip itself.
"""

import asyncio
import queue
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

from sqlalchemy import Engine

from kpt_workflow.storage.commit_group import commit_group
from kpt_workflow.storage.db import SqliteWriter, sqlite_writer
from kpt_workflow.storage.unit_of_work import connections_kept

T = TypeVar("T")
POSTGRES_THREADS = 4  # within the engine's pool (QueuePool: 5 connections kept)
SQLITE_READERS = 2  # reads beside SQLite's one writer: WAL lets them run while it writes
GROUP_LIMIT = 64  # jobs in one commit at most: the first job's answer waits for the group's last
_Job = tuple[Callable[[], Any], "asyncio.Future[Any]", asyncio.AbstractEventLoop]
_Outcome = tuple[Any, bool]  # the job's result or error, and whether it failed


class DatabaseThreads:
    """Started on the first hand-off and stopped by `shutdown` (the app's lifespan); a later
    hand-off starts them anew, so an app can be served again after its lifespan ended (tests)."""

    def __init__(self, threads: int, name: str = "kpt-db", writer: SqliteWriter | None = None,
                 keeps: Engine | None = None) -> None:
        """`writer`: the SQLite engine's, for its one thread to group the jobs' commits. `keeps`:
        a PostgreSQL engine whose connections the threads keep from job to job while jobs keep
        coming (unit_of_work.connections_kept), and give back to its pool when none waits."""
        if writer is not None and threads != 1:
            raise ValueError("a commit group is one thread's: SQLite's jobs take one thread")
        self.threads = threads
        self.name = name
        self.writer = writer
        self.keeps = keeps
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()  # None: a thread's stop
        self._running: list[threading.Thread] = []
        self._starting = threading.Lock()

    @classmethod
    def for_engine(cls, engine: Engine) -> "DatabaseThreads":
        writer = sqlite_writer(engine)
        return cls(1, writer=writer) if writer is not None else cls(POSTGRES_THREADS, keeps=engine)

    def readers(self) -> "DatabaseThreads":
        """Where reads go: on SQLite, threads of their own, so a long read (a national report, a
        verification) never holds the writer's queue, nor a step its readers; on PostgreSQL,
        these same threads, which take reads and writes alike."""
        return DatabaseThreads(SQLITE_READERS, name=f"{self.name}-read") if self.writer is not None else self

    async def run(self, work: Callable[[], T]) -> T:
        """`work()` on one of the threads; the request awaiting it resumes with its result or its
        error. Work once queued runs to its end, even if its request is cancelled meanwhile
        (`shutdown` waits for it)."""
        if not self._running:
            self._start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put((work, future, loop))
        return await future

    def shutdown(self) -> None:
        """Let the threads finish the work queued, then end them."""
        with self._starting:
            for _ in self._running:
                self._jobs.put(None)
            for thread in self._running:
                thread.join()
            self._running = []

    def _start(self) -> None:
        with self._starting:
            if not self._running:
                self._running = [threading.Thread(target=self._serve, name=f"{self.name}-{n}", daemon=True)
                                 for n in range(self.threads)]
                for thread in self._running:
                    thread.start()

    def _serve(self) -> None:
        kept = connections_kept(self.keeps) if self.keeps is not None else nullcontext(_nothing)
        with kept as idle:
            stopping = False
            while not stopping:
                jobs, stopping = self._take_jobs(idle)
                if jobs:
                    _answer(jobs, self._outcomes(jobs))

    def _take_jobs(self, idle: Callable[[], None]) -> tuple[list[_Job], bool]:
        """The next job and, on SQLite, those already waiting behind it (GROUP_LIMIT at most); and
        whether a stop came, to end the thread after them. `idle()` runs before waiting for one."""
        try:
            first = self._jobs.get_nowait()
        except queue.Empty:
            idle()
            first = self._jobs.get()
        if first is None:
            return [], True
        jobs = [first]
        while self.writer is not None and len(jobs) < GROUP_LIMIT:
            try:
                waiting = self._jobs.get_nowait()
            except queue.Empty:
                break
            if waiting is None:
                return jobs, True
            jobs.append(waiting)
        return jobs, False

    def _outcomes(self, jobs: list[_Job]) -> list[_Outcome]:
        """Run the jobs, in one commit group on SQLite. Should the group's commit fail, nothing
        any job did is durable, so every job answers with that error, whatever it returned."""
        group: AbstractContextManager[object] = commit_group(self.writer) if self.writer is not None else nullcontext()
        try:
            with group:
                outcomes = [_outcome(work) for work, _, _ in jobs]
        except BaseException as error:
            return [(error, True)] * len(jobs)
        return outcomes


def _nothing() -> None:
    pass


def _outcome(work: Callable[[], Any]) -> _Outcome:
    try:
        return work(), False
    except BaseException as error:  # whatever it is, the request raises it: none is left waiting
        return error, True


def _answer(jobs: list[_Job], outcomes: list[_Outcome]) -> None:
    """Wake each event loop once for all its answers: a wake-up is a write to its self-pipe."""
    answers: dict[asyncio.AbstractEventLoop, list[tuple["asyncio.Future[Any]", Any, bool]]] = {}
    for (_, future, loop), (outcome, failed) in zip(jobs, outcomes):
        answers.setdefault(loop, []).append((future, outcome, failed))
    for loop, settled in answers.items():
        try:
            loop.call_soon_threadsafe(_settle, settled)
        except RuntimeError:  # the loop closed: nobody awaits these answers any more
            pass


def _settle(answers: list[tuple["asyncio.Future[Any]", Any, bool]]) -> None:
    for future, outcome, failed in answers:
        if future.cancelled():
            continue
        if failed:
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
