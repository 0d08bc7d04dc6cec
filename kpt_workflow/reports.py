"""The DNP's and the departments' bottleneck reports: where plans stand, how long they stay in each
state, which legal terms they missed and which rules stop them, by department and category.

Every report is "as of" a legal date: only events and documents whose legal date is on or before
`as_of` count, so a report of a past day shows what the record said of that day. The state of a
plan as of that day is the `to_state` of its last `transition_applied` event by then (else the
state its `plan_created` event put it in); a plan created after `as_of` is not counted.

Aggregations run in SQL (Core) on both databases; Python only folds small per-plan results (the
deadlines, which come from the one calendar computation in `kpt_workflow.deadlines`, and the
percentiles of the dwell times). Run a whole report in one transaction (REPEATABLE READ on
PostgreSQL gives all its queries one snapshot).
"""

import csv
import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from typing import Any

from sqlalchemy import JSON, Connection, Date, Integer, Subquery, and_, cast, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from kpt_workflow import calendar
from kpt_workflow import deadlines as deadline_terms
from kpt_workflow.categories import ALL_CATEGORIES, latest_categories
from kpt_workflow.engine import workflow
from kpt_workflow.errors import InvalidInput
from kpt_workflow.facts import latest_per_type
from kpt_workflow.recorder import DOCUMENT, ENTITY, EVENTS, PLAN
from kpt_workflow.states.schema import PERIOD_START, DeadlineSpec

WORKFLOW_NAME = "pdt"
# The drill-down table's columns with their Spanish headers (CSV and XLSX exports).
ROW_HEADERS = (("id", "Plan"), ("entity_code", "Código DIVIPOLA"), ("entity_name", "Entidad"),
               ("department_code", "Código del departamento"), ("department_name", "Departamento"),
               ("category", "Categoría (Ley 617 de 2000)"), ("state", "Código del estado"), ("state_label", "Estado"),
               ("state_entered_on", "En el estado desde"), ("version", "Versión del plan"),
               ("late_deadlines", "Términos vencidos"))
LIST_SEPARATOR = "; "


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


def _entities(filters: ReportFilters) -> Subquery:
    """The entities that plan (departments and municipios) within the filters, with their category."""
    category = latest_categories().subquery("category")
    query = (select(ENTITY.c.code, ENTITY.c.name, ENTITY.c.department_code, ENTITY.c.department_name,
                    category.c.category)
             .select_from(ENTITY.outerjoin(category, category.c.entity_code == ENTITY.c.code))
             .where(ENTITY.c.plans_own_pdt))
    if filters.department_code is not None:
        query = query.where(ENTITY.c.department_code == filters.department_code)
    if filters.category is not None:
        query = query.where(category.c.category == filters.category)
    return query.subquery("entities")


def _plans(filters: ReportFilters) -> Subquery:
    """Each plan of the filtered entities created by `as_of`, with its state as of that day."""
    created = EVENTS.alias("created")  # a plan's version 1: found through UNIQUE (plan_id, plan_version)
    last_step = (select(EVENTS.c.plan_id, func.max(EVENTS.c.seq).label("seq"))
                 .where(EVENTS.c.event_type == "transition_applied", EVENTS.c.legal_date <= filters.as_of)
                 .group_by(EVENTS.c.plan_id).subquery("last_step"))
    step, entities = EVENTS.alias("step"), _entities(filters)
    return (
        select(PLAN.c.id, PLAN.c.entity_code, entities.c.name.label("entity_name"), entities.c.department_code,
               entities.c.department_name, entities.c.category, PLAN.c.period, PLAN.c.version,
               PLAN.c.definition_name, PLAN.c.definition_version,
               func.coalesce(step.c.to_state, created.c.to_state).label("state"),
               func.coalesce(step.c.legal_date, created.c.legal_date).label("state_entered_on"))
        .select_from(PLAN.join(entities, entities.c.code == PLAN.c.entity_code)
                     .join(created, and_(created.c.plan_id == PLAN.c.id, created.c.plan_version == 1,
                                         created.c.event_type == "plan_created", created.c.legal_date <= filters.as_of))
                     .outerjoin(last_step, last_step.c.plan_id == PLAN.c.id)
                     .outerjoin(step, step.c.seq == last_step.c.seq))
        .subquery("plans")
    )


