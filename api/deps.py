"""Dependencies every route states in its signature: the runtime, the acting user, and objects
loaded through the access policy (so a route cannot forget the check: a foreign plan is not found).

Only `_access` does I/O: it reads the actor and, on a plan's routes, the plan, in one read
transaction. The others are `async def` because FastAPI sends a plain `def` dependency to the
thread pool, a trip that costs more than their work; so a request's dependencies take one trip
and one pooled connection.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.runtime import Runtime
from kpt_workflow.access import Actor, visible_plan
from kpt_workflow.accounts import actor_for_token, actor_named
from kpt_workflow.errors import Unauthorized
from kpt_workflow.repository import PlanRecord, plan_record
from kpt_workflow.unit_of_work import UnitOfWork

SESSION_USER = "username"
_bearer = HTTPBearer(auto_error=False, description="Token de API entregado por `kpt user create`.")


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


def _access(request: Request,
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Access:
    """A bearer token (API) or the login session (pages); then the path's plan, never before the
    actor (a caller without credentials learns nothing about which plans exist)."""
    plan_id = request.path_params.get("plan_id")
    with UnitOfWork(_runtime_of(request).engine) as uow:
        actor: Actor | None = None
        if credentials is not None:
            actor = actor_for_token(uow.connection, credentials.credentials)
        elif SESSION_USER in request.scope.get("session", {}):
            actor = actor_named(uow.connection, request.session[SESSION_USER])
        if actor is None:
            raise Unauthorized("Falta un token válido (Authorization: Bearer …) o una sesión iniciada.")
        plan = visible_plan(actor, plan_record(uow.connection, plan_id)) if plan_id is not None else None
    return Access(actor, plan)


AccessDep = Annotated[Access, Depends(_access)]


async def current_actor(access: AccessDep) -> Actor:
    return access.actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


async def plan_for_actor(plan_id: str, access: AccessDep) -> PlanRecord:
    """`plan_id` declares the path parameter; `_access` read the plan it names."""
    assert access.plan is not None  # read for every path with {plan_id}
    return access.plan


VisiblePlan = Annotated[PlanRecord, Depends(plan_for_actor)]
