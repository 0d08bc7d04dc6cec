"""Dependencies every route states in its signature: the runtime, the acting user, and objects
loaded through the access policy (so a route cannot forget the check: a foreign plan is not found)."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.runtime import Runtime
from kpt_workflow.access import Actor, visible_plan
from kpt_workflow.accounts import User, user_for_token
from kpt_workflow.errors import Unauthorized
from kpt_workflow.repository import PlanRecord, plan_record
from kpt_workflow.unit_of_work import UnitOfWork

SESSION_USER = "username"
_bearer = HTTPBearer(auto_error=False, description="Token de API entregado por `kpt user create`.")


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(runtime)]


def current_actor(request: Request, rt: RuntimeDep,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Actor:
    """A bearer token (API) or the login session (pages)."""
    with UnitOfWork(rt.engine) as uow:
        user: User | None = None
        if credentials is not None:
            user = user_for_token(uow.session, credentials.credentials)
        elif SESSION_USER in request.scope.get("session", {}):
            user = uow.session.get(User, request.session[SESSION_USER])
            user = user if user is not None and user.active else None
        if user is None:
            raise Unauthorized("Falta un token válido (Authorization: Bearer …) o una sesión iniciada.")
        return Actor(user.username, user.role, user.entity_code)


CurrentActor = Annotated[Actor, Depends(current_actor)]


def plan_for_actor(plan_id: str, actor: CurrentActor, rt: RuntimeDep) -> PlanRecord:
    with UnitOfWork(rt.engine) as uow:
        return visible_plan(actor, plan_record(uow.connection, plan_id))


VisiblePlan = Annotated[PlanRecord, Depends(plan_for_actor)]
