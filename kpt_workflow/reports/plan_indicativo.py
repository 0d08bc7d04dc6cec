"""A plan's strategic part and plan plurianual as the DNP's Plan Indicativo workbook (SisPT): the
sheets of kpt_workflow.lifecycle.plan_indicativo_layout, filled with what the plan records, and
«Acerca de»: the plan, the cut, where the values come from, what the import reads back and, for
the synthetic demo, that no value is real. Every value is written so that importing the workbook
gives it back (`layout.cell_number`)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from kpt_workflow.law import calendar
from kpt_workflow.law.facts import GoalFact, InvestmentFact, ProgramFact
from kpt_workflow.lifecycle import plan_indicativo_layout as layout
from kpt_workflow.lifecycle.aggregate import PlanRecord
from kpt_workflow.reference import mga
from kpt_workflow.reports.report_export import SYNTHETIC_NOTE, saved_workbook, table_sheet

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

TEXT = "@"  # the cell format that keeps a code's leading zeros when someone types over it
_CODE_HEADERS = {layout.PROGRAMA_CODIGO, layout.PRODUCTO_CODIGO, layout.INDICADOR_CODIGO, layout.SECTOR_CODIGO}


@dataclass(frozen=True)
class IndicativePlan:
    """What the workbook shows: the plan, its parte estratégica and plan plurianual as recorded,
    the catalogs' names of its sectors, programs and products, and each program's «¿En el PND?»."""

    plan: PlanRecord
    programs: tuple[ProgramFact, ...]
    investments: tuple[InvestmentFact, ...]
    sector_names: Mapping[str, str]
    program_names: Mapping[str, str]
    product_names: Mapping[str, str]
    pnd: Mapping[str, str]
    synthetic: bool
    exported_on: date

    @property
    def years(self) -> range:
        return range(self.plan.period, self.plan.period + calendar.PERIOD_YEARS)


def plan_indicativo_xlsx(data: IndicativePlan) -> bytes:
    from openpyxl import Workbook  # imported here: only the exports need it

    book = Workbook()
    years = data.years
    sheets: list[tuple[str, Sequence[layout.Column], list[list[Any]]]] = [
        (layout.LINEAS, layout.lineas_columns(), _lineas(data)),
        (layout.RESULTADOS, layout.resultados_columns(years), _goals(data, "resultado")),
        (layout.PRODUCTOS, layout.productos_columns(years), _goals(data, "producto")),
        (layout.INVERSIONES, layout.inversiones_columns(), _money(data)),
        (layout.SGR, layout.sgr_columns(years), _sgr(data)),
        (layout.ACERCA, (layout.Column(layout.DATO, width=44), layout.Column(layout.VALOR, width=90)), _about(data)),
    ]
    for index, (title, columns, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        _filled(sheet, columns, rows)
    _total_formulas(book[layout.INVERSIONES])
    return saved_workbook(book)


def _filled(sheet: "Worksheet", columns: Sequence[layout.Column], rows: Iterable[Sequence[object]]) -> None:
    from openpyxl.utils import get_column_letter

    table_sheet(sheet, [c.header for c in columns], rows)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if cell.data_type == "f":  # a text that begins with '=' is text, never a formula to run
                cell.data_type = "s"
    for number, column in enumerate(columns, start=1):
        letter = get_column_letter(number)
        sheet.column_dimensions[letter].width = column.width
        if column.header in _CODE_HEADERS:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=number, max_col=number):
                cell.number_format = TEXT


def _total_formulas(sheet: "Worksheet") -> None:
    """Each row's total as a formula over its sources, so that an edited cell updates it."""
    from openpyxl.utils import get_column_letter

    headers = [c.header for c in layout.inversiones_columns()]
    first = get_column_letter(headers.index(layout.SOURCE_HEADERS["sgp"]) + 1)
    last = get_column_letter(headers.index(layout.SOURCE_HEADERS["otros"]) + 1)
    total = headers.index(layout.TOTAL) + 1
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row=row, column=total, value=f"=SUM({first}{row}:{last}{row})")


def _lineas(data: IndicativePlan) -> list[list[Any]]:
    return [[p.eje, p.code, p.name, data.sector_names.get(p.code[:2], ""), data.pnd.get(p.code, "")]
            for p in data.programs]


def _goal_cells(goal: GoalFact, years: range) -> list[Any]:
    programmed = dict(goal.programacion)
    return [goal.indicator_code, goal.name, goal.unit, layout.YES if goal.custom else layout.NO,
            layout.cell_number(goal.baseline_value), goal.baseline_year, goal.baseline_source,
            layout.cell_number(goal.meta_cuatrienio), *(layout.cell_number(programmed.get(year)) for year in years)]


