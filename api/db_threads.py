"""Where an `async def` route runs its database work: threads of the app's own, one on SQLite.

A plain `def` route runs in AnyIO's pool of up to 40 threads, and its plain `def` dependency takes
a second trip there; under many clients those threads contend for the GIL and for SQLite's one
write lock, and the switching costs more than the work. SQLite lets one writer in at a time
anyway, so there one thread takes all the work, in arrival order. PostgreSQL takes several
writers at once: there the threads are as many as the engine's pool has connections.

The hand-off is a queue and a future of the event loop, not `run_in_executor`: its
concurrent.futures Future, chained to an asyncio one, cost more than the trip itself.
"""

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine

from kpt_workflow.db import is_sqlite

T = TypeVar("T")
POSTGRES_THREADS = 15  # one per connection the engine's pool opens at most (QueuePool: 5 + 10 overflow)
_Job = tuple[Callable[[], Any], "asyncio.Future[Any]", asyncio.AbstractEventLoop] | None  # None: stop


class DatabaseThreads:
    """Started on the first hand-off and stopped by `shutdown` (the app's lifespan); a later
    hand-off starts them anew, so an app can be served again after its lifespan ended (tests)."""

    def __init__(self, threads: int, name: str = "kpt-db") -> None:
        self.threads = threads
        self.name = name
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._running: list[threading.Thread] = []
        self._starting = threading.Lock()

    @classmethod
    def for_engine(cls, engine: Engine) -> "DatabaseThreads":
        return cls(1 if is_sqlite(engine) else POSTGRES_THREADS)

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
        while (job := self._jobs.get()) is not None:
            work, future, loop = job
            try:
                outcome, failed = work(), False
            except BaseException as error:  # whatever it is, the request raises it: none is left waiting
                outcome, failed = error, True
            try:
                loop.call_soon_threadsafe(_settle, future, outcome, failed)
            except RuntimeError:  # the loop closed: nobody awaits the answer any more
                pass


def _settle(future: "asyncio.Future[Any]", outcome: Any, failed: bool) -> None:
    if future.cancelled():
        return
    if failed:
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
