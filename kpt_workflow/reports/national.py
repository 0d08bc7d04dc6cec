"""The DNP's and the departments' bottleneck reports: where plans stand, how long they stay in each
state, which legal terms they missed and which rules stop them, by department and category.

Every report is "as of" a legal date: only events and documents whose legal date is on or before
`as_of` count, so a report of a past day shows what the record said of that day. The state of a
plan as of that day is the `to_state` of its last `transition_applied` event by then (else the
state its `plan_created` event put it in); a plan created after `as_of` is not counted.

Everything runs in SQL (Core) on both databases, the dwell percentiles and the late deadlines
included: a deadline's day is looked up in `term_end`, the calendar's computation
(`kpt_workflow.law.deadlines`) stored as a table, so the status view and the reports cannot disagree
on a date. The events are read through partial indexes that hold only the plans' creations and
applied steps, and refused attempts through their per-day projection `blocked_rule_day`: a
report's cost follows the plans and the days with refusals, not the size of the log (about the
same with 100 thousand events or a million). `national_report` takes one snapshot for all its
queries.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import (CTE, ColumnElement, Connection, Date, FromClause, Integer, Join, Row, Select, Subquery, and_,
                        bindparam, case, func, literal, literal_column, null, or_, select, text, union_all)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeEngine

from kpt_workflow.law import calendar
from kpt_workflow.reference.categories import ALL_CATEGORIES
from kpt_workflow.storage.reference_data import latest_categories
from kpt_workflow.lifecycle.engine import all_definitions, chosen_workflow, default_workflow, workflow
from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.law.facts import FILED
from kpt_workflow.storage.tables import APPLIED, CREATED
from kpt_workflow.storage.projections import BLOCKED_RULE_DAY
from kpt_workflow.storage.repository import holds_synthetic_demo
from kpt_workflow.storage.recorder import DOCUMENT, ENTITY, EVENTS, PLAN
from kpt_workflow.states.schema import PERIOD_START, DeadlineSpec, DefinitionSpec
from kpt_workflow.storage.term_ends import TERM_END, term_key


def _default_workflow_name() -> str:
    return default_workflow().definition.name


@dataclass(frozen=True)
class ReportFilters:
    """`department_code`: a department's two digits (its own plan and its municipalities' plans);
    `category`: the entity's category of its latest year on record; `as_of`: the legal "today";
    `workflow`: whose plans are counted (the default workflow's, the PDT, unless named): another
    workflow's plans are never counted as PDTs, nor its states mixed with theirs."""

    department_code: str | None = None
    category: str | None = None
    as_of: date = field(default_factory=calendar.today_in_colombia)
    workflow: str = field(default_factory=_default_workflow_name)

    def __post_init__(self) -> None:
        chosen_workflow(self.workflow)  # an unknown name is refused, naming the workflows that exist
        code = self.department_code
        if code is not None and (len(code) != 2 or not code.isdigit()):
            raise InvalidInput(f"Código de departamento '{code}' inválido: use sus dos dígitos DIVIPOLA (p. ej. 05).",
                               field="departamento")
        if self.category is not None and self.category not in ALL_CATEGORIES:
            raise InvalidInput(f"Categoría '{self.category}' inválida: use una de {', '.join(ALL_CATEGORIES)}.",
                               field="categoria")

    def as_dict(self) -> dict[str, object]:
        return {"department_code": self.department_code, "category": self.category, "as_of": self.as_of.isoformat(),
                "workflow": self.workflow}


def _sql_function(name: str, type_: TypeEngine[Any], *, sqlite: str, postgresql: str) -> type[FunctionElement[Any]]:
    """A function each database writes its own way: `sqlite` and `postgresql` are the SQL, with
    the arguments as {0}, {1}…"""
    function: type[FunctionElement[Any]] = type(name, (FunctionElement,), {"type": type_, "name": name,
                                                                            "inherit_cache": True})
    for dialect, template in (("sqlite", sqlite), ("postgresql", postgresql)):
        def written(element: FunctionElement[Any], compiler: SQLCompiler, template: str = template, **kw: Any) -> str:
            return template.format(*(compiler.process(clause, **kw) for clause in element.clauses))
        compiles(function, dialect)(written)
    return function


# Whole days from the first date to the second (PostgreSQL: date - date is a number of days).
_days_between = _sql_function("days_between", Integer(), sqlite="CAST(julianday({1}) - julianday({0}) AS INTEGER)",
                              postgresql="({1} - {0})")
# 1 January of a period's first year (`calendar.period_start`), from a plan's `period` (SQLite's dates are ISO text).
_period_start = _sql_function("period_start", Date(), sqlite="printf('%04d-01-01', {0})",
                              postgresql="make_date({0}, 1, 1)")


@dataclass(frozen=True)
class _Shape:
    """Which filters a report applies. Its statements are built once per shape and kept (building
    and compiling them costs about as much as running the small ones); `as_of`, the department,
    the category and the workflow are bound when they run (`_params`). The workflow is part of
    the shape too: its definitions' deadlines are written into the statements."""

    department: bool
    category: bool
    workflow: str


def _shape(filters: ReportFilters) -> _Shape:
    return _Shape(department=filters.department_code is not None, category=filters.category is not None,
                  workflow=filters.workflow)


def _params(filters: ReportFilters, **more: object) -> dict[str, object]:
    return {"as_of": filters.as_of, "department_code": filters.department_code, "category": filters.category,
            "workflow": filters.workflow, **more}


_AS_OF = bindparam("as_of", type_=Date())
_ONE_SNAPSHOT = text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def _entities(shape: _Shape, *, category: bool = False) -> Subquery:
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


# A plan's `plan_created` event (its version 1).
_CREATED = EVENTS.alias("created")


def _is(events: FromClause, event_type: str) -> ColumnElement[bool]:
    """The predicate of the event type's partial index (`models.MOVE_INDEXES`), with the type as a
    literal in the SQL: a bound parameter would not match the index's predicate in a plan made
    before the value is known (PostgreSQL's generic plans)."""
    return events.c.event_type == literal_column(f"'{event_type}'")


def _created(entities: Subquery) -> Join:
    """The plans of `entities` under the filters' workflow created by `as_of`, joined to their
    `plan_created` event."""
    return PLAN.join(entities, and_(entities.c.code == PLAN.c.entity_code,
                                    PLAN.c.definition_name == bindparam("workflow"))).join(
        _CREATED, and_(_CREATED.c.plan_id == PLAN.c.id, _is(_CREATED, CREATED), _CREATED.c.legal_date <= _AS_OF))


def _plan_ids(shape: _Shape) -> Select[tuple[str]]:
    """The ids of the plans a report counts: of the filtered entities, created by `as_of`."""
    return select(PLAN.c.id).select_from(_created(_entities(shape)))


def _steps() -> Select[Any]:
    """(plan_id, seq, to_state, legal_date) of every applied step by `as_of`: read from the
    partial index alone, whose size follows the plans' steps, not the refused attempts."""
    return (select(EVENTS.c.plan_id, EVENTS.c.seq, EVENTS.c.to_state, EVENTS.c.legal_date)
            .where(_is(EVENTS, APPLIED), EVENTS.c.legal_date <= _AS_OF))


def _last_steps() -> Subquery:
    """Each plan's last applied step by `as_of`."""
    steps = _steps().subquery("steps")
    ranked = select(steps, func.row_number().over(partition_by=steps.c.plan_id, order_by=steps.c.seq.desc())
                    .label("rank")).subquery("ranked")
    return (select(ranked.c.plan_id, ranked.c.to_state, ranked.c.legal_date)
            .where(ranked.c.rank == 1).subquery("last_step"))


def _plans(shape: _Shape, *, detail: bool = False) -> Subquery:
    """Each plan of the filtered entities created by `as_of`, with its state as of that day and
    the legal date it entered it; with `detail`, also what the drill-down table shows of it."""
    entities, step = _entities(shape, category=detail), _last_steps()
    columns = [PLAN.c.id, func.coalesce(step.c.to_state, _CREATED.c.to_state).label("state"),
               func.coalesce(step.c.legal_date, _CREATED.c.legal_date).label("state_entered_on")]
    if detail:
        columns += [PLAN.c.entity_code, entities.c.name.label("entity_name"), entities.c.department_code,
                    entities.c.department_name, entities.c.category, PLAN.c.period, PLAN.c.version,
                    PLAN.c.definition_name, PLAN.c.definition_version]
    return (select(*columns)
            .select_from(_created(entities).outerjoin(step, step.c.plan_id == PLAN.c.id))
            .subquery("plans"))


def _state_labels(filters: ReportFilters) -> dict[str, str]:
    return {s.name: s.label for s in workflow(filters.workflow).definition.states}


@lru_cache(maxsize=None)
def _entity_count(shape: _Shape) -> Select[tuple[int]]:
    return select(func.count()).select_from(_entities(shape))


def planning_entities(conn: Connection, filters: ReportFilters) -> int:
    """How many entities plan within the filters (1,134 nationally: 32 departments + 1,102 municipios)."""
    return int(conn.execute(_entity_count(_shape(filters)), _params(filters)).scalar_one())


@lru_cache(maxsize=None)
def _state_counts(shape: _Shape) -> Select[tuple[str, int]]:
    plans = _plans(shape)
    return select(plans.c.state, func.count()).group_by(plans.c.state)


def plans_by_state(conn: Connection, filters: ReportFilters) -> list[dict[str, object]]:
    """How many plans are in each state as of `as_of`, in lifecycle order (zeros included)."""
    counts = dict(conn.execute(_state_counts(_shape(filters)), _params(filters)).all())
    labels = _state_labels(filters)
    states = [*labels, *sorted(set(counts) - set(labels))]  # a state only older definitions had goes last
    return [{"state": s, "label": labels.get(s, s), "count": int(counts.get(s, 0))} for s in states]


DEPARTMENT, CATEGORY = "department", "category"  # the two groupings of `_groups`


@lru_cache(maxsize=None)
def _groups(shape: _Shape) -> Select[Any]:
    """Plans per state within each department and within each category: one statement, whose
    plans (a common table expression) both groupings count."""
    plans = _plans(shape, detail=True).element.cte("grouped_plans")
    per_department = (select(literal(DEPARTMENT).label("grouping"), plans.c.department_code.label("key"),
                             plans.c.department_name.label("name"), plans.c.state, func.count().label("plans"))
                      .group_by(plans.c.department_code, plans.c.department_name, plans.c.state))
    per_category = (select(literal(CATEGORY), plans.c.category, plans.c.category, plans.c.state, func.count())
                    .group_by(plans.c.category, plans.c.state))
    return union_all(per_department, per_category)


def plans_by_group(conn: Connection, filters: ReportFilters) -> dict[str, list[dict[str, object]]]:
    """Where the plans of each department (by DIVIPOLA code) and of each category (Especial, 1
    to 6, then those without one on record) stand as of `as_of`: plans per state, in lifecycle
    order with zeros, and their total."""
    states = list(_state_labels(filters))
    found: dict[tuple[str, str | None], dict[str, Any]] = {}
    for grouping, key, name, state, plans in conn.execute(_groups(_shape(filters)), _params(filters)):
        group = found.setdefault((grouping, key), {"code": key, "name": name, "plans": 0,
                                                   "by_state": dict.fromkeys(states, 0)})
        group["by_state"][state] = int(plans)
        group["plans"] += int(plans)
    category_order = {category: n for n, category in enumerate(ALL_CATEGORIES)}
    return {
        "by_department": [found[key] for key in sorted(k for k in found if k[0] == DEPARTMENT)],
        "by_category": sorted((g for (grouping, _), g in found.items() if grouping == CATEGORY),
                              key=lambda g: category_order.get(g["code"], len(category_order))),
    }


@lru_cache(maxsize=None)
def _dwell(shape: _Shape) -> Select[Any]:
    """Per non-terminal state: plans that were in it, and 100 times the median and the 90th
    percentile of their days in it (see `dwell_by_state`)."""
    created = (select(_CREATED.c.plan_id, _CREATED.c.seq, _CREATED.c.to_state, _CREATED.c.legal_date)
               .select_from(_created(_entities(shape))))
    steps = _steps().where(EVENTS.c.plan_id.in_(_plan_ids(shape)))
    moves = union_all(created, steps).subquery("moves")
    left_on = func.coalesce(func.lead(moves.c.legal_date).over(partition_by=moves.c.plan_id, order_by=moves.c.seq),
                            _AS_OF)
    visits = select(moves.c.plan_id, moves.c.to_state.label("state"),
                    _days_between(moves.c.legal_date, left_on).label("days")).subquery("visits")
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
    rows = conn.execute(_dwell(_shape(filters)), _params(filters))
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


@lru_cache(maxsize=None)
def _heads(shape: _Shape) -> Select[Any]:
    plans = _plans(shape, detail=True)
    return select(plans).order_by(plans.c.entity_code, plans.c.period)


def _plan_heads(conn: Connection, filters: ReportFilters) -> Sequence[Row[Any]]:
    """The drill-down table's plans (`_plans` in detail), ordered by DIVIPOLA code and period."""
    return conn.execute(_heads(_shape(filters)), _params(filters)).all()


def _definitions(workflow_name: str) -> list[DefinitionSpec]:
    """Every version of the workflow: its plans may have started under any."""
    return [d for d in all_definitions() if d.name == workflow_name]


def _deadline_terms(workflow_name: str) -> Subquery:
    """One row per term of each deadline of every version of the workflow (the YAML's data, a few
    dozen rows), with the deadline's position in its definition, what anchors and meets it and
    which reading it uses."""
    rows = [select(literal(d.name).label("definition_name"), literal(d.version).label("definition_version"),
                   literal(position).label("position"), literal(spec.code).label("code"),
                   literal(spec.anchor).label("anchor"), literal(spec.met_by).label("met_by"),
                   literal(spec.use).label("use"), literal(unit).label("unit"), literal(length).label("length"))
            for d in _definitions(workflow_name) for position, spec in enumerate(d.deadlines)
            for unit, length in map(term_key, spec.terms)]
    return union_all(*rows).subquery("deadline_term")


def _documents_read(workflow_name: str) -> list[str]:
    """The document types that anchor or meet a deadline of some version of the workflow."""
    read = {doc for d in _definitions(workflow_name) for spec in d.deadlines for doc in (spec.anchor, spec.met_by)}
    return sorted(read - {PERIOD_START})


def _filings(workflow_name: str) -> CTE:
    """One row per plan with filings by `as_of`: for each document type read, if its latest version
    by then is filed, the legal date of that filing (`<type>`, from which a term runs: a new
    filing restarts it) and of the type's first filing (`<type>_first`, which meets a deadline):
    `repository.latest_documents` as of a day, folded as `facts.latest_per_type` folds the
    versions. One row per plan, not per document type: a deadline reads its columns. (Grouping
    and looking the two versions up by key costs SQLite about half what window functions do.)"""
    document = DOCUMENT.c
    kept = (select(document.plan_id, document.doc_type, func.max(document.version).label("newest"),
                   func.min(case((document.status == FILED, document.version))).label("first"))
            .where(document.doc_type.in_(_documents_read(workflow_name)), document.legal_date <= _AS_OF)
            .group_by(document.plan_id, document.doc_type).subquery("kept"))
    latest, first = DOCUMENT.alias("latest"), DOCUMENT.alias("first_filing")

    def version(of: FromClause, number: ColumnElement[int]) -> ColumnElement[bool]:
        return and_(of.c.plan_id == kept.c.plan_id, of.c.doc_type == kept.c.doc_type, of.c.version == number)

    filed, dates = latest.c.status == FILED, (("", latest.c.legal_date), ("_first", first.c.legal_date))
    columns = [func.max(case((and_(kept.c.doc_type == doc, filed), day))).label(f"{doc}{suffix}")
               for doc in _documents_read(workflow_name) for suffix, day in dates]
    return (select(kept.c.plan_id, *columns)
            .select_from(kept.join(latest, version(latest, kept.c.newest))
                         .outerjoin(first, version(first, kept.c.first)))
            .group_by(kept.c.plan_id).cte("filings").prefix_with("MATERIALIZED"))  # computed once


def _late(shape: _Shape) -> Select[Any]:
    """(plan_id, position, code, met_on) of each deadline a counted plan is past as of `as_of`: met
    after its day, or unmet with the day gone (`deadlines.Deadline.is_late`). A term runs from the
    period's start or from the current filing of its anchor document; its day is looked up in
    `term_end` (the calendar's own computation, as a table) and taken as the earliest of its
    readings for an `aviso`, the latest for a `permiso`; it is met by the first filing of the
    document that meets it, if that document is filed now. A deadline whose anchor act is
    missing has no day yet, and is late for nobody."""
    counted = (select(PLAN.c.id, PLAN.c.period, PLAN.c.definition_name, PLAN.c.definition_version)
               .select_from(_created(_entities(shape))).subquery("counted"))
    term, filings, read = _deadline_terms(shape.workflow), _filings(shape.workflow), _documents_read(shape.workflow)
    anchor_day = case((term.c.anchor == PERIOD_START, _period_start(counted.c.period)),
                      *((term.c.anchor == doc, filings.c[doc]) for doc in read))
    met_on = case(*((term.c.met_by == doc, filings.c[f"{doc}_first"]) for doc in read))
    # Each plan's terms with the day each runs from, computed once: `term_end` is then joined on
    # plain columns, by its key, however little the planner knows of the tables (PostgreSQL
    # without statistics scanned the whole table for each term to match a computed day).
    terms = (select(counted.c.id.label("plan_id"), term.c.position, term.c.code, term.c.use, term.c.unit,
                    term.c.length, anchor_day.label("anchor_day"), met_on.label("met_on"))
             .select_from(counted
                          .join(term, and_(term.c.definition_name == counted.c.definition_name,
                                           term.c.definition_version == counted.c.definition_version))
                          .outerjoin(filings, filings.c.plan_id == counted.c.id))
             .cte("plan_term").prefix_with("MATERIALIZED"))
    day = case((terms.c.use == "aviso", func.min(TERM_END.c.earliest)), else_=func.max(TERM_END.c.latest))
    met = func.max(terms.c.met_on)  # the same for each term of a deadline
    return (select(terms.c.plan_id, terms.c.position, terms.c.code, met.label("met_on"))
            .select_from(terms.outerjoin(TERM_END, and_(TERM_END.c.unit == terms.c.unit,
                                                        TERM_END.c.length == terms.c.length,
                                                        TERM_END.c.anchor_day == terms.c.anchor_day)))
            .group_by(terms.c.plan_id, terms.c.position, terms.c.code, terms.c.use)
            .having(or_(met > day, and_(met.is_(None), _AS_OF > day))))


@lru_cache(maxsize=None)
def _late_report(shape: _Shape) -> Select[Any]:
    """The late deadlines of each plan (plan_id, code; in its definition's order) and, in rows
    without a plan, per deadline code the plans past it and how many of them met it late: both
    from one computation of `_late` (a common table expression the databases compute once)."""
    late = _late(shape).cte("late")
    per_plan = select(late.c.plan_id, late.c.position, late.c.code, null().label("plans"), null().label("met"))
    per_code = select(null(), null(), late.c.code, func.count(), func.count(late.c.met_on)).group_by(late.c.code)
    merged = union_all(per_plan, per_code).subquery("merged")
    return select(merged).order_by(merged.c.plan_id, merged.c.position)


@dataclass(frozen=True)
class _LateDeadlines:
    codes_by_plan: dict[str, list[str]]
    late_and_met: dict[str, tuple[int, int]]  # per deadline code: plans past it, and of them met late


def _late_deadlines(conn: Connection, filters: ReportFilters) -> _LateDeadlines:
    codes_by_plan: dict[str, list[str]] = {}
    late_and_met: dict[str, tuple[int, int]] = {}
    if not any(d.deadlines for d in _definitions(filters.workflow)):  # no legal terms: no plan of it is late
        return _LateDeadlines(codes_by_plan, late_and_met)
    for plan_id, _, code, late, met in conn.execute(_late_report(_shape(filters)), _params(filters)):
        if plan_id is None:
            late_and_met[code] = (int(late), int(met))
        else:
            codes_by_plan.setdefault(plan_id, []).append(code)
    return _LateDeadlines(codes_by_plan, late_and_met)


def past_deadlines(conn: Connection, filters: ReportFilters) -> list[dict[str, object]]:
    """Per deadline: plans past it as of `as_of`, met late or still unmet."""
    return _past_deadlines(filters, _late_deadlines(conn, filters))


def _past_deadlines(filters: ReportFilters, found: _LateDeadlines) -> list[dict[str, object]]:
    """The current definition's deadlines first, then any other that an older definition declares."""
    report = []
    for code, spec in _deadline_catalog(filters.workflow).items():
        late, met = found.late_and_met.get(code, (0, 0))
        report.append({"code": code, "label": spec.label, "basis": spec.basis, "late_plans": late,
                       "late_unmet": late - met, "late_met": met})
    return report


def _deadline_catalog(workflow_name: str) -> dict[str, DeadlineSpec]:
    by_code = {spec.code: spec for spec in workflow(workflow_name).definition.deadlines}
    for spec in (s for d in _definitions(workflow_name) for s in d.deadlines):
        by_code.setdefault(spec.code, spec)
    return by_code


@lru_cache(maxsize=None)
def _blocking(shape: _Shape, limit: int) -> Select[Any]:
    blocked = BLOCKED_RULE_DAY
    per_plan = (select(blocked.c.rule, func.sum(blocked.c.attempts).label("attempts"),
                       func.max(blocked.c.basis).label("basis"))
                .where(blocked.c.legal_date <= _AS_OF, blocked.c.plan_id.in_(_plan_ids(shape)))
                .group_by(blocked.c.rule, blocked.c.plan_id).subquery("per_plan"))  # not count(DISTINCT): no sort
    attempts = func.sum(per_plan.c.attempts).label("attempts")
    return (select(per_plan.c.rule, func.max(per_plan.c.basis), attempts, func.count())
            .group_by(per_plan.c.rule).order_by(attempts.desc(), per_plan.c.rule).limit(limit))


def top_blocking_rules(conn: Connection, filters: ReportFilters, limit: int = 10) -> list[dict[str, object]]:
    """The rules that failed most in refused steps by `as_of`: attempts they blocked and distinct
    plans. Summed from `blocked_rule_day`, the per-day projection of the failed outcomes the
    refusals recorded; the legal basis is the one recorded there (`max()` over the outcomes, as
    the events hold it, not the rule's current basis: the record of a refusal is its event)."""
    return [{"rule": rule, "basis": basis, "blocked_attempts": int(n), "plans": int(p)}
            for rule, basis, n, p in conn.execute(_blocking(_shape(filters), limit), _params(filters))]


def plan_rows(conn: Connection, filters: ReportFilters) -> list[dict[str, object]]:
    """The drill-down table: one row per plan, ordered by DIVIPOLA code (each department before
    its municipalities). `version` is the plan's current version (what a change must cite), not
    the one of `as_of`; everything else is as of `as_of`."""
    return _plan_rows(conn, filters, _late_deadlines(conn, filters))


def _plan_rows(conn: Connection, filters: ReportFilters, found: _LateDeadlines) -> list[dict[str, object]]:
    labels = _state_labels(filters)
    return [{"id": r.id, "entity_code": r.entity_code, "entity_name": r.entity_name,
             "department_code": r.department_code, "department_name": r.department_name, "category": r.category,
             "state": r.state, "state_label": labels.get(r.state, r.state),
             "state_entered_on": r.state_entered_on.isoformat(), "version": r.version,
             "late_deadlines": found.codes_by_plan.get(r.id, [])} for r in _plan_heads(conn, filters)]


def national_report(conn: Connection, filters: ReportFilters) -> dict[str, object]:
    """Every report above for one set of filters, with how many entities plan in it and how many
    plans they have by `as_of`, and whether the data is the synthetic demo: what the DNP's (or a
    department's) page, export, API and command show. `conn`
    must not have run a statement in its transaction yet: on PostgreSQL the report takes one
    snapshot (REPEATABLE READ), so its parts agree with each other while steps go on."""
    if conn.dialect.name == "postgresql":
        conn.execute(_ONE_SNAPSHOT)
    late = _late_deadlines(conn, filters)
    rows = _plan_rows(conn, filters, late)
    return {
        "filters": filters.as_dict(),
        "synthetic": holds_synthetic_demo(conn),
        "planning_entities": planning_entities(conn, filters),
        "plans": len(rows),
        "plans_by_state": plans_by_state(conn, filters),
        **plans_by_group(conn, filters),
        "dwell_by_state": dwell_by_state(conn, filters),
        "past_deadlines": _past_deadlines(filters, late),
        "top_blocking_rules": top_blocking_rules(conn, filters),
        "plan_rows": rows,
    }
