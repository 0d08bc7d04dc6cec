"""`kpt report`: the DNP's bottleneck report in the terminal, or as JSON for other tools."""

from typing import Annotated

import typer

from kpt_workflow.law import calendar
from cli.common import FlujoOpt, HoyOpt, JsonOpt, emit, engine, parse_date, parse_int
from kpt_workflow.lifecycle.engine import chosen_workflow
from cli.render import render_report
from kpt_workflow.reports.filters import ReportFilters
from kpt_workflow.reports.national import national_report
from kpt_workflow.storage.unit_of_work import UnitOfWork


def report(departamento: Annotated[str | None, typer.Option("--departamento",
                                                            help="Código DIVIPOLA de dos dígitos (p. ej. 05).")] = None,
           categoria: Annotated[str | None, typer.Option("--categoria", help="Especial, 1, 2, … 6.")] = None,
           hoy: HoyOpt = None, flujo: FlujoOpt = None,
           periodo: Annotated[str | None, typer.Option("--period", "--periodo", help=(
               "Año de inicio del período cuyos planes se cuentan (2020, 2024, …); por omisión, el ciclo de --hoy "
               "(desde la elección, el del gobierno elegido)."))] = None,
           as_json: JsonOpt = False) -> None:
    """Cuellos de botella al día --hoy: planes por estado, por departamento y por categoría, días en
    cada estado, plazos vencidos y requisitos que más bloquean (--json: también un renglón por plan).
    Cuenta los planes de un solo flujo (el predeterminado, o el de --flujo) y de un solo período."""
    filters = ReportFilters(department_code=departamento, category=categoria,
                            as_of=parse_date(hoy, "hoy") or calendar.today_in_colombia(),
                            workflow=chosen_workflow(flujo).definition.name,
                            period=parse_int(periodo, "period"))
    with UnitOfWork(engine()) as uow:
        result = national_report(uow.connection, filters)
    emit(result, as_json, render_report(result))
