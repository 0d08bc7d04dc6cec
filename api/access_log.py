"""The access log `kpt serve` writes: uvicorn's line for each answer ('127.0.0.1:50312 - "POST
/api/v1/plans/05001-2024/transitions HTTP/1.1" 200'), after the moment it was answered in
Colombia's time (uvicorn's own line has no time), the lines of one turn of the event loop
written together.

uvicorn's handler formats every line through a copy of its record and writes it at once: with
PYTHONUNBUFFERED (as containers commonly set it) one `write` call per line, made by the worker's
one event loop, which must then win the GIL back. Measured inside the server under bench/http.py's
load (SQLite, 32 clients), the time of uvicorn's `access_logger.info` per answer: with uvicorn's
handler 59-63 µs of CPU (46 of them in the handler: 22 to format, 24 to write) and 64-188 µs of
wall time; with this one 19-21 µs of CPU and 19-22 µs of wall time, of a guarded step's ~1 ms
(2026-12-08).
"""

import asyncio
import logging
from datetime import datetime
from typing import Any, TextIO

from uvicorn.config import LOGGING_CONFIG

from kpt_workflow.law.calendar import COLOMBIA


class TurnLines(logging.StreamHandler):  # type: ignore[type-arg]
    """Each record becomes `<moment in Colombia> <message>`; the lines emitted on an event loop
    in one of its turns are written with one call when the turn ends, any other line at once."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._waiting: list[str] = []
        self._second = -1
        self._moment = ""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = f"{self._moment_of(record)} {record.getMessage()}\n"
        except Exception:  # a message that does not format: logging's own report, as for any handler
            self.handleError(record)
            return
        self._waiting.append(line)
        if len(self._waiting) == 1:
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:  # not on an event loop
                self.flush()

    def flush(self) -> None:
        """Write the lines waiting, then flush the stream: when the turn ends, and at shutdown."""
        with self.lock:  # type: ignore[union-attr]
            waiting, self._waiting = self._waiting, []
            try:
                if waiting:
                    self.stream.write("".join(waiting))
                super().flush()
            except Exception:
                self.handleError(logging.makeLogRecord({"msg": "".join(waiting)}))

    def _moment_of(self, record: logging.LogRecord) -> str:
        """2026-12-08 09:30:05-05:00; formatted once a second (many answers share their second)."""
        second = int(record.created)
        if second != self._second:
            self._second = second
            self._moment = datetime.fromtimestamp(second, COLOMBIA).isoformat(sep=" ")
        return self._moment


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with this handler for the access log (its other lines,
    startup and errors, as uvicorn writes them)."""
    handlers = {**LOGGING_CONFIG["handlers"], "access": {"()": f"{__name__}.{TurnLines.__name__}",
                                                       "stream": "ext://sys.stdout"}}
    return {**LOGGING_CONFIG, "handlers": handlers}
