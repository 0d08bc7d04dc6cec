"""The `kpt` command run in this process, as the CLI tests drive it."""

from collections.abc import Sequence

import pytest

from cli import main


def run_kpt(capsys: pytest.CaptureFixture[str], args: Sequence[str]) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `kpt ARGS…`; a traceback anywhere fails the test."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err
