"""`kpt serve` (the API and pages under uvicorn) and `kpt user create`."""

from typing import Annotated

import typer

from kpt_workflow.accounts import ROLES, create_user
from kpt_workflow.cli.common import JsonOpt, emit, engine
from kpt_workflow.unit_of_work import UnitOfWork

users_app = typer.Typer(help="Usuarios y tokens de API.", no_args_is_help=True)


def serve(host: Annotated[str, typer.Option(help="Dirección en la que escucha.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Puerto.")] = 8000,
          workers: Annotated[int, typer.Option(help="Procesos de uvicorn (use PostgreSQL con más de uno).")] = 1) -> None:
    """Sirve la API (/api/v1, documentación en /docs) con uvicorn."""
    import uvicorn  # imported here: the other commands do not need the web stack

    typer.echo(f"kpt-workflow en http://{host}:{port}/  (API: /api/v1, documentación: /docs)")
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers)


@users_app.command("create")
def user_create(username: str,
                role: Annotated[str, typer.Option("--rol", help=f"Uno de: {', '.join(ROLES)}.")],
                entidad: Annotated[str | None, typer.Option("--entidad", help="Código DIVIPOLA de su entidad.")] = None,
                password: Annotated[str | None, typer.Option("--password", help="Para iniciar sesión en las páginas.")] = None,
                as_json: JsonOpt = False) -> None:
    """Crea un usuario e imprime su token de API (se muestra una sola vez)."""
    with UnitOfWork(engine(), write=True) as uow:
        user, token = create_user(uow.session, username=username, role=role, entity_code=entidad, password=password)
        uow.commit()
    emit({"username": user.username, "role": user.role, "entity_code": user.entity_code, "token": token}, as_json,
         f"Usuario {user.username} ({user.role}{', ' + user.entity_code if user.entity_code else ''}) creado.\n"
         f"Token de API (guárdelo; no se vuelve a mostrar):\n{token}")
