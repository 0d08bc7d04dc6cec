"""Users, roles, API tokens and passwords, and their revocation. Tokens are random and stored only
as their SHA-256; passwords (for the pages' login) are hashed with argon2, a few at a time."""

import hashlib
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlmodel import Session

from kpt_workflow.services.access import Actor, require_user_admin
from kpt_workflow.audit import security_log
from kpt_workflow.base.errors import AlreadyExists, InvalidInput, KptError, NotFound
from kpt_workflow.base.validation import EMAIL
from kpt_workflow.storage.tables import ApiToken, Entity, LoginSession, User
from kpt_workflow.storage.recorder import recorder
from kpt_workflow.base.roles import DEPARTAMENTO, ENTITY_ROLES, ROLES

_hasher = PasswordHasher()


def token_hash(token: str) -> str:
    """Tokens carry 256 random bits, so a fast hash is enough (unlike passwords)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(session: Session, *, username: str, role: str, entity_code: str | None,
                password: str | None = None, email: str | None = None) -> tuple[User, str]:
    """Create a user and its first API token; the token is returned once and never stored in clear.
    `email`: where the alerts outbox mails its alerts (kpt_workflow.services.alerts)."""
    if email is not None and not re.fullmatch(EMAIL, email):
        raise InvalidInput(f"Correo inválido '{email}': escriba una dirección como nombre@dominio.gov.co.", field="email")
    if role not in ROLES:
        raise InvalidInput(f"Rol desconocido '{role}'; use uno de {', '.join(ROLES)}.", field="role")
    if (role in ENTITY_ROLES) != (entity_code is not None):
        raise InvalidInput(f"El rol '{role}' {'necesita' if role in ENTITY_ROLES else 'no lleva'} una entidad "
                           f"(--entidad).", field="entity_code")
    if entity_code is not None:
        entity = session.get(Entity, entity_code)
        if entity is None:
            raise NotFound(f"No existe la entidad '{entity_code}'.", field="entity_code")
        if role == DEPARTAMENTO and entity.kind != "departamento":
            raise InvalidInput("El rol 'departamento' va con el código de un departamento (2 dígitos).",
                               field="entity_code")
        if role != DEPARTAMENTO and not entity.plans_own_pdt:
            raise InvalidInput(f"{entity.name} no formula PDT propio.", field="entity_code")
    if session.get(User, username) is not None:
        raise AlreadyExists(f"Ya existe el usuario '{username}'.", field="username")
    now = datetime.now(timezone.utc)
    user = User(username=username, role=role, entity_code=entity_code, created_at=now, email=email,
                password_hash=_hasher.hash(password) if password else None)
    session.add(user)
    session.flush()  # the token's foreign key needs the user row first
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=token_hash(token), username=username, created_at=now))
    return user, token


def add_user(session: Session, actor: Actor, *, username: str, role: str, entity_code: str | None,
             password: str | None = None, email: str | None = None) -> tuple[User, str]:
    """`create_user` asked for by `actor`, who must administer users."""
    require_user_admin(actor)
    return create_user(session, username=username, role=role, entity_code=entity_code, password=password, email=email)


_USER = User.__table__
_TOKENS = ApiToken.__table__
_SESSIONS = LoginSession.__table__
# Every request reads it: straight to the driver, as the step's statements (kpt_workflow.storage.recorder).
ACTOR_BY_TOKEN_SQL = ('SELECT "user".username, "user".role, "user".entity_code FROM "user" '
                      'JOIN api_token ON api_token.username = "user".username '
                      'WHERE "user".active AND api_token.token_hash = {p}')


def actor_for_token(conn: Connection, token: str) -> Actor | None:
    """The active user holding this API token."""
    rows = recorder(conn).rows(ACTOR_BY_TOKEN_SQL, (token_hash(token),))
    return Actor(*rows[0]) if rows else None


_ACTOR_BY_NAME = select(_USER.c.username, _USER.c.role, _USER.c.entity_code).where(
    _USER.c.active, _USER.c.username == bindparam("username"))


def actor_named(conn: Connection, username: str) -> Actor | None:
    """The active user of that name: whom the command line's `--as` acts as."""
    row = conn.execute(_ACTOR_BY_NAME, {"username": username}).first()
    return None if row is None else Actor(*row)


