"""The architecture holds: each package of the engine imports only the layers below it, and
nothing in the engine imports a face (the contracts are in pyproject.toml, drawn in README.md,
"Arquitectura")."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_import_points_down_a_layer():
    # A process of its own: in the test process `api` would name tests/api (tests/ is on sys.path).
    done = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports; "
                           "raise SystemExit(lint_imports(no_cache=True))"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "BROKEN" not in done.stdout and done.stdout.count("KEPT") == 2
