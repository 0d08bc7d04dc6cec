"""What the open data files cost per request, with and without the cache keyed on the chains'
heads (kpt_workflow/services/open_data.py), on an existing database (e.g. `kpt demo`'s: 1,134 plans).

A. Building the files from the plans' records: every plan's terms (`reports.plan_terms`), its row,
   the CSV and the JSON; what each request would pay without the cache (and what the first request
   after a change or a new day pays).
B. A request with the cache warm: the two chain heads read, the files handed back as they are.
C. A request whose client already holds the current files (If-None-Match): the two heads, the ETag.

Each is timed `--repeat` times in turns, each in its own read transaction (as the routes run them),
after one untimed turn; it prints the medians and the files' sizes.

    python bench/open_data.py --url sqlite:///./kpt.db
    python bench/open_data.py --url sqlite:///./kpt.db --repeat 9 --json
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import date

import _no_shadow  # noqa: F401  (first: see bench/_no_shadow.py)

from kpt_workflow.base.figures import number
from kpt_workflow.law import calendar
from kpt_workflow.reports.plan_terms import TermsCache
from kpt_workflow.services.open_data import OpenDataFiles, current_etag, open_data
from kpt_workflow.storage.db import make_engine
from kpt_workflow.storage.unit_of_work import UnitOfWork


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="base de datos (KPT_DATABASE_URL) con planes")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    engine = make_engine(args.url)
    today, cache = calendar.today_in_colombia(), TermsCache[OpenDataFiles]()

    def in_read(work: Callable[[UnitOfWork, date], object]) -> Callable[[], object]:
        def run() -> object:
            with UnitOfWork(engine) as uow:
                return work(uow, today)
        return run

    parts = {"build": in_read(lambda uow, day: open_data(uow, day)),
             "cached": in_read(lambda uow, day: open_data(uow, day, cache)),
             "not_modified": in_read(current_etag)}
    times: dict[str, list[float]] = {name: [] for name in parts}
    for turn in range(args.repeat + 1):
        for name, run in parts.items():
            started = time.perf_counter()
            run()
            if turn:
                times[name].append((time.perf_counter() - started) * 1000)
    with UnitOfWork(engine) as uow:
        files = open_data(uow, today, cache)
    result = {"plans": files.plans, "csv_bytes": len(files.csv), "json_bytes": len(files.json),
              **{f"{name}_ms": round(statistics.median(ms), 3) for name, ms in times.items()}}
    engine.dispose()
    if args.json:
        print(json.dumps(result))
        return
    print(f"{number(result['plans'])} planes; CSV {number(result['csv_bytes'])} bytes, JSON {number(result['json_bytes'])} "
          f"bytes; medianas de {args.repeat} turnos:")
    for name, what in (("build", "A. construir los archivos (sin caché)"), ("cached", "B. pedido con la caché caliente"),
                       ("not_modified", "C. pedido con If-None-Match vigente (304)")):
        print(f"{what:45} {number(result[f'{name}_ms']):>10} ms")


if __name__ == "__main__":
    main()