def _state_labels() -> dict[str, str]:
    return {s.name: s.label for s in workflow(WORKFLOW_NAME).definition.states}


def planning_entities(conn: Connection, filters: ReportFilters) -> int:
    """How many entities plan within the filters (1,134 nationally: 32 departments + 1,102 municipios)."""
    entities = _entities(filters)
    return int(conn.execute(select(func.count()).select_from(entities)).scalar_one())


def plans_by_state(conn: Connection, filters: ReportFilters) -> list[dict[str, object]]:
    """How many plans are in each state as of `as_of`, in lifecycle order (zeros included)."""
    plans = _plans(filters)
    counts = dict(conn.execute(select(plans.c.state, func.count()).group_by(plans.c.state)).all())
    labels = _state_labels()
    states = [*labels, *sorted(set(counts) - set(labels))]  # a state only older definitions had goes last
    return [{"state": s, "label": labels.get(s, s), "count": int(counts.get(s, 0))} for s in states]


def dwell_by_state(conn: Connection, filters: ReportFilters) -> list[dict[str, object]]:
    """Days each plan spent in each non-terminal state, as median and 90th percentile over the
    plans that were in it: from the legal date a step put the plan in the state to the legal date
    of its next step, or to `as_of` if it is still there; a plan sent back to a state adds up its
    visits. Terminal states are left out (staying approved is no bottleneck).

    SQL sums the days per plan and state (LEAD over each plan's steps); the percentiles are
    computed here in Python from that per-state list (SQLite has no percentile function): linear
    interpolation between the closest ranks, as `statistics.quantiles(method="inclusive")`."""
    plans = _plans(filters)
    moves = (
        select(EVENTS.c.plan_id, EVENTS.c.to_state.label("state"), EVENTS.c.legal_date.label("entered_on"),
               func.coalesce(func.lead(EVENTS.c.legal_date).over(partition_by=EVENTS.c.plan_id, order_by=EVENTS.c.seq),
                             literal(filters.as_of, Date())).label("left_on"))
        .where(EVENTS.c.event_type.in_(("plan_created", "transition_applied")), EVENTS.c.legal_date <= filters.as_of,
               EVENTS.c.plan_id.in_(select(plans.c.id)))
        .subquery("moves"))
    stays = (select(moves.c.state, func.sum(_days_between(moves.c.entered_on, moves.c.left_on)))
             .group_by(moves.c.plan_id, moves.c.state))
    days: dict[str, list[int]] = defaultdict(list)
    for state, total in conn.execute(stays):
        days[state].append(int(total))
    definition = workflow(WORKFLOW_NAME).definition
    return [{"state": s.name, "label": s.label, "plans": len(days[s.name]),
             "median_days": _percentile(days[s.name], 50), "p90_days": _percentile(days[s.name], 90)}
            for s in definition.states if not s.terminal]


