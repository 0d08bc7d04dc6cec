"""The audit trail: one global SHA-256 hash chain of events, appended in the transaction of the
change it records, never updated or deleted by the application."""

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import Connection, select

from kpt_workflow.canonical import canonical_json, sha256_hex, utc_text
from kpt_workflow.models import AuditEvent
from kpt_workflow.recorder import recorder

GENESIS_HASH = "0" * 64
SCHEMA_VERSION = 1
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


def compute_hash(event: Mapping[str, Any]) -> str:
    return sha256_hex(canonical_json(event_body(event)))


@dataclass(frozen=True)
class NewEvent:
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


@dataclass(frozen=True)
class Appended:
    seq: int
    hash: str


def append(conn: Connection, new: NewEvent) -> Appended:
    """Link `new` after the chain head. The caller's transaction holds the write lock (SQLite's
    BEGIN IMMEDIATE; on PostgreSQL the advisory lock taken here), and UNIQUE(prev_hash) makes a
    race fail rather than fork the chain."""
    store = recorder(conn)
    head = store.chain_head()
    seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
    row: dict[str, Any] = {
        "seq": seq, "plan_id": new.plan_id, "plan_version": new.plan_version, "event_type": new.event_type,
        "schema_version": SCHEMA_VERSION, "recorded_at": as_utc(new.recorded_at), "actor": new.actor,
        "action": new.action, "from_state": new.from_state, "to_state": new.to_state, "legal_date": new.legal_date,
        "outcomes": canonical_json(list(new.outcomes)), "payload": canonical_json(new.payload), "prev_hash": prev_hash,
    }
    row["hash"] = compute_hash(row)
    store.insert_event(row)
    return Appended(seq, row["hash"])


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


def verify(conn: Connection) -> VerifyReport:
    """Walk the chain from the genesis: contiguous positions, each link pointing at the previous
    hash, each hash matching its content. Reports the first event that breaks."""
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    for event in iter_events(conn):
        seq = event["seq"]
        if seq != expected_seq:
            return VerifyReport(False, count, prev_hash, seq,
                                f"falta el evento {expected_seq}: la secuencia salta al {seq} (borrado o reordenado)")
        if event["prev_hash"] != prev_hash:
            return VerifyReport(False, count, prev_hash, seq,
                                f"el evento {seq} no enlaza con el anterior (borrado, insertado o reordenado)")
        if compute_hash(event) != event["hash"]:
            return VerifyReport(False, count, prev_hash, seq,
                                f"el contenido del evento {seq} no corresponde a su hash (editado)")
        expected_seq, prev_hash, count = seq + 1, event["hash"], count + 1
    return VerifyReport(True, count, prev_hash)


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
