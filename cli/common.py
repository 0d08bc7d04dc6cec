"""What every `kpt` command shares: options, parsing with Spanish errors, the engine, output."""

import getpass
import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Connection, Engine

from kpt_workflow.law import calendar
from kpt_workflow.services.access import Actor, operator
from kpt_workflow.services.accounts import actor_named
from kpt_workflow.law.bounds import INTEGER_MAX, Whole
from kpt_workflow.base.config import Settings
from kpt_workflow.base.roles import OPERATOR_ACTOR
from kpt_workflow.storage.db import make_engine
from kpt_workflow.base.errors import InvalidInput, NotFound
from kpt_workflow.storage.migrate import require_current_schema

JsonOpt = Annotated[bool, typer.Option("--json", help="Imprime JSON.")]
FechaOpt = Annotated[str | None, typer.Option("--fecha", help="Fecha legal del acto (AAAA-MM-DD); por omisión, hoy.")]
HoyOpt = Annotated[str | None, typer.Option("--hoy", help="Día desde el que se cuentan los plazos (AAAA-MM-DD).")]
ActorOpt = Annotated[str | None, typer.Option("--as", "--como", help=(
    "Usuario que actúa (kpt user create): su rol y su entidad se verifican como en la API. Sin --as actúa el "
    "operador local, que ya tiene la base en sus manos; la auditoría lo registra como cli:<usuario del sistema>."))]
VersionOpt = Annotated[str | None, typer.Option("--version", help="Versión del plan que usted leyó (bloqueo optimista).")]
FlujoOpt = Annotated[str | None, typer.Option("--flujo", help=(
    "Nombre del flujo (kpt workflows los lista); por omisión, el predeterminado (default: true en su definición)."))]


def parse_date(text: str | None, field: str = "fecha") -> date | None:
    if text is None:
        return None
    try:
        return calendar.parse_iso_date(text)
    except ValueError as exc:
        raise InvalidInput(f"--{field}: {exc}", field=field) from exc


def parse_int(text: str | None, field: str, domain: Whole = Whole(0, INTEGER_MAX)) -> int | None:
    """ASCII digits only (str.isdigit() also passes "²", which int() refuses), within `domain`:
    by default what an INTEGER column stores; the service judges the value itself."""
    if text is None:
        return None
    try:
        return domain.digits(text.strip())
    except ValueError as exc:
        raise InvalidInput(f"--{field}: {exc}.", field=field) from None


def acting(conn: Connection, name: str | None) -> Actor:
    """`--as USUARIO`: an existing, active user, checked by the use-case like any other caller;
    without it, the local operator."""
    if name is None:
        return operator(f"{OPERATOR_ACTOR}:{getpass.getuser()}")
    found = actor_named(conn, name)
    if found is None:
        raise NotFound(f"--as: no existe un usuario activo '{name}' (créelo con kpt user create).", field="as")
    return found


def engine(*, creating: bool = False) -> Engine:
    """The engine of KPT_DATABASE_URL, its schema checked at once (migrate.require_current_schema);
    `creating` only for `kpt init`, which creates the database or upgrades it."""
    settings = Settings()
    made = make_engine(settings.database_url, settings.sqlite_busy_timeout_ms)
    return made if creating else require_current_schema(made)


def emit(data: Any, as_json: bool, text: str) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str) if as_json else text)


def read_text(path: Path) -> str:
    if not path.is_file():
        raise InvalidInput(f"No se encuentra el archivo '{path}'.", field="path")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"'{path}' no es texto UTF-8.", field="path") from exc
