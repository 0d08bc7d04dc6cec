"""`kpt plan diagnostic show | edit | render | file`: the plan's standardized diagnostic, on the
same use-cases as /api/v1/plans/{id}/diagnostic and its page."""

from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import ActorOpt, FechaOpt, JsonOpt, VersionOpt, acting, emit, engine, parse_date, parse_int, read_text
from kpt_workflow.base.config import Settings
from kpt_workflow.base.figures import amount
from kpt_workflow.law.calendar import table_date
from kpt_workflow.services.diagnostic import diagnostic, edit_section, file_diagnostic, render
from kpt_workflow.storage.blobs import BlobStore
from kpt_workflow.storage.unit_of_work import UnitOfWork

app = typer.Typer(help="Diagnóstico estandarizado del plan: ver, escribir una sección, generar DOCX o PDF, radicar.",
                  no_args_is_help=True)
FormatoOpt = Annotated[str, typer.Option("--formato", help="docx o pdf.")]


def render_text(shown: dict[str, Any]) -> str:
    """The diagnostic as plain text: each section's figures, competencies, notes and text."""
    lines = [shown["title"], shown["intro"]]
    if shown["synthetic"]:
        lines.insert(0, shown["synthetic_note"])
    filed = shown["filed"]
    lines.append(f"{shown['document_label']}: " + (f"versión {filed['version']} radicada, fecha legal {table_date(filed['legal_date'])}."
                                                   if filed else "aún no radicado."))
    for section in shown["sections"]:
        lines += ["", f"== {section['title']} ==", f"Fundamento: {section['basis']}."]
        lines += [f"  {f['label']}: {f['value_text']} ({f['year_text']}; {f['source']})"
                  + (f". {f['comparison']}" if f["comparison"] else "") for f in section["figures"]]
        lines += [f"  {section['no_figures']}"] if section["no_figures"] else []
        lines += [f"  Competencia: {c['text']} ({c['basis']})" + (f" {c['condition']}" if c["condition"] else "")
                  for c in section["competencies"]]
        lines += [f"  Nota: {note}" for note in section["notes"]]
        lines += [f"  Análisis: {p}" for p in section["paragraphs"]] or [f"  {shown['no_text']}"]
    return "\n".join(lines)


@app.command("show")
def show(plan_id: str, who: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Muestra el diagnóstico: por sección, sus cifras con fuente y año, las competencias de la entidad con su
    fundamento y el texto de la oficina de planeación."""
    with UnitOfWork(engine()) as uow:
        shown = diagnostic(uow, acting(uow.connection, who), plan_id)
    emit(shown, as_json, render_text(shown))


@app.command("edit")
def edit(plan_id: str, seccion: Annotated[str, typer.Argument(help="Código de la sección (educacion, salud, …).")],
         path: Annotated[Path, typer.Argument(help="Archivo de texto UTF-8 con el texto de la sección.")],
         fecha: FechaOpt = None, who: ActorOpt = None, version: VersionOpt = None, as_json: JsonOpt = False) -> None:
    """Escribe el texto de una sección desde un archivo (oficina de planeación de la entidad; queda en la historia
    del plan)."""
    text = read_text(path)
    with UnitOfWork(engine(), write=True) as uow:
        result = edit_section(uow, plan_id=plan_id, section=seccion, text=text, actor=acting(uow.connection, who),
                              legal_date=parse_date(fecha), expected_version=parse_int(version, "version"))
    emit(result, as_json, f"Sección «{result['title']}» del diagnóstico de {plan_id} guardada "
                          f"({amount(result['chars'], 'carácter', 'caracteres')}); el plan queda en la versión {result['plan_version']}.")


@app.command("render")
def render_file(plan_id: str, out: Annotated[Path, typer.Option("--out", help="Archivo a escribir.")],
                formato: FormatoOpt = "docx", who: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Genera el diagnóstico en DOCX (Word) o PDF, para completarlo o revisarlo."""
    with UnitOfWork(engine()) as uow:
        rendered = render(uow, acting(uow.connection, who), plan_id, formato)
    out.write_bytes(rendered.content)
    emit({"path": str(out), "bytes": len(rendered.content), "media_type": rendered.media_type}, as_json,
         f"Diagnóstico de {plan_id} escrito en {out} ({amount(len(rendered.content), 'byte')}).")


@app.command("file")
def file(plan_id: str, formato: FormatoOpt = "docx", fecha: FechaOpt = None, who: ActorOpt = None,
         version: VersionOpt = None, as_json: JsonOpt = False) -> None:
    """Genera el diagnóstico y lo radica como nueva versión del documento «Diagnóstico territorial» del plan, como
    cualquier radicación (oficina de planeación de la entidad)."""
    with UnitOfWork(engine(), write=True) as uow:
        result = file_diagnostic(uow, BlobStore(Settings().data_dir), plan_id=plan_id, actor=acting(uow.connection, who),
                                 formato=formato, legal_date=parse_date(fecha),
                                 expected_version=parse_int(version, "version"))
    emit(result, as_json, f"«{result['label']}», versión {result['version']}, radicado en el plan {plan_id} con fecha "
                          f"legal {table_date(result['legal_date'])}.")
