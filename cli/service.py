"""`kpt serve` (the API and pages under uvicorn), `kpt user …` (create, deactivate, token rotate) and `kpt demo`."""

import sys
import time
from typing import Annotated

import typer
from sqlmodel import select

from kpt_workflow.services.accounts import add_user, deactivate_user, rotate_token
from kpt_workflow.base.roles import ROLES
from kpt_workflow.storage.blobs import BlobStore
from kpt_workflow.services.bootstrap import init_database
from kpt_workflow.services.access import role_names
from cli.common import ActorOpt, JsonOpt, acting, emit, engine
from kpt_workflow.base.config import Settings
from kpt_workflow.storage.db import make_engine
from kpt_workflow.services.demo import run_demo
from kpt_workflow.storage.tables import Entity
from kpt_workflow.storage.unit_of_work import UnitOfWork
from kpt_workflow.base.figures import amount, number
from kpt_workflow.lifecycle.engine import default_workflow

users_app = typer.Typer(help="Usuarios y tokens de API.", no_args_is_help=True)
tokens_app = typer.Typer(help="Tokens de API de un usuario.", no_args_is_help=True)
users_app.add_typer(tokens_app, name="token")


def serve(host: Annotated[str, typer.Option(help="Dirección en la que escucha.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Puerto.")] = 8000,
          workers: Annotated[int, typer.Option(help="Procesos de uvicorn (use PostgreSQL con más de uno).")] = 1) -> None:
    """Sirve la API (/api/v1, documentación en /docs) con uvicorn."""
    import uvicorn  # imported here: the other commands do not need the web stack

    from api.serving import APP_FACTORY, uvicorn_options

    engine().dispose()  # the schema checked here, so that a wrong one is refused in Spanish, not in uvicorn's log
    typer.echo(f"kpt-workflow en http://{host}:{port}/  (API: /api/v1, documentación: /docs)")
    uvicorn.run(APP_FACTORY, host=host, port=port, workers=workers, **uvicorn_options())


@users_app.command("create")
def user_create(username: str,
                role: Annotated[str, typer.Option("--rol", help=f"Uno de: {', '.join(ROLES)}.")],
                entidad: Annotated[str | None, typer.Option("--entidad", help="Código DIVIPOLA de su entidad.")] = None,
                password: Annotated[str | None, typer.Option("--password", help="Para iniciar sesión en las páginas.")] = None,
                correo: Annotated[str | None, typer.Option("--correo", help=(
                    "Correo al que la bandeja de salida envía los avisos de plazos (kpt alerts)."))] = None,
                as_json: JsonOpt = False) -> None:
    """Crea un usuario e imprime su token de API (se muestra una sola vez)."""
    with UnitOfWork(engine(), write=True) as uow:
        user, token = add_user(uow.session, acting(uow.connection, None), username=username, role=role,
                               entity_code=entidad, password=password, email=correo)
        uow.commit()
    emit({"username": user.username, "role": user.role, "entity_code": user.entity_code, "email": user.email,
          "token": token}, as_json,
         f"Usuario {user.username} ({role_names((user.role,))}{', ' + user.entity_code if user.entity_code else ''}) creado.\n"
         f"Token de API (guárdelo; no se vuelve a mostrar):\n{token}")


@users_app.command("deactivate")
def user_deactivate(username: str, as_: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Desactiva un usuario: sus sesiones y tokens dejan de servir desde la siguiente solicitud."""
    with UnitOfWork(engine(), write=True) as uow:
        deactivate_user(uow.connection, username, actor=acting(uow.connection, as_))
        uow.commit()
    emit({"username": username, "active": False}, as_json,
         f"Usuario {username} desactivado: sus sesiones y tokens ya no sirven.")


@tokens_app.command("rotate")
def token_rotate(username: str, as_: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Entrega un token de API nuevo (se muestra una sola vez); los anteriores dejan de servir."""
    with UnitOfWork(engine(), write=True) as uow:
        token = rotate_token(uow.connection, username, actor=acting(uow.connection, as_))
        uow.commit()
    emit({"username": username, "token": token}, as_json,
         f"Token de API nuevo de {username} (guárdelo; no se vuelve a mostrar; los anteriores ya no sirven):\n{token}")


def demo(seed: Annotated[int, typer.Option(help="Semilla: la misma semilla da los mismos datos.")] = 2024,
         as_json: JsonOpt = False) -> None:
    """Llena la base con un ciclo 2024 SINTÉTICO de todo el país, a través del motor real."""
    settings = Settings()
    bulk = make_engine(settings.database_url, settings.sqlite_busy_timeout_ms, bulk_load=True)
    init_database(bulk)
    with UnitOfWork(bulk) as uow:
        total = len(list(uow.session.exec(select(Entity.code).where(Entity.plans_own_pdt))))
    started = time.perf_counter()
    with typer.progressbar(length=total, label="Demostración sintética", file=sys.stderr) as bar:
        summary = run_demo(bulk, BlobStore(settings.data_dir), seed, bar.update)
    result = {**summary.as_dict(), "seed": seed, "seconds": round(time.perf_counter() - started, 1)}
    flow = default_workflow()  # the demo's plans are the PDT's
    states = "; ".join(f"{flow.state(state).label}: {number(n)}" for state, n in result["states"].items())
    emit(result, as_json, f"Demostración SINTÉTICA lista en {result['seconds']} s: {amount(summary.plans, 'plan', 'planes')}, "
                          f"{amount(summary.actions, 'acto')} ({amount(summary.refused, 'intento rechazado', 'intentos rechazados')}). Estados: {states}.")
