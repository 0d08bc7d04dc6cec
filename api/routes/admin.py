"""The audit chain's verification, the current user, and user management (admin)."""

from typing import Any

from fastapi import APIRouter, Request

from api.database_work import on_database, reads_database
from api.deps import CurrentActor, GuardsDep, RuntimeDep, client_address
from api.schemas import UserCreate
from kpt_workflow.services.verification import verify_on_request
from kpt_workflow.services.accounts import add_user, deactivate_user, rotate_token
from kpt_workflow.storage.unit_of_work import UnitOfWork

router = APIRouter(tags=["auditoría y usuarios"])


@router.get("/audit/verify", summary="Verificación de la cadena de auditoría (DNP y administración)",
            responses={429: {"description": "Demasiadas verificaciones seguidas (ver Retry-After)"}})
@reads_database
def verify(rt: RuntimeDep, actor: CurrentActor, guards: GuardsDep, completa: bool = False) -> Any:
    """From where the chain was last found intact, unless `completa` (then from the genesis).
    Rate limited: a whole walk per minute per process, a few incremental ones per user."""
    return verify_on_request(rt.engine, guards, actor, whole=completa).as_dict()


@router.get("/me", summary="El usuario de la sesión o del token")
async def me(actor: CurrentActor) -> dict[str, Any]:
    return {"username": actor.username, "role": actor.role, "entity_code": actor.entity_code}


@router.post("/users", status_code=201, summary="Crear un usuario (administración); el token se entrega una vez")
@on_database
def new_user(body: UserCreate, rt: RuntimeDep, actor: CurrentActor) -> dict[str, Any]:
    with UnitOfWork(rt.engine, write=True) as uow:
        user, token = add_user(uow.session, actor, username=body.username, role=body.role,
                                  entity_code=body.entity_code, password=body.password, email=body.email)
        uow.commit()
    return {"username": user.username, "role": user.role, "entity_code": user.entity_code, "email": user.email,
            "token": token}


@router.post("/users/{username}/deactivate", summary="Desactivar un usuario (administración): sus sesiones y "
                                                     "tokens dejan de servir en la siguiente solicitud")
@on_database
def deactivate(username: str, request: Request, rt: RuntimeDep, actor: CurrentActor) -> dict[str, Any]:
    with UnitOfWork(rt.engine, write=True) as uow:
        deactivate_user(uow.connection, username, actor=actor, client_address=client_address(request))
        uow.commit()
    return {"username": username, "active": False}


@router.post("/users/{username}/token", status_code=201,
             summary="Renovar el token de API de un usuario (administración); los anteriores dejan de servir")
@on_database
def new_token(username: str, request: Request, rt: RuntimeDep, actor: CurrentActor) -> dict[str, Any]:
    with UnitOfWork(rt.engine, write=True) as uow:
        token = rotate_token(uow.connection, username, actor=actor, client_address=client_address(request))
        uow.commit()
    return {"username": username, "token": token}
