"""`kpt plan …`: create a plan, read its status, attempt a step, list plans."""

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from kpt_workflow.law import calendar

from kpt_workflow import services
from cli.common import ActorOpt, FechaOpt, FlujoOpt, HoyOpt, JsonOpt, VersionOpt, acting, emit, engine, parse_date, parse_int
from cli.render import render_decision, render_plan_list, render_status
from kpt_workflow.base.config import Settings
from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.storage.blobs import BlobStore
from kpt_workflow.storage.repository import list_plans
from kpt_workflow.services import views
from kpt_workflow.services.evidence import VERIFIER, write_evidence_bundle
from kpt_workflow.storage.unit_of_work import UnitOfWork

app = typer.Typer(help="Planes: crear, consultar y avanzar.", no_args_is_help=True)


@app.command("create")
def create(entity_code: str,
           period: Annotated[str, typer.Option("--period", "--periodo", help="Año de inicio del período (2024, 2028, …).")],
           flujo: FlujoOpt = None, fecha: FechaOpt = None, who: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Crea el plan de una entidad para un período bajo un flujo; imprime su identificador."""
    with UnitOfWork(engine(), write=True) as uow:
        status = services.create_plan(uow, entity_code=entity_code, period=parse_int(period, "period"),
                                      actor=acting(uow.connection, who), legal_date=parse_date(fecha),
                                      workflow_name=flujo)
    emit(status, as_json, str(status["id"]))


@app.command("status")
def status(plan_id: str, hoy: HoyOpt = None,
           as_of: Annotated[str | None, typer.Option("--as-of", help="El plan como estaba ese día (AAAA-MM-DD).")] = None,
           as_json: JsonOpt = False) -> None:
    """Estado, versión, cada paso posible con su lista de requisitos, y los plazos legales."""
    today = parse_date(hoy, "hoy") or calendar.today_in_colombia()
    with UnitOfWork(engine()) as uow:
        result = views.status(uow, acting(uow.connection, None), plan_id, today, as_of=parse_date(as_of, "as-of"))
    emit(result, as_json, render_status(result))


@app.command("advance")
def advance(plan_id: str, trigger: str, who: ActorOpt = None, fecha: FechaOpt = None, version: VersionOpt = None,
            as_json: JsonOpt = False) -> None:
    """Intenta un paso; si falta algún requisito, lo rechaza, lo deja en la auditoría y sale con error."""
    with UnitOfWork(engine(), write=True) as uow:
        result = services.advance(uow, plan_id=plan_id, trigger=trigger, actor=acting(uow.connection, who),
                                  legal_date=parse_date(fecha), expected_version=parse_int(version, "version"))
    emit(result, as_json, render_decision(result))


@app.command("decide")
def decide(plan_id: str,
           decision: Annotated[str, typer.Argument(help=(
               "La decisión de la corporación que declara el flujo del plan; en el PDT: aprobar, "
               "aprobar_con_modificaciones, devolver o negar."))],
           numero: Annotated[str | None, typer.Option("--numero", help="Número del acto de la decisión.")] = None,
           fecha: FechaOpt = None,
           motivo: Annotated[str | None, typer.Option("--motivo", help="Motivos (al devolver o negar).")] = None,
           modificaciones: Annotated[str | None, typer.Option(
               "--modificaciones", help="Modificaciones que introdujo la corporación (al aprobar con modificaciones).")] = None,
           archivo: Annotated[Path | None, typer.Option("--archivo", help="El acto firmado (PDF).")] = None,
           who: ActorOpt = None, version: VersionOpt = None, as_json: JsonOpt = False) -> None:
    """Registra la decisión del concejo o la asamblea con su acto (número, fecha legal y archivo) y lo
    que su flujo exige (motivos, modificaciones); si falta un requisito, la rechaza, la deja en la
    auditoría y sale con error."""
    if archivo is not None and not archivo.is_file():
        raise InvalidInput(f"No se encuentra el archivo '{archivo}'.", field="archivo")
    with UnitOfWork(engine(), write=True) as uow:
        result = services.record_council_decision(
            uow, BlobStore(Settings().data_dir), plan_id=plan_id, decision=decision,
            actor=acting(uow.connection, who), legal_date=parse_date(fecha), number=numero,
            content=archivo.read_bytes() if archivo else None, filename=archivo.name if archivo else None,
            reasons=motivo, modifications=modificaciones, expected_version=parse_int(version, "version"))
    emit(result, as_json, render_decision(result))


@app.command("list")
def list_(departamento: Annotated[str | None, typer.Option(help="Código DIVIPOLA del departamento (2 dígitos).")] = None,
          estado: Annotated[str | None, typer.Option(help="Solo los planes en este estado.")] = None,
          as_json: JsonOpt = False) -> None:
    """Planes registrados, con su estado y versión."""
    with UnitOfWork(engine()) as uow:
        rows = list_plans(uow.connection, department_code=departamento, state=estado)
    emit(rows, as_json, render_plan_list(rows))


@app.command("bundle")
def bundle(plan_id: str,
           out: Annotated[Path, typer.Option("--out", "--salida", help="Archivo ZIP que se crea (no se sobrescribe).")],
           hoy: HoyOpt = None, who: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Paquete de evidencia para la corporación: el informe (PDF), cada documento radicado, los eventos del plan con
    el tramo de la cadena que los une a la cabeza firmada, el último punto de control y un verificador que lo prueba
    sin conexión (python verificar_paquete.py paquete.zip). Queda en el registro de seguridad."""
    if out.exists():
        raise InvalidInput(f"Ya existe '{out}': no se sobrescribe.", field="out")
    if not out.parent.is_dir():
        raise InvalidInput(f"No existe la carpeta '{out.parent}'.", field="out")
    today = parse_date(hoy, "hoy") or calendar.today_in_colombia()
    settings = Settings()
    handle, partial = tempfile.mkstemp(dir=out.parent, prefix=".paquete-", suffix=".zip")
    try:
        with os.fdopen(handle, "wb") as target:
            made = engine()
            with UnitOfWork(made) as uow:
                actor = acting(uow.connection, who)
            summary = write_evidence_bundle(made, BlobStore(settings.data_dir), actor, plan_id, today, target)
        os.replace(partial, out)
    finally:
        Path(partial).unlink(missing_ok=True)
    emit({**summary.as_dict(), "out": str(out)}, as_json,
         f"Paquete de evidencia en {out}: {summary.describe()}.\nVerifíquelo sin conexión: descomprima {VERIFIER} y "
         f"ejecute python {VERIFIER} {out.name}")