def _goals(data: IndicativePlan, kind: str) -> list[list[Any]]:
    rows = []
    for p in data.programs:
        for goal in (g for g in p.goals if g.kind == kind):
            if kind == "resultado":
                rows.append([p.code, p.name, *_goal_cells(goal, data.years)])
            else:
                product = goal.product_code
                rows.append([p.code[:2], data.sector_names.get(p.code[:2], ""), p.code, p.name, product,
                             data.product_names.get(product, "") if product else "", *_goal_cells(goal, data.years),
                             data.pnd.get(p.code, "")])
    return rows


def _program_name(data: IndicativePlan, code: str) -> str:
    return next((p.name for p in data.programs if p.code == code), data.program_names.get(code, ""))


def _money(data: IndicativePlan) -> list[list[Any]]:
    """A row per program and year (the plan's programs first, in its order), a column per source;
    a blank cell is a source without a line, a 0 a line of zero pesos."""
    cells: dict[tuple[str, int], dict[str, int]] = {}
    for line in data.investments:
        cells.setdefault((line.program_code, line.year), {})[line.source] = line.amount
    order = {p.code: i for i, p in enumerate(data.programs)}
    keys = sorted(cells, key=lambda k: (order.get(k[0], len(order)), k[0], k[1]))
    return [[code, _program_name(data, code), year, *(cells[code, year].get(s) for s in layout.SOURCE_HEADERS), None]
            for code, year in keys]


def _sgr(data: IndicativePlan) -> list[list[Any]]:
    """The product metas of the programs the plan plurianual funds with regalías (source SGR),
    with that money by year: what the entity reports as its SGR products."""
    sgr: dict[str, dict[int, int]] = {}
    for line in data.investments:
        if line.source == "sgr":
            sgr.setdefault(line.program_code, {})[line.year] = line.amount
    rows = []
    for code, money in sgr.items():
        by_year = [money.get(year) for year in data.years]
        goals = next((p.goals for p in data.programs if p.code == code), ())
        products = [g for g in goals if g.kind == "producto"] or [None]
        for goal in products:
            product = goal.product_code if goal else None
            rows.append([code, _program_name(data, code), product, data.product_names.get(product or "", ""),
                         goal.indicator_code if goal else "", goal.name if goal else "",
                         layout.cell_number(goal.meta_cuatrienio) if goal else None, *by_year])
    return rows


def _about(data: IndicativePlan) -> list[list[Any]]:
    plan = data.plan
    rows: list[list[Any]] = [
        ["Plan", plan.id], ["Entidad", f"{plan.entity_name} (DIVIPOLA {plan.entity_code})"],
        ["Período", calendar.period_years(plan.period)], ["Versión del plan exportada", plan.version],
        ["Exportado el", data.exported_on],
        [layout.TOTAL_DECLARADO, layout.cell_number(plan.declared_investment_total)],
        ["Suma de las líneas del plan plurianual (pesos)",
         layout.cell_number(sum(line.amount for line in data.investments))],
        ["Procedencia", "La parte estratégica y el plan plurianual de inversiones que la oficina de planeación de la "
                        "entidad registró en el Kit de Planeación Territorial, tal como están en la versión exportada."],
        ["Catálogos", f"Nombres de sectores, programas y productos: {mga.ILLUSTRATIVE} Los indicadores del catálogo "
                      f"son la batería que tenga cargada el sistema."],
        [layout.EN_PND, "Si el programa está articulado con las transformaciones del Plan Nacional de Desarrollo "
                        "2022–2026 (Ley 2294 de 2023). «Sin etiquetar»: el plan aún no lo dice."],
        ["Qué se importa", f"Las hojas «{layout.LINEAS}», «{layout.RESULTADOS}», «{layout.PRODUCTOS}» y "
                           f"«{layout.INVERSIONES}», y el total declarado de esta hoja. Solo informan, y la importación "
                           f"no las lee: los nombres de sector, programa y producto en las hojas de metas, "
                           f"«{layout.EN_PND}», «{layout.TOTAL}» y la hoja «{layout.SGR}». Las demás hojas se ignoran."],
        ["Metas por año", "Opcionales; cada una de un año del período. No se exige que sumen la meta del cuatrienio: "
                          "depende de si el indicador acumula."],
    ]
    if data.synthetic:
        rows.append(["Datos", SYNTHETIC_NOTE])
    return rows
