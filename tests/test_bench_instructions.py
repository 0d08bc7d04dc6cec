"""bench/instructions.py's parts, natively (valgrind, which counts their instructions, is not
needed to check them): each part answers every request of bench/http.py's load with a 200."""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "instructions.py"


@pytest.mark.parametrize("part", ["A", "B", "B'"])
def test_each_part_answers_every_request_it_would_count(part: str, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--part", part, "--dir", str(tmp_path), "--requests", "6",
                           "--warmup", "2"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_counts_need_valgrind_and_say_so_without_it(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--requests", "1"], capture_output=True, text=True,
                          timeout=60, check=False, env={"PATH": str(tmp_path)})
    assert done.returncode == 2 and "valgrind" in done.stderr
