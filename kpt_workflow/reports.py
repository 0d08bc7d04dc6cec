"""The DNP's and the departments' bottleneck reports: where plans stand, how long they stay in each
state, which legal terms they missed and which rules stop them, by department and category.

Every report is "as of" a legal date: only events and documents whose legal date is on or before
`as_of` count, so a report of a past day shows what the record said of that day. The state of a
plan as of that day is the `to_state` of its last `transition_applied` event by then (else the
state its `plan_created` event put it in); a plan created after `as_of` is not counted.

Aggregations run in SQL (Core) on both databases, the dwell percentiles included; Python only
computes the deadlines of each plan (the one calendar computation, `kpt_workflow.deadlines`, over
documents read in one query). The events are read through partial indexes that hold only the
plans' creations and applied steps, and refused attempts through their per-day projection
`blocked_rule_day`: a report's cost follows the plans and the days with refusals, not the size of
the log (about the same with 100 thousand events or a million).
Run a whole report in one transaction (REPEATABLE READ on PostgreSQL gives all its queries one
snapshot).
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import (ColumnElement, Connection, Date, FromClause, Integer, Join, Row, Select, Subquery, and_,
                        bindparam, case, func, literal_column, select, union_all)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from kpt_workflow import calendar
from kpt_workflow import deadlines as deadline_terms
from kpt_workflow.categories import ALL_CATEGORIES, latest_categories
from kpt_workflow.engine import workflow
from kpt_workflow.errors import InvalidInput
from kpt_workflow.facts import latest_per_type
from kpt_workflow.models import APPLIED, CREATED
from kpt_workflow.projections import BLOCKED_RULE_DAY
from kpt_workflow.recorder import DOCUMENT, ENTITY, EVENTS, PLAN
from kpt_workflow.states.schema import PERIOD_START, DeadlineSpec

WORKFLOW_NAME = "pdt"


@dataclass(frozen=True)
class ReportFilters:
    """`department_code`: a department's two digits (its own plan and its municipalities' plans);
    `category`: the entity's category of its latest year on record; `as_of`: the legal "today"."""

    department_code: str | None = None
    category: str | None = None
    as_of: date = field(default_factory=calendar.today_in_colombia)

    def __post_init__(self) -> None:
        code = self.department_code
        if code is not None and (len(code) != 2 or not code.isdigit()):
            raise InvalidInput(f"Código de departamento '{code}' inválido: use sus dos dígitos DIVIPOLA (p. ej. 05).",
                               field="departamento")
        if self.category is not None and self.category not in ALL_CATEGORIES:
            raise InvalidInput(f"Categoría '{self.category}' inválida: use una de {', '.join(ALL_CATEGORIES)}.",
                               field="categoria")

    def as_dict(self) -> dict[str, object]:
        return {"department_code": self.department_code, "category": self.category, "as_of": self.as_of.isoformat()}


class _days_between(FunctionElement[int]):
    """Whole days from the first date to the second, in each database's own date arithmetic."""

    type = Integer()
    name = "days_between"
    inherit_cache = True


