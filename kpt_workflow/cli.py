"""The `kpt` command: the same use-cases as the API, for planning offices and operators.

Every command that prints data takes --json; a refusal or bad input exits non-zero with a Spanish
message, never a traceback.
"""

import getpass
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
# Typer vendors click since 0.2x; its exceptions are the ones raised (pinned in pyproject.toml).
from typer._click import exceptions as click

from kpt_workflow import audit, calendar, replay, services
from kpt_workflow.blobs import BlobStore
from kpt_workflow.bootstrap import init_database
from kpt_workflow.config import Settings
from kpt_workflow.db import make_engine
from kpt_workflow.diagram import mermaid
from kpt_workflow.engine import workflow
from kpt_workflow.errors import GuardFailed, InvalidInput, KptError
from kpt_workflow.facts import JUSTIFIED_ABSENCE, WITHDRAWN
from kpt_workflow.render import render_events, render_status
from kpt_workflow.repository import get_plan
from kpt_workflow.status import plan_status
from kpt_workflow.unit_of_work import UnitOfWork
from kpt_workflow.words import KIND_PLURALS

app = typer.Typer(help="kpt-workflow: ciclo de vida de los Planes de Desarrollo Territorial.", no_args_is_help=True,
                  add_completion=False)
plan_app = typer.Typer(help="Planes: crear, consultar y avanzar.", no_args_is_help=True)
doc_app = typer.Typer(help="Documentos de un plan: radicar, justificar ausencia, retirar.", no_args_is_help=True)
audit_app = typer.Typer(help="Traza de auditoría encadenada.", no_args_is_help=True)
entities_app = typer.Typer(help="Registro de entidades territoriales (DIVIPOLA).", no_args_is_help=True)
app.add_typer(plan_app, name="plan")
app.add_typer(doc_app, name="doc")
app.add_typer(audit_app, name="audit")
app.add_typer(entities_app, name="entities")


def _date(text: str | None, field: str = "fecha") -> date | None:
    if text is None:
        return None
    try:
        return calendar.parse_iso_date(text)
    except ValueError as exc:
        raise InvalidInput(f"--{field}: {exc}", field=field) from exc


def _int(text: str | None, field: str) -> int | None:
    if text is None:
        return None
    if not text.strip().isdigit():
        raise InvalidInput(f"--{field}: '{text}' no es un número entero.", field=field)
    return int(text)


JsonOpt = Annotated[bool, typer.Option("--json", help="Imprime JSON.")]
FechaOpt = Annotated[str | None, typer.Option("--fecha", help="Fecha legal del acto (AAAA-MM-DD); por omisión, hoy.")]
HoyOpt = Annotated[str | None, typer.Option("--hoy", help="Día desde el que se cuentan los plazos (AAAA-MM-DD).")]
ActorOpt = Annotated[str | None, typer.Option("--as", help="Quién actúa (queda en la auditoría).")]


def _actor(actor: str | None) -> str:
    return actor or f"cli:{getpass.getuser()}"


def _engine():  # type: ignore[no-untyped-def]
    settings = Settings()
    return make_engine(settings.database_url, settings.sqlite_busy_timeout_ms)


def _emit(data: Any, as_json: bool, text: str) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str) if as_json else text)


@app.command()
def init(divipola: Annotated[Path | None, typer.Option(help="Archivo DIVIPOLA más reciente (mismas columnas).")] = None,
         as_json: JsonOpt = False) -> None:
    """Crea o actualiza el esquema (Alembic) y carga el registro territorial DIVIPOLA."""
    result = init_database(_engine(), divipola) if divipola else init_database(_engine())
    kinds = ", ".join(f"{n} {KIND_PLURALS.get(k, k)}" for k, n in result["by_kind"].items())
    _emit(result, as_json, f"Base de datos lista. Registro {result['source']}: {kinds}; "
                           f"{result['planning_entities']} entidades formulan PDT "
                           f"({result['added']} nuevas, {result['updated']} actualizadas).")


