"""Use-cases on the parte estratégica and the plan plurianual de inversiones."""

from datetime import date

from sqlalchemy import Table, delete
from sqlmodel import SQLModel, select

from kpt_workflow.storage import mga_rows
from kpt_workflow.storage.strategy_rows import investment_rows, strategic_rows
from kpt_workflow.law import calendar

from kpt_workflow.lifecycle import strategy
from kpt_workflow.lifecycle.aggregate import PlanRecord
from kpt_workflow.services.access import Actor, require_change
from kpt_workflow.storage.pnd_rows import tag_rows
from kpt_workflow.storage.tables import (Indicator, PlanGoal, PlanGoalYear, PlanInvestment, PlanProgram,
                                         PlanProgramInitiative, PlanProgramPnd)
from kpt_workflow.services.pnd import articulation
from kpt_workflow.services.changes import check_legal_date, commit, event, open_change, record
from kpt_workflow.storage.unit_of_work import UnitOfWork


def record_strategic_part(uow: UnitOfWork, *, plan_id: str, data: object, actor: Actor, legal_date: date | None = None,
                          expected_version: int | None = None) -> dict[str, object]:
    """Replace the parte estratégica (ejes → programas → metas) with a new complete version."""
    part = strategy.parse_strategic_part(data)
    legal_date = legal_date or calendar.today_in_colombia()
    check_legal_date(legal_date, "la parte estratégica")
    plan = open_strategy_change(uow, plan_id, expected_version, actor)
    return store_strategic_part(uow, plan, part, actor, legal_date)


def open_strategy_change(uow: UnitOfWork, plan_id: str, expected_version: int | None, actor: Actor) -> PlanRecord:
    """The plan, locked for a change of its parte estratégica by its planning office."""
    return open_change(uow, plan_id, expected_version, actor,
                       lambda plan: require_change(actor, plan, "registrar la parte estratégica"))


def store_strategic_part(uow: UnitOfWork, plan: PlanRecord, part: strategy.StrategicPartInput, actor: Actor,
                         legal_date: date, **noted: object) -> dict[str, object]:
    """Record a complete parte estratégica on a plan opened by `open_strategy_change`: its rows and
    its event (`noted`: what else the event says, as the product added from the bank), committed."""
    plan, result = write_strategic_part(uow, plan, part, actor, legal_date, **noted)
    commit(uow, plan.id, result)
    return result


def write_strategic_part(uow: UnitOfWork, plan: PlanRecord, part: strategy.StrategicPartInput, actor: Actor,
                         legal_date: date, **noted: object) -> tuple[PlanRecord, dict[str, object]]:
    """`store_strategic_part` without the commit, for a use-case that records more in the same
    transaction (the plan indicativo's import)."""
    conn = uow.connection
    codes = {g.indicador for eje in part.ejes for p in eje.programas for g in p.metas}
    products = {g.producto for eje in part.ejes for p in eje.programas for g in p.metas if g.producto}
    catalog = {i.code: i for i in uow.session.exec(select(Indicator).where(Indicator.code.in_(codes)))}  # type: ignore[attr-defined]
    known = articulation(uow, plan, (c for eje in part.ejes for p in eje.programas for c in p.iniciativas_departamento))
    payload = strategy.normalized_strategic_part(part, catalog, mga_rows.program_names(conn), plan.period,
                                                 mga_rows.product_programs(conn, products), known)
    programs, goals, years = strategic_rows(plan.id, payload)
    pnd_tags, initiatives = tag_rows(plan.id, payload)
    _replace_rows(uow, plan.id, PlanProgram.__table__, programs)
    _replace_rows(uow, plan.id, PlanGoal.__table__, goals)
    _replace_rows(uow, plan.id, PlanGoalYear.__table__, years)
    _replace_rows(uow, plan.id, PlanProgramPnd.__table__, pnd_tags)
    _replace_rows(uow, plan.id, PlanProgramInitiative.__table__, initiatives)
    plan = record(uow, plan, event("strategic_part_recorded", actor.username, "registrar_parte_estrategica", legal_date,
                                   {**payload, **noted}))
    programs_count = sum(len(e["programas"]) for e in payload["ejes"])
    return plan, {"plan_id": plan.id, "plan_version": plan.version, "ejes": len(payload["ejes"]),
                  "programas": programs_count, "metas": len(codes), **noted}


def record_investment_plan(uow: UnitOfWork, *, plan_id: str, data: object, actor: Actor, legal_date: date | None = None,
                           expected_version: int | None = None) -> dict[str, object]:
    """Replace the plan plurianual de inversiones with a new complete version."""
    legal_date = legal_date or calendar.today_in_colombia()
    check_legal_date(legal_date, "el plan plurianual")
    plan = open_change(uow, plan_id, expected_version, actor,
                       lambda plan: require_change(actor, plan, "registrar el plan plurianual de inversiones"))
    plan, result = write_investment_plan(uow, plan, strategy.parse_investment_plan(
        data, plan.period, mga_rows.program_names(uow.connection)), actor, legal_date)
    commit(uow, plan.id, result)
    return result


def write_investment_plan(uow: UnitOfWork, plan: PlanRecord, parsed: strategy.InvestmentPlanInput, actor: Actor,
                          legal_date: date, **noted: object) -> tuple[PlanRecord, dict[str, object]]:
    """Record a parsed plan plurianual on an opened plan: its rows and its event (`noted`: what
    else the event says, as the workbook it came from), not committed."""
    payload = {**strategy.investment_payload(parsed), **noted}
    _replace_rows(uow, plan.id, PlanInvestment.__table__, investment_rows(plan.id, payload))
    plan = record(uow, plan, event("investment_plan_recorded", actor.username, "registrar_plan_inversiones", legal_date,
                                   payload), declared_investment_total=payload["total"])
    return plan, {"plan_id": plan.id, "plan_version": plan.version, "lineas": len(payload["lineas"]),
                  "total": sum(line["valor"] for line in payload["lineas"])}


def _replace_rows(uow: UnitOfWork, plan_id: str, table: Table, rows: list[SQLModel]) -> None:
    uow.connection.execute(delete(table).where(table.c.plan_id == plan_id))
    if rows:
        uow.connection.execute(table.insert(), [row.model_dump() for row in rows])


