"""Idempotency keys for POSTs that change state (Stripe's design): the first response is kept
with the key; a retry with the same request gets it back and writes nothing; the same key with
another request is refused.

The key is claimed in the same transaction as the change it guards (so a change can never be
applied twice), and the response is attached right after that transaction commits.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Column, Connection, DateTime, Engine, Text, select, update
from sqlmodel import Field, SQLModel

from kpt_workflow.errors import IdempotencyKeyReused


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"

    username: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=255)
    request_hash: str = Field(max_length=64)
    status_code: int | None = None
    response_body: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


TABLE = IdempotencyRecord.__table__


@dataclass(frozen=True)
class Claim:
    username: str
    key: str
    request_hash: str


@dataclass(frozen=True)
class StoredResponse:
    status_code: int | None  # None: the change committed but its response was not stored
    body: object


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def previous(conn: Connection, claim: Claim) -> StoredResponse | None:
    """The stored response for this key, if any; a different request under it is refused."""
    row = conn.execute(select(TABLE).where(TABLE.c.username == claim.username, TABLE.c.key == claim.key)).first()
    if row is None:
        return None
    if row.request_hash != claim.request_hash:
        raise IdempotencyKeyReused("Esta Idempotency-Key ya se usó con otra solicitud; use una clave nueva.",
                                   field="Idempotency-Key")
    return StoredResponse(row.status_code, json.loads(row.response_body) if row.response_body else None)


def insert_claim(conn: Connection, claim: Claim) -> None:
    conn.execute(TABLE.insert().values(username=claim.username, key=claim.key, request_hash=claim.request_hash,
                                       created_at=datetime.now(timezone.utc)))


def attach_response(engine: Engine, claim: Claim, status_code: int, body: object) -> None:
    with engine.begin() as conn:
        conn.execute(update(TABLE).where(TABLE.c.username == claim.username, TABLE.c.key == claim.key)
                     .values(status_code=status_code, response_body=json.dumps(body, ensure_ascii=False, default=str)))
