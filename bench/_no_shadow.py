"""Imported first by every script here: running a script puts bench/ first on sys.path, where
bench/transitions.py would shadow the `transitions` library the engine is built on."""

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
