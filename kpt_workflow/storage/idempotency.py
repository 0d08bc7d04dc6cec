"""Idempotency keys for POSTs that change state (Stripe's design): the first answer is kept with
the key; a retry with the same request gets it back and writes nothing; the same key with another
request is refused.

The key lives and dies with the change it guards: it is looked up inside the write transaction
(on SQLite after BEGIN IMMEDIATE has taken the write lock, so a concurrent duplicate waits and then
finds it; on PostgreSQL the primary key makes a duplicate racing past the lookup fail at commit),
and it is stored together with its answer in the commit of the change. So a change is never
applied twice, and never committed without the answer a retry will get. A refused step is a
committed change too (its event), so its refusal is stored and replayed the same way.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection

from kpt_workflow.base.errors import IdempotencyKeyReused, KptError
from kpt_workflow.storage.recorder import recorder
from kpt_workflow.storage.tables import IdempotencyRecord


TABLE = IdempotencyRecord.__table__

Outcome = Mapping[str, Any] | KptError
"""How a use-case ends: its result, or the refusal it committed (a blocked step) and then raises."""


@dataclass(frozen=True)
class Answer:
    """What the entry point answered: its status and its JSON body, as the text that was sent."""

    status_code: int | None  # None: a key claimed before answers were stored with the change (no answer kept)
    body: str | None


@dataclass(frozen=True)
class Claim:
    """An Idempotency-Key of a user for one request (`request_hash`), and how the entry point
    answers an outcome (`answer`): the unit of work stores that answer when the change commits."""

    username: str
    key: str
    request_hash: str
    answer: Callable[[Outcome], Answer]


LOOKUP_SQL = ("SELECT request_hash, status_code, response_body FROM idempotency_record "
              "WHERE username = {p} AND key = {p}")
_INSERT = ("INSERT INTO idempotency_record (username, key, request_hash, status_code, response_body, created_at) "
           "VALUES ({p}, {p}, {p}, {p}, {p}, {p})")


def previous(conn: Connection, claim: Claim) -> Answer | None:
    """The stored answer for this key, if any; a different request under it is refused."""
    rows = recorder(conn).rows(LOOKUP_SQL, (claim.username, claim.key))  # straight to the driver, as the step's
    row = rows[0] if rows else None
    if row is None:
        return None
    request_hash, status_code, body = row
    if request_hash != claim.request_hash:
        raise IdempotencyKeyReused("Esta Idempotency-Key ya se usó con otra solicitud; use una clave nueva.",
                                   field="Idempotency-Key")
    return Answer(status_code, body)


def record(conn: Connection, claim: Claim, answer: Answer) -> None:
    """Store the key with its answer, in the caller's transaction (the change's)."""
    store = recorder(conn)
    store.execute(_INSERT, (claim.username, claim.key, claim.request_hash, answer.status_code, answer.body,
                            store.dialect.stored(datetime.now(timezone.utc))), changes_kept=False)
