"""For tests that must know another thread is waiting, told by an event instead of guessed by a
sleep: the writers that have queued for a WriterLock, and jobs queued together behind a first
job that holds a database thread."""

import asyncio
import threading
from collections import deque
from collections.abc import Callable

from kpt_workflow.storage.db import WriterLock
from kpt_workflow.storage.db_threads import DatabaseThreads
from fresh_thread import on_a_fresh_thread

WAIT_S = 10.0  # reached only when the code under test is broken: the test then fails, not hangs


class WaitingWriters(deque[threading.Lock]):
    """A WriterLock's queue of waiting writers that tells each arrival: a writer is put in it
    when it must wait for its turn, just before it blocks."""

    def __init__(self) -> None:
        super().__init__()
        self._arrival = threading.Condition()
        self.arrivals = 0

    def append(self, turn: threading.Lock) -> None:
        super().append(turn)
        with self._arrival:
            self.arrivals += 1
            self._arrival.notify_all()

    def wait_for(self, count: int) -> None:
        """Return once `count` writers in all have come to wait."""
        with self._arrival:
            if not self._arrival.wait_for(lambda: self.arrivals >= count, timeout=WAIT_S):
                raise AssertionError(f"{self.arrivals} writers came to wait for their turn, not {count}")


def watch_waiting_writers(lock: WriterLock) -> WaitingWriters:
    """Give `lock`, which no writer waits for yet, a queue that tells the test each arrival."""
    assert not lock._waiting
    lock._waiting = watched = WaitingWriters()
    return watched


async def behind_a_held_thread(threads: DatabaseThreads, jobs: list[Callable[[], object]]) -> list[object]:
    """Hand `jobs` off while a first job holds a database thread, which it lets go once every job
    is queued: the jobs wait together behind it, as under load. Their results (or errors), in
    order."""
    holding, queued = threading.Event(), threading.Event()

    def hold() -> None:
        holding.set()
        if not queued.wait(WAIT_S):
            raise AssertionError("the jobs were never queued")

    held = asyncio.ensure_future(threads.run(hold))
    assert await asyncio.to_thread(holding.wait, WAIT_S), "no database thread took the first job"
    rest = asyncio.gather(*(threads.run(job) for job in jobs), return_exceptions=True)
    # The loop runs callbacks in the order they were scheduled: each job's task queues its job
    # on its first step, scheduled by `gather` before this.
    asyncio.get_running_loop().call_soon(queued.set)
    await held
    return list(await rest)


def hand_off_behind_a_held_thread(threads: DatabaseThreads, jobs: list[Callable[[], object]]) -> list[object]:
    """`behind_a_held_thread` from an event loop of its own; the threads are shut down after."""
    try:
        return on_a_fresh_thread(lambda: asyncio.run(behind_a_held_thread(threads, jobs)))
    finally:
        threads.shutdown()
