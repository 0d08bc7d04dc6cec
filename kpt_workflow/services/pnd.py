"""The articulation of plans with the Plan Nacional de Desarrollo (PND) and with their
department's initiatives: what a plan's tags may name (checked when its parte estratégica is
recorded, `services.strategy`), a plan's alignment report (every role that sees the plan reads
it), and the national view of which PND lines the territories fund (the dashboard's readers and
scope)."""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from kpt_workflow.base.roles import OPERADOR
from kpt_workflow.base.words import DEPARTAMENTO
from kpt_workflow.law import calendar
from kpt_workflow.lifecycle.aggregate import PlanRecord
from kpt_workflow.lifecycle.articulation import Articulation
from kpt_workflow.lifecycle.engine import chosen_workflow, workflow
from kpt_workflow.lifecycle.strategy import SOURCES
from kpt_workflow.reference.pnd import Line
from kpt_workflow.reports.filters import ReportFilters
from kpt_workflow.reports.pnd import pnd_totals
from kpt_workflow.services.access import Actor, department_locked, report_filters
from kpt_workflow.services.dashboard import DashboardAsk, departments_by_name, scope_text
from kpt_workflow.services.plans import plan_id as plan_id_of
from kpt_workflow.services.views import seen_plan
from kpt_workflow.storage import pnd_rows
from kpt_workflow.storage.repository import holds_synthetic_demo, investment_facts, program_facts
from kpt_workflow.storage.unit_of_work import UnitOfWork

# Said once, on the plan's report, the national view, their API and the CLI.
COUNTING_NOTE = ("Un programa articulado con varias líneas del PND cuenta su inversión completa en cada una: la suma "
                 "de las líneas puede superar el total. «Sin línea del PND» es la inversión de los programas que no "
                 "nombran ninguna (y la de programas del plan plurianual que no están en la parte estratégica).")


def articulation(uow: UnitOfWork, plan: PlanRecord, initiatives: Iterable[str]) -> Articulation:
    """What the plan's tags may name: the PND catalog in force and, when some program names
    initiatives, the programs of its department's plan of the same period and workflow."""
    catalog = pnd_rows.lines(uow.connection)
    known = Articulation(pnd_codes=[line.code for line in catalog], pnd_name=catalog[0].plan if catalog else "")
    initiatives = sorted(set(initiatives))
    if not initiatives:
        return known
    if plan.entity_kind == DEPARTAMENTO:
        return replace(known, no_department="el plan es de un departamento: sus propios programas son sus iniciativas")
    department_plan = department_plan_id(plan)
    programs = pnd_rows.program_codes(uow.connection, department_plan)
    if programs is None:
        return replace(known, no_department=f"el departamento de {plan.department_name} no tiene plan del período "
                                          f"{calendar.period_years(plan.period)} ({department_plan})")
    owners = pnd_rows.departments_with_programs(uow.connection, [c for c in initiatives if c not in programs],
                                                plan.period, plan.definition_name)
    return replace(known, department_programs=programs, department_name=plan.department_name,
                 department_plan=department_plan, owners=owners)


def department_plan_id(plan: PlanRecord) -> str:
    """The id of the plan of the municipality's department, same period and workflow."""
    return plan_id_of(plan.department_code, plan.period, workflow(plan.definition_name, plan.definition_version))


def _line(line: Line) -> dict[str, str]:
    return {"code": line.code, "name": line.name, "kind": line.kind_label, "basis": line.basis}


def _unknown_line(code: str) -> dict[str, str]:
    """A tag of a line the catalog in force lacks (a former PND's, after an import)."""
    return {"code": code, "name": f"{code} (no está en el catálogo vigente)", "kind": "", "basis": ""}


