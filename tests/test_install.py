"""What `pip install .` gives a user of the embedded default: every module of the engine, the CLI
and the web app imports without the PostgreSQL driver (`.[postgres]` brings it)."""

import subprocess
import sys
from pathlib import Path

import kpt_workflow

ROOT = Path(kpt_workflow.__file__).parent.parent


def test_every_module_imports_without_the_postgresql_driver():
    names = sorted(".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                   for package in ("kpt_workflow", "api") for path in (ROOT / package).rglob("*.py")
                   if "migrations" not in path.parts)
    program = ("import importlib, sys\n"
               "sys.modules['psycopg'] = None  # as if not installed: importing it raises ImportError\n"
               f"for name in {names!r}:\n"
               "    importlib.import_module(name)\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(names) > 60


def test_a_command_loads_no_file_writer_it_does_not_use():
    """Every `kpt` command imports the CLI whole: the libraries that write or read PDF, Word files
    and migrations (0.5 s together) load where they are used, so `kpt --help` or a status answers
    without them."""
    program = ("import sys, cli\n"
               "print(' '.join(sorted(name for name in ('fpdf', 'pypdf', 'docx', 'alembic') if name in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == ""
