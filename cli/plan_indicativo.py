"""`kpt plan indicativo exportar|importar`: the DNP's Plan Indicativo workbook (SisPT) of a plan."""

from pathlib import Path
from typing import Annotated

import typer

from cli.common import ActorOpt, FechaOpt, JsonOpt, VersionOpt, acting, emit, engine, parse_date, parse_int
from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.base.figures import amount
from kpt_workflow.services import plan_indicativo
from kpt_workflow.storage.unit_of_work import UnitOfWork

app = typer.Typer(help="Libro del Plan Indicativo del DNP (SisPT): exportar e importar.", no_args_is_help=True)


@app.command("exportar")
def export(plan_id: str,
           out: Annotated[Path, typer.Option("--out", "--salida", help="Archivo XLSX que se crea (no se sobrescribe).")],
           who: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Escribe la parte estratégica y el plan plurianual del plan en el libro del Plan Indicativo."""
    if out.exists():
        raise InvalidInput(f"Ya existe '{out}': no se sobrescribe.", field="out")
    if not out.parent.is_dir():
        raise InvalidInput(f"No existe la carpeta '{out.parent}'.", field="out")
    with UnitOfWork(engine()) as uow:
        _, content = plan_indicativo.export_workbook(uow, acting(uow.connection, who), plan_id)
    out.write_bytes(content)
    emit({"plan_id": plan_id, "out": str(out), "bytes": len(content)}, as_json,
         f"Plan Indicativo de {plan_id} en {out} ({len(content):,} bytes).".replace(",", "."))


@app.command("importar")
def import_(plan_id: str, path: Path, fecha: FechaOpt = None, who: ActorOpt = None, version: VersionOpt = None,
            as_json: JsonOpt = False) -> None:
    """Registra la parte estratégica y el plan plurianual de un libro del Plan Indicativo; si alguna celda
    se rechaza, no registra nada y lista cada una (hoja, fila, columna, valor y motivo)."""
    if not path.is_file():
        raise InvalidInput(f"No se encuentra el archivo '{path}'.", field="path")
    upload = plan_indicativo.screen_workbook(path.read_bytes())
    with UnitOfWork(engine(), write=True) as uow:
        result = plan_indicativo.import_workbook(uow, plan_id=plan_id, upload=upload, actor=acting(uow.connection, who),
                                                 legal_date=parse_date(fecha),
                                                 expected_version=parse_int(version, "version"))
    total = f"{result['total'] or 0:,}".replace(",", ".")
    money = (f"; plan plurianual: {amount(result['lineas'], 'línea')}, total ${total}" if result["lineas"]
             else "; el libro no trae plan plurianual")
    emit(result, as_json, f"Plan Indicativo importado en {plan_id}: {amount(result['ejes'], 'línea estratégica', 'líneas estratégicas')}, "
                          f"{amount(result['programas'], 'programa')}, {amount(result['metas'], 'meta')}{money} "
                          f"(versión {result['plan_version']}).")
