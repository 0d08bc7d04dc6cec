"""How long plans stay in each state: the median and the 90th percentile of their days, in SQL."""

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, Subquery, case, func, select, union_all

from kpt_workflow.lifecycle.engine import workflow
from kpt_workflow.reports.filters import AS_OF, ReportFilters, Shape, params, shape
from kpt_workflow.reports.scope import CREATION, created, entities, plan_ids, steps
from kpt_workflow.reports.sql_functions import days_between
from kpt_workflow.storage.recorder import EVENTS


@lru_cache(maxsize=None)
def _dwell(of: Shape) -> Select[Any]:
    """Per non-terminal state: plans that were in it, and 100 times the median and the 90th
    percentile of their days in it (see `dwell_by_state`)."""
    creations = (select(CREATION.c.plan_id, CREATION.c.seq, CREATION.c.to_state, CREATION.c.legal_date)
                 .select_from(created(entities(of))))
    moves = union_all(creations, steps().where(EVENTS.c.plan_id.in_(plan_ids(of)))).subquery("moves")
    left_on = func.coalesce(func.lead(moves.c.legal_date).over(partition_by=moves.c.plan_id, order_by=moves.c.seq),
                            AS_OF)
    visits = select(moves.c.plan_id, moves.c.to_state.label("state"),
                    days_between(moves.c.legal_date, left_on).label("days")).subquery("visits")
    stays = (select(visits.c.state, func.sum(visits.c.days).label("days"))
             .group_by(visits.c.plan_id, visits.c.state).subquery("stays"))
    ranked = select(stays.c.state, stays.c.days,
                    func.row_number().over(partition_by=stays.c.state, order_by=stays.c.days).label("rank"),
                    func.count().over(partition_by=stays.c.state).label("plans")).subquery("ranked")
    return (select(ranked.c.state, ranked.c.plans, _cut_point(ranked, 50), _cut_point(ranked, 90))
            .group_by(ranked.c.state, ranked.c.plans))


def dwell_by_state(conn: Connection, filters: ReportFilters) -> list[dict[str, object]]:
    """Days each plan spent in each non-terminal state, as median and 90th percentile over the
    plans that were in it: from the legal date a step put the plan in the state to the legal date
    of its next step, or to `as_of` if it is still there; a plan sent back to a state adds up its
    visits. Terminal states are left out (staying approved is no bottleneck).

    All in SQL: LEAD over each plan's creation and steps gives the days of each visit, summed per
    plan and state; the percentiles interpolate linearly between the closest ranks, as
    `statistics.quantiles(method="inclusive")` does (SQLite has no percentile function, so ranks
    and counts come from window functions: one row per state comes back)."""
    rows = conn.execute(_dwell(shape(filters)), params(filters))
    found = {state: (int(plans), median, p90) for state, plans, median, p90 in rows}
    definition = workflow(filters.workflow).definition
    return [{"state": s.name, "label": s.label, "plans": found.get(s.name, (0,))[0],
             "median_days": _days(found, s.name, 1), "p90_days": _days(found, s.name, 2)}
            for s in definition.states if not s.terminal]


def _cut_point(ranked: Subquery, percent: int) -> ColumnElement[int]:
    """100 times the `percent` cut point of each state's days, as `statistics.quantiles(n=100,
    method="inclusive")` computes it: with m = plans - 1, j = percent·m // 100 and
    d = percent·m % 100, it is (x[j]·(100 - d) + x[j+1]·d) / 100 over the sorted days x (from 0;
    `rank` counts from 1). With one plan it is that plan's days. Integer arithmetic throughout, so
    both databases and Python agree to the last bit."""
    position = percent * (ranked.c.plans - 1)
    j, d = position // 100, position % 100
    weighted = case((ranked.c.rank == j + 1, ranked.c.days * (100 - d)), (ranked.c.rank == j + 2, ranked.c.days * d),
                    else_=0)
    return func.sum(weighted)


def _days(found: Mapping[str, tuple[int, Any, Any]], state: str, column: int) -> float | None:
    """A cut point back in days, rounded to a tenth (None for a state no plan was in)."""
    if state not in found:
        return None
    return round(int(found[state][column]) / 100, 1)
