"""The drill-down table of a bottleneck report: one row per counted plan."""

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, select

from kpt_workflow.lifecycle.engine import workflow
from kpt_workflow.reports.filters import ReportFilters, Shape, params, shape
from kpt_workflow.reports.late_deadlines import LateDeadlines, late_deadlines
from kpt_workflow.reports.scope import plans, state_labels


@lru_cache(maxsize=None)
def _heads(of: Shape) -> Select[Any]:
    """The plans in detail, ordered by DIVIPOLA code (each department before its municipalities) and period."""
    counted = plans(of, detail=True)
    return select(counted).order_by(counted.c.entity_code, counted.c.period)


def plan_rows(conn: Connection, filters: ReportFilters, found: LateDeadlines | None = None) -> list[dict[str, object]]:
    """One row per plan, with the deadlines it is past (`found`, if the caller computed them
    already). `version` is the plan's current version (what a change must cite), not the one of
    `as_of`; everything else is as of `as_of`. The late deadlines come as codes (for scripts) and
    as the labels people read (`late_labels`)."""
    if found is None:
        found = late_deadlines(conn, filters)
    labels = state_labels(filters)
    terms = {d.code: d.label for d in workflow(filters.workflow).definition.deadlines}
    return [{"id": r.id, "entity_code": r.entity_code, "entity_name": r.entity_name,
             "department_code": r.department_code, "department_name": r.department_name, "category": r.category,
             "state": r.state, "state_label": labels.get(r.state, r.state),
             "state_entered_on": r.state_entered_on.isoformat(), "version": r.version,
             "late_deadlines": (late := found.codes_by_plan.get(r.id, [])),
             "late_labels": [terms.get(code, code) for code in late]}
            for r in conn.execute(_heads(shape(filters)), params(filters))]
