"""For tests that start an event loop of their own."""

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def on_a_fresh_thread(call: Callable[[], T]) -> T:
    """Run `call` where no event loop runs already: the browser tests' session-wide Playwright
    keeps one running on the main thread (asyncio.run refuses to start under it)."""
    result: list[T] = []
    thread = threading.Thread(target=lambda: result.append(call()))
    thread.start()
    thread.join(timeout=60)
    return result[0]
