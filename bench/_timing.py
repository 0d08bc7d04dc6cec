"""Timed loops and their figures, for every benchmark that compares parts run in turns: each
call's latency, the rate of each round, the quantiles over all rounds, and the machine they
were measured on."""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy


@dataclass(frozen=True)
class Timing:
    """Figures of one timed loop."""

    operations: int
    seconds: float
    per_second: float
    mean_ms: float
    p50_ms: float
    p99_ms: float


def summarize(latencies_ns: Sequence[int], elapsed_s: float) -> Timing:
    """Rate over the wall time of the loop; latency quantiles over the individual calls."""
    ms = sorted(n / 1e6 for n in latencies_ns)
    if len(ms) < 2:
        raise SystemExit("too few iterations to report figures: raise --seconds")
    return Timing(operations=len(ms), seconds=elapsed_s, per_second=len(ms) / elapsed_s,
                  mean_ms=statistics.fmean(ms), p50_ms=statistics.median(ms),
                  p99_ms=statistics.quantiles(ms, n=100, method="inclusive")[98])


@dataclass
class Samples:
    """The calls of one part, gathered over the rounds: each call's latency and the loops' wall time."""

    latencies_ns: list[int] = field(default_factory=list)
    elapsed_s: float = 0.0
    rounds: list[float] = field(default_factory=list)  # the rate of each round

    def add(self, latencies_ns: list[int], elapsed_s: float) -> None:
        self.latencies_ns += latencies_ns
        self.elapsed_s += elapsed_s
        self.rounds.append(len(latencies_ns) / elapsed_s)

    def timing(self) -> Timing:
        return summarize(self.latencies_ns, self.elapsed_s)


def timed_loop(seconds: float, operation: Callable[[int], None], samples: Samples, first: int = 0) -> int:
    """Call `operation(i)` for i = first, first + 1, … until `seconds` have passed, timing each
    call into `samples`; the next i."""
    latencies: list[int] = []
    clock = time.perf_counter_ns
    start = clock()
    deadline = start + int(seconds * 1e9)
    i = first
    while (now := clock()) < deadline:
        operation(i)
        latencies.append(clock() - now)
        i += 1
    samples.add(latencies, (clock() - start) / 1e9)
    return i


def timing_line(label: str, timing: Timing, unit: str) -> str:
    return (f"{label:<34} {timing.operations:>7} {unit} in {timing.seconds:5.2f} s  {timing.per_second:8.1f}/s  "
            f"mean {timing.mean_ms:6.2f} ms  p50 {timing.p50_ms:6.2f} ms  p99 {timing.p99_ms:6.2f} ms")


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> dict[str, object]:
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "sqlalchemy": sqlalchemy.__version__, "platform": platform.platform(), "cpu": cpu_model(),
            "nproc": nproc}


def check_turns(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.Namespace:
    """The counts of a benchmark whose callers each own plans and whose parts take turns in rounds."""
    if args.plans < 1 or args.seconds <= 0 or args.rounds < 1 or not 1 <= args.callers <= args.plans:
        parser.error("--plans and --rounds must be >= 1, --seconds > 0 and --callers between 1 and --plans")
    return args
