"""The audit trail: one global SHA-256 hash chain of events, appended in the transaction of the
change it records, never updated or deleted by the application."""

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import select, text
from sqlmodel import Session

from kpt_workflow.canonical import canonical_json, sha256_hex
from kpt_workflow.models import AuditEvent

GENESIS_HASH = "0" * 64
SCHEMA_VERSION = 1
# pg_advisory_xact_lock key that serialises appends to the one chain on PostgreSQL.
CHAIN_LOCK_KEY = 0x6B7074  # "kpt"


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def event_body(event: AuditEvent) -> dict[str, object]:
    """What the hash covers: every column but the hash itself."""
    return {
        "seq": event.seq, "plan_id": event.plan_id, "plan_version": event.plan_version,
        "event_type": event.event_type, "schema_version": event.schema_version,
        "recorded_at": as_utc(event.recorded_at), "actor": event.actor, "action": event.action,
        "from_state": event.from_state, "to_state": event.to_state, "legal_date": event.legal_date,
        "outcomes": event.outcomes, "payload": event.payload, "prev_hash": event.prev_hash,
    }


def compute_hash(event: AuditEvent) -> str:
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


def append(session: Session, new: NewEvent) -> AuditEvent:
    """Link `new` after the chain head. The caller's transaction holds the write lock (SQLite's
    BEGIN IMMEDIATE; on PostgreSQL the advisory lock taken here), and UNIQUE(prev_hash) makes a
    race fail rather than fork the chain."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    head = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev_hash = (head.seq + 1, head.hash) if head else (1, GENESIS_HASH)
    event = AuditEvent(
        seq=seq, plan_id=new.plan_id, plan_version=new.plan_version, event_type=new.event_type,
        schema_version=SCHEMA_VERSION, recorded_at=as_utc(new.recorded_at), actor=new.actor, action=new.action,
        from_state=new.from_state, to_state=new.to_state, legal_date=new.legal_date,
        outcomes=canonical_json(list(new.outcomes)), payload=canonical_json(new.payload), prev_hash=prev_hash,
    )
    event.hash = compute_hash(event)
    session.add(event)
    return event


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


def iter_events(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    yield from session.execute(select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch)).scalars()


def verify(session: Session) -> VerifyReport:
    """Walk the chain from the genesis: contiguous positions, each link pointing at the previous
    hash, each hash matching its content. Reports the first event that breaks."""
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    for event in iter_events(session):
        if event.seq != expected_seq:
            return VerifyReport(False, count, prev_hash, event.seq,
                                f"falta el evento {expected_seq}: la secuencia salta al {event.seq} (borrado o reordenado)")
        if event.prev_hash != prev_hash:
            return VerifyReport(False, count, prev_hash, event.seq,
                                f"el evento {event.seq} no enlaza con el anterior (borrado, insertado o reordenado)")
        if compute_hash(event) != event.hash:
            return VerifyReport(False, count, prev_hash, event.seq,
                                f"el contenido del evento {event.seq} no corresponde a su hash (editado)")
        expected_seq, prev_hash, count = event.seq + 1, event.hash, count + 1
    return VerifyReport(True, count, prev_hash)


def plan_events(session: Session, plan_id: str) -> list[AuditEvent]:
    return list(session.execute(
        select(AuditEvent).where(AuditEvent.plan_id == plan_id).order_by(AuditEvent.seq)).scalars())


def event_view(event: AuditEvent) -> dict[str, object]:
    """An event as people and scripts read it (JSON fields decoded)."""
    return {
        "seq": event.seq, "plan_id": event.plan_id, "plan_version": event.plan_version,
        "event_type": event.event_type, "recorded_at": as_utc(event.recorded_at).isoformat(),
        "legal_date": event.legal_date.isoformat() if event.legal_date else None, "actor": event.actor,
        "action": event.action, "from_state": event.from_state, "to_state": event.to_state,
        "outcomes": json.loads(event.outcomes), "payload": json.loads(event.payload), "hash": event.hash,
    }
