"""`kpt audit …`: verify the hash chain, rebuild from the events, read a plan's history."""

from typing import Annotated

import typer

from kpt_workflow import audit, replay
from kpt_workflow.cli.common import JsonOpt, emit, engine
from kpt_workflow.render import render_events
from kpt_workflow.repository import plan_record
from kpt_workflow.unit_of_work import UnitOfWork

app = typer.Typer(help="Traza de auditoría encadenada.", no_args_is_help=True)


@app.command("verify")
def verify(as_json: JsonOpt = False) -> None:
    """Verifica la cadena de hashes; sale con error nombrando el primer evento alterado."""
    with UnitOfWork(engine()) as uow:
        report = audit.verify(uow.connection)
    text = (f"Cadena íntegra: {report.events} eventos; cabeza {report.head_hash}." if report.ok
            else f"Cadena ALTERADA: {report.problem}. Eventos válidos antes del daño: {report.events}.")
    emit(report.as_dict(), as_json, text)
    if not report.ok:
        raise typer.Exit(1)


@app.command("replay")
def replay_(check: Annotated[bool, typer.Option("--check", help="Sale con error si difiere de las tablas.")] = True,
            as_json: JsonOpt = False) -> None:
    """Reconstruye los planes solo desde los eventos y los compara con las tablas."""
    with UnitOfWork(engine()) as uow:
        found = replay.differences(uow.connection)
    emit({"ok": not found, "differences": found}, as_json,
         "Reconstrucción desde los eventos idéntica a las tablas." if not found
         else "Diferencias entre eventos y tablas:\n" + "\n".join(f"  - {d}" for d in found))
    if check and found:
        raise typer.Exit(1)


@app.command("log")
def log(plan_id: str, as_json: JsonOpt = False) -> None:
    """Historia de un plan: cada evento, también los intentos rechazados."""
    with UnitOfWork(engine()) as uow:
        plan_record(uow.connection, plan_id)
        events = [audit.event_view(e) for e in audit.plan_events(uow.connection, plan_id)]
    emit(events, as_json, render_events(events))
