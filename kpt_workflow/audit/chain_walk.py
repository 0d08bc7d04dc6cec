"""The fast walk over the stored chain behind `audit.verify` (issue 23's target: 240,000 events/s).

Each event's hash is recomputed from a template of its canonical JSON rather than from a dict per
event. On SQLite this process reads the hashed columns through the driver's cursor, in the sorted
order of the body's keys, times already as their canonical UTC text and the two long JSON values
as UTF-8 bytes, and `body` fills them into the template, escaping text as the json encoder does.
On PostgreSQL, where reading every row into Python costs more than hashing it, the database fills
the same template in SQL (`_SQL_BODY`), hashes it with sha256 and compares, and hands over only
the events the walk must look at (`Marked`). For every event the application stores, either body
is `event_encoding.hashed_text(...)` byte for byte (tests prove it on arbitrary text). An event whose hash
still disagrees is judged by the caller's `reference` (in `audit.verify`: the row read through
SQLAlchemy, hashed by `compute_hash`), so a value stored in a form the template does not expect
verifies exactly as it always did, and nothing passes on the template's word alone.

Each hash covers only its own row, so the chain can be walked in seq ranges (`Stretch`es) side by
side in forked processes (on PostgreSQL, each with its own connection and backend); `audit.verify` joins
them, checking the links across ranges.
"""

from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from itertools import chain
from multiprocessing import get_all_start_methods, get_context
from typing import Any, Literal, NamedTuple

from sqlalchemy import Connection, func, select

from kpt_workflow.storage.db import make_engine
from kpt_workflow.storage.event_encoding import BODY_TEMPLATE, COLUMNS, fast_hash
from kpt_workflow.storage.tables import AuditEvent

EVENTS = AuditEvent.__table__
# SQLite keeps the text SQLAlchemy and the recorder write: 'YYYY-MM-DD HH:MM:SS.ffffff' UTC, ISO dates.
_READ_AS = {"recorded_at": "substr(recorded_at, 1, 10) || 'T' || substr(recorded_at, 12) || 'Z'",
            "outcomes": "CAST(outcomes AS BLOB)", "payload": "CAST(payload AS BLOB)"}
Reference = Callable[[Connection, int], str]
"""The hash `event_log.append` would store for event `seq` as it is stored now: the arbiter whenever
the fast body's hash disagrees with the stored one."""
# Seq bounds that hold every event, a forged one at seq <= 0 included.
LOWEST, HIGHEST = -(2**63), 2**63 - 1
_ROWS_SQL = (f"SELECT {', '.join(_READ_AS.get(c, c) for c in COLUMNS)} FROM {EVENTS.name} "
             "WHERE seq > ? AND seq <= ? ORDER BY seq")
# Below this many events per process, starting one costs more than it saves.
MIN_EVENTS_PER_WORKER = 25_000


