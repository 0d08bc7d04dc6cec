"""Reads of the plan aggregate that use-cases need, in the caller's transaction.

They run on the unit of work's connection as Core statements, or through the database's recorder
for the statements of the hot path (a guarded step).
"""

from dataclasses import replace
from datetime import date
from typing import Any, Mapping

from sqlalchemy import ColumnElement, Connection, select
from sqlmodel import Session

from kpt_workflow.base.errors import NotFound, PlanNotFound
from kpt_workflow.law.facts import DocumentFacts, GoalFact, InvestmentFact, ProgramFact
from kpt_workflow.lifecycle import time_travel
from kpt_workflow.lifecycle.aggregate import PlanAggregate, PlanRecord
from kpt_workflow.lifecycle.engine import workflow
from kpt_workflow.lifecycle.status import judged_rules, needs_strategy
from kpt_workflow.storage import event_log
from kpt_workflow.storage.amendment_log import amendments_for
from kpt_workflow.storage.strategy_rows import investment_rows, strategic_rows
from kpt_workflow.storage.tables import SYNTHETIC_DEMO, DatasetMarker, Entity, Indicator, PlanGoal, PlanGoalYear, PlanInvestment, PlanProgram
from kpt_workflow.storage.recorder import DOCUMENT, ENTITY, PLAN, PLAN_RECORD, recorder

def get_entity(session: Session, code: str) -> Entity:
    entity = session.get(Entity, code)
    if entity is None:
        raise NotFound(f"No existe una entidad territorial con código DIVIPOLA '{code}'.", entity=code)
    return entity


def plan_record(conn: Connection, plan_id: str, *, for_update: bool = False) -> PlanRecord:
    """`for_update` locks the plan row on PostgreSQL (SQLite already holds its write lock)."""
    row = recorder(conn).plan_row(plan_id, for_update)
    if row is None:
        raise PlanNotFound(f"No existe el plan '{plan_id}'.", plan=plan_id)
    return PlanRecord(*row)


def latest_documents(conn: Connection, plan_id: str, as_of: date | None = None) -> DocumentFacts:
    """The newest version of each document type of the plan, among acts legally dated by `as_of`
    (an act dated after a step cannot have made that step lawful)."""
    return recorder(conn).latest_documents(plan_id, as_of)


def document_versions(conn: Connection, plan_id: str) -> list[dict[str, object]]:
    rows = conn.execute(select(DOCUMENT).where(DOCUMENT.c.plan_id == plan_id)
                        .order_by(DOCUMENT.c.doc_type, DOCUMENT.c.version))
    return [dict(row._mapping) for row in rows]


def program_facts(conn: Connection, plan_id: str) -> tuple[ProgramFact, ...]:
    """The parte estratégica with each goal's catalog unit (one query each for programs, goals and
    their yearly goals)."""
    rows = [list(conn.execute(select(table).where(table.c.plan_id == plan_id)).mappings())
            for table in (PlanProgram.__table__, PlanGoal.__table__, PlanGoalYear.__table__)]
    return assemble_programs(conn, *rows)


def assemble_programs(conn: Connection, programs: list[Mapping[str, Any]], goals: list[Mapping[str, Any]],
                      years: list[Mapping[str, Any]]) -> tuple[ProgramFact, ...]:
    """Programs, goals and yearly goals (table rows, or rows rebuilt from an event) as facts, with
    each catalog indicator's unit from the battery."""
    programming: dict[str, list[tuple[int, Any]]] = {}
    for row in sorted(years, key=lambda y: y["year"]):
        programming.setdefault(row["indicator_code"], []).append((row["year"], row["value"]))
    indicator_table = Indicator.__table__
    codes = [g["indicator_code"] for g in goals]
    rows = conn.execute(select(indicator_table.c.code, indicator_table.c.unit)
                        .where(indicator_table.c.code.in_(codes))) if codes else []
    units = {code: unit for code, unit in rows}
    by_program: dict[str, list[GoalFact]] = {}
    for goal in sorted(goals, key=lambda g: g["indicator_code"]):
        by_program.setdefault(goal["program_code"], []).append(GoalFact(
            indicator_code=goal["indicator_code"], kind=goal["kind"], name=goal["name"], unit=goal["unit"],
            custom=goal["custom"], catalog_unit=None if goal["custom"] else units.get(goal["indicator_code"]),
            baseline_value=goal["baseline_value"], baseline_year=goal["baseline_year"],
            baseline_source=goal["baseline_source"], meta_cuatrienio=goal["meta_cuatrienio"],
            product_code=goal.get("product_code"), programacion=tuple(programming.get(goal["indicator_code"], ()))))
    return tuple(ProgramFact(p["program_code"], p["program_name"], p["eje"], tuple(by_program.get(p["program_code"], ())))
                 for p in sorted(programs, key=lambda p: p["position"]))


