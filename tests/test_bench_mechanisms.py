"""bench/mechanisms.py end to end, in a few seconds: every configuration applies every step it
fires and the chain verifies after them (the figures mean nothing at this size)."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "mechanisms.py"


def test_mechanisms_benchmark_runs_every_configuration_validly(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--plans", "4", "--callers", "2", "--seconds", "0.4",
                           "--rounds", "2", "--dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stdout + done.stderr
    for configuration in ("all on", "no group commit"):
        assert f"\n{configuration} " in done.stdout
    assert "refused 0" in done.stdout and "chain verifies; valid run" in done.stdout
