"""Which rules stop the counted plans most: attempts refused and plans, by `as_of`."""

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, func, select

from kpt_workflow.reports.filters import AS_OF, ReportFilters, Shape, params, shape
from kpt_workflow.reports.scope import plan_ids
from kpt_workflow.rules import rule_label
from kpt_workflow.storage.projections import BLOCKED_RULE_DAY


@lru_cache(maxsize=None)
def _blocking(of: Shape, limit: int) -> Select[Any]:
    blocked = BLOCKED_RULE_DAY
    per_plan = (select(blocked.c.rule, func.sum(blocked.c.attempts).label("attempts"),
                       func.max(blocked.c.basis).label("basis"))
                .where(blocked.c.legal_date <= AS_OF, blocked.c.plan_id.in_(plan_ids(of)))
                .group_by(blocked.c.rule, blocked.c.plan_id).subquery("per_plan"))  # not count(DISTINCT): no sort
    attempts = func.sum(per_plan.c.attempts).label("attempts")
    return (select(per_plan.c.rule, func.max(per_plan.c.basis), attempts, func.count())
            .group_by(per_plan.c.rule).order_by(attempts.desc(), per_plan.c.rule).limit(limit))


def top_blocking_rules(conn: Connection, filters: ReportFilters, limit: int = 10) -> list[dict[str, object]]:
    """The rules that failed most in refused steps by `as_of`: attempts they blocked and distinct
    plans. Summed from `blocked_rule_day`, the per-day projection of the failed outcomes the
    refusals recorded (its cost follows the days with refusals, not the size of the log); the
    legal basis is the one recorded there (`max()` over the outcomes, as the events hold it, not
    the rule's current basis: the record of a refusal is its event)."""
    return [{"rule": rule, "label": rule_label(rule), "basis": basis, "blocked_attempts": int(n), "plans": int(p)}
            for rule, basis, n, p in conn.execute(_blocking(shape(filters), limit), params(filters))]
