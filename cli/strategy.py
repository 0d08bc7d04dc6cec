"""`kpt strategy set` and `kpt investments set`: record the parte estratégica and the plan plurianual."""

from pathlib import Path

import typer

from kpt_workflow import services

from kpt_workflow.lifecycle import strategy
from cli.common import (ActorOpt, FechaOpt, JsonOpt, VersionOpt, acting, emit, engine, parse_date,
                                     parse_int, read_text)
from kpt_workflow.storage.unit_of_work import UnitOfWork
from kpt_workflow.base.figures import amount

strategy_app = typer.Typer(help="Parte estratégica: ejes → programas → metas con indicadores.", no_args_is_help=True)
investments_app = typer.Typer(help="Plan plurianual de inversiones: programa × año × fuente.", no_args_is_help=True)


@strategy_app.command("set")
def strategy_set(plan_id: str, path: Path, fecha: FechaOpt = None, who: ActorOpt = None, version: VersionOpt = None,
                 as_json: JsonOpt = False) -> None:
    """Registra (reemplaza) la parte estratégica desde un archivo YAML o JSON."""
    with UnitOfWork(engine(), write=True) as uow:
        result = services.record_strategic_part(uow, plan_id=plan_id, data=strategy.parse_data_text(read_text(path), path.name),
                                                actor=acting(uow.connection, who),
                                                legal_date=parse_date(fecha),
                                                expected_version=parse_int(version, "version"))
    emit(result, as_json, f"Parte estratégica registrada en {plan_id}: {amount(result['ejes'], 'eje')}, "
                          f"{amount(result['programas'], 'programa')}, {amount(result['metas'], 'meta')} (versión {result['plan_version']}).")


@investments_app.command("set")
def investments_set(plan_id: str, path: Path, fecha: FechaOpt = None, who: ActorOpt = None, version: VersionOpt = None,
                    as_json: JsonOpt = False) -> None:
    """Registra (reemplaza) el plan plurianual desde un CSV (programa,anio,fuente,valor) o YAML/JSON."""
    data = strategy.investment_input(read_text(path), path.name)
    with UnitOfWork(engine(), write=True) as uow:
        result = services.record_investment_plan(uow, plan_id=plan_id, data=data, actor=acting(uow.connection, who),
                                                 legal_date=parse_date(fecha),
                                                 expected_version=parse_int(version, "version"))
    emit(result, as_json, f"Plan plurianual registrado en {plan_id}: {result['lineas']} líneas, total "
                          f"${result['total']:,} (versión {result['plan_version']}).".replace(",", "."))
