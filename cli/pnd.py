"""`kpt plan pnd ID`, `kpt pnd report` and `kpt pnd import`: a plan's articulation with the PND,
the investment of the plans per PND line, and the next PND's catalog."""

from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import ActorOpt, FlujoOpt, HoyOpt, JsonOpt, acting, emit, engine, parse_date, parse_int, read_text
from cli.plans import app as plan_app
from kpt_workflow.base.figures import amount, number
from kpt_workflow.law.calendar import written_date
from kpt_workflow.services.pnd import PndAsk, national_pnd, plan_alignment
from kpt_workflow.services.reference_imports import import_pnd_catalog
from kpt_workflow.storage.unit_of_work import UnitOfWork

pnd_app = typer.Typer(help="Articulación con el Plan Nacional de Desarrollo (PND).", no_args_is_help=True)


def _pesos(value: int) -> str:
    return f"${number(value)}"


@plan_app.command("pnd")
def plan_pnd(plan_id: str, who: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Articulación del plan con el PND y las iniciativas del departamento: cada programa con sus líneas y su
    inversión, la inversión por línea y los programas sin línea del PND."""
    with UnitOfWork(engine()) as uow:
        result = plan_alignment(uow, acting(uow.connection, who), plan_id)
    emit(result, as_json, render_alignment(result))


def render_alignment(a: dict[str, Any]) -> str:
    lines = [f"Articulación con el PND de {a['plan']['entity']} ({a['plan']['id']}, {a['plan']['period']}): "
             f"{a['pnd']['name']} ({a['pnd']['basis']})."]
    if a["synthetic"]:
        lines.append("DATOS SINTÉTICOS DE DEMOSTRACIÓN: estas cifras no son reales.")
    lines.append("Programas:")
    for p in a["programs"]:
        tags = "; ".join(line["name"] for line in p["pnd"]) or "sin línea del PND"
        initiatives = (f" · iniciativas del departamento: {', '.join(i['code'] for i in p['initiatives'])}"
                       if p["initiatives"] else "")
        lines.append(f"  {p['code']} {p['name']}: {_pesos(p['total'])} · {tags}{initiatives}")
    lines.append("Inversión por línea del PND:")
    lines += [f"  {line['name']}: {_pesos(line['total'])} ({amount(len(line['programs']), 'programa')})"
              for line in a["lines"]]
    lines += [f"  Sin línea del PND: {_pesos(a['untagged_total'])}", f"  Total del plan plurianual: {_pesos(a['total'])}",
              a["note"]]
    return "\n".join(lines)


@pnd_app.command("report")
def pnd_report(departamento: Annotated[str | None, typer.Option("--departamento",
                                                                help="Código DIVIPOLA de dos dígitos (p. ej. 05).")] = None,
               categoria: Annotated[str | None, typer.Option("--categoria", help="Especial, 1, 2, … 6.")] = None,
               hoy: HoyOpt = None, flujo: FlujoOpt = None,
               periodo: Annotated[str | None, typer.Option("--periodo", help=(
                   "Año de inicio del período cuyos planes se cuentan (2024, 2028, …); por omisión, el ciclo de --hoy."))] = None,
               who: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Inversión de los planes por línea del PND (también por departamento), con el total, la parte sin línea del
    PND y los planes contados; el mismo alcance y filtros que `kpt report`."""
    ask = PndAsk(departamento, categoria, parse_date(hoy, "hoy"), flujo, parse_int(periodo, "periodo"))
    with UnitOfWork(engine()) as uow:
        result = national_pnd(uow, acting(uow.connection, who), ask)
    emit(result, as_json, render_national(result))


def render_national(r: dict[str, Any]) -> str:
    lines = [f"Inversión por línea del PND, período {r['period']}, corte {written_date(r['filters']['as_of'])}: "
             f"{amount(r['plans'], 'plan', 'planes')} ({r['plans_with_investment']} con plan plurianual, "
             f"{r['plans_tagged']} con programas articulados). {r['scope']}"]
    if r["synthetic"]:
        lines.append("DATOS SINTÉTICOS DE DEMOSTRACIÓN: estas cifras no son reales.")
    lines += [f"  {line['name']}: {_pesos(line['amount'])} en {amount(line['plans'], 'plan', 'planes')}"
              for line in r["lines"]]
    lines += [f"  Sin línea del PND: {_pesos(r['untagged'])}", f"  Total: {_pesos(r['total'])}", r["note"]]
    return "\n".join(lines)


@pnd_app.command("import")
def pnd_import(path: Path, simular: Annotated[bool, typer.Option(
        "--simular", help="Muestra las diferencias sin reemplazar el catálogo.")] = False,
               who: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Reemplaza el catálogo de líneas del PND (el del próximo PND, en YAML como catalogs/pnd.yaml); dice qué
    líneas agrega y retira y qué planes nombran las retiradas. Solo el DNP o la administración."""
    text = read_text(path)
    with UnitOfWork(engine(), write=True) as uow:
        result = import_pnd_catalog(uow, acting(uow.connection, who), text, path.name, apply=not simular)
    emit(result, as_json, f"{'Simulación: ' if not result['applied'] else ''}catálogo {result['plan']} de {path.name}: "
                          f"{amount(len(result['lines']), 'línea')}; agregadas: {', '.join(result['added']) or 'ninguna'}; "
                          f"retiradas: {', '.join(result['removed']) or 'ninguna'}; planes que nombran las retiradas: "
                          f"{', '.join(result['plans_affected']) or 'ninguno'}.")
