"""Imported first by every script here: running a script puts bench/ first on sys.path, where
bench/transitions.py would shadow the `transitions` library the engine is built on (and
bench/http.py the standard `http`). The repository root goes on the path instead, so that a
script imports its siblings as `bench.*`."""

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
if str(_HERE.parent) not in sys.path:
    sys.path.append(str(_HERE.parent))
