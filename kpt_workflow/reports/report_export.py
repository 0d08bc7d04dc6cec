"""The dashboard's report as files people open: its drill-down rows (`reports.plan_rows`) as CSV
and XLSX with Spanish headers, one row per plan, the same columns in both; and the whole report
as one workbook, a sheet per table of the dashboard after the plans."""

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any
from kpt_workflow.law import calendar
from kpt_workflow.lifecycle.engine import workflow

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

# The drill-down table's columns with their Spanish headers (CSV and XLSX exports).
ROW_HEADERS = (("id", "Plan"), ("entity_code", "Código DIVIPOLA"), ("entity_name", "Entidad"),
               ("department_code", "Código del departamento"), ("department_name", "Departamento"),
               ("category", "Categoría (Ley 617 de 2000)"), ("state", "Código del estado"), ("state_label", "Estado"),
               ("state_entered_on", "En el estado desde"), ("version", "Versión del plan"),
               ("late_labels", "Términos vencidos"))
LIST_SEPARATOR = " | "  # between the late deadlines of a plan, in one cell: ';' separates the CSV's cells
SYNTHETIC_NOTE = "SINTÉTICOS de demostración: ningún documento, fecha, número ni valor es de una entidad real."
CSV_DELIMITER = ";"  # as Spanish-locale Excel splits a CSV (',' is its decimal mark)


def _cells(row: Mapping[str, object]) -> list[object]:
    return [LIST_SEPARATOR.join(row[key]) if key == "late_labels" else row[key]  # type: ignore[arg-type]
            for key, _ in ROW_HEADERS]


def table_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A table as CSV text, in the one dialect every CSV export of the project shares: cells split
    by ';', as Spanish-locale Excel splits them (',' is its decimal mark)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_DELIMITER)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()


def csv_file(text: str) -> bytes:
    """CSV text as the file served: UTF-8 with a BOM, so that Excel reads its accents."""
    return ("\ufeff" + text).encode("utf-8")


def export_rows_csv(rows: Iterable[Mapping[str, object]]) -> str:
    """`plan_rows` as CSV text with Spanish headers (served with `csv_file`); the late deadlines
    of a plan go in one cell, by label."""
    return table_csv([header for _, header in ROW_HEADERS], (_cells(row) for row in rows))


def export_rows_xlsx(rows: Iterable[Mapping[str, object]]) -> bytes:
    """`plan_rows` as an Excel workbook: the same columns as the CSV, dates as dates, the header
    frozen and filterable."""
    from openpyxl import Workbook  # imported here: only the export needs it

    book = Workbook()
    _plans_sheet(book.active, rows)
    return saved_workbook(book)


def export_report_xlsx(report: Mapping[str, Any]) -> bytes:
    """`reports.national_report` as a workbook: the plans (as `export_rows_xlsx`), then each table
    of the dashboard (by state, department and category, days in each state, late deadlines,
    blocking rules) and, last, what the report covers: its cut date, its filters and, for the
    synthetic demo, that no value in it is real."""
    from openpyxl import Workbook

    book = Workbook()
    _plans_sheet(book.active, report["plan_rows"])
    for title, headers, rows in _tables(report):
        table_sheet(book.create_sheet(title), headers, rows)
    table_sheet(book.create_sheet("Acerca de"), ("Dato", "Valor"), _about(report))
    return saved_workbook(book)


def _tables(report: Mapping[str, Any]) -> list[tuple[str, Sequence[str], list[list[object]]]]:
    states = [(s["state"], s["label"]) for s in report["plans_by_state"]]

    def by_state(groups: list[dict[str, Any]], key_header: str) -> tuple[Sequence[str], list[list[object]]]:
        headers = (key_header, "Nombre", "Planes", *(label for _, label in states))
        return headers, [[g["code"] or "", g["name"] or "Sin categoría registrada", g["plans"],
                          *(g["by_state"].get(state, 0) for state, _ in states)] for g in groups]

    return [
        ("Por estado", ("Código del estado", "Estado", "Planes"),
         [[s["state"], s["label"], s["count"]] for s in report["plans_by_state"]]),
        ("Por departamento", *by_state(report["by_department"], "Código del departamento")),
        ("Por categoría", *by_state(report["by_category"], "Categoría (Ley 617 de 2000)")),
        ("Días en cada estado", ("Estado", "Planes que pasaron por él", "Mediana (días)", "Percentil 90 (días)"),
         [[s["label"], s["plans"], s["median_days"], s["p90_days"]] for s in report["dwell_by_state"]]),
        ("Plazos vencidos", ("Código", "Plazo", "Fundamento", "Planes vencidos", "Sin cumplir", "Cumplidos tarde",
                              "A cargo de"),
         [[d["code"], d["label"], d["basis"], d["late_plans"], d["late_unmet"], d["late_met"], d["duty_of_label"]]
          for d in report["past_deadlines"]]),
        ("Requisitos que bloquean", ("Código de la regla", "Requisito", "Fundamento", "Intentos rechazados", "Planes"),
         [[r["rule"], r["label"], r["basis"], r["blocked_attempts"], r["plans"]] for r in report["top_blocking_rules"]]),
    ]


def _about(report: Mapping[str, Any]) -> list[list[object]]:
    filters = report["filters"]
    rows: list[list[object]] = [
        ["Corte (fecha legal)", date.fromisoformat(filters["as_of"])],
        ["Departamento", filters["department_code"] or "Todos"],
        ["Categoría", filters["category"] or "Todas"],
        ["Flujo", workflow(filters["workflow"]).definition.title],
        ["Período", calendar.period_years(filters["period"])],
        ["Entidades que formulan plan", report["planning_entities"]],
        ["Planes", report["plans"]],
    ]
    if report.get("narrowed"):  # the dashboard's table narrowed by state or name: the sheet of plans holds those
        rows.append(["Hoja «Planes» filtrada por", report["narrowed"]])
    if report["synthetic"]:
        rows.append(["Datos", SYNTHETIC_NOTE])
    return rows


def _plans_sheet(sheet: "Worksheet", rows: Iterable[Mapping[str, object]]) -> None:
    sheet.title = "Planes"
    date_column = [key for key, _ in ROW_HEADERS].index("state_entered_on")
    cells = []
    for row in rows:
        line = _cells(row)
        line[date_column] = date.fromisoformat(str(line[date_column]))
        cells.append(line)
    table_sheet(sheet, [header for _, header in ROW_HEADERS], cells)
    for letter, width in zip("ABCDEFGHIJK", (12, 10, 28, 12, 24, 12, 30, 30, 14, 10, 40)):
        sheet.column_dimensions[letter].width = width


def table_sheet(sheet: "Worksheet", headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A header in bold, frozen and filterable, over the rows; dates shown as dates."""
    from openpyxl.styles import Font

    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, date):
                cell.number_format = "dd/mm/yyyy"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def saved_workbook(book: Any) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