@plan_app.command("create")
def plan_create(entity_code: str, period: Annotated[str, typer.Option("--period", help="Año de inicio del período (2024, 2028, …).")],
                fecha: FechaOpt = None, actor: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Crea el plan de una entidad para un período; imprime su identificador."""
    with UnitOfWork(_engine(), write=True) as uow:
        status = services.create_plan(uow, entity_code=entity_code, period=_int(period, "period"), actor=_actor(actor),
                                      legal_date=_date(fecha))
    _emit(status, as_json, str(status["id"]))


@plan_app.command("status")
def plan_status_command(plan_id: str, hoy: HoyOpt = None, as_json: JsonOpt = False) -> None:
    """Estado, versión, cada paso posible con su lista de requisitos, y los plazos legales."""
    today = _date(hoy, "hoy") or calendar.today_in_colombia()
    with UnitOfWork(_engine()) as uow:
        status = plan_status(uow.session, get_plan(uow.session, plan_id), today)
    _emit(status, as_json, render_status(status))


@plan_app.command("advance")
def plan_advance(plan_id: str, trigger: str, actor: ActorOpt = None, fecha: FechaOpt = None,
                 version: Annotated[str | None, typer.Option(help="Versión leída (bloqueo optimista).")] = None,
                 as_json: JsonOpt = False) -> None:
    """Intenta un paso; si falta algún requisito, lo rechaza, lo deja en la auditoría y sale con error."""
    with UnitOfWork(_engine(), write=True) as uow:
        result = services.advance(uow, plan_id=plan_id, trigger=trigger, actor=_actor(actor),
                                  legal_date=_date(fecha), expected_version=_int(version, "version"))
    _emit(result, as_json, f"Paso '{trigger}' aplicado: {result['from']} → {result['to']} (versión {result['version']}).")


def _file(plan_id: str, filing: services.Filing, actor: str | None, as_json: bool) -> None:
    settings = Settings()
    with UnitOfWork(_engine(), write=True) as uow:
        result = services.file_document(uow, BlobStore(settings.data_dir), plan_id=plan_id, filing=filing,
                                        actor=_actor(actor))
    _emit(result, as_json, f"{result['doc_type']} v{result['version']} ({result['status']}) registrado en {plan_id} "
                           f"con fecha legal {result['legal_date']}.")


@doc_app.command("file")
def doc_file(plan_id: str, doc_type: str, path: Path, fecha: FechaOpt = None,
             numero: Annotated[str | None, typer.Option("--numero", help="Número del acto o radicado.")] = None,
             actor: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Radica una nueva versión de un documento (PDF, XLSX, DOCX o CSV)."""
    if not path.is_file():
        raise InvalidInput(f"No se encuentra el archivo '{path}'.", field="path")
    filing = services.Filing(doc_type=doc_type, content=path.read_bytes(), filename=path.name,
                             legal_date=_date(fecha), number=numero)
    _file(plan_id, filing, actor, as_json)


@doc_app.command("justify")
def doc_justify(plan_id: str, doc_type: str, motivo: Annotated[str, typer.Option("--motivo", help="Por qué no existe.")],
                fecha: FechaOpt = None, actor: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Registra la ausencia justificada de un formato de empalme."""
    _file(plan_id, services.Filing(doc_type=doc_type, status=JUSTIFIED_ABSENCE, note=motivo, legal_date=_date(fecha)),
          actor, as_json)


@doc_app.command("withdraw")
def doc_withdraw(plan_id: str, doc_type: str, motivo: Annotated[str | None, typer.Option("--motivo")] = None,
                 fecha: FechaOpt = None, actor: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Retira la versión vigente (queda como nueva versión 'retirado'; nada se borra)."""
    _file(plan_id, services.Filing(doc_type=doc_type, status=WITHDRAWN, note=motivo, legal_date=_date(fecha)),
          actor, as_json)


@audit_app.command("verify")
def audit_verify(as_json: JsonOpt = False) -> None:
    """Verifica la cadena de hashes; sale con error nombrando el primer evento alterado."""
    with UnitOfWork(_engine()) as uow:
        report = audit.verify(uow.session)
    text = (f"Cadena íntegra: {report.events} eventos; cabeza {report.head_hash}." if report.ok
            else f"Cadena ALTERADA: {report.problem}. Eventos válidos antes del daño: {report.events}.")
    _emit(report.as_dict(), as_json, text)
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("replay")
def audit_replay(check: Annotated[bool, typer.Option("--check", help="Compara con las tablas.")] = True,
                 as_json: JsonOpt = False) -> None:
    """Reconstruye los planes solo desde los eventos y los compara con las tablas."""
    with UnitOfWork(_engine()) as uow:
        found = replay.differences(uow.session)
    result = {"ok": not found, "differences": found}
    _emit(result, as_json, "Reconstrucción desde los eventos idéntica a las tablas." if not found
          else "Diferencias entre eventos y tablas:\n" + "\n".join(f"  - {d}" for d in found))
    if check and found:
        raise typer.Exit(1)


@audit_app.command("log")
def audit_log(plan_id: str, as_json: JsonOpt = False) -> None:
    """Historia de un plan: cada evento, también los intentos rechazados."""
    with UnitOfWork(_engine()) as uow:
        get_plan(uow.session, plan_id)
        events = [audit.event_view(e) for e in audit.plan_events(uow.session, plan_id)]
    _emit(events, as_json, render_events(events))


@entities_app.command("import")
def entities_import(path: Path, as_json: JsonOpt = False) -> None:
    """Actualiza el registro desde un archivo DIVIPOLA más reciente (no borra códigos)."""
    init(divipola=path, as_json=as_json)


@app.command()
def diagram(definition: Annotated[str, typer.Option(help="Nombre de la definición.")] = "pdt") -> None:
    """Diagrama Mermaid del ciclo de vida, generado de la definición, con las reglas en cada paso."""
    typer.echo(mermaid(workflow(definition).definition), nl=False)


def _fail(message: str, payload: dict[str, Any], as_json: bool, code: int = 1) -> None:
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    typer.echo(message, err=True)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI, turning every refusal into a Spanish message and a non-zero exit."""
    args = sys.argv[1:] if argv is None else argv
    as_json = "--json" in args
    try:
        # Outside standalone mode click returns typer.Exit's code instead of exiting.
        exit_code = app(args=args, prog_name="kpt", standalone_mode=False)
        if isinstance(exit_code, int) and exit_code:
            sys.exit(exit_code)
    except GuardFailed as exc:
        lines = [f"  {'✓' if o['passed'] else '✗'} {o['rule']}: {o['message']}"
                 + ("" if o["passed"] else f"\n      → {o['remedy']} ({o['basis']})") for o in exc.details["checklist"]]
        _fail(f"Rechazado [{exc.code}]: {exc.message}\n" + "\n".join(lines),
              {"code": exc.code, "detail": exc.message, **exc.details}, as_json)
    except KptError as exc:
        _fail(f"Error [{exc.code}]: {exc.message}", {"code": exc.code, "detail": exc.message, **exc.details}, as_json)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        _fail("Cancelado.", {"code": "aborted", "detail": "Cancelado."}, as_json)
    except click.ClickException as exc:
        _fail(_spanish_usage(exc), {"code": "usage", "detail": _spanish_usage(exc)}, as_json, code=2)


def _spanish_usage(exc: click.ClickException) -> str:
    if isinstance(exc, click.MissingParameter):
        name = exc.param.name if exc.param is not None else "un parámetro"
        return f"Falta el parámetro '{name}'. Vea 'kpt COMANDO --help'."
    if isinstance(exc, click.BadParameter):
        return f"Valor inválido para {exc.param_hint}: {exc.message}"
    if isinstance(exc, click.NoSuchOption):
        return f"Opción desconocida '{exc.option_name}'. Vea 'kpt --help'."
    if exc.format_message().startswith("No such command"):
        return f"Comando desconocido: {exc.format_message().split(' ', 3)[-1]} Vea 'kpt --help'."
    return f"Uso incorrecto: {exc.format_message()} Vea 'kpt --help'."
