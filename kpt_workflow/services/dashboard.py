"""The DNP's and a department's dashboard: the bottleneck report of the actor's scope, and its
table of plans narrowed by state and by name, the same rows the page lists and the exports hold.

Department, category, period and cut date choose what the whole report counts (in SQL); state and
name only narrow the table of plans under it (a chart's bar links to its plans that way), so the
counts keep showing the whole scope the table is a part of.
"""

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.law import calendar
from kpt_workflow.lifecycle.engine import newest_workflows
from kpt_workflow.reference.categories import CATEGORIES
from kpt_workflow.base.words import DEPARTAMENTO
from kpt_workflow.reports.filters import ReportFilters
from kpt_workflow.reports.national import national_report
from kpt_workflow.services.access import Actor, department_locked, report_filters
from kpt_workflow.storage.recorder import ENTITY
from kpt_workflow.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class DashboardAsk:
    """What the dashboard's form asks for (each may be empty: the actor's whole scope)."""

    department: str | None = None
    category: str | None = None
    as_of: date | None = None
    workflow: str | None = None
    period: int | None = None
    state: str | None = None
    name: str | None = None  # part of the entity's or department's name, or of the plan's code


def dashboard(uow: UnitOfWork, actor: Actor, ask: DashboardAsk) -> dict[str, Any]:
    """The report the actor may read (`access.report_filters`), the table's rows, what the page
    tells of its scope, the choices of its form, and the name an export of it takes."""
    filters = report_filters(actor, ask.department, ask.category, ask.as_of, ask.workflow, ask.period)
    report = national_report(uow.connection, filters)
    states = {s["state"]: s["label"] for s in report["plans_by_state"]}
    if ask.state and ask.state not in states:
        raise InvalidInput(f"Estado '{ask.state}' desconocido: use uno de {', '.join(states.values())}.",
                           field="estado")
    departments = departments_by_name(uow)
    rows = [row for row in report["plan_rows"] if _wanted(row, ask.state or None, _folded(ask.name or ""))]
    cycle = calendar.cycle_on(filters.as_of)
    return {"report": report, "filters": filters, "rows": rows, "states": states,
            "state": ask.state or None, "name": ask.name or "", "departments": departments,
            "scope": scope_text(actor, ask, filters, departments),
            "locked_department": department_locked(actor), "categories": list(dict.fromkeys(
                category for kind in CATEGORIES.values() for category in kind)),
            "workflows": [flow.definition for flow in newest_workflows()],
            "years": calendar.period_years(filters.cycle),
            "periods": [{"start": start, "label": calendar.period_years(start)} for start in sorted(
                {filters.cycle, *(cycle + calendar.PERIOD_YEARS * step for step in (1, 0, -1, -2, -3))}, reverse=True)],
            "narrowed": "; ".join(part for part in (
                f"estado «{states[ask.state]}»" if ask.state else "", f"nombre con «{ask.name}»" if ask.name else "")
                if part),
            "export_name": export_name(filters, ask.state or None, ask.name or ""),
            "synthetic": report["synthetic"]}


def departments_by_name(uow: UnitOfWork) -> dict[str, str]:
    """The departments by name (code → name), for the filter people choose by name."""
    rows = uow.connection.execute(select(ENTITY.c.code, ENTITY.c.name).where(ENTITY.c.kind == DEPARTAMENTO)
                                  .order_by(ENTITY.c.name))
    return {code: name for code, name in rows}


def scope_text(actor: Actor, ask: DashboardAsk, filters: ReportFilters, departments: dict[str, str]) -> str:
    """What the page covers, said once: a department's user is told it sees its own department
    and, if it asked for another, that it was not shown that one."""
    code = filters.department_code
    where = f"el departamento de {departments.get(code, code)} y sus municipios" if code else "todo el país"
    if not department_locked(actor):
        return f"Usted ve {where}."
    asked = (ask.department or "").strip()
    refused = (f" Pidió {departments.get(asked, asked)}: su rol solo consulta su propio departamento."
               if asked and asked != code else "")
    return f"Usted ve {where}, el alcance de su rol.{refused}"


def _folded(text: str) -> str:
    """Lower case without accents: 'Bogotá' and 'BOGOTA' are the same search."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch)).strip()


def _wanted(row: dict[str, Any], state: str | None, name: str) -> bool:
    if state is not None and row["state"] != state:
        return False
    return not name or any(name in _folded(str(row[key])) for key in ("entity_name", "department_name", "id"))


def export_name(filters: ReportFilters, state: str | None, name: str) -> str:
    """An export's file name says what it holds: scope, state, name searched, period and cut date
    (`planes_dep-05_aprobado_2024-2027_corte-2026-12-07`), in characters any system keeps."""
    parts = ["planes", f"dep-{filters.department_code}" if filters.department_code else "pais"]
    if filters.category:
        parts.append(f"cat-{filters.category}")
    if state:
        parts.append(state)
    if name:
        parts.append("busqueda-" + "".join(ch if ch.isalnum() else "-" for ch in _folded(name))[:30].strip("-"))
    parts += [calendar.period_years(filters.cycle).replace("–", "-"), f"corte-{filters.as_of.isoformat()}"]
    return "_".join(parts)