def roles_of(conn: Connection, usernames: Iterable[str]) -> dict[str, str]:
    """Each named user's role (active or not: the history names who acted then), to say who acted."""
    names = set(usernames)
    if not names:
        return {}
    return dict(conn.execute(select(_USER.c.username, _USER.c.role).where(_USER.c.username.in_(names))).all())


class HashingBusy(KptError):
    """Every password hashing slot stayed taken for the whole wait: try again shortly."""

    code = "servidor_ocupado"


# argon2's default costs 64 MiB per hash: two at a time keep 50 simultaneous logins within
# ~128 MiB; the others wait their turn here (bounded by the caller), not in memory.
HASHING_SLOTS = 2
_hashing = threading.BoundedSemaphore(HASHING_SLOTS)
_PASSWORD_OF = select(_USER.c.password_hash).where(_USER.c.active, _USER.c.username == bindparam("username"))


def password_hash_of(conn: Connection, username: str) -> str | None:
    """The stored hash of an active user with a password; None for anyone else."""
    return conn.execute(_PASSWORD_OF, {"username": username}).scalar()


def password_matches(stored: str | None, password: str, *, wait_s: float,
                     admit: Callable[[], None] = lambda: None) -> bool:
    """Whether `password` matches the `stored` hash, hashed in one of the process's HASHING_SLOTS.
    Without a stored hash (no such user) a hash is computed all the same, so the answer takes as
    long either way. `admit` runs once a slot is held, before hashing: it may still refuse (the
    login throttle, which the attempts ahead in the queue may have closed meanwhile)."""
    if not _hashing.acquire(timeout=wait_s):
        raise HashingBusy("El servidor está atendiendo muchos ingresos a la vez; intente de nuevo en un momento.",
                          retry_after=max(1, round(wait_s)))
    try:
        admit()
        if stored is None:
            _hasher.hash(password)
            return False
        try:
            return _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    finally:
        _hashing.release()


def _existing(conn: Connection, username: str) -> None:
    if conn.execute(select(_USER.c.username).where(_USER.c.username == username)).first() is None:
        raise NotFound(f"No existe el usuario '{username}'.", field="username")


def deactivate_user(conn: Connection, username: str, *, actor: Actor, client_address: str | None = None) -> None:
    """Refuse the user from the next request on: `"user".active` fails every token and session
    read, and the open sessions are ended here too, in the same transaction as the record of it.
    Only who administers users may."""
    require_user_admin(actor)
    _existing(conn, username)
    now = datetime.now(timezone.utc)
    conn.execute(update(_USER).where(_USER.c.username == username).values(active=False))
    conn.execute(update(_SESSIONS).where(_SESSIONS.c.username == username, _SESSIONS.c.ended_at.is_(None))
                 .values(ended_at=now))
    security_log.record(conn, "user_deactivated", username, actor=actor.username, client_address=client_address, at=now)


def rotate_token(conn: Connection, username: str, *, actor: Actor, client_address: str | None = None) -> str:
    """A new API token for `username`, returned once; every token it held before stops working.
    Only who administers users may."""
    require_user_admin(actor)
    _existing(conn, username)
    now = datetime.now(timezone.utc)
    token = secrets.token_urlsafe(32)
    conn.execute(delete(_TOKENS).where(_TOKENS.c.username == username))
    conn.execute(insert(_TOKENS).values(token_hash=token_hash(token), username=username, created_at=now))
    security_log.record(conn, "token_rotated", username, actor=actor.username, client_address=client_address, at=now)
    return token