def rows(conn: Connection, after: int = LOWEST, upto: int = HIGHEST) -> Iterator[tuple[Any, ...]]:
    """On SQLite, the events with after < seq <= upto in chain order, as `COLUMNS`, streamed one
    row at a time through the driver's cursor. Not in batches: a batch of thousands of live rows
    made the garbage collector walk them over and over, and the walk was 16 % slower for it."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        yield from cursor.execute(_ROWS_SQL, (after, upto))
    finally:
        cursor.close()


class Marked(NamedTuple):
    """An event the walk must look at: the first and the last of a range, and any that does not
    follow the event before it (`before_*`, None for the first) or whose fast hash disagrees. Every
    event between two marked ones follows the one before it and holds."""

    seq: int
    prev_hash: str
    stored_hash: str
    before_seq: int | None
    before_hash: str | None
    holds: bool  # the fast hash equals the stored one


def _marked_here(conn: Connection, after: int, upto: int) -> Iterator[Marked]:
    """The marked events of the range, found by reading every event and hashing it here."""
    before_seq: int | None = None
    before_hash: str | None = None
    row: tuple[Any, ...] | None = None
    marked = False
    for row in rows(conn, after, upto):
        seq, prev_hash, stored = row[0], row[1], row[2]
        holds = fast_hash(row) == stored
        marked = before_seq is None or not holds or seq != before_seq + 1 or prev_hash != before_hash
        if marked:
            yield Marked(seq, prev_hash, stored, before_seq, before_hash, holds)
        before_seq, before_hash = seq, stored
    if row is not None and not marked:  # the last one, unmarked: it follows the one before
        yield Marked(row[0], row[1], row[2], row[0] - 1, row[1], True)


# PostgreSQL hashes every event where it is stored and sends only the marked ones: `body`'s
# template, each placeholder filled by the SQL that writes the same JSON text (to_json escapes
# text as the json encoder does; schema version 1 quotes the two JSON columns, the others embed
# them). An event whose text it writes otherwise is only marked, and judged by `reference`.
_TEMPLATE = BODY_TEMPLATE
_EMBEDDED = "CASE WHEN schema_version = 1 THEN to_json({0})::text ELSE {0} END"
_JSON_OF = {  # the SQL of each key's value; _TEMPLATE's placeholders are the keys in sorted order
    "action": "to_json(action)::text", "actor": "to_json(actor)::text", "event_type": "to_json(event_type)::text",
    "from_state": "coalesce(to_json(from_state)::text, 'null')",
    "legal_date": "coalesce(to_json(to_char(legal_date, 'YYYY-MM-DD'))::text, 'null')",
    "outcomes": _EMBEDDED.format("outcomes"), "payload": _EMBEDDED.format("payload"),
    "plan_id": "to_json(plan_id)::text", "plan_version": "plan_version", "prev_hash": "to_json(prev_hash)::text",
    "recorded_at": """to_json(to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text""",
    "schema_version": "schema_version", "seq": "seq", "to_state": "coalesce(to_json(to_state)::text, 'null')",
}
_SQL_BODY = "concat({})".format(", ".join(
    part for literal, value in zip(_TEMPLATE.split("%s"), [*(_JSON_OF[key] for key in sorted(_JSON_OF)), None])
    for part in (f"'{literal}'", value) if part is not None))
# Each event is hashed in a subquery of its own (OFFSET 0 keeps it one), so that the window, which
# compares it with the event before it, holds four short columns per event rather than all of them.
# A NULL (a table whose constraints were altered too) marks its event rather than passing unseen.
_MARKED_SQL = (
    "SELECT seq, prev_hash, hash, before_seq, before_hash, holds FROM ("
    "SELECT seq, prev_hash, hash, holds, lag(seq) OVER w AS before_seq, lag(hash) OVER w AS before_hash, "
    "lead(seq) OVER w IS NULL AS last FROM ("
    f"SELECT seq, prev_hash, hash, encode(sha256(convert_to({_SQL_BODY}, 'UTF8')), 'hex') IS NOT DISTINCT FROM hash "
    "AS holds "
    f"FROM {EVENTS.name} WHERE seq > %s AND seq <= %s ORDER BY seq OFFSET 0"
    ") hashed WINDOW w AS (ORDER BY seq)) walked "
    "WHERE before_seq IS NULL OR last OR NOT holds OR seq <> before_seq + 1 OR prev_hash IS DISTINCT FROM before_hash "
    "ORDER BY seq")


def _marked_in_database(conn: Connection, after: int, upto: int) -> Iterator[Marked]:
    """The marked events of the range, as PostgreSQL finds them (through a server-side cursor, so a
    log of many marked events is read only as far as the walk goes)."""
    driver = conn.connection.driver_connection
    with driver.cursor("chain_check") as cursor:  # type: ignore[union-attr]
        cursor.execute(_MARKED_SQL, (after, upto))
        yield from (Marked(*row) for row in cursor)


@dataclass(frozen=True)
class Flaw:
    kind: Literal["gap", "link", "content"]  # a missing seq, a broken link, an edited content
    seq: int


@dataclass(frozen=True)
class Stretch:
    """What a seq range says of itself. Its first event's position and link can only be judged
    against the range before (by `audit.verify`); from there, `intact` events hold, ending in `next_seq`
    and `head_hash` (the first event's own seq and link when none holds), then `flaw`, if any."""

    first_seq: int | None = None  # None: no event in the range
    first_prev_hash: str = ""
    intact: int = 0
    next_seq: int = 0
    head_hash: str = ""
    flaw: Flaw | None = None


def scan(conn: Connection, after: int, upto: int, reference: Reference) -> Stretch:
    """Walk the events with after < seq <= upto and stop at the first flaw."""
    found = _marked_in_database if conn.dialect.name == "postgresql" else _marked_here
    # Closed on the way out, whatever stops the walk: a walk left to the garbage collector would
    # close its server-side cursor whenever it ran, on a connection busy with something else.
    with closing(found(conn, after, upto)) as events:
        return _walked(conn, events, reference)


def _walked(conn: Connection, events: Iterator[Marked], reference: Reference) -> Stretch:
    first = next(events, None)
    if first is None:
        return Stretch()
    expected, previous = first.seq, first.prev_hash
    for event in chain((first,), events):
        if event.before_seq is not None:  # from the one before it, which holds
            expected, previous = event.before_seq + 1, event.before_hash
        if event.seq != expected:
            kind: Literal["gap", "link", "content"] = "gap"
        elif event.prev_hash != previous:
            kind = "link"
        elif event.holds or reference(conn, event.seq) == event.stored_hash:
            expected, previous = event.seq + 1, event.stored_hash
            continue
        else:
            kind = "content"
        return Stretch(first.seq, first.prev_hash, expected - first.seq, expected, previous, Flaw(kind, event.seq))
    return Stretch(first.seq, first.prev_hash, expected - first.seq, expected, previous)


def scan_ranges(conn: Connection, workers: int, reference: Reference) -> list[Stretch]:
    """The whole chain as consecutive stretches, in chain order. With `workers` > 1 and at least
    MIN_EVENTS_PER_WORKER events each, all ranges but the last go to forked processes, each on a
    connection of its own, while this process walks the last one on `conn`, so the newest events
    are read in the caller's snapshot. Forking is for the command line, not a threaded server."""
    head = conn.execute(select(func.max(EVENTS.c.seq))).scalar() or 0
    parts = processes(conn, workers, head)
    if parts == 1:
        return [scan(conn, LOWEST, HIGHEST, reference)]
    cuts = [head * i // parts for i in range(1, parts)]
    earlier = list(zip([LOWEST, *cuts[:-1]], cuts))
    url = conn.engine.url.render_as_string(hide_password=False)
    with get_context("fork").Pool(parts - 1) as pool:
        walked = pool.starmap_async(_scan_apart, [(url, after, upto, reference) for after, upto in earlier])
        last = scan(conn, cuts[-1], HIGHEST, reference)
        return [*walked.get(), last]


def processes(conn: Connection, workers: int, events: int) -> int:
    """How many processes `scan_ranges` walks a chain of `events` events with, `workers` asked."""
    return max(1, min(workers, events // MIN_EVENTS_PER_WORKER)) if _can_fork(conn) else 1


def _scan_apart(url: str, after: int, upto: int, reference: Reference) -> Stretch:
    """A range in a forked process, on a connection of its own: never the inherited one of the
    caller, whose open transaction (on SQLite, its read lock) outlasts this walk over older rows."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            return scan(conn, after, upto, reference)
    finally:
        engine.dispose()


def _can_fork(conn: Connection) -> bool:
    """Other processes can open the same database (a file or a server, not SQLite in memory)."""
    url = conn.engine.url
    in_memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
    return not in_memory and "fork" in get_all_start_methods()
