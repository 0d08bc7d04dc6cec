"""Dependencies every route states in its signature: the runtime, the acting user, and objects
loaded through the access policy (so a route cannot forget the check: a foreign plan is not found).

None does I/O on the event loop. `caller` only reads what the request presents; `Caller.access`
reads the actor and, on a plan's routes, the plan, on a connection it is given. A plain `def`
route gets that read from `_access`, in its own read transaction and one trip to the thread pool;
an `async def` route calls `Caller.access` inside the work it hands to the runtime's database
threads, so reading the access and making the change take one hand-off
(kpt_workflow/db_threads.py). The dependencies are `async def` because FastAPI sends a plain `def`
one to the thread pool, a trip that costs more than their work.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection

from api.runtime import Runtime
from kpt_workflow.access import Actor, visible_plan
from kpt_workflow.accounts import actor_for_token, actor_named
from kpt_workflow.errors import Unauthorized
from kpt_workflow.repository import PlanRecord, plan_record
from kpt_workflow.unit_of_work import UnitOfWork

SESSION_USER = "username"
bearer = HTTPBearer(auto_error=False, description="Token de API entregado por `kpt user create`.")


async def runtime(request: Request) -> Runtime:
    return _runtime_of(request)


def _runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(runtime)]


@dataclass(frozen=True)
class Access:
    """Who acts and, on a route under /plans/{plan_id}, that plan as the actor may see it."""

    actor: Actor
    plan: PlanRecord | None


@dataclass(frozen=True)
class Caller:
    """What the request presents to be let in: a bearer token (API) or a login session (pages)."""

    runtime: Runtime
    token: str | None
    session_user: str | None

    def access(self, conn: Connection, plan_id: str | None, *, for_update: bool = False) -> Access:
        """The actor, then the plan `plan_id` names, never before the actor (a caller without
        valid credentials learns nothing about which plans exist). Blocking: off the event loop.
        `for_update`: in the transaction of a change to the plan, which locks it now (and reads it
        once: see `recorder.DriverRecorder.plan_row`)."""
        if self.token is not None:
            actor = actor_for_token(conn, self.token)
        else:
            actor = actor_named(conn, self.session_user) if self.session_user is not None else None
        if actor is None:
            raise _unauthorized()
        return Access(actor, visible_plan(actor, plan_record(conn, plan_id, for_update=for_update))
                      if plan_id is not None else None)


def _unauthorized() -> Unauthorized:
    return Unauthorized("Falta un token válido (Authorization: Bearer …) o una sesión iniciada.")


async def caller(request: Request,
                 credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller:
    """A request that presents nothing is refused here, before its body is validated."""
    session_user = request.scope.get("session", {}).get(SESSION_USER)
    if credentials is None and session_user is None:
        raise _unauthorized()
    return Caller(_runtime_of(request), credentials.credentials if credentials is not None else None, session_user)


CallerDep = Annotated[Caller, Depends(caller)]


def _access(request: Request, presented: CallerDep) -> Access:
    with UnitOfWork(presented.runtime.engine) as uow:
        return presented.access(uow.connection, request.path_params.get("plan_id"))


AccessDep = Annotated[Access, Depends(_access)]


async def current_actor(access: AccessDep) -> Actor:
    return access.actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


async def plan_for_actor(plan_id: str, access: AccessDep) -> PlanRecord:
    """`plan_id` declares the path parameter; `_access` read the plan it names."""
    assert access.plan is not None  # read for every path with {plan_id}
    return access.plan


VisiblePlan = Annotated[PlanRecord, Depends(plan_for_actor)]
