"""The dashboard's drill-down rows (`reports.plan_rows`) as files people open: CSV and XLSX with
Spanish headers, one row per plan, the same columns in both."""

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date

# The drill-down table's columns with their Spanish headers (CSV and XLSX exports).
ROW_HEADERS = (("id", "Plan"), ("entity_code", "Código DIVIPOLA"), ("entity_name", "Entidad"),
               ("department_code", "Código del departamento"), ("department_name", "Departamento"),
               ("category", "Categoría (Ley 617 de 2000)"), ("state", "Código del estado"), ("state_label", "Estado"),
               ("state_entered_on", "En el estado desde"), ("version", "Versión del plan"),
               ("late_deadlines", "Términos vencidos"))
LIST_SEPARATOR = "; "


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
