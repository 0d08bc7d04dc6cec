"""How many entities plan, and how many of their plans stand in each state, nationally, per
department and per category, as of `as_of`."""

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, func, literal, select, union_all

from kpt_workflow.reference.categories import ALL_CATEGORIES
from kpt_workflow.reports.filters import ReportFilters, Shape, params, shape
from kpt_workflow.reports.scope import entities, plans, state_labels


@lru_cache(maxsize=None)
def _entity_count(of: Shape) -> Select[tuple[int]]:
    return select(func.count()).select_from(entities(of))


def planning_entities(conn: Connection, filters: ReportFilters) -> int:
    """How many entities plan within the filters (1,134 nationally: 32 departments + 1,102 municipios)."""
    return int(conn.execute(_entity_count(shape(filters)), params(filters)).scalar_one())


@lru_cache(maxsize=None)
def _state_counts(of: Shape) -> Select[tuple[str, int]]:
    counted = plans(of)
    return select(counted.c.state, func.count()).group_by(counted.c.state)


def plans_by_state(conn: Connection, filters: ReportFilters) -> list[dict[str, object]]:
    """How many plans are in each state as of `as_of`, in lifecycle order (zeros included)."""
    counts = dict(conn.execute(_state_counts(shape(filters)), params(filters)).all())
    labels = state_labels(filters)
    states = [*labels, *sorted(set(counts) - set(labels))]  # a state only older definitions had goes last
    return [{"state": s, "label": labels.get(s, s), "count": int(counts.get(s, 0))} for s in states]


DEPARTMENT, CATEGORY = "department", "category"  # the two groupings of `_groups`


@lru_cache(maxsize=None)
def _groups(of: Shape) -> Select[Any]:
    """Plans per state within each department and within each category: one statement, whose
    plans (a common table expression) both groupings count."""
    grouped = plans(of, detail=True).element.cte("grouped_plans")
    per_department = (select(literal(DEPARTMENT).label("grouping"), grouped.c.department_code.label("key"),
                             grouped.c.department_name.label("name"), grouped.c.state, func.count().label("plans"))
                      .group_by(grouped.c.department_code, grouped.c.department_name, grouped.c.state))
    per_category = (select(literal(CATEGORY), grouped.c.category, grouped.c.category, grouped.c.state, func.count())
                    .group_by(grouped.c.category, grouped.c.state))
    return union_all(per_department, per_category)


def plans_by_group(conn: Connection, filters: ReportFilters) -> dict[str, list[dict[str, object]]]:
    """Where the plans of each department (by DIVIPOLA code) and of each category (Especial, 1
    to 6, then those without one on record) stand as of `as_of`: plans per state, in lifecycle
    order with zeros, and their total."""
    states = list(state_labels(filters))
    found: dict[tuple[str, str | None], dict[str, Any]] = {}
    for grouping, key, name, state, count in conn.execute(_groups(shape(filters)), params(filters)):
        group = found.setdefault((grouping, key), {"code": key, "name": name, "plans": 0,
                                                   "by_state": dict.fromkeys(states, 0)})
        group["by_state"][state] = int(count)
        group["plans"] += int(count)
    category_order = {category: n for n, category in enumerate(ALL_CATEGORIES)}
    return {
        "by_department": [found[key] for key in sorted(k for k in found if k[0] == DEPARTMENT)],
        "by_category": sorted((g for (grouping, _), g in found.items() if grouping == CATEGORY),
                              key=lambda g: category_order.get(g["code"], len(category_order))),
    }
