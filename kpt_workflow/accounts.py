"""Users, roles and API tokens. Tokens are random and stored only as their SHA-256; passwords
(for the pages' login) are hashed with argon2."""

import hashlib
import secrets
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Column, Connection, DateTime, bindparam, select
from sqlmodel import Field, Session, SQLModel

from kpt_workflow.access import Actor
from kpt_workflow.errors import AlreadyExists, InvalidInput, NotFound
from kpt_workflow.models import Entity
from kpt_workflow.recorder import recorder
from kpt_workflow.roles import DEPARTAMENTO, ENTITY_ROLES, ROLES

_hasher = PasswordHasher()


class User(SQLModel, table=True):
    """Someone who acts: a planning office, a council, a department, the DNP or an administrator."""

    username: str = Field(primary_key=True, max_length=64)
    role: str
    entity_code: str | None = Field(default=None, foreign_key="entity.code")
    password_hash: str | None = None
    active: bool = True
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    username: str = Field(foreign_key="user.username", index=True)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


def token_hash(token: str) -> str:
    """Tokens carry 256 random bits, so a fast hash is enough (unlike passwords)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(session: Session, *, username: str, role: str, entity_code: str | None,
                password: str | None = None) -> tuple[User, str]:
    """Create a user and its first API token; the token is returned once and never stored in clear."""
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
    user = User(username=username, role=role, entity_code=entity_code, created_at=now,
                password_hash=_hasher.hash(password) if password else None)
    session.add(user)
    session.flush()  # the token's foreign key needs the user row first
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=token_hash(token), username=username, created_at=now))
    return user, token


_USER = User.__table__
# A login session's actor: built once and run as Core, a fraction of the same query through a Session.
_ACTOR_BY_NAME = (select(_USER.c.username, _USER.c.role, _USER.c.entity_code)
                  .where(_USER.c.active, _USER.c.username == bindparam("username")))
# Every request reads it: straight to the driver, as the step's statements (kpt_workflow.recorder).
ACTOR_BY_TOKEN_SQL = ('SELECT "user".username, "user".role, "user".entity_code FROM "user" '
                      'JOIN api_token ON api_token.username = "user".username '
                      'WHERE "user".active AND api_token.token_hash = {p}')


def actor_for_token(conn: Connection, token: str) -> Actor | None:
    """The active user holding this API token."""
    rows = recorder(conn).rows(ACTOR_BY_TOKEN_SQL, (token_hash(token),))
    return Actor(*rows[0]) if rows else None


def actor_named(conn: Connection, username: str) -> Actor | None:
    """The active user of a login session."""
    row = conn.execute(_ACTOR_BY_NAME, {"username": username}).first()
    return None if row is None else Actor(*row)


def user_for_password(session: Session, username: str, password: str) -> User | None:
    user = session.get(User, username)
    if user is None or not user.active or not user.password_hash:
        _hasher.hash(password)  # same cost whether or not the user exists
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user
