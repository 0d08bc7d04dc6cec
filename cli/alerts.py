"""`kpt alerts …`: the alerts of legal terms due on a day, and the outbox an SMTP relay drains."""

from typing import Annotated, Any

import typer

from cli.common import ActorOpt, HoyOpt, JsonOpt, acting, emit, engine, parse_date, parse_int
from kpt_workflow.base.config import Settings
from kpt_workflow.base.figures import amount, number
from kpt_workflow.law import calendar
from kpt_workflow.services import alerts
from kpt_workflow.storage.unit_of_work import UnitOfWork

app = typer.Typer(help="Avisos de plazos legales: la lista del día y la bandeja de salida del correo.",
                  no_args_is_help=True)
DaysOpt = Annotated[str | None, typer.Option("--dias-habiles", help=(
    "Días hábiles de anticipación del aviso; por omisión, KPT_ALERT_WORKING_DAYS (5)."))]


def _days(text: str | None) -> int:
    found = parse_int(text, "dias-habiles")
    return Settings().alert_working_days if found is None else found


@app.command("list")
def list_(hoy: HoyOpt = None, dias_habiles: DaysOpt = None, who: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Los avisos del día para un usuario (--as; sin él, los de todos los planes): plazos próximos a vencer
    y vencidos sin cumplir."""
    today = parse_date(hoy, "hoy") or calendar.today_in_colombia()
    with UnitOfWork(engine()) as uow:
        shown = alerts.alerts_for(uow, acting(uow.connection, who), today, _days(dias_habiles))
    lines = [f"Avisos al {shown['today_text']} ({len(shown['alerts'])}):"]
    lines += [f"  {a['kind_label']}: {a['label']} — {a['entity_name']} ({a['plan_id']}), {a['when']}; "
              f"{a['situation']}" for a in shown["alerts"]] or ["  Ninguno."]
    emit(shown, as_json, "\n".join(lines))


@app.command("queue")
def queue(hoy: HoyOpt = None, dias_habiles: DaysOpt = None, who: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Escribe en la bandeja de salida los avisos del día de cada usuario con correo, una sola vez (repetir la
    orden no los duplica). No envía correo: eso lo hace un relevo SMTP que lee la bandeja."""
    today = parse_date(hoy, "hoy") or calendar.today_in_colombia()
    with UnitOfWork(engine(), write=True) as uow:
        result = alerts.queue(uow, acting(uow.connection, who), today, _days(dias_habiles))
    emit(result, as_json, f"Avisos al {calendar.written_date(today)}: {amount(result['due'], 'plazo')} por avisar; "
                          f"{amount(result['queued'], 'correo nuevo', 'correos nuevos')} en la bandeja de salida, "
                          f"{number(result['already_queued'])} ya estaban; {amount(result['without_recipient'], 'aviso')} "
                          "sin destinatario con correo.")


@app.command("outbox")
def outbox(pendientes: Annotated[bool, typer.Option("--pendientes", help="Solo los que no se han enviado.")] = False,
           who: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """La bandeja de salida: cada aviso con su destinatario, asunto y si ya se envió."""
    with UnitOfWork(engine()) as uow:
        rows = alerts.outbox(uow, acting(uow.connection, who), pending_only=pendientes)
    emit(rows, as_json, "\n".join(_line(r) for r in rows) or "La bandeja de salida está vacía.")


def _line(row: dict[str, Any]) -> str:
    sent = "enviado" if row["sent_at"] else "pendiente"
    return f"#{row['id']} {row['created']} → {row['to_address']} ({row['recipient']}) [{sent}]: {row['subject']}"