@compiles(_days_between, "sqlite")
def _days_between_sqlite(element: _days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


@compiles(_days_between)
def _days_between_default(element: _days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({end} - {start})"  # PostgreSQL: date - date is an integer number of days


@dataclass(frozen=True)
class _Shape:
    """Which filters a report applies. Its statements are built once per shape and kept (building
    and compiling them costs about as much as running the small ones); `as_of`, the department
    and the category are bound when they run (`_params`)."""

    department: bool
    category: bool


def _shape(filters: ReportFilters) -> _Shape:
    return _Shape(department=filters.department_code is not None, category=filters.category is not None)


def _params(filters: ReportFilters, **more: object) -> dict[str, object]:
    return {"as_of": filters.as_of, "department_code": filters.department_code, "category": filters.category, **more}


_AS_OF = bindparam("as_of", type_=Date())


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
    """The plans of `entities` created by `as_of`, joined to their `plan_created` event."""
    return PLAN.join(entities, entities.c.code == PLAN.c.entity_code).join(
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


def _state_labels() -> dict[str, str]:
    return {s.name: s.label for s in workflow(WORKFLOW_NAME).definition.states}


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
    labels = _state_labels()
    states = [*labels, *sorted(set(counts) - set(labels))]  # a state only older definitions had goes last
    return [{"state": s, "label": labels.get(s, s), "count": int(counts.get(s, 0))} for s in states]


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
    definition = workflow(WORKFLOW_NAME).definition
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


LateDeadlines = dict[str, list[deadline_terms.Deadline]]
DefinitionKey = tuple[str, int]


@lru_cache(maxsize=None)
def _heads(shape: _Shape) -> Select[Any]:
    plans = _plans(shape, detail=True)
    return select(plans).order_by(plans.c.entity_code, plans.c.period)


def _plan_heads(conn: Connection, filters: ReportFilters) -> Sequence[Row[Any]]:
    """The drill-down table's plans (`_plans` in detail), ordered by DIVIPOLA code and period."""
    return conn.execute(_heads(_shape(filters)), _params(filters)).all()


def _deadline_specs(heads: Sequence[Row[Any]]) -> dict[DefinitionKey, tuple[DeadlineSpec, ...]]:
    """The deadlines of each definition the plans were made under, in the order the plans show them."""
    keys = dict.fromkeys((h.definition_name, h.definition_version) for h in heads)
    return {key: workflow(*key).definition.deadlines for key in keys}


@lru_cache(maxsize=None)
def _documents(shape: _Shape) -> Select[Any]:
    """Every version of the documents of the types `doc_types` of the plans counted, filed by `as_of`."""
    return (select(DOCUMENT.c.plan_id, DOCUMENT.c.doc_type, DOCUMENT.c.version, DOCUMENT.c.status,
                   DOCUMENT.c.legal_date, DOCUMENT.c.number)
            .where(DOCUMENT.c.plan_id.in_(_plan_ids(shape)),
                   DOCUMENT.c.doc_type.in_(bindparam("doc_types", expanding=True)), DOCUMENT.c.legal_date <= _AS_OF)
            .order_by(DOCUMENT.c.plan_id, DOCUMENT.c.doc_type, DOCUMENT.c.version))


def _late_deadlines(conn: Connection, filters: ReportFilters, heads: Sequence[Row[Any]],
                    specs: Mapping[DefinitionKey, tuple[DeadlineSpec, ...]]) -> LateDeadlines:
    """Each plan's deadlines that are late as of `as_of` (met after their day, or unmet past it),
    from `deadlines.compute` (the status view's computation) over the documents whose legal date
    is on or before `as_of`, folded by `facts.latest_per_type` as `repository.latest_documents`
    folds them: with `as_of` after every legal date, these are the documents it returns (only the
    types a deadline reads). One query for all plans, not one per plan."""
    read = {doc for group in specs.values() for s in group for doc in (s.anchor, s.met_by)} - {PERIOD_START}
    versions = conn.execute(_documents(_shape(filters)), _params(filters, doc_types=sorted(read))).all()
    documents = {plan_id: latest_per_type(r[1:] for r in rows) for plan_id, rows in groupby(versions, key=itemgetter(0))}
    as_of = filters.as_of
    return {h.id: [term for term in deadline_terms.compute(specs[h.definition_name, h.definition_version], h.period,
                                                           documents.get(h.id, {})) if term.is_late(as_of)]
            for h in heads}


def past_deadlines(conn: Connection, filters: ReportFilters) -> list[dict[str, object]]:
    """Per deadline of the definition: plans past it as of `as_of`, met late or still unmet."""
    heads = _plan_heads(conn, filters)
    specs = _deadline_specs(heads)
    return _past_deadlines(_late_deadlines(conn, filters, heads, specs), specs)


def _past_deadlines(late: LateDeadlines, specs: Mapping[DefinitionKey, tuple[DeadlineSpec, ...]]
                    ) -> list[dict[str, object]]:
    """The current definition's deadlines first, then any other that an older definition of a plan declares."""
    by_code: dict[str, DeadlineSpec] = {s.code: s for s in workflow(WORKFLOW_NAME).definition.deadlines}
    for spec in (s for group in specs.values() for s in group):
        by_code.setdefault(spec.code, spec)
    met, unmet = Counter[str](), Counter[str]()
    for terms in late.values():
        for term in terms:
            (met if term.met_on is not None else unmet)[term.spec.code] += 1
    return [{"code": code, "label": spec.label, "basis": spec.basis, "late_plans": met[code] + unmet[code],
             "late_unmet": unmet[code], "late_met": met[code]} for code, spec in by_code.items()]


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
    heads = _plan_heads(conn, filters)
    return _plan_rows(heads, _late_deadlines(conn, filters, heads, _deadline_specs(heads)))


def _plan_rows(heads: Sequence[Row[Any]], late: LateDeadlines) -> list[dict[str, object]]:
    labels = _state_labels()
    return [{"id": r.id, "entity_code": r.entity_code, "entity_name": r.entity_name,
             "department_code": r.department_code, "department_name": r.department_name, "category": r.category,
             "state": r.state, "state_label": labels.get(r.state, r.state),
             "state_entered_on": r.state_entered_on.isoformat(), "version": r.version,
             "late_deadlines": [term.spec.code for term in late[r.id]]} for r in heads]


def national_report(conn: Connection, filters: ReportFilters) -> dict[str, object]:
    """Every report above for one set of filters, with how many entities plan in it and how many
    plans they have by `as_of`: what the DNP's (or a department's) page and export show."""
    heads = _plan_heads(conn, filters)
    specs = _deadline_specs(heads)
    late = _late_deadlines(conn, filters, heads, specs)
    rows = _plan_rows(heads, late)
    return {
        "filters": filters.as_dict(),
        "planning_entities": planning_entities(conn, filters),
        "plans": len(rows),
        "plans_by_state": plans_by_state(conn, filters),
        "dwell_by_state": dwell_by_state(conn, filters),
        "past_deadlines": _past_deadlines(late, specs),
        "top_blocking_rules": top_blocking_rules(conn, filters),
        "plan_rows": rows,
    }
