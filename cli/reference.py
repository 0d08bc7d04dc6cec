"""Reference data and the lifecycle: `kpt init`, `kpt entities import`, `kpt indicators …`, `kpt diagram`,
`kpt workflows`."""

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import select

from kpt_workflow.services.bootstrap import init_database
from cli.common import FlujoOpt, JsonOpt, emit, engine
from cli.render import render_workflows
from kpt_workflow.states.diagram import mermaid
from kpt_workflow.lifecycle.engine import chosen_workflow
from kpt_workflow.services.workflows import list_workflows
from kpt_workflow.reference.indicators import STARTER_CATALOG
from kpt_workflow.storage.tables import Indicator
from kpt_workflow.reference.entities import DIVIPOLA_PATH
from kpt_workflow.storage.unit_of_work import UnitOfWork
from kpt_workflow.base.words import KIND_PLURALS
from kpt_workflow.base.figures import amount

entities_app = typer.Typer(help="Registro de entidades territoriales (DIVIPOLA).", no_args_is_help=True)
indicators_app = typer.Typer(help="Catálogo de indicadores (batería).", no_args_is_help=True)


def _init(divipola: Path, indicators: Path, as_json: bool, *, creating: bool = False) -> None:
    result = init_database(engine(creating=creating), divipola, indicators)
    kinds = ", ".join(f"{n} {KIND_PLURALS.get(k, k)}" for k, n in result["by_kind"].items())
    battery, terms, territory = result["indicators"], result["term_ends"], result["territory"]
    emit(result, as_json, f"Base de datos lista. Registro {result['source']}: {kinds}; "
                          f"{amount(result['planning_entities'], 'entidad', 'entidades')} formulan PDT ({result['added']} nuevas, "
                          f"{result['updated']} actualizadas). Indicadores {battery['source']}: {battery['total']} "
                          f"({battery['official']} oficiales; {battery['added']} nuevos, "
                          f"{battery['updated']} actualizados). Fin de cada término legal desde cada día del "
                          f"{terms['days'][0]} al {terms['days'][1]}: {terms['added']} nuevos, "
                          f"{terms['updated']} corregidos. Enmiendas legales de plazos incluidas en el paquete: "
                          f"{result['amendments']['added']} registradas ahora (kpt amendments list). Datos del "
                          f"diagnóstico (DANE, TerriData): {amount(territory['values_added'], 'valor nuevo', 'valores nuevos')}"
                          f"{'; catálogo MGA cargado' if territory['mga_catalog_loaded'] else ''}.")


def init(as_json: JsonOpt = False) -> None:
    """Crea o actualiza el esquema (Alembic), carga el registro DIVIPOLA y la batería de indicadores, y
    calcula el fin de cada término legal (con los festivos vigentes) para el tablero; registra, una sola vez, las
    enmiendas legales de plazos incluidas en el paquete (Decreto Legislativo 683 de 2020)."""
    _init(DIVIPOLA_PATH, STARTER_CATALOG, as_json, creating=True)


def diagram(flujo: FlujoOpt = None) -> None:
    """Diagrama Mermaid del ciclo de vida, generado de la definición del flujo, con las reglas en cada paso."""
    typer.echo(mermaid(chosen_workflow(flujo).definition), nl=False)


def workflows(as_json: JsonOpt = False) -> None:
    """Flujos declarados (nombre, versión, estados): los del paquete y los de KPT_DEFINITIONS_DIR."""
    rows = list_workflows()
    emit(rows, as_json, render_workflows(rows))


@entities_app.command("import")
def entities_import(path: Path, as_json: JsonOpt = False) -> None:
    """Actualiza el registro desde un archivo DIVIPOLA más reciente (mismas columnas; no borra códigos)."""
    _init(path, STARTER_CATALOG, as_json)


@indicators_app.command("import")
def indicators_import(path: Path, as_json: JsonOpt = False) -> None:
    """Carga un catálogo de indicadores (p. ej. el oficial del DNP) con las columnas del catálogo inicial."""
    _init(DIVIPOLA_PATH, path, as_json)


@indicators_app.command("list")
def indicators_list(sector: Annotated[str | None, typer.Option(help="Código de sector (2 dígitos).")] = None,
                    as_json: JsonOpt = False) -> None:
    """Indicadores del catálogo, por sector."""
    with UnitOfWork(engine()) as uow:
        query = select(Indicator).order_by(Indicator.code)
        if sector:
            query = query.where(Indicator.sector_code == sector)
        rows = [i.model_dump() for i in uow.session.exec(query)]
    emit(rows, as_json, "\n".join(f"{r['code']} [{r['kind']}] {r['name']} ({r['unit']})"
                                  f"{'' if r['official'] else ' — ilustrativo'}" for r in rows))
