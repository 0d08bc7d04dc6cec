"""The legal amendments' own hash chain and their projection.

An amendment reaches the plans of some periods and entities, also plans created after it (a 2020
plan created later gets DL 683), so it is not an event of one plan: the plans' chain requires a
plan (audit_event.plan_id). It gets a chain of its own, made like the plans' one (canonical JSON,
SHA-256, each link carrying the previous hash), appended in the transaction that writes its
projection `legal_amendment`; `kpt audit verify` walks it (`chain_problem`) and replay rebuilds
the projection from it (`projected_rows`). The security log is no model here: it is not chained.
"""

import hashlib
import json
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, text

from kpt_workflow.base.canonical import canonical_json, utc_text
from kpt_workflow.law.amendments import Amendment
from kpt_workflow.lifecycle.aggregate import PlanRecord
from kpt_workflow.storage.recorder import recorder
from kpt_workflow.storage.event_encoding import GENESIS_HASH, as_utc
from kpt_workflow.storage.tables import AmendmentEvent, EntityCategory, LegalAmendment

EVENTS = AmendmentEvent.__table__
AMENDMENTS = LegalAmendment.__table__
CATEGORY = EntityCategory.__table__
_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('amendment_event'))")


def link_hash(prev_hash: str, seq: int, recorded_at: datetime, actor: str, payload: str) -> str:
    """SHA-256 of the link: the previous hash and the canonical JSON of what the event states."""
    body = canonical_json({"seq": seq, "recorded_at": utc_text(as_utc(recorded_at)), "actor": actor,
                           "payload": json.loads(payload), "prev_hash": prev_hash})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(conn: Connection, payload: Mapping[str, Any], actor: str, recorded_at: datetime) -> int:
    """Record one amendment (its chain event and its projected row) in the caller's transaction;
    returns its number. The head is read under the write lock (SQLite's BEGIN IMMEDIATE, an
    advisory lock on PostgreSQL), and seq is the key: a race fails rather than forks the chain."""
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK)
    head = conn.execute(select(EVENTS.c.seq, EVENTS.c.hash).order_by(EVENTS.c.seq.desc()).limit(1)).first()
    seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
    body = canonical_json(dict(payload))
    conn.execute(insert(EVENTS).values(seq=seq, recorded_at=recorded_at, actor=actor, payload=body,
                                       prev_hash=prev_hash, hash=link_hash(prev_hash, seq, recorded_at, actor, body)))
    conn.execute(insert(AMENDMENTS).values(projected_row(seq, json.loads(body), actor, recorded_at)))
    return seq


def projected_row(seq: int, payload: Mapping[str, Any], actor: str, recorded_at: datetime) -> dict[str, Any]:
    """The `legal_amendment` row an event makes: the one fold that the append and replay share."""
    def day(key: str) -> date | None:
        return date.fromisoformat(payload[key]) if payload[key] else None

    return {"number": seq, "norm": payload["norm"], "article": payload["article"], "norm_date": day("norm_date"),
            "in_force_from": day("in_force_from"), "periods": ",".join(str(p) for p in payload["periods"]),
            "scope": payload["scope"], "scope_values": ",".join(payload["scope_values"]),
            "deadline": payload["deadline"], "new_date": day("new_date"), "from_act": payload["from_act"],
            "months": payload["months"], "working_days": payload["working_days"], "recorded_by": actor,
            "recorded_at": recorded_at}


def events(conn: Connection) -> Iterator[Mapping[str, Any]]:
    yield from conn.execute(select(EVENTS).order_by(EVENTS.c.seq)).mappings()


def chain_problem(conn: Connection) -> str | None:
    """The first break of the amendments' chain, in Spanish (None when intact)."""
    expected, prev_hash = 1, GENESIS_HASH
    for event in events(conn):
        seq = event["seq"]
        if seq != expected:
            return f"falta la enmienda legal {expected}: la secuencia salta a la {seq} (borrada o reordenada)"
        if event["prev_hash"] != prev_hash:
            return f"la enmienda legal {seq} no enlaza con la anterior (borrada, insertada o reordenada)"
        try:
            computed = link_hash(prev_hash, seq, event["recorded_at"], event["actor"], event["payload"])
        except (ValueError, TypeError):
            computed = ""
        if computed != event["hash"]:
            return f"el contenido de la enmienda legal {seq} no corresponde a su hash (editada)"
        expected, prev_hash = seq + 1, event["hash"]
    return None


_read: tuple[tuple[int, str], tuple[Amendment, ...]] | None = None
"""The amendments last read whole, under the chain head they were read at."""
_ROWS = select(AMENDMENTS).order_by(AMENDMENTS.c.number)


def head(conn: Connection) -> tuple[int, str] | None:
    """The amendments chain's last (seq, hash), which names the whole chain: asked by every step,
    so sent straight to the driver (through SQLAlchemy's statement machinery it cost a step ~8 %)."""
    return recorder(conn).amendments_head()


def all_amendments(conn: Connection) -> tuple[Amendment, ...]:
    """Every recorded amendment, in the order recorded. Every step asks (its deadlines may be
    amended): the table is append-only and the head's hash names the whole chain, so the rows are
    read and parsed again only when the head changed; a step pays one indexed look-up (`head`)."""
    global _read
    key = head(conn)
    if key is None:
        return ()
    if _read is None or _read[0] != key:
        rows = conn.execute(_ROWS).mappings()
        _read = (key, tuple(_amendment(row) for row in rows))
    return _read[1]


def amendments_for(conn: Connection, plan: PlanRecord) -> tuple[Amendment, ...]:
    """The amendments that reach the plan (its period, entity, department or category), whatever
    the day: a tiny table, read whole; the entity's category (of the latest year on record up
    to the period's start) only when an amendment is scoped by category."""
    found = [a for a in all_amendments(conn) if plan.period in a.periods]
    category = _category(conn, plan) if any(a.scope == "categoria" for a in found) else None
    return tuple(a for a in found if a.reaches(plan.period, plan.entity_code, plan.department_code, category))


def _category(conn: Connection, plan: PlanRecord) -> str | None:
    rows = conn.execute(select(CATEGORY.c.year, CATEGORY.c.category)
                        .where(CATEGORY.c.entity_code == plan.entity_code).order_by(CATEGORY.c.year)).all()
    before = [category for year, category in rows if year <= plan.period]
    return (before or [category for _, category in rows] or [None])[-1]


def _amendment(row: Mapping[str, Any]) -> Amendment:
    return Amendment(
        number=row["number"], norm=row["norm"], article=row["article"], norm_date=row["norm_date"],
        in_force_from=row["in_force_from"], periods=tuple(int(p) for p in row["periods"].split(",") if p),
        scope=row["scope"], scope_values=tuple(v for v in row["scope_values"].split(",") if v),
        deadline=row["deadline"], new_date=row["new_date"], from_act=row["from_act"], months=row["months"],
        working_days=row["working_days"])

