"""The CPU a part of bench/http.py costs, read from /proc: the server's processes (uvicorn and
its workers), and every process of a PostgreSQL server on this machine."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url


@dataclass(frozen=True)
class CpuUse:
    """CPU spent while the clients ran (warm-up included), per answered request and in cores."""

    server_ms_per_request: float | None  # None where /proc is not there to read
    server_cores: float | None
    client_ms_per_request: float
    client_cores: float
    database_ms_per_request: float | None  # PostgreSQL on this machine: every process of its server
    database_cores: float | None


def _stat(pid: str) -> tuple[str, float]:
    """A process's command name and user + system CPU seconds, from /proc (OSError once it ended)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    name, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat.rsplit(")", 1)[1].split()
    return name, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process and of its live descendants (uvicorn's workers), from /proc."""
    try:
        own = _stat(str(pid))[1]
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    return own + sum(cpu_seconds(int(child)) or 0.0 for child in children)


CpuSnapshot = dict[str, float]
"""CPU seconds so far of each process of a kind, by pid."""


def postgres_cpu() -> CpuSnapshot | None:
    """User + system CPU of every process of the PostgreSQL server on this machine: the backends
    serving the parts' connections, and its background writers, which work for them too (and
    for anyone else's databases on that server). None without /proc."""
    try:
        pids = [pid for pid in os.listdir("/proc") if pid.isdigit()]
    except OSError:
        return None
    snapshot = {}
    for pid in pids:
        try:
            name, seconds = _stat(pid)
        except OSError:
            continue  # it ended meanwhile
        if name.startswith("postgres"):
            snapshot[pid] = seconds
    return snapshot


def cpu_between(before: CpuSnapshot | None, after: CpuSnapshot | None) -> float | None:
    """The CPU the processes alive at `after` spent since `before` (all of it for those started
    since): a process that ended meanwhile, such as another client's connection, takes its CPU
    with it, and is left out rather than counted as a negative."""
    if before is None or after is None:
        return None
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def database_cpu(url: str | None) -> Callable[[], CpuSnapshot | None]:
    """How to read the database server's CPU, when it can be read: PostgreSQL on this machine.
    SQLite runs inside the server process (its CPU is the server's); a remote server is not ours
    to read."""
    if url is None or make_url(url).host not in (None, "", "localhost", "127.0.0.1", "::1"):
        return lambda: None
    return postgres_cpu


def added(total: float | None, spent: float | None) -> float | None:
    """A round's CPU added to a part's, or None once any round could not read it."""
    return None if total is None or spent is None else total + spent
