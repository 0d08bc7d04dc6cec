"""`kpt audit …`: verify the hash chain, rebuild from the events, read a plan's history and the
security log."""

import getpass
import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from kpt_workflow.audit.verify import verify as verify_chain
from kpt_workflow.storage import event_log
from kpt_workflow.audit import replay

from kpt_workflow.audit import security_log
from kpt_workflow.storage.blobs import BlobStore
from kpt_workflow.audit.checkpoints import check_checkpoint, describe_rebaseline, generate_keys, make_checkpoint, make_rebaseline
from cli.blobs import check_documents, documents_text
from cli.common import JsonOpt, emit, engine, read_text
from kpt_workflow.base.config import Settings
from kpt_workflow.base.errors import InvalidInput
from cli.render import render_history
from kpt_workflow.lifecycle.engine import workflow
from kpt_workflow.services.accounts import roles_of
from kpt_workflow.services.labels import history_entry
from kpt_workflow.storage.repository import plan_record
from kpt_workflow.storage.unit_of_work import UnitOfWork
from kpt_workflow.base.figures import amount
from kpt_workflow.law.calendar import COLOMBIA

app = typer.Typer(help="Traza de auditoría encadenada.", no_args_is_help=True)


@app.command("verify")
def verify(checkpoint: Annotated[Path | None, typer.Option("--checkpoint", help="Punto de control firmado (JSON).")] = None,
           public_key: Annotated[Path | None, typer.Option("--public-key", help="Llave pública Ed25519 (PEM).")] = None,
           workers: Annotated[int, typer.Option("--workers", min=1, help="Procesos para un registro grande "
                                                "(por omisión, uno por núcleo).")] = os.cpu_count() or 1,
           sin_documentos: Annotated[bool, typer.Option("--sin-documentos", help="No vuelve a calcular la huella de "
                                                        "los archivos de los documentos.")] = False,
           sin_proyecciones: Annotated[bool, typer.Option("--sin-proyecciones", help="No compara las tablas (planes, "
                                                          "documentos, estrategia) con lo que dicen los eventos.")] = False,
           as_json: JsonOpt = False) -> None:
    """Verifica la cadena de hashes (y, con un punto de control firmado, que no se truncó ni reescribió); salvo con
    --sin-proyecciones, que cada fila de las tablas guarda, en su forma canónica, lo que dicen sus eventos (lo mismo
    que `kpt audit replay --check`); y, salvo con --sin-documentos, que cada archivo radicado conserva su huella
    SHA-256 y que el almacén no guarda otros."""
    with UnitOfWork(engine()) as uow:
        report = verify_chain(uow.connection, workers=workers)
        verdict = None
        if checkpoint is not None:
            if public_key is None:
                raise InvalidInput("--checkpoint necesita --public-key.", field="public-key")
            verdict = check_checkpoint(uow.connection, _read_checkpoint(checkpoint), public_key)
        # Replay folds the events onto each other: only over a chain found intact.
        differences = None if sin_proyecciones or not report.ok else replay.differences(uow.connection)
    documents = None if sin_documentos else check_documents(BlobStore(Settings().data_dir), progress=not as_json)
    ok = (report.ok and (verdict is None or verdict.problem is None) and not differences
          and (documents is None or documents.ok))
    text = (f"Cadena íntegra: {amount(report.events, 'evento')}; cabeza {report.head_hash}." if report.ok
            else f"Cadena ALTERADA: {report.problem}. Eventos válidos antes del daño: {report.events}.")
    if verdict is not None:
        text += " Punto de control: " + (f"FALLA: {verdict.problem}." if verdict.problem
                                         else f"SUPERADO: {verdict.superseded}." if verdict.superseded
                                         else "la cadena lo extiende.")
    text += "\n" + ("Tablas: no comparadas con los eventos." if differences is None
                    else "Tablas: idénticas a lo que dicen los eventos." if not differences
                    else "Tablas DISTINTAS de lo que dicen los eventos:\n" + "\n".join(f"  - {d}" for d in differences))
    text += "\n" + ("Documentos: no verificados (--sin-documentos)." if documents is None else documents_text(documents))
    emit({**report.as_dict(), "ok": ok, "checkpoint_problem": verdict and verdict.problem,
          "checkpoint_superseded": verdict and verdict.superseded, "projection_differences": differences,
          "documents": None if documents is None else documents.as_dict()}, as_json, text)
    if not ok:
        raise typer.Exit(1)


