"""bench/transitions.py end to end, in a few seconds: both the one caller and the concurrent
callers apply every step they fire, and the log holds after them (the figures mean nothing at
this size)."""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "transitions.py"


def test_transitions_benchmark_run_is_valid_and_reports_every_part_as_json(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--plans", "4", "--callers", "2", "--seconds", "0.3",
                           "--json", "--dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["valid"] and report["chain_ok"] and report["replay_agrees"]
    for part in ("transitions", "concurrent_transitions"):
        assert report[part]["operations"] > 0 and report[part]["refused"] == 0
        assert report[part]["applied"] == report[part]["operations"]
    assert report["baseline"]["operations"] > 0 and report["ratio"] > 0 and report["one_caller_ratio"] > 0
    grouped = report["grouped_baseline"]  # the bare rows grouped as the steps are, one commit for all waiting
    assert grouped["operations"] > 0 and grouped["callers"] == 2 and grouped["rows_per_commit"] >= 1
    assert report["grouped_ratio"] > 0 and len(report["round_ratios"]["A∥/B∥"]) == len(report["round_ratios"]["A∥/B"])