def _percentile(values: Sequence[int], percent: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return round(statistics.quantiles(values, n=100, method="inclusive")[percent - 1], 1)


PlanDeadlines = dict[str, list[deadline_terms.Deadline]]


def _deadlines(conn: Connection, filters: ReportFilters) -> PlanDeadlines:
    """Each plan's deadlines as of `as_of`, from `deadlines.compute` (the status view's computation)
    over the documents whose legal date is on or before `as_of`, folded by `facts.latest_per_type`
    as `repository.latest_documents` folds them: with `as_of` after every legal date, these are the
    documents it returns (only the types a deadline reads). One query for all plans, not one per plan."""
    plans = _plans(filters)
    heads = conn.execute(select(plans.c.id, plans.c.period, plans.c.definition_name, plans.c.definition_version)).all()
    specs = {(h.definition_name, h.definition_version): workflow(h.definition_name, h.definition_version)
             .definition.deadlines for h in heads}
    read = {doc for group in specs.values() for s in group for doc in (s.anchor, s.met_by)} - {PERIOD_START}
    versions = conn.execute(
        select(DOCUMENT.c.plan_id, DOCUMENT.c.doc_type, DOCUMENT.c.version, DOCUMENT.c.status, DOCUMENT.c.legal_date,
               DOCUMENT.c.number)
        .where(DOCUMENT.c.plan_id.in_(select(plans.c.id)), DOCUMENT.c.doc_type.in_(sorted(read)),
               DOCUMENT.c.legal_date <= filters.as_of)
        .order_by(DOCUMENT.c.plan_id, DOCUMENT.c.doc_type, DOCUMENT.c.version))
    documents = {plan_id: latest_per_type(tuple(r)[1:] for r in rows)
                 for plan_id, rows in groupby(versions, key=lambda r: r.plan_id)}
    return {h.id: deadline_terms.compute(specs[h.definition_name, h.definition_version], h.period,
                                         documents.get(h.id, {})) for h in heads}


def _late_codes(terms: Iterable[deadline_terms.Deadline], as_of: date) -> list[str]:
    return [d.spec.code for d in terms if d.is_late(as_of)]


def past_deadlines(conn: Connection, filters: ReportFilters) -> list[dict[str, object]]:
    """Per deadline of the definition: plans past it as of `as_of`, met late or still unmet."""
    return _past_deadlines(_deadlines(conn, filters), filters.as_of)


def _past_deadlines(plan_deadlines: PlanDeadlines, as_of: date) -> list[dict[str, object]]:
    specs: dict[str, DeadlineSpec] = {s.code: s for s in workflow(WORKFLOW_NAME).definition.deadlines}
    met, unmet = Counter[str](), Counter[str]()
    for terms in plan_deadlines.values():
        for term in terms:
            specs.setdefault(term.spec.code, term.spec)
            if term.is_late(as_of):
                (met if term.met_on is not None else unmet)[term.spec.code] += 1
    return [{"code": code, "label": spec.label, "basis": spec.basis, "late_plans": met[code] + unmet[code],
             "late_unmet": unmet[code], "late_met": met[code]} for code, spec in specs.items()]


def _failed_outcomes(conn: Connection, filters: ReportFilters) -> Subquery:
    """(plan_id, rule, basis) of every failed rule of every refused step by `as_of`, read from the
    outcomes recorded in the events (canonical JSON text) with each database's JSON functions."""
    plans = _plans(filters)
    if conn.dialect.name == "sqlite":
        item = func.json_each(EVENTS.c.outcomes).table_valued("value", joins_implicitly=True)
        rule, basis = func.json_extract(item.c.value, "$.rule"), func.json_extract(item.c.value, "$.basis")
        failed = func.json_extract(item.c.value, "$.passed") == 0
    else:
        item = func.json_array_elements(cast(EVENTS.c.outcomes, JSON)).table_valued("value", joins_implicitly=True)
        rule, basis = item.c.value.op("->>")("rule"), item.c.value.op("->>")("basis")
        failed = item.c.value.op("->>")("passed") == "false"
    return (select(EVENTS.c.plan_id, rule.label("rule"), basis.label("basis"))
            .select_from(EVENTS, item)
            .where(EVENTS.c.event_type == "transition_blocked", EVENTS.c.legal_date <= filters.as_of,
                   EVENTS.c.plan_id.in_(select(plans.c.id)), failed)
            .subquery("failed"))


def top_blocking_rules(conn: Connection, filters: ReportFilters, limit: int = 10) -> list[dict[str, object]]:
    """The rules that failed most in refused steps: attempts they blocked and distinct plans."""
    failed = _failed_outcomes(conn, filters)
    attempts = func.count().label("attempts")
    query = (select(failed.c.rule, func.max(failed.c.basis), attempts, func.count(failed.c.plan_id.distinct()))
             .group_by(failed.c.rule).order_by(attempts.desc(), failed.c.rule).limit(limit))
    return [{"rule": rule, "basis": basis, "blocked_attempts": int(n), "plans": int(p)}
            for rule, basis, n, p in conn.execute(query)]


def plan_rows(conn: Connection, filters: ReportFilters) -> list[dict[str, object]]:
    """The drill-down table: one row per plan, ordered by DIVIPOLA code (each department before
    its municipalities). `version` is the plan's current version (what a change must cite), not
    the one of `as_of`; everything else is as of `as_of`."""
    return _plan_rows(conn, filters, _deadlines(conn, filters))


def _plan_rows(conn: Connection, filters: ReportFilters, plan_deadlines: PlanDeadlines) -> list[dict[str, object]]:
    plans, labels = _plans(filters), _state_labels()
    rows = conn.execute(select(plans).order_by(plans.c.entity_code, plans.c.period))
    return [{"id": r.id, "entity_code": r.entity_code, "entity_name": r.entity_name,
             "department_code": r.department_code, "department_name": r.department_name, "category": r.category,
             "state": r.state, "state_label": labels.get(r.state, r.state),
             "state_entered_on": r.state_entered_on.isoformat(), "version": r.version,
             "late_deadlines": _late_codes(plan_deadlines.get(r.id, ()), filters.as_of)} for r in rows]


def national_report(conn: Connection, filters: ReportFilters) -> dict[str, object]:
    """Every report above for one set of filters, with how many entities plan in it and how many
    plans they have by `as_of`: what the DNP's (or a department's) page and export show."""
    plan_deadlines = _deadlines(conn, filters)
    rows = _plan_rows(conn, filters, plan_deadlines)
    return {
        "filters": filters.as_dict(),
        "planning_entities": planning_entities(conn, filters),
        "plans": len(rows),
        "plans_by_state": plans_by_state(conn, filters),
        "dwell_by_state": dwell_by_state(conn, filters),
        "past_deadlines": _past_deadlines(plan_deadlines, filters.as_of),
        "top_blocking_rules": top_blocking_rules(conn, filters),
        "plan_rows": rows,
    }


def _cells(row: Mapping[str, object]) -> list[object]:
    return [LIST_SEPARATOR.join(row[key]) if key == "late_deadlines" else row[key]  # type: ignore[arg-type]
            for key, _ in ROW_HEADERS]


def export_rows_csv(rows: Iterable[Mapping[str, object]]) -> str:
    """`plan_rows` as CSV text with Spanish headers (serve it as UTF-8 with BOM for Excel);
    the late deadlines of a plan go in one cell, separated by '; '."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for _, header in ROW_HEADERS])
    writer.writerows(_cells(row) for row in rows)
    return out.getvalue()


def export_rows_xlsx(rows: Iterable[Mapping[str, object]]) -> bytes:
    """`plan_rows` as an Excel workbook: the same columns as the CSV, dates as dates, the header
    frozen and filterable."""
    from openpyxl import Workbook  # imported here: only the export needs it
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Planes"
    sheet.append([header for _, header in ROW_HEADERS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    date_column = [key for key, _ in ROW_HEADERS].index("state_entered_on")
    for line, row in enumerate(rows, start=2):
        cells = _cells(row)
        cells[date_column] = date.fromisoformat(str(cells[date_column]))
        sheet.append(cells)
        sheet.cell(line, date_column + 1).number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for letter, width in zip("ABCDEFGHIJK", (12, 10, 28, 12, 24, 12, 30, 30, 14, 10, 40)):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
