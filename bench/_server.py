"""The servers bench/http.py loads: uvicorn started as a subprocess exactly as `kpt serve` starts
it, on a free loopback port, and stopped with all its workers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # never anything but loopback
STARTUP_TIMEOUT_S = 60.0
_RUN = ("import sys; sys.path.insert(0, sys.argv[5]); import uvicorn; from api.serving import uvicorn_options; "
        "uvicorn.run(sys.argv[1], host=sys.argv[2], port=int(sys.argv[3]), workers=int(sys.argv[4]), "
        "app_dir=sys.argv[5], **uvicorn_options())")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def server_env(settings: dict[str, str]) -> dict[str, str]:
    """This process's environment without its KPT_* settings (no stray database), plus `settings`."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("KPT_")}, **settings}


def wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with status {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the server did not answer {url} within {STARTUP_TIMEOUT_S:.0f} s:\n{log.read_text()[-3000:]}")


@contextmanager
def served(app: str, health: str, env: dict[str, str], workers: int, log: Path) -> Iterator[tuple[int, int]]:
    """Start uvicorn on `app` (a factory) as `kpt serve` does (`uvicorn.run` with
    api.serving.uvicorn_options), in the log's directory (no stray `.env` is read there); yield
    its port and pid once `health` answers."""
    port = free_port()
    command = [sys.executable, "-c", _RUN, app, HOST, str(port), str(workers), str(REPO)]
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=log.parent, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_until_up(process, f"http://{HOST}:{port}{health}", log)
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: only the server and its workers
            process.wait()
