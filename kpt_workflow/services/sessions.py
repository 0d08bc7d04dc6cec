"""Page logins, kept on the server: logging in and out, and reading a session's user on every
request. The signed cookie holds only a random session id; the table keeps its SHA-256, so a copy
of the database opens no session. A session ends at logout, when its user is deactivated, or when
it expires: idle too long, or too long since the login (KPT_SESSION_IDLE_MINUTES,
KPT_SESSION_MAX_HOURS)."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from kpt_workflow.audit import security_log
from kpt_workflow.base.config import Settings
from kpt_workflow.base.errors import KptError, Unauthorized
from kpt_workflow.services.access import Actor
from kpt_workflow.services.accounts import password_hash_of, password_matches, token_hash
from kpt_workflow.services.throttle import LoginThrottle, TooManyAttempts
from kpt_workflow.storage.event_encoding import as_utc
from kpt_workflow.storage.tables import Entity, LoginSession, User
from kpt_workflow.storage.unit_of_work import UnitOfWork

SESSIONS = LoginSession.__table__
_USER = User.__table__
TOUCH_EVERY = timedelta(minutes=1)
"""How stale `last_seen_at` may get before a request writes it: a write a minute per session at most."""


class SessionExpired(KptError):
    """The session was idle too long or is older than its limit: log in again."""

    code = "sesion_vencida"


@dataclass(frozen=True)
class Lifetime:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> "Lifetime":
        return cls(timedelta(minutes=settings.session_idle_minutes), timedelta(hours=settings.session_max_hours))


@dataclass(frozen=True)
class Seen:
    """A live session's user; `stale`: its last_seen_at is older than TOUCH_EVERY (see `touch`)."""

    actor: Actor
    stale: bool


# Built once and run as Core: every page request reads it.
ENTITY = Entity.__table__
_LOOKUP = (select(_USER.c.username, _USER.c.role, _USER.c.entity_code, ENTITY.c.name.label("entity_name"),
                  SESSIONS.c.created_at, SESSIONS.c.last_seen_at)
           .join_from(SESSIONS, _USER, SESSIONS.c.username == _USER.c.username)
           .outerjoin(ENTITY, ENTITY.c.code == _USER.c.entity_code)
           .where(SESSIONS.c.id == bindparam("id"), SESSIONS.c.ended_at.is_(None), _USER.c.active))


def session_hash(session_id: str) -> str:
    """Session ids carry 256 random bits, as API tokens: a fast hash is enough."""
    return token_hash(session_id)


def actor_for_session(conn: Connection, hashed: str, lifetime: Lifetime, now: datetime) -> Seen | None:
    """The user of a live session (one read); None if the session ended, never existed, or its
    user was deactivated. Raises SessionExpired for a session past its idle or absolute limit
    (`expire` records that)."""
    row = conn.execute(_LOOKUP, {"id": hashed}).first()
    if row is None:
        return None
    created, seen = as_utc(row.created_at), as_utc(row.last_seen_at)
    if now - seen > lifetime.idle or now - created > lifetime.absolute:
        raise SessionExpired("Su sesión venció; inicie sesión de nuevo.")
    return Seen(Actor(row.username, row.role, row.entity_code, row.entity_name), now - seen >= TOUCH_EVERY)


def touch(conn: Connection, hashed: str, now: datetime) -> None:
    conn.execute(update(SESSIONS).where(SESSIONS.c.id == hashed, SESSIONS.c.ended_at.is_(None))
                 .values(last_seen_at=now))


def end(conn: Connection, hashed: str, kind: str, now: datetime, client_address: str | None = None) -> None:
    """End a session (`kind`: logout or session_expired) and record it, once however many
    requests end it together."""
    username = conn.execute(select(SESSIONS.c.username).where(SESSIONS.c.id == hashed)).scalar()
    ended = conn.execute(update(SESSIONS).where(SESSIONS.c.id == hashed, SESSIONS.c.ended_at.is_(None))
                         .values(ended_at=now))
    if username is not None and ended.rowcount == 1:
        security_log.record(conn, kind, username, client_address=client_address, at=now)


def log_in(engine: Engine, throttle: LoginThrottle, *, username: str, password: str, client_address: str,
           wait_s: float) -> str:
    """Check a password and open a session; returns the session id for the cookie (never stored).

    Refused with TooManyAttempts while the name or the address is throttled (checked again once a
    hashing slot is held, for the attempts that queued behind failures), with HashingBusy when no
    slot frees within `wait_s`, and with Unauthorized for a wrong name or password. Each outcome
    is recorded in the security log; the refusals of a throttled name and address once per window."""
    try:
        throttle.check(username, client_address)
        with UnitOfWork(engine) as uow:
            stored = password_hash_of(uow.connection, username)
        matches = password_matches(stored, password, wait_s=wait_s,
                                   admit=lambda: throttle.check(username, client_address))
    except TooManyAttempts:
        if throttle.first_refusal(username, client_address):
            _record(engine, "login_throttled", username, client_address)
        raise
    if not matches:
        throttle.failed(username, client_address)
        _record(engine, "login_failed", username, client_address)
        raise Unauthorized("Usuario o contraseña incorrectos.")
    throttle.succeeded(username)
    session_id = secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc)
    with UnitOfWork(engine, write=True) as uow:
        uow.connection.execute(insert(SESSIONS).values(id=session_hash(session_id), username=username,
                                                       created_at=now, last_seen_at=now))
        security_log.record(uow.connection, "login_ok", username, client_address=client_address, at=now)
        uow.commit()
    return session_id


def _record(engine: Engine, kind: str, username: str, client_address: str) -> None:
    with UnitOfWork(engine, write=True) as uow:
        security_log.record(uow.connection, kind, username, client_address=client_address)
        uow.commit()