def investment_facts(conn: Connection, plan_id: str) -> tuple[InvestmentFact, ...]:
    table = PlanInvestment.__table__
    rows = conn.execute(
        select(table.c.program_code, table.c.year, table.c.source, table.c.amount)
        .where(table.c.plan_id == plan_id).order_by(table.c.program_code, table.c.year, table.c.source))
    return tuple(InvestmentFact(*row) for row in rows)


def load_plan(conn: Connection, plan_id: str, day: date, *, as_of: date | None = None,
              rules: list[str] | None = None, versions: bool = False, for_update: bool = False) -> PlanAggregate:
    """The aggregate a use-case hands to the lifecycle's pure functions, read once: the plan, its
    documents as of `day` (or `as_of`), its strategy if any of `rules` (by default, those of the
    steps it can take) judges it, and every document version if asked. With `as_of`, the plan as
    it was on that day, folded from its events (time travel); a day after `day` (today) has no
    past to fold: the plan as it stands, judged on that day, is a projection."""
    plan = plan_record(conn, plan_id, for_update=for_update)
    if as_of is None or as_of > day:
        now = aggregate(conn, plan, as_of or day, rules=rules, versions=versions)
        return now if as_of is None else replace(now, projected=True)
    past = time_travel.as_of(plan, event_log.plan_events(conn, plan_id), as_of)
    wanted = needs_strategy(judged_rules(past.plan) if rules is None else rules)
    programs, goals, years = strategic_rows(plan_id, past.strategic_part) if past.strategic_part and wanted else ([], [], [])
    return PlanAggregate(
        plan=past.plan, day=as_of, documents=latest_documents(conn, plan_id, as_of=as_of), as_of=as_of,
        programs=assemble_programs(conn, *([row.model_dump() for row in rows] for rows in (programs, goals, years))),
        investments=tuple(InvestmentFact(r.program_code, r.year, r.source, r.amount) for r in
                          (investment_rows(plan_id, past.investment_plan) if past.investment_plan and wanted else [])),
        versions=tuple(document_versions(conn, plan_id)) if versions else (), amendments=amendments_for(conn, plan))


def aggregate(conn: Connection, plan: PlanRecord, day: date, *, rules: list[str] | None = None,
              versions: bool = False) -> PlanAggregate:
    """`load_plan` for a plan row the caller already read (and, in a change, locked)."""
    wanted = needs_strategy(judged_rules(plan) if rules is None else rules)
    return PlanAggregate(
        plan=plan, day=day, documents=latest_documents(conn, plan.id, as_of=day),
        programs=program_facts(conn, plan.id) if wanted else (),
        investments=investment_facts(conn, plan.id) if wanted else (),
        versions=tuple(document_versions(conn, plan.id)) if versions else (), amendments=amendments_for(conn, plan))


def list_plans(conn: Connection, *, visible: ColumnElement[bool] | None = None, department_code: str | None = None,
               state: str | None = None, limit: int | None = None) -> list[dict[str, object]]:
    """Plans with their entity, filtered by an access condition (see access.Actor) and by department or
    state; each with its workflow and its state's label there."""
    query = PLAN_RECORD.order_by(PLAN.c.id)
    for condition in (visible, ENTITY.c.department_code == department_code if department_code else None,
                      PLAN.c.state == state if state else None):
        if condition is not None:
            query = query.where(condition)
    return [{"id": r.id, "entity_code": r.entity_code, "entity_name": r.entity_name, "kind": r.entity_kind,
             "department_code": r.department_code, "period": r.period, "workflow": r.definition_name,
             "state": r.state, "state_label": workflow(r.definition_name, r.definition_version).state(r.state).label,
             "state_entered_on": r.state_entered_on.isoformat(), "version": r.version}
            for r in conn.execute(query.limit(limit))]


def holds_synthetic_demo(conn: Connection) -> bool:
    """Whether the database holds the synthetic demo: every view of its data must say so."""
    marker = DatasetMarker.__table__
    return conn.execute(select(marker.c.key).where(marker.c.key == SYNTHETIC_DEMO)).first() is not None
