"""The fast walk over the stored chain behind `audit.verify` (issue target: 200,000 events/s).

Reading events as SQLAlchemy rows, parsing their times and building a dict per event to encode
cost more than hashing them. Here the driver's own cursor hands over the hashed columns in the
sorted order of the body's keys, times already as their canonical UTC text and the two long JSON
values as UTF-8 bytes, and `body` fills them into the body's template, escaping text as the json
encoder does. For every event the application stores that is `audit.hashed_text(...)` byte for
byte (tests prove it on arbitrary text). An event whose hash still disagrees is judged by
the caller's `reference` (in `audit`: the row read through SQLAlchemy, hashed by `compute_hash`),
so a value stored in a form the template does not expect verifies exactly as it always did.

Each hash covers only its own row, so the chain can be walked in seq ranges (`Stretch`es) side by
side in forked processes; `audit` joins them, checking the links across ranges.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from hashlib import sha256
from itertools import chain
from json.encoder import encode_basestring
from multiprocessing import get_all_start_methods, get_context
from typing import Any, Literal, NamedTuple

from sqlalchemy import Connection, func, select

from kpt_workflow.db import make_engine
from kpt_workflow.models import AuditEvent

EVENTS = AuditEvent.__table__
COLUMNS = ("seq", "prev_hash", "hash", "action", "actor", "event_type", "from_state", "legal_date", "outcomes",
           "payload", "plan_id", "plan_version", "recorded_at", "schema_version", "to_state")
"""A row of `rows`: seq, the link and the hash, then the hashed columns in the order of their keys."""
_READ_AS = {  # the columns not read as stored
    # SQLite keeps the text SQLAlchemy and the recorder write: 'YYYY-MM-DD HH:MM:SS.ffffff' UTC, ISO dates.
    "sqlite": {"recorded_at": "substr(recorded_at, 1, 10) || 'T' || substr(recorded_at, 12) || 'Z'",
               "outcomes": "CAST(outcomes AS BLOB)", "payload": "CAST(payload AS BLOB)"},
    "postgresql": {"recorded_at": """to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
                   "legal_date": "to_char(legal_date, 'YYYY-MM-DD')",
                   "outcomes": "convert_to(outcomes, 'UTF8')", "payload": "convert_to(payload, 'UTF8')"},
}
_PLACEHOLDER = {"sqlite": "?", "postgresql": "%s"}
Reference = Callable[[Connection, int], str]
"""The hash `audit.append` would store for event `seq` as it is stored now: the arbiter whenever
the fast body's hash disagrees with the stored one."""
# Seq bounds that hold every event, a forged one at seq <= 0 included.
LOWEST, HIGHEST = -(2**63), 2**63 - 1
BATCH = 5_000
# Below this many events per process, starting one costs more than it saves.
MIN_EVENTS_PER_WORKER = 25_000

# The body around its two long values, which stay UTF-8 bytes from the database to the hash:
# in schema version 1 as JSON strings (quoted, escaped), from version 2 on as the JSON they hold.
_HEAD = '{"action":%s,"actor":%s,"event_type":%s,"from_state":%s,"legal_date":%s,"outcomes":'
# The tail around the link (the previous hash and the seq), which a new event gets only when the
# chain places it: `Unlinked`.
_TO_PREV, _PREV_TO_SEQ, _AFTER_SEQ = (',"plan_id":%s,"plan_version":%s,"prev_hash":',
                                      ',"recorded_at":%s,"schema_version":%s,"seq":', ',"to_state":%s}')
_TAIL = "%s".join((_TO_PREV, _PREV_TO_SEQ, _AFTER_SEQ))
GENESIS_HASH = "0" * 64  # the link of the first event
_text = encode_basestring  # what json's encoder writes for a str (ensure_ascii=False), quotes included
_CONTROLS_AS_SPACES = bytes.maketrans(bytes(range(32)), b" " * 32)


def body(row: tuple[Any, ...]) -> bytes:
    """An event's canonical JSON, UTF-8, from a row of `rows`: keys sorted, text escaped as the json
    encoder escapes it, NULL as null, integers as digits. Some values the application never writes
    (another type, text that is not UTF-8) raise TypeError or ValueError; others make a body that
    the stored hash will not match."""
    (seq, prev_hash, _, action, actor, event_type, from_state, legal_date, outcomes, payload, plan_id, plan_version,
     recorded_at, schema_version, to_state) = row
    # `_head` inline: this is verify's loop, where the call alone cost a few per cent.
    head = _HEAD % (_text(action), _text(actor), _text(event_type), "null" if from_state is None else _text(from_state),
                    "null" if legal_date is None else _text(legal_date))
    tail = _TAIL % (_text(plan_id), plan_version, _text(prev_hash), _text(recorded_at), schema_version, seq,
                    "null" if to_state is None else _text(to_state))
    if schema_version == 1:
        return b"".join((head.encode(), b'"', _escaped(outcomes), b'","payload":"', _escaped(payload), b'"',
                         tail.encode()))
    return b"".join((head.encode(), outcomes, b',"payload":', payload, tail.encode()))


