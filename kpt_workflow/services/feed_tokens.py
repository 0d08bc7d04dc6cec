"""Calendar feed tokens: a calendar app subscribes to a URL and never sends an Authorization
header, so each subscription carries a secret of its own in its URL. A token belongs to one user
and one feed (one plan's, or one entity's), is stored only as its SHA-256 (it carries 256 random
bits, as the API tokens: `accounts.token_hash`), is shown once, and is revoked by its owner or an
administrator; revoked tokens stay listed. What a token opens is what its owner may see: the feed's
use-case checks the owner's scope on every request (kpt_workflow.services.calendars), and a
deactivated owner's tokens open nothing."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, insert, select, update

from kpt_workflow.audit import security_log
from kpt_workflow.base.errors import InvalidInput, NotFound, Unauthorized
from kpt_workflow.base.roles import OPERADOR
from kpt_workflow.law import calendar
from kpt_workflow.services.access import USER_ADMINS, Actor, visible_plan
from kpt_workflow.services.accounts import token_hash
from kpt_workflow.storage.event_encoding import as_utc
from kpt_workflow.storage.repository import plan_record
from kpt_workflow.storage.tables import CalendarToken, Entity, User

PLAN_FEED, ENTITY_FEED = "plan", "entidad"
FEED_PATHS = {PLAN_FEED: "/api/v1/plans/{}/calendar.ics", ENTITY_FEED: "/api/v1/entities/{}/calendar.ics"}
"""Where each feed is served (api/routes/calendars.py); a token's URL is its feed's, with ?token=."""
_TOKENS, _USERS, _ENTITIES = CalendarToken.__table__, User.__table__, Entity.__table__


@dataclass(frozen=True)
class FeedToken:
    """The secret a feed's URL presents instead of credentials (`?token=`)."""

    secret: str


def feed_url(feed: str, target: str, token: str, base: str = "") -> str:
    """The URL a calendar app subscribes to (`base`: the server's address, e.g. http://host:8000)."""
    return f"{base.rstrip('/')}{FEED_PATHS[feed].format(target)}?token={token}"


def feed_entity(conn: Connection, actor: Actor, code: str) -> dict[str, Any]:
    """The entity of an entity feed, if the actor may see it (else not found)."""
    row = conn.execute(select(_ENTITIES.c.code, _ENTITIES.c.name, _ENTITIES.c.department_code)
                       .where(_ENTITIES.c.code == code)).mappings().first()
    if row is None or not actor.sees_entity(row["code"], row["department_code"]):
        raise NotFound(f"No existe una entidad territorial con código DIVIPOLA '{code}'.", entity=code)
    return dict(row)


def create_token(conn: Connection, actor: Actor, *, plan_id: str | None = None, entity_code: str | None = None,
                 base: str = "") -> dict[str, Any]:
    """A new token of `actor` for one plan's feed or one entity's (exactly one of them), which the
    actor must see; its secret and URL are returned once."""
    if actor.role == OPERADOR:
        raise InvalidInput("Un enlace de calendario pertenece a un usuario: indique cuál con --as USUARIO.",
                           field="as")
    if (plan_id is None) == (entity_code is None):
        raise InvalidInput("Indique el plan o la entidad del calendario (uno de los dos).", field="plan")
    if plan_id is not None:
        feed, target = PLAN_FEED, visible_plan(actor, plan_record(conn, plan_id)).id
    else:
        feed, target = ENTITY_FEED, feed_entity(conn, actor, entity_code or "")["code"]
    token, now = secrets.token_urlsafe(32), datetime.now(timezone.utc)
    handle = secrets.token_hex(6)
    conn.execute(insert(_TOKENS).values(id=handle, token_hash=token_hash(token), username=actor.username, feed=feed,
                                        target=target, created_at=now))
    security_log.record(conn, "calendar_token_created", actor.username, at=now, detail=f"{feed} {target} ({handle})")
    return {**_shown(handle, actor.username, feed, target, now, None), "token": token,
            "url": feed_url(feed, target, token, base)}


def list_tokens(conn: Connection, actor: Actor) -> list[dict[str, Any]]:
    """The actor's tokens, newest first (an administrator's or the operator's: everyone's)."""
    query = select(_TOKENS).order_by(_TOKENS.c.created_at.desc(), _TOKENS.c.id)
    if actor.role not in USER_ADMINS:
        query = query.where(_TOKENS.c.username == actor.username)
    return [_shown(r["id"], r["username"], r["feed"], r["target"], r["created_at"], r["revoked_at"])
            for r in conn.execute(query).mappings()]


def revoke_token(conn: Connection, actor: Actor, handle: str) -> dict[str, Any]:
    """Revoke a token from now on; its row stays, to be listed. Only its owner or an
    administrator may: anyone else's token is not found. Revoking it again changes nothing."""
    row = conn.execute(select(_TOKENS).where(_TOKENS.c.id == handle)).mappings().first()
    if row is None or (actor.role not in USER_ADMINS and row["username"] != actor.username):
        raise NotFound(f"No existe un enlace de calendario '{handle}' suyo.", field="id")
    revoked = row["revoked_at"]
    if revoked is None:
        revoked = datetime.now(timezone.utc)
        conn.execute(update(_TOKENS).where(_TOKENS.c.id == handle).values(revoked_at=revoked))
        security_log.record(conn, "calendar_token_revoked", row["username"], at=revoked,
                            actor=actor.username if actor.username != row["username"] else None,
                            detail=f"{row['feed']} {row['target']} ({handle})")
    return _shown(handle, row["username"], row["feed"], row["target"], row["created_at"], revoked)


def token_owner(conn: Connection, token: FeedToken, feed: str, target: str) -> Actor:
    """The active owner of an unrevoked token for exactly this feed. Anything else is refused
    alike (401), before any plan is read: a wrong or revoked link learns nothing about what exists."""
    row = conn.execute(select(_USERS.c.username, _USERS.c.role, _USERS.c.entity_code)
                       .join(_TOKENS, _TOKENS.c.username == _USERS.c.username)
                       .where(_TOKENS.c.token_hash == token_hash(token.secret), _TOKENS.c.feed == feed,
                              _TOKENS.c.target == target, _TOKENS.c.revoked_at.is_(None), _USERS.c.active)).first()
    if row is None:
        raise Unauthorized("El enlace del calendario no es válido o fue revocado: pida uno nuevo.")
    return Actor(*row)


def _shown(handle: str, username: str, feed: str, target: str, created: datetime,
           revoked: datetime | None) -> dict[str, Any]:
    """A token as lists show it (never its secret nor its hash), with Colombia's times."""
    created, revoked = as_utc(created), as_utc(revoked) if revoked else None
    return {"id": handle, "username": username, "feed": feed, "target": target,
            "feed_label": f"{'del plan' if feed == PLAN_FEED else 'de la entidad'} {target}",
            "path": FEED_PATHS[feed].format(target), "created_at": created.isoformat(),
            "created": calendar.colombia_time(created), "revoked_at": revoked.isoformat() if revoked else None,
            "revoked": calendar.colombia_time(revoked) if revoked else None, "active": revoked is None}
