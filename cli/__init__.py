"""The `kpt` command: the same use-cases as the API, for planning offices and operators.

Every command that prints data takes --json; a refusal or bad input exits non-zero with a Spanish
message, never a traceback.
"""

import json
import sys
from typing import Any

import typer
# Typer vendors click since 0.2x; its exceptions are the ones raised (pinned in pyproject.toml).
from typer._click import exceptions as click

from cli import spanish_help  # noqa: F401  (Typer's own words in Spanish, set on import)
from cli import (alerts, amendments, audit, blobs, calendars, diagnostic, documents, operations, plan_indicativo, plans,
                 pnd, reference, reports, service, strategy, territory)
from cli.failures import as_refusal
from kpt_workflow.base.config import Settings
from kpt_workflow.base.errors import GuardFailed, KptError
from kpt_workflow.lifecycle.engine import use_definitions_from
from kpt_workflow.services.plan_indicativo import WorkbookRefused, refusal_line
from kpt_workflow.rules import rule_label

app = typer.Typer(help="kpt-workflow: ciclo de vida de los Planes de Desarrollo Territorial.", no_args_is_help=True,
                  add_completion=False)
app.add_typer(plans.app, name="plan")
plans.app.add_typer(diagnostic.app, name="diagnostic")
plans.app.add_typer(plan_indicativo.app, name="indicativo")
app.add_typer(documents.app, name="doc")
app.add_typer(strategy.strategy_app, name="strategy")
app.add_typer(strategy.investments_app, name="investments")
app.add_typer(audit.app, name="audit")
app.add_typer(amendments.app, name="amendments")
app.add_typer(calendars.app, name="calendar")
app.add_typer(alerts.app, name="alerts")
app.add_typer(blobs.app, name="blobs")
app.add_typer(reference.entities_app, name="entities")
app.add_typer(reference.indicators_app, name="indicators")
app.add_typer(territory.products_app, name="products")
app.add_typer(pnd.pnd_app, name="pnd")
app.add_typer(service.users_app, name="user")
app.command()(reference.init)
app.command()(service.serve)
app.command()(service.demo)
app.command()(reference.diagram)
app.command()(reference.workflows)
app.command()(reports.report)
app.command()(operations.backup)
app.command()(operations.restore)


@app.callback()
def _definitions() -> None:
    # Before any command: the workflows of KPT_DEFINITIONS_DIR besides the package's.
    use_definitions_from(Settings().definitions_dir)


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
        lines = [f"  {'✓' if o['passed'] else '✗'} {rule_label(str(o['rule']))}: {o['message']}"
                 + ("" if o["passed"] else f"\n      → {o['remedy']} ({o['basis']})") for o in exc.details["checklist"]]
        _fail(f"Rechazado [{exc.code}]: {exc.message}\n" + "\n".join(lines),
              {"code": exc.code, "detail": exc.message, **exc.details}, as_json)
    except WorkbookRefused as exc:
        _fail(f"Rechazado [{exc.code}]: {exc.message}\n" + "\n".join(f"  ✗ {refusal_line(r)}" for r in exc.details["rechazos"]),
              {"code": exc.code, "detail": exc.message, **exc.details}, as_json)
    except KptError as exc:
        _refuse(exc, as_json)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        _fail("Cancelado.", {"code": "aborted", "detail": "Cancelado."}, as_json)
    except click.ClickException as exc:
        _fail(_spanish_usage(exc), {"code": "usage", "detail": _spanish_usage(exc)}, as_json, code=2)
    except KeyboardInterrupt:
        _fail("Interrumpido por el usuario.",
              {"code": "interrumpido", "detail": "Interrumpido."}, as_json, code=130)
    except Exception as exc:  # the machine failed (disk, database, network) or a defect: never a traceback
        _refuse(as_refusal(exc), as_json, code=3)


def _refuse(exc: KptError, as_json: bool, code: int = 1) -> None:
    hint, cause = exc.details.get("hint"), exc.details.get("cause")
    _fail(f"Error [{exc.code}]: {exc.message}" + (f"\n  Causa: {cause}" if cause else "")
          + (f"\n  → {hint}" if hint else ""),
          {"code": exc.code, "detail": exc.message, **exc.details}, as_json, code)


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
