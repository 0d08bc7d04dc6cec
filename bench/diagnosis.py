"""Server time of the entity diagnosis, the associativity options and the products search, with the
whole country loaded (a database after `kpt init` and `kpt demo`; target < 50 ms each).

What it measures, in one run, for a spread of entities (a city, a category 6 municipality with
114 peers, a department, Bogotá) and of searches (words with accents, a code, a sector):

A. The use-case as the route runs it: `services.diagnosis.diagnosis(...)` (and the others) in a
   read `UnitOfWork`, one transaction per call: what the server spends on the database and on
   shaping the answer.
B. The same request through the whole application in this process (FastAPI's TestClient on
   `api.app.create_app`, a bearer token): authentication, the database threads, JSON. No network.

Each part takes `--seconds` per round in turns over `--rounds` rounds, after one untimed call of
each; it prints the quantiles and whether the p99 meets the target.

    python bench/diagnosis.py --url sqlite:///./kpt.db
    python bench/diagnosis.py --url postgresql+psycopg://postgres@127.0.0.1:5432/kpt --json
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Callable

import _no_shadow  # noqa: F401  (first: see bench/_no_shadow.py)

from bench._timing import Samples, machine_info, timed_loop, timing_line, verdict

TARGET_MS = 50.0
ENTITIES = ("05001", "05021", "05", "11001")
QUERIES = ("alcantarillado", "Alcantarillados CONSTRUÍDOS", "4003018", "agua potable", "40")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="database after kpt init and kpt demo")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from fastapi.testclient import TestClient

    from api.app import create_app
    from kpt_workflow.base.config import Settings
    from kpt_workflow.services.access import Actor
    from kpt_workflow.services.accounts import create_user
    from kpt_workflow.services.associativity import associativity
    from kpt_workflow.services.diagnosis import diagnosis
    from kpt_workflow.services.products import search_products
    from kpt_workflow.storage.db import make_engine
    from kpt_workflow.storage.repository import holds_synthetic_demo
    from kpt_workflow.storage.unit_of_work import UnitOfWork

    engine = make_engine(args.url)
    reader = Actor("bench", "dnp", None)
    with UnitOfWork(engine, write=True) as uow:
        whole_country = holds_synthetic_demo(uow.connection)
        _, token = create_user(uow.session, username=f"bench-{id(args)}", role="dnp", entity_code=None)
        uow.commit()

    def service(call: Callable[[UnitOfWork, int], object]) -> Callable[[int], None]:
        def run(i: int) -> None:
            with UnitOfWork(engine) as uow:
                call(uow, i)
        return run

    parts: dict[str, Callable[[int], None]] = {
        "A diagnosis (use-case)": service(lambda uow, i: diagnosis(uow, reader, ENTITIES[i % len(ENTITIES)], 2024)),
        "A associativity (use-case)": service(
            lambda uow, i: associativity(uow, reader, ENTITIES[i % len(ENTITIES)], 30, 2024)),
        "A products search (use-case)": service(lambda uow, i: search_products(uow, reader, QUERIES[i % len(QUERIES)])),
    }
    app = create_app(Settings(database_url=args.url))
    headers = {"Authorization": f"Bearer {token}"}
    figures: dict[str, dict[str, object]] = {}
    with TestClient(app) as client:
        parts["B diagnosis (HTTP, in process)"] = lambda i: _ok(client.get(
            f"/api/v1/entities/{ENTITIES[i % len(ENTITIES)]}/diagnosis?anio=2024", headers=headers))
        parts["B associativity (HTTP, in process)"] = lambda i: _ok(client.get(
            f"/api/v1/entities/{ENTITIES[i % len(ENTITIES)]}/associativity", headers=headers))
        parts["B products search (HTTP, in process)"] = lambda i: _ok(client.get(
            "/api/v1/products", params={"q": QUERIES[i % len(QUERIES)]}, headers=headers))
        for run in parts.values():
            run(0)
        gc.collect()
        gc.freeze()  # as the service does once started (api/app.py)
        samples = {name: Samples() for name in parts}
        for _ in range(args.rounds):
            for name, run in parts.items():
                timed_loop(args.seconds, run, samples[name])
        for name, sample in samples.items():
            timing = sample.timing()
            figures[name] = {**timing.__dict__, "met": timing.p99_ms < TARGET_MS}
            if not args.json:
                print(timing_line(name, timing, "calls"), f"  p99 < {TARGET_MS:.0f} ms: {verdict(timing.p99_ms < TARGET_MS)}")
    report = {"url": engine.url.render_as_string(hide_password=True), "whole_country_demo": whole_country,
              "target_ms": TARGET_MS, "parts": figures, "machine": machine_info()}
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    elif not whole_country:
        print("Aviso: la base no tiene la demostración de todo el país (kpt demo): las cifras no son las del objetivo.")
    engine.dispose()
    return 0


def _ok(response: object) -> None:
    if getattr(response, "status_code", 0) != 200:
        raise SystemExit(f"answer {getattr(response, 'status_code', '?')}: {getattr(response, 'text', '')[:300]}")


if __name__ == "__main__":
    sys.exit(main())