def _read_checkpoint(path: Path) -> dict[str, object]:
    try:
        signed = json.loads(read_text(path))
    except ValueError as exc:
        raise InvalidInput(f"'{path}' no es un punto de control (JSON).", field="checkpoint") from exc
    if not isinstance(signed, dict) or not isinstance(signed.get("size"), int):
        raise InvalidInput(f"'{path}' no es un punto de control: falta su tamaño.", field="checkpoint")
    return signed


@app.command("keygen")
def keygen(out: Annotated[Path, typer.Option("--out", help="Carpeta para el par de llaves.")]) -> None:
    """Crea el par de llaves Ed25519 para firmar puntos de control (guárdelas fuera de la base)."""
    private, public = generate_keys(out)
    typer.echo(f"Llave privada: {private} (no la comparta)\nLlave pública: {public}")


@app.command("checkpoint")
def checkpoint(key: Annotated[Path, typer.Option("--key", help="Llave privada Ed25519 (PEM).")],
               as_json: JsonOpt = False) -> None:
    """Firma el tamaño y la cabeza actuales de la cadena: un punto de control para entregar a terceros. Queda
    guardado en la base con su llave pública, y los paquetes de evidencia (kpt plan bundle) llevan el último."""
    with UnitOfWork(engine(), write=True) as uow:
        signed = make_checkpoint(uow.connection, key, f"cli:{getpass.getuser()}")
        uow.commit()
    emit(signed, as_json, json.dumps(signed, ensure_ascii=False))


@app.command("rebaseline")
def rebaseline(motivo: Annotated[str, typer.Option("--motivo", help="Por qué la cadena continúa desde su cabeza actual "
                                                   "(p. ej. la restauración de un respaldo).")],
               key: Annotated[Path, typer.Option("--key", help="Llave privada Ed25519 (PEM) de los puntos de control.")],
               as_json: JsonOpt = False) -> None:
    """Firma y registra que la cadena continúa desde su cabeza actual (tras restaurar un respaldo): los puntos de
    control firmados antes, más allá de esa cabeza, se informan como superados por esta línea base."""
    with UnitOfWork(engine(), write=True) as uow:
        record = make_rebaseline(uow.connection, key, motivo, f"cli:{getpass.getuser()}")
        uow.commit()
    emit(record, as_json, f"Registrada la {describe_rebaseline(record)}.")


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
        plan = plan_record(uow.connection, plan_id)
        events = [event_log.event_view(e) for e in event_log.plan_events(uow.connection, plan_id)]
        roles = roles_of(uow.connection, {e["actor"] for e in events})
    flow = workflow(plan.definition_name, plan.definition_version)
    emit(events, as_json, render_history([history_entry(e, flow, plan.entity_kind, roles) for e in events]))


@app.command("security")
def security(usuario: Annotated[str | None, typer.Option("--usuario", help="Solo los eventos de este usuario.")] = None,
             limite: Annotated[int, typer.Option("--limite", min=1, help="Cuántos eventos, los más recientes.")] = 100,
             as_json: JsonOpt = False) -> None:
    """Registro de seguridad: ingresos, salidas, intentos frenados y cambios de cuentas (hora de Colombia)."""
    with UnitOfWork(engine()) as uow:
        events = security_log.recent(uow.connection, usuario, limite)
    emit([{**event, "occurred_at": event["occurred_at"].isoformat()} for event in events], as_json,
         "\n".join(map(_security_line, events)) or "Sin eventos de seguridad.")


def _security_line(event: dict[str, Any]) -> str:
    when = event["occurred_at"].astimezone(COLOMBIA).strftime("%Y-%m-%d %H:%M:%S")
    by = f" por {event['actor']}" if event["actor"] else ""
    where = f" desde {event['client_address']}" if event["client_address"] else ""
    what = f" — {event['detail']}" if event["detail"] else ""
    return f"{when}  {security_log.LABELS[event['kind']]}: {event['username']}{by}{where}{what}"
