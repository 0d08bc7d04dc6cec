"""Which legal terms the counted plans missed as of `as_of`, per plan and per deadline, in SQL.

A deadline's day is looked up in `term_end`, the calendar's computation
(`kpt_workflow.law.deadlines`) stored as a table, so the status view and the reports cannot
disagree on a date.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (CTE, ColumnElement, Connection, FromClause, Select, Subquery, and_, case, func, literal, null,
                        or_, select, union_all)

from kpt_workflow.base.words import DUTY_HOLDERS
from kpt_workflow.law.facts import FILED
from kpt_workflow.lifecycle.engine import all_definitions, workflow
from kpt_workflow.reports.amended_terms import amended_terms
from kpt_workflow.reports.filters import AS_OF, ReportFilters, Shape, params, shape
from kpt_workflow.reports.scope import created, entities
from kpt_workflow.reports.sql_functions import period_start
from kpt_workflow.states.schema import PERIOD_START, DeadlineSpec, DefinitionSpec
from kpt_workflow.storage.recorder import DOCUMENT, PLAN
from kpt_workflow.storage.term_ends import TERM_END, term_key


def _definitions(workflow_name: str) -> list[DefinitionSpec]:
    """Every version of the workflow: its plans may have started under any."""
    return [d for d in all_definitions() if d.name == workflow_name]


def _deadline_terms(workflow_name: str) -> Subquery:
    """One row per term of each deadline of every version of the workflow (the YAML's data, a few
    dozen rows), with the deadline's position in its definition, what anchors and meets it (one row
    per document type that meets it) and which reading it uses."""
    rows = [select(literal(d.name).label("definition_name"), literal(d.version).label("definition_version"),
                   literal(position).label("position"), literal(spec.code).label("code"),
                   literal(spec.anchor).label("anchor"), literal(met_by).label("met_by"),
                   literal(spec.use).label("use"), literal(unit).label("unit"), literal(length).label("length"))
            for d in _definitions(workflow_name) for position, spec in enumerate(d.deadlines)
            for unit, length in map(term_key, spec.terms) for met_by in spec.met_by_codes]
    return union_all(*rows).subquery("deadline_term")


def _documents_read(workflow_name: str) -> list[str]:
    """The document types that anchor or meet a deadline of some version of the workflow."""
    read = {doc for d in _definitions(workflow_name) for spec in d.deadlines for doc in (spec.anchor, *spec.met_by_codes)}
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
            .where(document.doc_type.in_(_documents_read(workflow_name)), document.legal_date <= AS_OF)
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


def _late(of: Shape) -> Select[Any]:
    """(plan_id, position, code, met_on) of each deadline a counted plan is past as of `as_of`: met
    after its day, or unmet with the day gone (`deadlines.Deadline.is_late`). A term runs from the
    period's start or from the current filing of its anchor document; its day is looked up in
    `term_end` (the calendar's own computation, as a table) and taken as the earliest of its
    readings for an `aviso`, the latest for a `permiso`; it is met by the first filing of a
    document that meets it, if that document is filed now (for a term that runs from an act, only
    by one dated on or after that act). A deadline whose anchor act is
    missing has no day yet, and is late for nobody."""
    counted = (select(PLAN.c.id, PLAN.c.period, PLAN.c.definition_name, PLAN.c.definition_version)
               .select_from(created(entities(of))).subquery("counted"))
    term, filings, read = _deadline_terms(of.workflow), _filings(of.workflow), _documents_read(of.workflow)
    anchor_day = case((term.c.anchor == PERIOD_START, period_start(counted.c.period)),
                      *((term.c.anchor == doc, filings.c[doc]) for doc in read))
    # `deadlines._met_on`: a term that runs from an act is met only by an act dated on or after it.
    met_on = case(*((term.c.met_by == doc, case(
        (term.c.anchor == PERIOD_START, filings.c[f"{doc}_first"]),
        (filings.c[f"{doc}_first"] >= anchor_day, filings.c[f"{doc}_first"]),
        (filings.c[doc] >= anchor_day, filings.c[doc]))) for doc in read))
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
    met = func.min(terms.c.met_on)  # the earliest act that meets it (one row per type in its met_by)
    return (select(terms.c.plan_id, terms.c.position, terms.c.code, met.label("met_on"))
            .select_from(terms.outerjoin(TERM_END, and_(TERM_END.c.unit == terms.c.unit,
                                                        TERM_END.c.length == terms.c.length,
                                                        TERM_END.c.anchor_day == terms.c.anchor_day)))
            .group_by(terms.c.plan_id, terms.c.position, terms.c.code, terms.c.use)
            .having(or_(met > day, and_(met.is_(None), AS_OF > day))))


@lru_cache(maxsize=None)
def _late_report(of: Shape) -> Select[Any]:
    """The late deadlines of each plan (plan_id, code; in its definition's order) and, in rows
    without a plan, per deadline code the plans past it and how many of them met it late: both
    from one computation of `_late` (a common table expression the databases compute once)."""
    late = _late(of).cte("late")
    per_plan = select(late.c.plan_id, late.c.position, late.c.code, null().label("plans"),
                      case((late.c.met_on.is_(None), 0), else_=1).label("met"))
    per_code = select(null(), null(), late.c.code, func.count(), func.count(late.c.met_on)).group_by(late.c.code)
    merged = union_all(per_plan, per_code).subquery("merged")
    return select(merged).order_by(merged.c.plan_id, merged.c.position)


@dataclass(frozen=True)
class LateDeadlines:
    """What one computation of the late deadlines gives both the drill-down table and the totals."""

    codes_by_plan: dict[str, list[str]]  # the entity's own terms each plan is past (its lateness)
    late_and_met: dict[str, tuple[int, int]]  # per deadline code: plans past it, and of them met late


def late_deadlines(conn: Connection, filters: ReportFilters) -> LateDeadlines:
    """A plan's row lists only the terms the entity itself had to meet: one that runs against the
    CTP, the environmental authority or the council is counted per deadline, with whose it is,
    never as the entity's lateness."""
    codes_by_plan: dict[str, list[str]] = {}
    late_and_met: dict[str, tuple[int, int]] = {}
    if not any(d.deadlines for d in _definitions(filters.workflow)):  # no legal terms: no plan of it is late
        return LateDeadlines(codes_by_plan, late_and_met)
    catalog = _deadline_catalog(filters.workflow)
    amended = amended_terms(conn, filters)  # the terms a legal amendment replaces, judged as the status does
    for plan_id, _, code, late, met in conn.execute(_late_report(shape(filters)), params(filters)):
        if plan_id is None:
            late_and_met[code] = _plus(late_and_met.get(code, (0, 0)), int(late), int(met))
        elif (plan_id, code) in amended:  # the definition's term does not hold for it: taken back
            late_and_met[code] = _plus(late_and_met.get(code, (0, 0)), -1, -int(met))
        elif catalog[code].duty_of == "entidad":
            codes_by_plan.setdefault(plan_id, []).append(code)
    positions = {code: n for n, code in enumerate(catalog)}
    for (plan_id, code), (late, met) in sorted(amended.items(), key=lambda item: positions[item[0][1]]):
        if late:
            late_and_met[code] = _plus(late_and_met.get(code, (0, 0)), 1, int(met))
            if catalog[code].duty_of == "entidad":
                codes_by_plan.setdefault(plan_id, []).append(code)
    for codes in codes_by_plan.values():
        codes.sort(key=positions.__getitem__)
    return LateDeadlines(codes_by_plan, late_and_met)


def _plus(counts: tuple[int, int], late: int, met: int) -> tuple[int, int]:
    return counts[0] + late, counts[1] + met


def past_deadlines(conn: Connection, filters: ReportFilters, found: LateDeadlines | None = None
                   ) -> list[dict[str, object]]:
    """Per deadline: plans past it as of `as_of`, met late or still unmet (`found`, if the caller
    computed them already). The current definition's deadlines first, then any other that an
    older definition declares."""
    if found is None:
        found = late_deadlines(conn, filters)
    report = []
    for code, spec in _deadline_catalog(filters.workflow).items():
        late, met = found.late_and_met.get(code, (0, 0))
        report.append({"code": code, "label": spec.label, "basis": spec.basis, "duty_of": spec.duty_of,
                       "duty_of_label": DUTY_HOLDERS[spec.duty_of].label, "late_plans": late,
                       "late_unmet": late - met, "late_met": met})
    return report


def _deadline_catalog(workflow_name: str) -> dict[str, DeadlineSpec]:
    by_code = {spec.code: spec for spec in workflow(workflow_name).definition.deadlines}
    for spec in (s for d in _definitions(workflow_name) for s in d.deadlines):
        by_code.setdefault(spec.code, spec)
    return by_code
