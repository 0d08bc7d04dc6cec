"""CPU instructions per request of part A of bench/http.py against its bare endpoints, counted
by valgrind's callgrind: a figure this machine's drifting speed cannot move.

bench/http.py measures rates through a real server, and on a shared 2-core machine whose speed
drifts by a third within minutes a change of a few per cent is lost in the noise. This counts
instead, in process and with one client, the instructions a request costs the whole process (the
app's ASGI stack on the event loop and its database work on the database thread; the HTTP
server, the same for every part, is left out): the same requests, built by bench/_http_load.py
and served by the same apps, as in bench/http.py.

A  `POST /api/v1/plans/{id}/transitions` of `api.app:create_app`, on a database prepared as
   bench/http.py prepares it (bench/_plans.py; the back edge `devolver_para_ajustes` /
   `radicar_ante_corporacion`, each with its token, an Idempotency-Key and If-Match);
B  the bare `def` endpoint of bench/_bare_app.py writing one row (AnyIO's thread pool);
B' the bare `async def` endpoint on the app's DatabaseThreads.

Each part runs in a process of its own under `valgrind --tool=callgrind --instr-atstart=no`:
set-up and `--warmup` requests uncounted, then `--requests` requests counted (instrumentation
switched on and off around them with `callgrind_control`), each answered 200 or the run fails.
One client, so that no two requests share a commit group: the count is the same from run to
run (PYTHONHASHSEED=0; B, the same code in two runs of 2026-12-07, 1.168 million instructions per
request in both). Needs valgrind (Debian's `valgrind` package); a run takes about 4 minutes.

    python bench/instructions.py                 # A, B and B', 256 requests each
    python bench/instructions.py --requests 64 --json
"""

from __future__ import annotations

import _no_shadow  # noqa: F401  (first: see bench/_no_shadow.py)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from bench import _bare_app  # noqa: E402
from bench._bare_sqlite import BASELINE_ROW_BYTES, SQLITE_PRAGMAS  # noqa: E402
from bench._http_database import back_edge_steps, create_tokens, open_database, prepare_cursors  # noqa: E402
from bench._http_load import Cursor, Load  # noqa: E402
from bench._plans import prepare_plans  # noqa: E402
from kpt_workflow.storage.blobs import BlobStore  # noqa: E402

PARTS = {"A": "POST /plans/{id}/transitions", "B": "bare FastAPI def, one-row INSERT",
         "B'": "bare async, on A's db thread"}
BARE_MODELS = {"B": _bare_app.THREAD_POOL, "B'": _bare_app.DB_THREADS}
PLANS = 8  # the one client goes round them, as a client of bench/http.py goes round its own


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=256, help="requests counted per part (default 256)")
    parser.add_argument("--warmup", type=int, default=64, help="requests before the count (default 64)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--part", choices=sorted(PARTS), help=argparse.SUPPRESS)  # a child: serve one part
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--under-callgrind", action="store_true", help=argparse.SUPPRESS)  # a child: switch it
    args = parser.parse_args(argv)
    if args.requests < 1 or args.warmup < 0:
        parser.error("--requests must be >= 1 and --warmup >= 0")
    return args


def asgi_scope(raw: bytes) -> tuple[dict[str, Any], bytes]:
    """The ASGI scope and body of one HTTP/1.1 request as bench/_http_load.py writes it."""
    head, _, body = raw.partition(b"\r\n\r\n")
    request_line, *lines = head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ")
    headers = [(name.strip().lower().encode("latin-1"), value.strip().encode("latin-1"))
               for name, _, value in (line.partition(":") for line in lines)]
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}, body


async def answer(app: Callable[..., Any], raw: bytes) -> tuple[int, bytes]:
    scope, body = asgi_scope(raw)
    messages: list[dict[str, Any]] = []
    received = False

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received:
            await asyncio.Event().wait()  # the client stays connected
        received = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    return messages[0]["status"], b"".join(m.get("body", b"") for m in messages[1:])


def callgrind(switch: str) -> None:
    """Instrumentation on or off in this process, when it runs under callgrind."""
    subprocess.run(["callgrind_control", "-i", switch, str(os.getpid())], check=True, capture_output=True)


