"""How long a writer waits while a SQLite database is backed up, three ways (issue 22, point 4).

On a copy of the given database (the original is never touched), a writer thread commits one row
at a time (BEGIN IMMEDIATE, INSERT, COMMIT, with kpt's durability settings) while the database is
copied:

- "un paso": `kpt backup`'s way (kpt_workflow.services.backup.copy_sqlite), the backup API with pages=-1;
- "pasos de N": the backup API N pages per step, as sqlite3's `.backup` under load; SQLite starts
  it over whenever another connection commits between two steps (counted; given up after
  --limite seconds);
- "VACUUM INTO".

For each: the copy's duration, the commits made meanwhile, the writer's slowest and 99th-percentile
commit. Usage: python bench/backup.py kpt.db [--pasos 100] [--limite 20]
"""

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from kpt_workflow.services.backup import copy_sqlite


class GaveUp(Exception):
    pass


def writer(path: Path, stop: threading.Event, waits: list[float]) -> None:
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    while not stop.is_set():
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO bench_write (payload) VALUES (?)", ("x" * 600,))
        conn.execute("COMMIT")
        waits.append(time.perf_counter() - started)
    conn.close()


def measure(name: str, source: Path, copy: Callable[[Path, Path], str]) -> None:
    target = source.with_name(f"copia-{name.replace(' ', '-')}.db")
    stop, waits = threading.Event(), []  # type: ignore[var-annotated]
    thread = threading.Thread(target=writer, args=(source, stop, waits))
    thread.start()
    while len(waits) < 20:  # the writer is up to speed
        time.sleep(0.01)
    before = len(waits)
    started = time.perf_counter()
    try:
        note = copy(source, target)
    except GaveUp as exc:
        note = str(exc)
    elapsed = time.perf_counter() - started
    during = waits[before:]
    stop.set()
    thread.join()
    slowest = max(during, default=0) * 1000
    p99 = statistics.quantiles(during, n=100)[98] * 1000 if len(during) >= 100 else slowest
    print(f"{name:>14}: {elapsed:6.2f} s, {len(during):5d} commits meanwhile, slowest commit {slowest:6.1f} ms, "
          f"p99 {p99:5.1f} ms. {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--pasos", type=int, default=100, help="pages per step of the stepped backup")
    parser.add_argument("--limite", type=float, default=20.0, help="seconds before the stepped backup is given up")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "kpt.db"
        with sqlite3.connect(args.database) as original, sqlite3.connect(source) as scratch:
            original.backup(scratch)
        with sqlite3.connect(source) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE bench_write (id INTEGER PRIMARY KEY, payload TEXT)")
        print(f"{args.database}: {source.stat().st_size / 1e6:.1f} MB")

        def one_step(src: Path, dst: Path) -> str:
            state = copy_sqlite(src, dst)
            return f"copy holds {state.size} events"

        def stepped(src: Path, dst: Path) -> str:
            restarts, last, deadline = 0, [None], time.perf_counter() + args.limite

            def progress(_status: int, remaining: int, total: int) -> None:
                nonlocal restarts
                if last[0] is not None and remaining > last[0]:
                    restarts += 1
                last[0] = remaining
                if time.perf_counter() > deadline:
                    raise GaveUp(f"given up after {args.limite:g} s: started over {restarts} times")

            with sqlite3.connect(src) as s, sqlite3.connect(dst) as d:
                s.backup(d, pages=args.pasos, progress=progress)
            return f"started over {restarts} times"

        def vacuum_into(src: Path, dst: Path) -> str:
            with sqlite3.connect(src) as s:
                s.execute("VACUUM INTO ?", (str(dst),))
            return ""

        def idle(_src: Path, _dst: Path) -> str:
            time.sleep(1.0)
            return "no copy: the writer alone, for comparison"

        measure("sin copia", source, idle)
        measure("un paso", source, one_step)
        measure(f"pasos de {args.pasos}", source, stepped)
        measure("VACUUM INTO", source, vacuum_into)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
