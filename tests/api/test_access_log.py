"""`kpt serve`'s access log: uvicorn's line after the moment in Colombia's time, and the lines of
one turn of the event loop written with one call."""

import asyncio
import io
import logging
import logging.config

import pytest

from api.access_log import TurnLines, log_config

MESSAGE = '%s - "%s %s HTTP/%s" %d'


class CountedWrites(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def _record(created: float, path: str = "/api/v1/plans") -> logging.LogRecord:
    record = logging.makeLogRecord({"name": "uvicorn.access", "levelno": logging.INFO, "msg": MESSAGE,
                                    "args": ("127.0.0.1:50312", "POST", path, "1.1", 200)})
    record.created = created
    return record


def test_a_line_says_when_in_colombia_and_what_uvicorn_said():
    stream = CountedWrites()
    TurnLines(stream).handle(_record(1_765_206_000.25))  # 2025-12-08 15:00:00.25 UTC
    assert stream.getvalue() == ('2025-12-08 10:00:00-05:00 127.0.0.1:50312 - "POST /api/v1/plans HTTP/1.1" 200\n')
    assert stream.writes == 1  # outside an event loop a line leaves at once


def test_the_lines_of_one_turn_leave_in_one_write_when_it_ends():
    stream = CountedWrites()
    handler = TurnLines(stream)

    async def answers() -> list[int]:
        writes = []
        for second in range(3):
            handler.handle(_record(1_765_206_000 + second, "/a"))
            handler.handle(_record(1_765_206_000 + second, "/b"))
            writes.append(stream.writes)
            await asyncio.sleep(0)  # the turn ends
        return writes

    assert asyncio.run(answers()) == [0, 1, 2]
    assert stream.writes == 3
    lines = stream.getvalue().splitlines()
    assert [line.split()[1] for line in lines] == ["10:00:00-05:00", "10:00:00-05:00", "10:00:01-05:00",
                                                   "10:00:01-05:00", "10:00:02-05:00", "10:00:02-05:00"]
    assert [line.split()[5] for line in lines] == ["/a", "/b"] * 3


def test_a_message_that_does_not_format_is_reported_and_the_others_still_leave(capsys):
    stream = CountedWrites()
    handler = TurnLines(stream)
    bad = _record(1_765_206_000)
    bad.args = ("solo uno",)
    handler.handle(bad)
    handler.handle(_record(1_765_206_000))
    assert "Logging error" in capsys.readouterr().err
    assert stream.getvalue().count("\n") == 1


@pytest.fixture
def uvicorn_loggers():
    """uvicorn's loggers as they were: dictConfig below reconfigures them for the whole process."""
    names = ("uvicorn", "uvicorn.error", "uvicorn.access")
    kept = {name: (logging.getLogger(name).handlers[:], logging.getLogger(name).level,
                   logging.getLogger(name).propagate) for name in names}
    yield
    for name, (handlers, level, propagate) in kept.items():
        logger = logging.getLogger(name)
        logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate


def test_uvicorn_s_access_logger_writes_through_this_handler_and_its_other_lines_as_before(uvicorn_loggers):
    logging.config.dictConfig(log_config())
    [access] = logging.getLogger("uvicorn.access").handlers
    [error] = logging.getLogger("uvicorn.error").handlers + logging.getLogger("uvicorn").handlers
    assert isinstance(access, TurnLines) and not isinstance(error, TurnLines)


def test_a_line_still_waiting_is_written_when_logging_flushes_it_at_shutdown():
    stream = CountedWrites()
    handler = TurnLines(stream)

    async def last_answer() -> str:
        handler.handle(_record(1_765_206_000))
        before = stream.getvalue()
        handler.flush()  # what logging.shutdown does with every handler
        await asyncio.sleep(0)  # the turn's own flush then finds nothing waiting
        return before

    assert asyncio.run(last_answer()) == ""
    assert stream.writes == 1 and stream.getvalue().endswith('HTTP/1.1" 200\n')
