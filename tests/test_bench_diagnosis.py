"""bench/diagnosis.py end to end on the test database: every part runs and reports its figures
(the figures themselves mean nothing without the whole country: `kpt demo`)."""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "diagnosis.py"


def test_diagnosis_benchmark_reports_every_part_as_json(engine) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--url", engine.url.render_as_string(hide_password=False),
                           "--seconds", "0.3", "--rounds", "1", "--json"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["target_ms"] == 50 and report["whole_country_demo"] is False
    assert {name.split(" (")[0] for name in report["parts"]} == {
        "A diagnosis", "A associativity", "A products search", "B diagnosis", "B associativity", "B products search"}
    assert all(part["operations"] >= 2 for part in report["parts"].values())
