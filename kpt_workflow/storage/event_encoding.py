"""The one canonical encoding of an audit event: the text its SHA-256 covers.

An event's body is the canonical JSON (kpt_workflow.base.canonical) of its columns but the hash,
keys sorted. `hashed_text` says so literally, from a mapping of the stored row: the specification,
and the arbiter for a value stored in a form the template does not expect. `body` and
`unlinked_body` write the same text from the row's texts with the same two parts (`_head` and
`_tail`, whose placeholders make `BODY_TEMPLATE`, which PostgreSQL fills in SQL): the encoder that
writing (`event_log.append`), verifying (`audit.chain_walk`), replaying and exporting use. Tests
hold the two equal byte for byte on arbitrary text (tests/test_chain_walk.py).
"""

from collections.abc import Mapping
from datetime import datetime, timezone
from hashlib import sha256
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from kpt_workflow.base.canonical import canonical_json, sha256_hex, utc_text

SCHEMA_VERSION = 2
"""How an event's hash covers it (each event keeps the version it was written with). Both hash the
canonical JSON of its columns; 1 holds `outcomes` and `payload` as strings of JSON text, 2 embeds
them as the JSON values they are, so that neither writing nor verifying escapes the two long texts."""
HASHED_COLUMNS = ("seq", "plan_id", "plan_version", "event_type", "schema_version", "actor", "action", "from_state",
                  "to_state", "legal_date", "outcomes", "payload", "prev_hash")


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def event_body(event: Mapping[str, Any]) -> dict[str, object]:
    """What the hash covers: every column but the hash itself (times and dates already as their
    canonical text, which is what canonical JSON would make of them, only faster)."""
    legal = event["legal_date"]
    return {**{name: event[name] for name in HASHED_COLUMNS}, "recorded_at": utc_text(as_utc(event["recorded_at"])),
            "legal_date": legal.isoformat() if legal is not None else None}


# The body's keys that sort before "outcomes" and after "payload" (its two embedded values).
_BEFORE_EMBEDDED = ("action", "actor", "event_type", "from_state", "legal_date")
_AFTER_EMBEDDED = ("plan_id", "plan_version", "prev_hash", "recorded_at", "schema_version", "seq", "to_state")


def hashed_text(event: Mapping[str, Any]) -> str:
    """The text the hash covers, in the event's `schema_version` (any but 1 reads as 2, so a
    forged version still hashes to something other than what was stored)."""
    body = event_body(event)
    if body["schema_version"] == 1:
        return canonical_json(body)
    before = canonical_json({name: body[name] for name in _BEFORE_EMBEDDED})
    after = canonical_json({name: body[name] for name in _AFTER_EMBEDDED})
    return f'{before[:-1]},"outcomes":{body["outcomes"]},"payload":{body["payload"]},{after[1:]}'


def compute_hash(event: Mapping[str, Any]) -> str:
    return sha256_hex(hashed_text(event))


COLUMNS = ("seq", "prev_hash", "hash", "action", "actor", "event_type", "from_state", "legal_date", "outcomes",
           "payload", "plan_id", "plan_version", "recorded_at", "schema_version", "to_state")
"""A row of `rows`: seq, the link and the hash, then the hashed columns in the order of their keys."""

# The body around its two long values, which stay UTF-8 bytes from the database to the hash:
# in schema version 1 as JSON strings (quoted, escaped), from version 2 on as the JSON they hold.
# Each part takes its values already as JSON text (integers as they are). f-strings, not a `%`
# template: verify's walk fills them for every event, 6 % faster so (paired runs of 100.000 events).
def _head(action: str, actor: str, event_type: str, from_state: str, legal_date: str) -> str:
    """The body up to its outcomes' value."""
    return (f'{{"action":{action},"actor":{actor},"event_type":{event_type},"from_state":{from_state},'
            f'"legal_date":{legal_date},"outcomes":')


_BETWEEN = ',"payload":'  # the outcomes' value and the payload's
_BETWEEN_UTF8 = _BETWEEN.encode()


def _tail(plan_id: str, plan_version: object, prev_hash: str, recorded_at: str, schema_version: object, seq: object,
          to_state: str) -> str:
    """The body after its payload's value."""
    return (f',"plan_id":{plan_id},"plan_version":{plan_version},"prev_hash":{prev_hash},"recorded_at":{recorded_at},'
            f'"schema_version":{schema_version},"seq":{seq},"to_state":{to_state}}}')


BODY_TEMPLATE = _head(*["%s"] * 5) + "%s" + _BETWEEN + "%s" + _tail(*["%s"] * 7)
"""The body with a placeholder for each key's value, keys in sorted order (PostgreSQL fills it in SQL)."""
GENESIS_HASH = "0" * 64  # the link of the first event
_text = encode_basestring  # what json's encoder writes for a str (ensure_ascii=False), quotes included
_CONTROLS_AS_SPACES = bytes.maketrans(bytes(range(32)), b" " * 32)
_LINK = "\0"  # where the link's values go in an `Unlinked` tail: JSON text never holds a raw NUL


def _json(text: str | None) -> str:
    return "null" if text is None else _text(text)


def body(row: tuple[Any, ...]) -> bytes:
    """An event's canonical JSON, UTF-8, from a row of `rows`: keys sorted, text escaped as the json
    encoder escapes it, NULL as null, integers as digits. Some values the application never writes
    (another type, text that is not UTF-8) raise TypeError or ValueError; others make a body that
    the stored hash will not match."""
    (seq, prev_hash, _, action, actor, event_type, from_state, legal_date, outcomes, payload, plan_id, plan_version,
     recorded_at, schema_version, to_state) = row
    # No `_json` for the values that may be NULL: this is verify's loop, where each call costs.
    head = _head(_text(action), _text(actor), _text(event_type), "null" if from_state is None else _text(from_state),
                 "null" if legal_date is None else _text(legal_date))
    tail = _tail(_text(plan_id), plan_version, _text(prev_hash), _text(recorded_at), schema_version, seq,
                 "null" if to_state is None else _text(to_state))
    if schema_version == 1:
        outcomes, payload = b'"%s"' % _escaped(outcomes), b'"%s"' % _escaped(payload)
    return b"".join((head.encode(), outcomes, _BETWEEN_UTF8, payload, tail.encode()))


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
    head = _head(_text(action), _text(actor), _text(event_type), _json(from_state), _json(legal_date))
    to_prev, prev_to_seq, after_seq = _tail(_text(plan_id), plan_version, f'"{_LINK}"', _text(recorded_at),
                                            schema_version, _LINK, _json(to_state)).split(_LINK)
    return Unlinked(b"".join((head.encode(), outcomes, _BETWEEN_UTF8, payload, to_prev.encode())),
                    prev_to_seq.encode(), after_seq.encode())


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
