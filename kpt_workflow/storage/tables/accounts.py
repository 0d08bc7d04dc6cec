"""Who uses the service: users and their API tokens, login sessions, calendar subscription tokens
and the alerts' outbox."""

from datetime import date, datetime

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel



class LoginSession(SQLModel, table=True):
    """A page login, kept on the server so that logout, deactivation and expiry end it at once.
    The signed cookie holds a random session id; only its SHA-256 is stored (kpt_workflow.services.sessions)."""

    __tablename__ = "login_session"

    id: str = Field(primary_key=True, max_length=64, description="SHA-256 of the id the cookie holds")
    username: str = Field(foreign_key="user.username", index=True)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False),
                                   description="updated at most once a minute")
    ended_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class User(SQLModel, table=True):
    """Someone who acts: a planning office, a council, a department, the DNP or an administrator."""

    username: str = Field(primary_key=True, max_length=64)
    role: str
    entity_code: str | None = Field(default=None, foreign_key="entity.code")
    password_hash: str | None = None
    email: str | None = Field(default=None, max_length=254, description="where the alerts outbox mails it")
    active: bool = True
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    username: str = Field(foreign_key="user.username", index=True)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class CalendarToken(SQLModel, table=True):
    """A secret that stands for its owner in the URL of one calendar feed (a calendar app sends no
    Authorization header): of one user, for one plan's or one entity's feed, stored only as its
    SHA-256, revoked by setting `revoked_at` (the row stays, to be listed)."""

    __tablename__ = "calendar_token"

    id: str = Field(primary_key=True, max_length=16, description="public handle to list and revoke it by")
    token_hash: str = Field(max_length=64, unique=True)
    username: str = Field(foreign_key="user.username", index=True, max_length=64)
    feed: str = Field(max_length=16, description="plan | entidad")
    target: str = Field(max_length=64, description="the plan's id or the entity's DIVIPOLA code")
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class AlertOutbox(SQLModel, table=True):
    """An alert of a legal term waiting to be mailed: `kpt alerts queue` writes each one once (the
    UNIQUE key: a recipient, a plan's term on its day, a kind); an SMTP relay drains the rows whose
    `sent_at` is empty and sets it. Nothing here sends mail."""

    __tablename__ = "alert_outbox"
    __table_args__ = (UniqueConstraint("recipient", "plan_id", "deadline", "deadline_date", "kind",
                                       name="uq_alert_outbox_once"),)

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(foreign_key="user.username", max_length=64)
    to_address: str = Field(max_length=254)
    plan_id: str = Field(foreign_key="plan.id", max_length=64)
    deadline: str = Field(max_length=64, description="the deadline's code in the plan's definition")
    deadline_date: date
    kind: str = Field(max_length=16, description="aviso (N working days before) | vencido (past, unmet)")
    due_on: date = Field(description="the day the alert fell due")
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
