"""The audit's tables: the hash-chained event log, its verification marks, rebaselines and signed
checkpoints, the security log, and the idempotency records of the API's writes."""

from datetime import date, datetime

from sqlalchemy import Column, DateTime, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel



# The events that put a plan in a state. Each type has a partial index holding only its events
# (a few per plan, however many refused attempts the log holds), covering what the reports read;
# a query must repeat the index's predicate, with the literal, for either database to use it.
CREATED, APPLIED = "plan_created", "transition_applied"


MOVE_INDEXES = {CREATED: "ix_audit_event_created", APPLIED: "ix_audit_event_step"}


def _move_index(event_type: str) -> Index:
    where = text(f"event_type = '{event_type}'")
    return Index(MOVE_INDEXES[event_type], "plan_id", "seq", "to_state", "legal_date",
                 sqlite_where=where, postgresql_where=where)


class AuditEvent(SQLModel, table=True):
    """One link of the global hash chain; the application only ever inserts these rows.

    Indexes are kept few, each one costs every append: UNIQUE(plan_id, plan_version) also serves
    lookups by plan, and the two partial indexes of `MOVE_INDEXES` are written only for the events
    they hold. `hash` and `prev_hash` are not UNIQUE: the chain cannot fork because `seq` is the
    primary key and an append reads the head's `seq` and `hash` together under the write lock
    (SQLite's BEGIN IMMEDIATE; on PostgreSQL the advisory lock `recorder.link_event` takes before
    its insert), so a racing append fails on the key; `audit.verify` checks the links."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("plan_id", "plan_version"), _move_index(CREATED), _move_index(APPLIED))

    seq: int = Field(primary_key=True, description="position in the global chain, from 1")
    plan_id: str = Field(foreign_key="plan.id")
    plan_version: int
    event_type: str
    schema_version: int
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    actor: str
    action: str
    from_state: str | None = None
    to_state: str | None = None
    legal_date: date | None = None
    outcomes: str = Field(description="canonical JSON list of rule outcomes")
    payload: str = Field(description="canonical JSON object")
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditVerified(SQLModel, table=True):
    """How far the audit chain was last found intact (one row): the next verification starts
    after it, and first checks the chain still holds this hash at this seq."""

    __tablename__ = "audit_verified"

    id: int = Field(default=1, primary_key=True)
    seq: int
    hash: str = Field(max_length=64)
    verified_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class AuditRebaseline(SQLModel, table=True):
    """A signed statement that the audit chain continues from the event `seq` (hash `head`), for
    `reason`: after a restore, the checkpoints signed beyond that head are superseded, not failed
    (kpt_workflow.audit.checkpoints). The chain's events belong to plans, and this concerns none; the
    security log concerns people and signs nothing; so a table of its own, only ever inserted."""

    __tablename__ = "audit_rebaseline"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(description="the chain's head when it was signed (0: empty chain)")
    head: str = Field(max_length=64)
    reason: str = Field(max_length=500)
    actor: str = Field(max_length=64)
    signed_at: str = Field(max_length=20, description="UTC, YYYY-MM-DDTHH:MM:SSZ: the text that was signed")
    key_id: str = Field(max_length=16)
    signature: str = Field(max_length=100, description="Ed25519 over the canonical JSON of the fields above, base64")


class AuditCheckpoint(SQLModel, table=True):
    """A signed checkpoint of the chain's head (kpt_workflow.audit.checkpoints), kept when it is made:
    an evidence bundle carries the latest one the chain still extends, with the public key to check
    it. The signature, not the table, is the proof; the application only ever inserts these rows."""

    __tablename__ = "audit_checkpoint"

    id: int | None = Field(default=None, primary_key=True)
    size: int = Field(description="the chain's length when it was signed: its head is the event seq = size")
    head: str = Field(max_length=64)
    signed_at: str = Field(max_length=20, description="UTC, YYYY-MM-DDTHH:MM:SSZ: the text that was signed")
    key_id: str = Field(max_length=16)
    signature: str = Field(max_length=100, description="Ed25519 over the canonical JSON of size, head, time, key_id")
    public_key: str = Field(max_length=200, description="the signing key's public half, PEM")
    actor: str = Field(max_length=64, description="who had it signed (cli:<system user>)")


class SecurityEvent(SQLModel, table=True):
    """A login, a logout, a refusal or an account change (kpt_workflow.audit.security_log); the
    application only ever inserts these rows, and never a password."""

    __tablename__ = "security_event"

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    kind: str = Field(description="a key of kpt_workflow.audit.security_log.LABELS")
    username: str = Field(max_length=64, index=True, description="the account concerned (as typed, on a failed login)")
    actor: str | None = Field(default=None, max_length=64, description="who did it, when not the user itself (an "
                                                                       "administrator, or cli:<system user>)")
    client_address: str | None = None
    detail: str | None = Field(default=None, max_length=500, description="what was refused, in Spanish")


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"

    username: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=255)
    request_hash: str = Field(max_length=64)
    status_code: int | None = None
    response_body: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