class Unlinked(NamedTuple):
    """A new event's body without its link, in the three pieces around it: the bytes before the
    previous hash's hex digits, those between them and the seq's decimal digits, and those after.
    Whoever places the event in the chain (on PostgreSQL, the database) fills in the two."""

    to_prev: bytes
    prev_to_seq: bytes
    after_seq: bytes

    def linked(self, seq: int, prev_hash: str) -> bytes:
        """The body once placed: `body` of the event with this seq and link."""
        return b"".join((self.to_prev, prev_hash.encode(), self.prev_to_seq, str(seq).encode(), self.after_seq))


def unlinked_body(row: tuple[Any, ...]) -> Unlinked:
    """`body` of a row of `rows` (its seq, link and hash still to come: ignored) in schema version
    2 or later, in pieces around the link: a hash's text is its hex digits, quoted."""
    (_, _, _, action, actor, event_type, from_state, legal_date, outcomes, payload, plan_id, plan_version, recorded_at,
     schema_version, to_state) = row
    head = _head(action, actor, event_type, from_state, legal_date)
    return Unlinked(b"".join((head.encode(), outcomes, b',"payload":', payload,
                              (_TO_PREV % (_text(plan_id), plan_version)).encode(), b'"')),
                    ('"' + _PREV_TO_SEQ % (_text(recorded_at), schema_version)).encode(),
                    (_AFTER_SEQ % ("null" if to_state is None else _text(to_state))).encode())


def _head(action: str, actor: str, event_type: str, from_state: str | None, legal_date: str | None) -> str:
    """The body up to its outcomes' value."""
    return _HEAD % (_text(action), _text(actor), _text(event_type), "null" if from_state is None else _text(from_state),
                    "null" if legal_date is None else _text(legal_date))


def _escaped(text: bytes) -> bytes:
    """UTF-8 text inside a JSON string, as the json encoder writes it. In UTF-8 every byte below 0x80
    is a character of its own, so escaping the backslash and quote bytes escapes those characters;
    text with a control character (stored canonical JSON has none) goes through the encoder."""
    if text.translate(_CONTROLS_AS_SPACES) == text:
        return text.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
    return _text(text.decode())[1:-1].encode()


def fast_hash(row: tuple[Any, ...]) -> str | None:
    """The hash of `body(row)`, or None for a row it cannot write."""
    try:
        return sha256(body(row)).hexdigest()
    except (TypeError, ValueError):
        return None


def rows(conn: Connection, after: int = LOWEST, upto: int = HIGHEST) -> Iterator[tuple[Any, ...]]:
    """The events with after < seq <= upto in chain order, as `COLUMNS`: batches read through the
    driver's cursor, each starting after the last seq of the one before."""
    dialect = conn.dialect.name
    p = _PLACEHOLDER[dialect]
    sql = (f"SELECT {', '.join(_READ_AS[dialect].get(c, c) for c in COLUMNS)} FROM {EVENTS.name} "
           f"WHERE seq > {p} AND seq <= {p} ORDER BY seq LIMIT {p}")

    def batches() -> Iterator[list[tuple[Any, ...]]]:
        driver, start = conn.connection.driver_connection, after
        # psycopg's binary format hands bytea over as bytes, not as hex text to decode.
        cursor = driver.cursor(binary=True) if dialect == "postgresql" else driver.cursor()  # type: ignore[union-attr]
        try:
            while batch := cursor.execute(sql, (start, upto, BATCH)).fetchall():
                yield batch
                start = batch[-1][0]
        finally:
            cursor.close()

    return chain.from_iterable(batches())


@dataclass(frozen=True)
class Flaw:
    kind: Literal["gap", "link", "content"]  # a missing seq, a broken link, an edited content
    seq: int


@dataclass(frozen=True)
class Stretch:
    """What a seq range says of itself. Its first event's position and link can only be judged
    against the range before (by `audit`); from there, `intact` events hold, ending in `next_seq`
    and `head_hash` (the first event's own seq and link when none holds), then `flaw`, if any."""

    first_seq: int | None = None  # None: no event in the range
    first_prev_hash: str = ""
    intact: int = 0
    next_seq: int = 0
    head_hash: str = ""
    flaw: Flaw | None = None


def scan(conn: Connection, after: int, upto: int, reference: Reference) -> Stretch:
    """Walk the events with after < seq <= upto and stop at the first flaw."""
    events = rows(conn, after, upto)
    first = next(events, None)
    if first is None:
        return Stretch()
    expected, previous, intact = first[0], first[1], 0
    for row in chain((first,), events):
        seq, prev_hash, stored = row[0], row[1], row[2]
        if seq != expected:
            kind: Literal["gap", "link", "content"] = "gap"
        elif prev_hash != previous:
            kind = "link"
        elif fast_hash(row) == stored or reference(conn, seq) == stored:
            expected, previous, intact = seq + 1, stored, intact + 1
            continue
        else:
            kind = "content"
        return Stretch(first[0], first[1], intact, expected, previous, Flaw(kind, seq))
    return Stretch(first[0], first[1], intact, expected, previous)


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
