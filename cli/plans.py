"""`kpt plan …`: create a plan, read its status, attempt a step, list plans."""

from typing import Annotated

import typer

from kpt_workflow.law import calendar

from kpt_workflow import services
from cli.common import ActorOpt, FechaOpt, FlujoOpt, HoyOpt, JsonOpt, VersionOpt, acting, emit, engine, parse_date, parse_int
from cli.render import render_plan_list, render_status
from kpt_workflow.storage.repository import list_plans
from kpt_workflow.services import views
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
    emit(result, as_json, f"Paso '{trigger}' aplicado: {result['from']} → {result['to']} (versión {result['version']}).")


@app.command("list")
def list_(departamento: Annotated[str | None, typer.Option(help="Código DIVIPOLA del departamento (2 dígitos).")] = None,
          estado: Annotated[str | None, typer.Option(help="Solo los planes en este estado.")] = None,
          as_json: JsonOpt = False) -> None:
    """Planes registrados, con su estado y versión."""
    with UnitOfWork(engine()) as uow:
        rows = list_plans(uow.connection, department_code=departamento, state=estado)
    emit(rows, as_json, render_plan_list(rows))
