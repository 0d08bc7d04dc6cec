"""bench/http.py end to end, in a few seconds, on each database: the real server and the bare one
in both execution models start, every request is authorised and applied, and the invariants it
checks hold (the figures themselves mean nothing at this size)."""

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "http.py"


def test_http_benchmark_run_is_valid_and_reports_both_parts_as_json(engine: Engine, tmp_path: Path) -> None:
    """On PostgreSQL (the test database, on this machine) each part also reports what it cost the
    database server's processes; SQLite runs inside the server process, so its cost is the server's."""
    on_postgres = engine.dialect.name == "postgresql"
    database = ["--url", engine.url.render_as_string(hide_password=False)] if on_postgres else []
    done = subprocess.run([sys.executable, str(SCRIPT), "--plans", "4", "--clients", "4", "--seconds", "1",
                           "--rounds", "2", "--warmup", "0.2", "--json", "--dir", str(tmp_path), *database],
                          capture_output=True, text=True, timeout=180, check=False)

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["valid"] and report["invariants"]["ok"]
    for part in ("transitions", "baseline", "baseline_db_threads"):
        assert report[part]["operations"] > 0 and report[part]["failures"] == {}
        cost = report[part]["cpu"]["database_ms_per_request"]
        assert cost > 0 if on_postgres else cost is None
    assert report["invariants"]["transitions_applied"] == report["transitions"]["answered_ok"]
    assert report["ratio"] > 0 and report["ratio_db_threads"] > 0
    assert len(report["round_ratios"]) == len(report["transitions"]["round_rates"]) == 2
    # the machine's own yardstick: the bare endpoint's better p99 of its two execution models
    assert report["bare_p99_ms"] == min(report["baseline"]["p99_ms"], report["baseline_db_threads"]["p99_ms"]) > 0