async def serve_part(app: Any, load: Load, cursors: Sequence[Cursor], args: argparse.Namespace) -> None:
    """The part's requests, each answered 200; the counted ones with callgrind's instrumentation on."""
    switch = callgrind if args.under_callgrind else (lambda _: None)
    async with app.router.lifespan_context(app):
        for n in range(args.warmup + args.requests):
            if n == args.warmup:
                switch("on")
            cursor = cursors[n % len(cursors)]
            status, body = await answer(app, load.request(cursor, secrets.token_hex(16)))
            if status != 200:
                raise SystemExit(f"request {n}: {status} {body[:300]!r}")
            load.accept(cursor, body)
        switch("off")


def child(args: argparse.Namespace) -> None:
    """One part, in this process, which runs under callgrind."""
    directory: Path = args.dir
    engine = open_database(None, directory)
    plan_ids, _ = prepare_plans(engine, BlobStore(directory / "data"), PLANS)
    steps = back_edge_steps()
    cursors = prepare_cursors(engine, plan_ids)
    tokens = create_tokens(engine, sorted({c.entity_code for c in cursors}), sorted({s.by[0] for s in steps.values()}))
    load = Load(port=8000, tokens=tokens, steps=steps, real=args.part == "A")
    if args.part == "A":
        os.environ.update(KPT_DATABASE_URL=engine.url.render_as_string(hide_password=False),
                          KPT_DATA_DIR=str(directory / "data"), KPT_SESSION_SECRET=secrets.token_hex(32))
        from api.app import create_app
    else:
        baseline = str(directory / "baseline.db")
        _bare_app.create_table(baseline, list(SQLITE_PRAGMAS))
        os.environ.update({_bare_app.URL_VAR: baseline, _bare_app.PRAGMAS_VAR: ";".join(SQLITE_PRAGMAS),
                           _bare_app.ROW_BYTES_VAR: str(BASELINE_ROW_BYTES),
                           _bare_app.MODEL_VAR: BARE_MODELS[args.part]})
        create_app = _bare_app.create_app
    engine.dispose()
    asyncio.run(serve_part(create_app(), load, cursors, args))


def counted(part: str, args: argparse.Namespace, directory: Path) -> int:
    """The instructions of `part`'s counted requests, from a child under callgrind."""
    out = directory / f"callgrind-{part}.out"
    work = directory / part.replace("'", "-prime")
    work.mkdir()
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
               sys.executable, __file__, "--part", part, "--dir", str(work), "--under-callgrind",
               "--requests", str(args.requests), "--warmup", str(args.warmup)]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("KPT_")}, "PYTHONHASHSEED": "0"}
    run = subprocess.run(command, env=env, capture_output=True, text=True)
    totals = [line.split()[1] for line in out.read_text().splitlines() if line.startswith("totals:")] \
        if out.exists() else []
    if run.returncode != 0 or not totals:
        raise SystemExit(f"part {part} failed (exit {run.returncode}):\n{run.stdout[-2000:]}{run.stderr[-3000:]}")
    return int(totals[0])


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.part is not None:
        child(args)
        return 0
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("bench/instructions.py needs valgrind (apt-get install valgrind)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kpt-bench-instructions-") as tmp:
        per_request = {part: counted(part, args, Path(tmp)) / args.requests for part in PARTS}
    ratios = {"A/B": per_request["A"] / per_request["B"], "A/B'": per_request["A"] / per_request["B'"]}
    if args.json:
        print(json.dumps({"requests": args.requests, "warmup": args.warmup, "instructions_per_request": per_request,
                          "ratios": ratios}, indent=2))
        return 0
    print(f"kpt_workflow instructions benchmark: {args.requests} requests counted per part after {args.warmup}, "
          f"one client, in process (no HTTP server), valgrind --tool=callgrind")
    for part, what in PARTS.items():
        print(f"{part:2} {what:36} {per_request[part] / 1e6:8.3f} million instructions per request")
    over_bare, over_own = ratios["A/B"], ratios["A/B'"]
    print(f"A/B  = {over_bare:.2f}×  (A's instructions per request over the bare def endpoint's)")
    print(f"A/B' = {over_own:.2f}×  (over the bare endpoint on A's database thread)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
