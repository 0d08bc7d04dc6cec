"""The load generator of bench/http.py: closed-loop clients, each on its own keep-alive
connection, sending raw HTTP/1.1 on asyncio streams (a few lines, so that the load, which
shares the machine's cores with the server, costs every part as little as possible)."""

from __future__ import annotations

import asyncio
import gc
import json
import secrets
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from bench._plans import BACK_EDGE, LEGAL_DAY
from bench._server import HOST
from kpt_workflow.states.schema import TransitionSpec

API = "/api/v1"


@dataclass
class Cursor:
    """A plan as the client that owns it sees it: the step it fires next, the version it last read."""

    plan_id: str
    entity_code: str
    trigger: str
    version: int


@dataclass(frozen=True)
class Load:
    """What one part sends: a transition request per cursor, to the real route or the bare one."""

    port: int
    tokens: dict[tuple[str, str], str]  # (role, entity code) -> bearer token
    steps: dict[str, TransitionSpec]  # the back-edge steps, by trigger
    real: bool  # A: follow the plan through its answers; B: only alternate the triggers
    idempotency_keys: bool = True

    def request(self, cursor: Cursor, key: str) -> bytes:
        path = f"{API}/plans/{cursor.plan_id}/transitions" if self.real else f"/rows/{cursor.plan_id}"
        body = json.dumps({"trigger": cursor.trigger, "fecha": LEGAL_DAY.isoformat()}).encode()
        token = self.tokens[self.steps[cursor.trigger].by[0], cursor.entity_code]
        key_header = f"Idempotency-Key: {key}\r\n" if self.idempotency_keys else ""
        return (f"POST {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nAuthorization: Bearer {token}\r\n{key_header}"
                f"If-Match: \"{cursor.version}\"\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    def accept(self, cursor: Cursor, body: bytes) -> None:
        """Move the cursor past a 200 answer."""
        if not self.real:
            cursor.trigger = BACK_EDGE[self.steps[cursor.trigger].dest]
            return
        answer = json.loads(body)
        cursor.version, cursor.trigger = int(answer["version"]), BACK_EDGE[answer["to"]]


@dataclass
class ClientRun:
    latencies_ns: list[int] = field(default_factory=list)  # requests answered in the timed window
    answered_ok: int = 0  # warm-up included
    last_answer_ns: int = 0
    failures: Counter[str] = field(default_factory=Counter)


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Status and body of one HTTP/1.1 answer (uvicorn sends Content-Length for these)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            raise ValueError("chunked answers are not expected")
    if length is None:
        raise ValueError("answer without Content-Length")
    return int(head[9:12]), await reader.readexactly(length)


def failure_name(status: int, body: bytes) -> str:
    try:
        return f"{status} {json.loads(body).get('code', '')}".strip()
    except (ValueError, AttributeError):
        return str(status)


async def client_loop(connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], load: Load,
                      cursors: Sequence[Cursor], name: str, timed_from: int, deadline: int) -> ClientRun:
    """Send, wait for the answer, send the next, until the deadline; stop at the first failure
    (the state of its plan is then unknown to the client)."""
    reader, writer = connection
    run = ClientRun()
    clock = time.perf_counter_ns
    try:
        i = 0
        while (start := clock()) < deadline:
            cursor = cursors[i % len(cursors)]
            writer.write(load.request(cursor, f"{name}-{i}"))
            status, body = await read_answer(reader)
            end = clock()
            if status != 200:
                run.failures[failure_name(status, body)] += 1
                break
            load.accept(cursor, body)
            run.answered_ok += 1
            if end >= timed_from:  # a request begun in the warm-up counts whole: a long wait is not hidden
                run.latencies_ns.append(end - start)
                run.last_answer_ns = end
            i += 1
    except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        run.failures[f"connection: {type(exc).__name__}"] += 1
    finally:
        writer.close()
    return run


@dataclass(frozen=True)
class RoundLoad:
    """What the clients of one round saw."""

    latencies_ns: list[int]  # of the requests answered in the timed window
    elapsed_s: float  # from the end of the warm-up to the last timed answer
    answered_ok: int  # warm-up included
    failures: Counter[str]


async def drive(load: Load, cursors: Sequence[Cursor], clients: int, warmup: float, seconds: float) -> RoundLoad:
    """`clients` closed loops over their own cursors, connected first: warm-up, then the timed
    window; what they saw, as one round."""
    connections = [await asyncio.open_connection(HOST, load.port) for _ in range(clients)]
    timed_from = time.perf_counter_ns() + int(warmup * 1e9)
    deadline = timed_from + int(seconds * 1e9)
    this_round = secrets.token_hex(4)  # in every Idempotency-Key: no round reuses another's
    runs = await asyncio.gather(*(client_loop(connection, load, cursors[n::clients], f"{this_round}-c{n}", timed_from,
                                              deadline) for n, connection in enumerate(connections)))
    failures: Counter[str] = Counter()
    for run in runs:
        failures.update(run.failures)
    return RoundLoad(latencies_ns=[ns for run in runs for ns in run.latencies_ns],
                     elapsed_s=(max(run.last_answer_ns for run in runs) - timed_from) / 1e9,
                     answered_ok=sum(run.answered_ok for run in runs), failures=failures)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection in the clients while they load (as `timeit` times): a full one here
    stopped every client for up to 100 ms, which the latencies would have charged to the server."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