def plan_alignment(uow: UnitOfWork, actor: Actor, plan_id: str) -> dict[str, Any]:
    """Each program with its PND lines and department initiatives and its investment by year and
    source; the investment per PND line; the programs with no line, and their investment."""
    plan = seen_plan(uow, actor, plan_id)
    conn = uow.connection
    catalog = {line.code: line for line in pnd_rows.lines(conn)}
    tags = pnd_rows.program_tags(conn, plan.id)
    lines = investment_facts(conn, plan.id)
    years = list(range(plan.period, plan.period + calendar.PERIOD_YEARS))
    department = (pnd_rows.program_codes(conn, department_plan_id(plan)) or {}) if plan.entity_kind != DEPARTAMENTO \
        else {}
    programs = []
    for program in program_facts(conn, plan.id):
        own = [line for line in lines if line.program_code == program.code]
        tagged = tags.get(program.code, pnd_rows.ProgramTags())
        programs.append({
            "code": program.code, "name": program.name, "eje": program.eje,
            "pnd": [_line(catalog[c]) if c in catalog else _unknown_line(c) for c in tagged.pnd],
            "initiatives": [{"code": c, "name": department.get(c, f"{c} (ya no está en el plan del departamento)")}
                            for c in tagged.initiatives],
            "total": sum(line.amount for line in own),
            "by_year": [sum(line.amount for line in own if line.year == year) for year in years],
            "by_source": {SOURCES[s]: sum(line.amount for line in own if line.source == s)
                          for s in SOURCES if any(line.source == s for line in own)}})
    in_part = {p["code"] for p in programs}
    total = sum(line.amount for line in lines)
    per_line = [{**_line(line), "programs": [p["code"] for p in programs if line.code in {t["code"] for t in p["pnd"]}]}
                for line in catalog.values()]
    for entry in per_line:
        members = [p for p in programs if p["code"] in entry["programs"]]
        entry["total"] = sum(p["total"] for p in members)
        entry["by_year"] = [sum(p["by_year"][n] for p in members) for n in range(len(years))]
    untagged = [p for p in programs if not p["pnd"]]
    return {"plan": {"id": plan.id, "entity": plan.entity_name, "period": calendar.period_years(plan.period),
                     "department_plan": department_plan_id(plan) if plan.entity_kind != DEPARTAMENTO else None,
                     "department": plan.department_name},
            "pnd": _catalog_name(catalog.values()), "years": years, "programs": programs, "lines": per_line,
            "untagged": [{"code": p["code"], "name": p["name"], "total": p["total"]} for p in untagged],
            "untagged_total": total - sum(p["total"] for p in programs if p["pnd"]),
            "outside_strategy_total": sum(line.amount for line in lines if line.program_code not in in_part),
            "total": total, "note": COUNTING_NOTE, "synthetic": holds_synthetic_demo(conn)}


def _catalog_name(catalog: Iterable[Line]) -> dict[str, str]:
    first = next(iter(catalog), None)
    return {"name": first.plan, "basis": first.plan_basis} if first else {"name": "", "basis": ""}


@dataclass(frozen=True)
class PndAsk:
    """What the national view's form asks for (each may be empty: the actor's whole scope)."""

    department: str | None = None
    category: str | None = None
    as_of: date | None = None
    workflow: str | None = None
    period: int | None = None


def national_pnd(uow: UnitOfWork, actor: Actor, ask: PndAsk) -> dict[str, Any]:
    """Per PND line, the plans and programs of the actor's scope tagged with it and their
    investment (also per department); the total, the untagged part and the plans counted."""
    filters = (report_filters(actor, ask.department, ask.category, ask.as_of, ask.workflow, ask.period)
               if actor.role != OPERADOR else  # the local machine's operator reads the country, as `kpt report`
               ReportFilters(department_code=ask.department, category=ask.category,
                             as_of=ask.as_of or calendar.today_in_colombia(),
                             workflow=chosen_workflow(ask.workflow).definition.name, period=ask.period))
    totals = pnd_totals(uow.connection, filters)
    catalog = pnd_rows.lines(uow.connection)
    known = {line.code for line in catalog}
    empty = {"plans": 0, "programs": 0, "amount": 0, "by_department": []}
    lines = [{**_line(line), **totals["lines"].get(line.code, empty)} for line in catalog]
    lines += [{**_unknown_line(code), **found} for code, found in sorted(totals["lines"].items()) if code not in known]
    departments = departments_by_name(uow)
    return {"filters": filters.as_dict(), "period": calendar.period_years(filters.cycle), "pnd": _catalog_name(catalog),
            "scope": scope_text(actor, DashboardAsk(department=ask.department), filters, departments),
            "departments": departments, "locked_department": department_locked(actor),
            "lines": lines, **{k: v for k, v in totals.items() if k != "lines"}, "note": COUNTING_NOTE,
            "synthetic": holds_synthetic_demo(uow.connection)}
