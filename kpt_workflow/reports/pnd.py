"""Which lines of the PND the territories fund, and with how much: the plan plurianual's lines of
the plans a report counts (kpt_workflow.reports.scope: the same filters and scope as the
bottleneck report), summed per PND line their programs are tagged with, in SQL on both databases.

A program tagged with several lines counts its whole investment in each (nobody can say which
part of a program serves which transformation), so the lines' sums may exceed the total; the
untagged total is the investment of programs with no PND line. The investment and the tags are
those recorded now, of the plans that existed as of the report's date.
"""

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, and_, exists, func, select

from kpt_workflow.reports.filters import ReportFilters, Shape, params, shape
from kpt_workflow.reports.scope import plan_ids
from kpt_workflow.storage.recorder import ENTITY, PLAN
from kpt_workflow.storage.tables import PlanInvestment, PlanProgramPnd

INVESTMENT = PlanInvestment.__table__
TAGS = PlanProgramPnd.__table__


def _program_totals(of: Shape) -> Any:
    """Each program's investment over the period, in the counted plans."""
    counted = plan_ids(of).scalar_subquery()
    return (select(INVESTMENT.c.plan_id, INVESTMENT.c.program_code, func.sum(INVESTMENT.c.amount).label("amount"))
            .where(INVESTMENT.c.plan_id.in_(counted))
            .group_by(INVESTMENT.c.plan_id, INVESTMENT.c.program_code).cte("program_totals"))


@lru_cache(maxsize=None)
def _per_line(of: Shape) -> Select[Any]:
    """Per PND line and department: the plans and programs tagged with it, and their investment."""
    counted = plan_ids(of).scalar_subquery()
    totals = _program_totals(of)
    return (select(TAGS.c.line_code, ENTITY.c.department_code, ENTITY.c.department_name,
                   func.count(TAGS.c.plan_id.distinct()).label("plans"), func.count().label("programs"),
                   func.coalesce(func.sum(totals.c.amount), 0).label("amount"))
            .select_from(TAGS.join(PLAN, PLAN.c.id == TAGS.c.plan_id).join(ENTITY, ENTITY.c.code == PLAN.c.entity_code)
                         .outerjoin(totals, and_(totals.c.plan_id == TAGS.c.plan_id,
                                                 totals.c.program_code == TAGS.c.program_code)))
            .where(TAGS.c.plan_id.in_(counted))
            .group_by(TAGS.c.line_code, ENTITY.c.department_code, ENTITY.c.department_name))


@lru_cache(maxsize=None)
def _overall(of: Shape) -> Select[Any]:
    """The counted plans, those with investment lines, those with a tag; the investment, and
    the part of it in programs without a PND line."""
    counted = plan_ids(of).subquery("counted")
    totals = _program_totals(of)
    tagged = exists().where(TAGS.c.plan_id == totals.c.plan_id, TAGS.c.program_code == totals.c.program_code)
    return select(
        select(func.count()).select_from(counted).scalar_subquery().label("plans"),
        select(func.count(totals.c.plan_id.distinct())).scalar_subquery().label("plans_with_investment"),
        select(func.count(TAGS.c.plan_id.distinct())).where(TAGS.c.plan_id.in_(select(counted.c.id)))
        .scalar_subquery().label("plans_tagged"),
        select(func.coalesce(func.sum(totals.c.amount), 0)).scalar_subquery().label("total"),
        select(func.coalesce(func.sum(totals.c.amount), 0)).where(~tagged).scalar_subquery().label("untagged"))


def pnd_totals(conn: Connection, filters: ReportFilters) -> dict[str, Any]:
    """The report's figures by line code: `lines` {code: {plans, programs, amount, by_department}}
    and the overall counts and sums (pesos as int)."""
    lines: dict[str, dict[str, Any]] = {}
    for code, department, department_name, plans, programs, amount in conn.execute(
            _per_line(shape(filters)), params(filters)):
        line = lines.setdefault(code, {"plans": 0, "programs": 0, "amount": 0, "by_department": []})
        line["plans"] += int(plans)
        line["programs"] += int(programs)
        line["amount"] += int(amount)
        line["by_department"].append({"code": department, "name": department_name, "plans": int(plans),
                                      "amount": int(amount)})
    overall = conn.execute(_overall(shape(filters)), params(filters)).one()
    return {"lines": lines, **{key: int(value) for key, value in overall._mapping.items()}}
