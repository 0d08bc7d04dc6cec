"""The audit trail's events: one global SHA-256 hash chain, appended in the transaction of the
change it records, never updated or deleted by the application (kpt_workflow.audit proves it)."""

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from kpt_workflow.base.canonical import canonical_json, utc_text
from kpt_workflow.storage import projections
from kpt_workflow.storage.event_encoding import SCHEMA_VERSION, as_utc, unlinked_body
from kpt_workflow.storage.recorder import NewEventRow, recorder
from kpt_workflow.storage.tables import AuditEvent

EVENTS = AuditEvent.__table__


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

    The hash is taken over the body `event_encoding.unlinked_body` builds (the one `audit.chain_walk` verifies), from the same texts
    (`hashed_text` gives the same bytes, more slowly: tests hold the two equal)."""
    recorded_at = as_utc(new.recorded_at)
    outcomes, payload = canonical_json(list(new.outcomes)), canonical_json(new.payload)
    legal = new.legal_date.isoformat() if new.legal_date is not None else None
    projections.apply(conn, new)  # first: on PostgreSQL the event goes last, with the COMMIT
    body = unlinked_body((
        None, None, None, new.action, new.actor, new.event_type, new.from_state, legal, outcomes.encode(),
        payload.encode(), new.plan_id, new.plan_version, utc_text(recorded_at), SCHEMA_VERSION, new.to_state))
    recorder(conn).link_event(NewEventRow(new.plan_id, new.plan_version, new.event_type, SCHEMA_VERSION, recorded_at,
                                          new.actor, new.action, new.from_state, new.to_state, new.legal_date,
                                          outcomes, payload), body)


_HEAD = select(EVENTS.c.seq, EVENTS.c.hash).order_by(EVENTS.c.seq.desc()).limit(1)


def head(conn: Connection) -> tuple[int, str] | None:
    """The chain's last (seq, hash): it names every event before it, so whatever is computed from
    the plans' records is the same while the head is (the public pages' and open data's cache)."""
    row = conn.execute(_HEAD).first()
    return (row[0], row[1]) if row is not None else None


def iter_events(conn: Connection, batch: int = 5000) -> Iterator[Mapping[str, Any]]:
    """Every event in chain order, streamed."""
    yield from conn.execute(select(EVENTS).order_by(EVENTS.c.seq).execution_options(yield_per=batch)).mappings()


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
