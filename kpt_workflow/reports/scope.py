"""Which plans a report counts and where each stood as of `as_of`, as SQL the reports build on.

The state of a plan as of a day is the `to_state` of its last `transition_applied` event by then
(else the state its `plan_created` event put it in); a plan created after `as_of` is not counted.
The events are read through partial indexes that hold only the plans' creations and applied
steps, so a report's cost follows the plans, not the size of the log.
"""

from typing import Any

from sqlalchemy import ColumnElement, FromClause, Join, Select, Subquery, and_, bindparam, func, literal_column, select

from kpt_workflow.lifecycle.engine import workflow
from kpt_workflow.reports.filters import AS_OF, ReportFilters, Shape
from kpt_workflow.storage.recorder import ENTITY, EVENTS, PLAN
from kpt_workflow.storage.reference_data import latest_categories
from kpt_workflow.storage.tables import APPLIED, CREATED


def entities(shape: Shape, *, category: bool = False) -> Subquery:
    """The entities that plan (departments and municipios) within the filters; with `category`,
    also the category of each (joined only when a caller reads it or the filters ask for it)."""
    query = (select(ENTITY.c.code, ENTITY.c.name, ENTITY.c.department_code, ENTITY.c.department_name)
             .where(ENTITY.c.plans_own_pdt))
    if shape.department:
        query = query.where(ENTITY.c.department_code == bindparam("department_code"))
    if category or shape.category:
        latest = latest_categories().subquery("category")
        query = query.add_columns(latest.c.category).outerjoin_from(ENTITY, latest,
                                                                     latest.c.entity_code == ENTITY.c.code)
        if shape.category:
            query = query.where(latest.c.category == bindparam("category"))
    return query.subquery("entities")


CREATION = EVENTS.alias("created")
"""A plan's `plan_created` event (its version 1)."""


def of_type(events: FromClause, event_type: str) -> ColumnElement[bool]:
    """The predicate of the event type's partial index (`models.MOVE_INDEXES`), with the type as a
    literal in the SQL: a bound parameter would not match the index's predicate in a plan made
    before the value is known (PostgreSQL's generic plans)."""
    return events.c.event_type == literal_column(f"'{event_type}'")


def created(counted: Subquery) -> Join:
    """The plans of the `counted` entities under the filters' workflow and of their period created
    by `as_of`, joined to their `plan_created` event."""
    return PLAN.join(counted, and_(counted.c.code == PLAN.c.entity_code, PLAN.c.period == bindparam("period"),
                                   PLAN.c.definition_name == bindparam("workflow"))).join(
        CREATION, and_(CREATION.c.plan_id == PLAN.c.id, of_type(CREATION, CREATED), CREATION.c.legal_date <= AS_OF))


def plan_ids(shape: Shape) -> Select[tuple[str]]:
    """The ids of the plans a report counts: of the filtered entities, created by `as_of`."""
    return select(PLAN.c.id).select_from(created(entities(shape)))


def steps() -> Select[Any]:
    """(plan_id, seq, to_state, legal_date) of every applied step by `as_of`: read from the
    partial index alone, whose size follows the plans' steps, not the refused attempts."""
    return (select(EVENTS.c.plan_id, EVENTS.c.seq, EVENTS.c.to_state, EVENTS.c.legal_date)
            .where(of_type(EVENTS, APPLIED), EVENTS.c.legal_date <= AS_OF))


def _last_steps() -> Subquery:
    """Each plan's last applied step by `as_of`."""
    applied = steps().subquery("steps")
    ranked = select(applied, func.row_number().over(partition_by=applied.c.plan_id, order_by=applied.c.seq.desc())
                    .label("rank")).subquery("ranked")
    return (select(ranked.c.plan_id, ranked.c.to_state, ranked.c.legal_date)
            .where(ranked.c.rank == 1).subquery("last_step"))


def plans(shape: Shape, *, detail: bool = False) -> Subquery:
    """Each plan of the filtered entities created by `as_of`, with its state as of that day and
    the legal date it entered it; with `detail`, also what the drill-down table shows of it."""
    counted, step = entities(shape, category=detail), _last_steps()
    columns = [PLAN.c.id, func.coalesce(step.c.to_state, CREATION.c.to_state).label("state"),
               func.coalesce(step.c.legal_date, CREATION.c.legal_date).label("state_entered_on")]
    if detail:
        columns += [PLAN.c.entity_code, counted.c.name.label("entity_name"), counted.c.department_code,
                    counted.c.department_name, counted.c.category, PLAN.c.period, PLAN.c.version,
                    PLAN.c.definition_name, PLAN.c.definition_version]
    return (select(*columns)
            .select_from(created(counted).outerjoin(step, step.c.plan_id == PLAN.c.id))
            .subquery("plans"))


def state_labels(filters: ReportFilters) -> dict[str, str]:
    """The workflow's states in lifecycle order, with their labels."""
    return {s.name: s.label for s in workflow(filters.workflow).definition.states}
