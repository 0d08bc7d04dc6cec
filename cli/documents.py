"""`kpt doc …`: file a document version, justify an absence, withdraw, list the catalog."""

from pathlib import Path
from typing import Annotated

import typer

from kpt_workflow import services
from kpt_workflow.storage.blobs import BlobStore
from cli.common import ActorOpt, FechaOpt, FlujoOpt, JsonOpt, VersionOpt, acting, emit, engine, parse_date, parse_int
from kpt_workflow.base.config import Settings
from kpt_workflow.lifecycle.engine import chosen_workflow
from kpt_workflow.lifecycle.requirements import document_requirements
from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.law.facts import JUSTIFIED_ABSENCE, WITHDRAWN
from kpt_workflow.storage.unit_of_work import UnitOfWork
from kpt_workflow.base.figures import amount
from kpt_workflow.law.calendar import table_date
from kpt_workflow.services.labels import status_label

app = typer.Typer(help="Documentos de un plan: radicar, justificar ausencia, retirar.", no_args_is_help=True)


def _file(plan_id: str, filing: services.Filing, who: str | None, version: str | None, as_json: bool) -> None:
    with UnitOfWork(engine(), write=True) as uow:
        result = services.file_document(uow, BlobStore(Settings().data_dir), plan_id=plan_id, filing=filing,
                                        actor=acting(uow.connection, who), expected_version=parse_int(version, "version"))
    late = "".join(f" Radicado TARDE: el plazo «{label}» vencía el {table_date(d['date'])} ({amount(d['days_late'], 'día')} tarde)."
                   for d, label in zip(result["late"], result["late_labels"]))
    emit(result, as_json, f"«{result['label']}», versión {result['version']} ({status_label(result['status'])}), "
                          f"registrado en el plan {plan_id} con fecha legal {table_date(result['legal_date'])}.{late}"
                          + (" El archivo del almacén estaba alterado o ausente: quedó restituido con estos bytes."
                             if result["blob_reparado"] else ""))


@app.command("file")
def file(plan_id: str, doc_type: str, path: Path, fecha: FechaOpt = None,
         numero: Annotated[str | None, typer.Option("--numero", help="Número del acto o radicado.")] = None,
         who: ActorOpt = None, version: VersionOpt = None, as_json: JsonOpt = False) -> None:
    """Radica una nueva versión de un documento (PDF, XLSX, DOCX o CSV)."""
    if not path.is_file():
        raise InvalidInput(f"No se encuentra el archivo '{path}'.", field="path")
    filing = services.Filing(doc_type=doc_type, content=path.read_bytes(), filename=path.name,
                             legal_date=parse_date(fecha), number=numero)
    _file(plan_id, filing, who, version, as_json)


@app.command("justify")
def justify(plan_id: str, doc_type: str, motivo: Annotated[str, typer.Option("--motivo", help="Por qué no existe.")],
            fecha: FechaOpt = None, who: ActorOpt = None, version: VersionOpt = None, as_json: JsonOpt = False) -> None:
    """Registra la ausencia justificada de un documento que la admite (formatos de empalme, acta de informe de
    gestión: esta con la constancia de la administración entrante, constancia_informe_gestion)."""
    _file(plan_id, services.Filing(doc_type=doc_type, status=JUSTIFIED_ABSENCE, note=motivo,
                                   legal_date=parse_date(fecha)), who, version, as_json)


@app.command("withdraw")
def withdraw(plan_id: str, doc_type: str, motivo: Annotated[str | None, typer.Option("--motivo")] = None,
             fecha: FechaOpt = None, who: ActorOpt = None, version: VersionOpt = None, as_json: JsonOpt = False) -> None:
    """Retira la versión vigente (queda como nueva versión 'retirado'; nada se borra)."""
    _file(plan_id, services.Filing(doc_type=doc_type, status=WITHDRAWN, note=motivo, legal_date=parse_date(fecha)),
          who, version, as_json)


@app.command("types")
def types(kind: Annotated[str, typer.Option("--entidad", help="municipio o departamento (cambia las palabras).")] = "municipio",
          flujo: FlujoOpt = None, as_json: JsonOpt = False) -> None:
    """Catálogo de tipos de documento: código, nombre, fundamento y qué paso del flujo lo exige."""
    rows = document_requirements(kind, chosen_workflow(flujo))
    emit(rows, as_json, "\n".join(f"{r['code']}: {r['label']} — exigido por: {', '.join(r['required_for']) or 'ningún paso'}"
                                  f" [{r['basis']}]" for r in rows))
