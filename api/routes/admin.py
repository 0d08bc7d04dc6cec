"""The audit chain's verification status, the current user, and user management (admin)."""

from typing import Any

from fastapi import APIRouter

from api.deps import CurrentActor, RuntimeDep
from api.schemas import UserCreate
from kpt_workflow import audit
from kpt_workflow.access import require_role
from kpt_workflow.roles import ADMIN
from kpt_workflow.accounts import create_user
from kpt_workflow.unit_of_work import UnitOfWork

router = APIRouter(tags=["auditoría y usuarios"])


@router.get("/audit/verify", summary="Verificación de la cadena de auditoría")
def verify(rt: RuntimeDep, _: CurrentActor) -> dict[str, Any]:
    with UnitOfWork(rt.engine) as uow:
        return audit.verify(uow.connection).as_dict()


@router.get("/me", summary="El usuario de la sesión o del token")
def me(actor: CurrentActor) -> dict[str, Any]:
    return {"username": actor.username, "role": actor.role, "entity_code": actor.entity_code}


@router.post("/users", status_code=201, summary="Crear un usuario (administración); el token se entrega una vez")
def new_user(body: UserCreate, rt: RuntimeDep, actor: CurrentActor) -> dict[str, Any]:
    require_role(actor, (ADMIN,), "administrar usuarios")
    with UnitOfWork(rt.engine, write=True) as uow:
        user, token = create_user(uow.session, username=body.username, role=body.role,
                                  entity_code=body.entity_code, password=body.password)
        uow.commit()
    return {"username": user.username, "role": user.role, "entity_code": user.entity_code, "token": token}
