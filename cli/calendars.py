"""`kpt calendar …`: the legal terms as an iCalendar file, and the links (tokens) a calendar app
subscribes with."""

from pathlib import Path
from typing import Annotated

import typer

from cli.common import ActorOpt, HoyOpt, JsonOpt, acting, emit, engine, parse_date
from kpt_workflow.base.config import Settings
from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.law import calendar as legal_calendar
from kpt_workflow.services import calendars, feed_tokens
from kpt_workflow.storage.unit_of_work import UnitOfWork

app = typer.Typer(help="Calendarios de plazos legales (iCalendar) y sus enlaces de suscripción.", no_args_is_help=True)
tokens_app = typer.Typer(help="Enlaces de suscripción (tokens) de los calendarios.", no_args_is_help=True)
app.add_typer(tokens_app, name="token")
PlanOpt = Annotated[str | None, typer.Option("--plan", help="Plan del calendario (p. ej. 05001-2024).")]
EntidadOpt = Annotated[str | None, typer.Option("--entidad", help="Entidad del calendario (código DIVIPOLA): todos sus planes.")]
BaseOpt = Annotated[str, typer.Option("--url-base", help="Dirección del servidor en el enlace.")]


@app.command("ics")
def ics(plan: PlanOpt = None, entidad: EntidadOpt = None, hoy: HoyOpt = None,
        out: Annotated[Path | None, typer.Option("--out", help="Archivo .ics que escribir; sin él, a la salida.")] = None,
        who: ActorOpt = None) -> None:
    """Escribe el calendario de un plan o de una entidad: un evento de día completo por plazo con fecha."""
    if (plan is None) == (entidad is None):
        raise InvalidInput("Indique --plan o --entidad (uno de los dos).", field="plan")
    today, days = parse_date(hoy, "hoy") or legal_calendar.today_in_colombia(), Settings().alert_working_days
    with UnitOfWork(engine()) as uow:
        reader = acting(uow.connection, who)
        content = (calendars.plan_calendar(uow, reader, plan, today, alert_working_days=days) if plan is not None else
                   calendars.entity_calendar(uow, reader, entidad or "", today, alert_working_days=days))
    if out is None:
        typer.echo(content.decode("utf-8"), nl=False)
        return
    out.write_bytes(content)
    typer.echo(f"Calendario escrito en {out} ({content.count(b'BEGIN:VEVENT')} plazos).")


@tokens_app.command("create")
def token_create(plan: PlanOpt = None, entidad: EntidadOpt = None, url_base: BaseOpt = "http://127.0.0.1:8000",
                 who: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Crea un enlace de suscripción de un usuario (--as) al calendario de un plan o de una entidad; el
    enlace se muestra una sola vez."""
    with UnitOfWork(engine(), write=True) as uow:
        created = feed_tokens.create_token(uow.connection, acting(uow.connection, who), plan_id=plan, entity_code=entidad,
                                           base=url_base)
        uow.commit()
    emit(created, as_json, f"Enlace {created['id']} de {created['username']} al calendario "
                           f"{created['feed_label']} (guárdelo; no se vuelve a mostrar):\n{created['url']}")


@tokens_app.command("list")
def token_list(who: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Enlaces de calendario del usuario (--as); sin --as, los de todos."""
    with UnitOfWork(engine()) as uow:
        rows = feed_tokens.list_tokens(uow.connection, acting(uow.connection, who))
    emit(rows, as_json, "\n".join(f"{r['id']}  {r['username']}  calendario {r['feed_label']}  creado {r['created']}  "
                                  + (f"REVOCADO {r['revoked']}" if r["revoked"] else "vigente") for r in rows)
         or "Sin enlaces de calendario.")


@tokens_app.command("revoke")
def token_revoke(token_id: str, who: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Revoca un enlace de calendario desde ya: quien lo use recibe 401."""
    with UnitOfWork(engine(), write=True) as uow:
        revoked = feed_tokens.revoke_token(uow.connection, acting(uow.connection, who), token_id)
        uow.commit()
    emit(revoked, as_json, f"Enlace {revoked['id']} al calendario {revoked['feed_label']} revocado ({revoked['revoked']}).")
