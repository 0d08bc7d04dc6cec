"""The audit trail: one global SHA-256 hash chain of events, appended in the transaction of the
change it records, never updated or deleted by the application."""

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, NamedTuple

from sqlalchemy import Connection, select, text

from kpt_workflow import chain_check
from kpt_workflow import projections
from kpt_workflow.canonical import canonical_json, sha256_hex, utc_text
from kpt_workflow.models import AuditEvent
from kpt_workflow.chain_check import GENESIS_HASH
from kpt_workflow.recorder import NewEventRow, recorder
from kpt_workflow.stored_rows import canonical_date

SCHEMA_VERSION = 2
"""How an event's hash covers it (each event keeps the version it was written with). Both hash the
canonical JSON of its columns; 1 holds `outcomes` and `payload` as strings of JSON text, 2 embeds
them as the JSON values they are, so that neither writing nor verifying escapes the two long texts."""
EVENTS = AuditEvent.__table__
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


class NewEvent(NamedTuple):
    """An event as a use-case describes it; `append` places it in the chain."""

    plan_id: str
    plan_version: int
    event_type: str
    actor: str
    action: str
    recorded_at: datetime
    payload: dict[str, object]
    from_state: str | None = None
    to_state: str | None = None
    legal_date: date | None = None
    outcomes: Sequence[dict[str, object]] = ()


def append(conn: Connection, new: NewEvent) -> None:
    """Place `new` after the chain head, in the caller's transaction (see `recorder.link_event`:
    on PostgreSQL the database links and hashes it at the commit). The chain's order is the order
    its appends took the chain's lock; seq is the primary key, so a race fails rather than forks
    the chain.

    The hash is taken over the body `chain_check` builds for verifying, from the same texts
    (`hashed_text` gives the same bytes, more slowly: tests hold the two equal)."""
    recorded_at = as_utc(new.recorded_at)
    outcomes, payload = canonical_json(list(new.outcomes)), canonical_json(new.payload)
    legal = new.legal_date.isoformat() if new.legal_date is not None else None
    projections.apply(conn, new)  # first: on PostgreSQL the event goes last, with the COMMIT
    body = chain_check.unlinked_body((
        None, None, None, new.action, new.actor, new.event_type, new.from_state, legal, outcomes.encode(),
        payload.encode(), new.plan_id, new.plan_version, utc_text(recorded_at), SCHEMA_VERSION, new.to_state))
    recorder(conn).link_event(NewEventRow(new.plan_id, new.plan_version, new.event_type, SCHEMA_VERSION, recorded_at,
                                          new.actor, new.action, new.from_state, new.to_state, new.legal_date,
                                          outcomes, payload), body)


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    events: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "events": self.events, "head_hash": self.head_hash,
                "first_bad_seq": self.first_bad_seq, "problem": self.problem}


def iter_events(conn: Connection, batch: int = 5000) -> Iterator[Mapping[str, Any]]:
    """Every event in chain order, streamed."""
    yield from conn.execute(select(EVENTS).order_by(EVENTS.c.seq).execution_options(yield_per=batch)).mappings()


def verify(conn: Connection, workers: int = 1, since: tuple[int, str] | None = None) -> VerifyReport:
    """Walk the chain from the genesis: contiguous positions, each link pointing at the previous
    hash, each hash matching its content. Reports the first event that breaks. `since`: the
    (seq, hash) of an event already found intact (kpt_workflow.audit_mark): walk only the events
    after it, in one process (`events` still counts from the genesis).

    `chain_check` hashes the events in seq ranges (on PostgreSQL, in the database); with `workers`
    > 1 a large log is split over forked processes (for the command line, not inside a threaded
    server). The ranges are
    joined here in chain order, each one's first event checked against the end of the one before."""
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    if since is None:
        stretches = chain_check.scan_ranges(conn, workers, _reference_hash)
    else:
        (count, prev_hash), expected_seq = since, since[0] + 1
        stretches = [chain_check.scan(conn, count, chain_check.HIGHEST, _reference_hash)]
    for stretch in stretches:
        if stretch.first_seq is None:
            continue
        if stretch.first_seq != expected_seq:
            flaw: chain_check.Flaw | None = chain_check.Flaw("gap", stretch.first_seq)
        elif stretch.first_prev_hash != prev_hash:
            flaw = chain_check.Flaw("link", stretch.first_seq)
        else:
            expected_seq, prev_hash, count = stretch.next_seq, stretch.head_hash, count + stretch.intact
            flaw = stretch.flaw
        if flaw is not None:
            return VerifyReport(False, count, prev_hash, flaw.seq,
                                _PROBLEMS[flaw.kind].format(seq=flaw.seq, expected=expected_seq))
    return VerifyReport(True, count, prev_hash)


_PROBLEMS = {
    "gap": "falta el evento {expected}: la secuencia salta al {seq} (borrado o reordenado)",
    "link": "el evento {seq} no enlaza con el anterior (borrado, insertado o reordenado)",
    "content": "el contenido del evento {seq} no corresponde a su hash (editado)",
}


_STORED_DATE = text("SELECT legal_date FROM audit_event WHERE seq = :seq")  # untyped: the value as stored


def _reference_hash(conn: Connection, seq: int) -> str:
    """The hash `append` computes, for event `seq` as stored: the arbiter when the fast walk's
    hash disagrees (a value stored in a form its template does not write, or a real edit). A date
    has one form, the one `append` stores: any other text (SQLAlchemy reads '2024-W24-2' as
    2024-06-11, and the reports compare the text) or a value SQLAlchemy cannot read at all
    matches no hash."""
    try:
        canonical_date(conn.execute(_STORED_DATE, {"seq": seq}).scalar())
        return compute_hash(conn.execute(select(EVENTS).where(EVENTS.c.seq == seq)).mappings().one())
    except (ValueError, TypeError):
        return ""


def plan_events(conn: Connection, plan_id: str) -> list[Mapping[str, Any]]:
    return list(conn.execute(select(EVENTS).where(EVENTS.c.plan_id == plan_id).order_by(EVENTS.c.seq)).mappings())


def event_view(event: Mapping[str, Any]) -> dict[str, object]:
    """An event as people and scripts read it (JSON fields decoded)."""
    return {
        "seq": event["seq"], "plan_id": event["plan_id"], "plan_version": event["plan_version"],
        "event_type": event["event_type"], "recorded_at": as_utc(event["recorded_at"]).isoformat(),
        "legal_date": event["legal_date"].isoformat() if event["legal_date"] else None, "actor": event["actor"],
        "action": event["action"], "from_state": event["from_state"], "to_state": event["to_state"],
        "outcomes": json.loads(event["outcomes"]), "payload": json.loads(event["payload"]), "hash": event["hash"],
    }
