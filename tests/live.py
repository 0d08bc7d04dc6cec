"""An app under a real uvicorn, for tests that must cross a socket (browsers, attackers, crowds)."""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


@contextmanager
def served(app, *, backlog: int = 128, lifespan: str = "on") -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The base URL of `app` served in a background thread on a free port of 127.0.0.1. The socket
    listens before the server starts, so a client may connect at once (its connection waits in the
    backlog until uvicorn accepts it): no polling for readiness."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(backlog)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        listener.close()
    assert not thread.is_alive(), "uvicorn no se detuvo"
