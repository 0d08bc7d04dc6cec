"""Dependencies every route states in its signature: the runtime and the acting user. What the
actor may see of a plan is decided by the use-case the route calls, in the transaction that reads
or changes it (kpt_workflow.services.views and the write use-cases): a foreign plan is not found.

None does I/O on the event loop. `Presented` only reads what the request presents; `Caller.access`
reads the actor (a token's user, or a login session's, in one statement) and, when asked, a plan,
on a connection it is given. A route gets the actor from `_access`, in a read transaction of its
own on the app's database threads (api/database_work.py), then makes its one service call there;
the step route calls `Caller.access` inside its own work instead, so reading the access and
making the change take one transaction and one hand-off (kpt_workflow/storage/db_threads.py). The
other dependencies are `async def` because FastAPI sends a plain `def` one to AnyIO's thread pool,
a trip that costs more than their work.
"""

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection

from api.database_work import reads_database
from api.runtime import Runtime
from kpt_workflow.services.access import Actor, visible_plan
from kpt_workflow.services import sessions
from kpt_workflow.services.accounts import actor_for_token
from kpt_workflow.services.feed_tokens import FeedToken
from kpt_workflow.base.errors import Unauthorized
from kpt_workflow.lifecycle.aggregate import PlanRecord
from kpt_workflow.storage.repository import plan_record
from kpt_workflow.services.throttle import Guards
from kpt_workflow.storage.unit_of_work import UnitOfWork

SESSION_ID = "sid"  # the signed cookie's only credential: a random id of a server-side login session
bearer = HTTPBearer(auto_error=False, description="Token de API entregado por `kpt user create`.")


async def runtime(request: Request) -> Runtime:
    return _runtime_of(request)


def _runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(runtime)]


async def guards(request: Request) -> Guards:
    """The process's rate limits, built with the app."""
    return request.app.state.guards


GuardsDep = Annotated[Guards, Depends(guards)]


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "desconocida"


@dataclass(frozen=True)
class Access:
    """Who acts and, on a route under /plans/{plan_id}, that plan as the actor may see it.
    `stale_session`: the login session's last_seen_at is due a write (`Caller.keep_alive`)."""

    actor: Actor
    plan: PlanRecord | None
    stale_session: bool = False


@dataclass(frozen=True)
class Caller:
    """What the request presents to be let in: a bearer token (API) or a login session (pages),
    the latter as the SHA-256 of the id its cookie holds."""

    runtime: Runtime
    token: str | None
    session: str | None

    def access(self, conn: Connection, plan_id: str | None, *, for_update: bool = False) -> Access:
        """The actor, then the plan `plan_id` names, never before the actor (a caller without
        valid credentials learns nothing about which plans exist). Blocking: off the event loop.
        `for_update`: in the transaction of a change to the plan, which locks it now (and reads it
        once: see `recorder.DriverRecorder.plan_row`); a stale session is touched in it too.
        Raises SessionExpired for an expired session: `read_access` records its end; in a step's
        write transaction, which the refusal rolls back, the session's next page request does."""
        stale = False
        if self.token is not None:
            actor = actor_for_token(conn, self.token)
        elif self.session is not None:
            now = datetime.now(timezone.utc)
            seen = sessions.actor_for_session(conn, self.session, sessions.Lifetime.from_settings(self.runtime.settings),
                                              now)
            actor, stale = (seen.actor, seen.stale) if seen is not None else (None, False)
            if stale and for_update:
                sessions.touch(conn, self.session, now)
                stale = False
        else:
            actor = None
        if actor is None:
            raise _unauthorized()
        return Access(actor, visible_plan(actor, plan_record(conn, plan_id, for_update=for_update))
                      if plan_id is not None else None, stale)

    def keep_alive(self) -> None:
        """Write the session's last_seen_at (at most once a minute: see `sessions.TOUCH_EVERY`)."""
        assert self.session is not None
        with UnitOfWork(self.runtime.engine, write=True) as uow:
            sessions.touch(uow.connection, self.session, datetime.now(timezone.utc))
            uow.commit()

    def end_expired(self) -> None:
        assert self.session is not None
        with UnitOfWork(self.runtime.engine, write=True) as uow:
            sessions.end(uow.connection, self.session, "session_expired", datetime.now(timezone.utc))
            uow.commit()

    def read_access(self, plan_id: str | None) -> Access:
        """`access` in a read transaction of its own, then what the session needs written."""
        try:
            with UnitOfWork(self.runtime.engine) as uow:
                found = self.access(uow.connection, plan_id)
        except sessions.SessionExpired:
            self.end_expired()
            raise
        if found.stale_session:
            self.keep_alive()
        return found


def _unauthorized() -> Unauthorized:
    return Unauthorized("Falta un token válido (Authorization: Bearer …) o una sesión iniciada.")


def session_of(request: Request) -> str | None:
    """The hash of the login session the request's cookie names, if any."""
    session_id = request.scope.get("session", {}).get(SESSION_ID)
    return sessions.session_hash(session_id) if isinstance(session_id, str) else None


class Presented(HTTPBearer):
    """The bearer scheme (OpenAPI declares it as it declares `bearer`) that also reads the login
    session: what a request presents, as one dependency. A dependency `caller(request,
    Depends(bearer))` made two, and FastAPI solves each on the event loop with a pass over its
    parameters: one fewer saves about 5 µs of ~120 of FastAPI's time per request (a route of the
    step's signature called in process, six rounds in turns, 2026-12-07)."""

    async def __call__(self, request: Request) -> Caller:  # type: ignore[override]
        """A request that presents nothing is refused here, before its body is validated."""
        credentials = await super().__call__(request)
        session = session_of(request)
        if credentials is None and session is None:
            raise _unauthorized()
        return Caller(_runtime_of(request), credentials.credentials if credentials is not None else None, session)


CallerDep = Annotated[Caller, Depends(Presented(auto_error=False, scheme_name=bearer.scheme_name,
                                                     description=bearer.model.description))]


@reads_database
def _access(presented: CallerDep) -> Access:
    """Who acts, in a read of its own; what they may see of a plan, the use-case they call decides
    in its own transaction (kpt_workflow.services.views, the write use-cases)."""
    return presented.read_access(None)


AccessDep = Annotated[Access, Depends(_access)]


async def current_actor(access: AccessDep) -> Actor:
    return access.actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


@reads_database
def _feed_reader(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
                 token: Annotated[str | None, Query(max_length=128, description=(
                     "Enlace de suscripción de un calendario (`kpt calendar token create`): una aplicación de "
                     "calendario no envía la cabecera Authorization."))] = None) -> Actor | FeedToken:
    """Who reads a calendar feed: the secret of its URL, which the feed's use-case checks against
    the feed it names (kpt_workflow.services.calendars), or the API's own credentials."""
    if token is not None:
        return FeedToken(token)
    session = session_of(request)
    if credentials is None and session is None:
        raise _unauthorized()
    return Caller(_runtime_of(request), credentials.credentials if credentials else None, session).read_access(None).actor


FeedReader = Annotated[Actor | FeedToken, Depends(_feed_reader)]
