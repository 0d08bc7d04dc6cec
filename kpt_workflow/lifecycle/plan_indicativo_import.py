"""A Plan Indicativo workbook read back into a strategic part and a plan plurianual, judged line by
line: every refused cell is reported (sheet, row, column, value, why), and if any is, nothing of
the workbook is to be recorded.

It reads what a spreadsheet program leaves after re-saving the exported workbook: numbers as
floats, a code typed as a number (0101 → 101), blank rows, columns in another order, sheets
added; it reads cell values only (never formulas) and at most MAX_ROWS rows per sheet."""

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from kpt_workflow.base.errors import InvalidInput, UnsupportedFile
from kpt_workflow.base.figures import amount
from kpt_workflow.base.validation import describe_error
from kpt_workflow.law.bounds import PESOS
from kpt_workflow.lifecycle import plan_indicativo_layout as layout
from kpt_workflow.lifecycle.strategy import (EjeInput, GoalInput, InvestmentLine, InvestmentPlanInput, StrategicPartInput,
                                             check_goal, check_investment_line, check_mga_program, parse_investment_plan,
                                             parse_strategic_part)
from kpt_workflow.reference.indicators import IndicatorColumns

MAX_ROWS = 5_000  # rows read per sheet, blank ones included: more than twice the metas a plan may hold
MAX_COLUMNS = 60
_PREFIXES = ("Parte estratégica: ", "Plan plurianual: ")  # the use-case's messages, said here per cell
_GOAL_FIELDS = {("indicador",): layout.INDICADOR_CODIGO, ("producto",): layout.PRODUCTO_CODIGO,
                ("personalizado",): layout.PROPIO, ("nombre",): layout.INDICADOR, ("unidad",): layout.UNIDAD,
                ("linea_base", "valor"): layout.LINEA_BASE, ("linea_base", "anio"): layout.LINEA_BASE_ANIO,
                ("linea_base", "fuente"): layout.LINEA_BASE_FUENTE, ("meta_cuatrienio",): layout.META_CUATRIENIO,
                ("metas.producto",): layout.PRODUCTO_CODIGO, ("metas.indicador",): layout.INDICADOR_CODIGO,
                ("metas.linea_base.anio",): layout.LINEA_BASE_ANIO}

Sheets = dict[str, list[tuple[Any, ...]]]
"""An imported sheet's rows by its name in the layout, the first one its header (row 1)."""


@dataclass(frozen=True)
class Refusal:
    sheet: str
    row: int | None  # as the spreadsheet numbers it (1: the header); None: the sheet as a whole
    column: str
    value: str
    reason: str


@dataclass(frozen=True)
class Catalogs:
    """What the rows are judged against: the indicator battery and the MGA catalog in force."""

    indicators: Mapping[str, IndicatorColumns]
    program_names: Mapping[str, str]
    product_programs: Mapping[str, str]


@dataclass(frozen=True)
class Imported:
    strategic_part: StrategicPartInput | None
    investment_plan: InvestmentPlanInput | None  # None: the workbook has no money line
    refusals: tuple[Refusal, ...]


def read_workbook(content: bytes) -> Sheets:
    """The imported sheets' cell values (sheet names compared without accents or case). `content`
    has already proved an XLSX within the size limits (base.media)."""
    from openpyxl import load_workbook  # only the import needs it; it parses with defusedxml

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # a damaged part can make openpyxl raise almost anything
        raise UnsupportedFile("El archivo es un XLSX, pero no se pudo leer como libro de cálculo.", field="file",
                              reason="xlsx_unreadable") from exc
    names = {layout.folded(name): name for name in layout.IMPORTED}
    sheets: Sheets = {}
    try:
        for sheet in book.worksheets:
            name = names.get(layout.folded(sheet.title))
            if name is None or name in sheets:
                continue
            rows = []
            for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
                if len(rows) == MAX_ROWS:
                    raise InvalidInput(f"La hoja «{name}» tiene más de {amount(MAX_ROWS, 'fila')}.", field="file")
                rows.append(tuple(row))
            sheets[name] = rows
    except InvalidInput:
        raise
    except Exception as exc:
        raise UnsupportedFile("El archivo es un XLSX, pero una de sus hojas está dañada.", field="file",
                              reason="xlsx_unreadable") from exc
    finally:
        book.close()
    return sheets


def _clean(value: Any) -> Any:
    """A cell as the validators read it: blank text is None (other text as written), a float that
    is whole is an int."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _shown(value: Any) -> str:
    return "" if value is None else str(value)[:80]


def _code(value: Any, width: int) -> Any:
    """A code as the catalogs write it: trimmed, and back to its digits if a spreadsheet turned it
    into a number (0101 → 101)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value).zfill(width)
    return value.strip() if isinstance(value, str) else value


class _Table:
    """A sheet's data rows (blank ones skipped) with their cells found by header."""

    def __init__(self, name: str, rows: list[tuple[Any, ...]]) -> None:
        self.name = name
        header = rows[0] if rows else ()
        self.index: dict[str, int] = {}
        for i, text in enumerate(header):
            self.index.setdefault(layout.folded(text), i)
        self.headers = [str(h).strip() for h in header if h is not None]
        self.rows = [(n, row) for n, row in enumerate(rows[1:], start=2) if any(_clean(v) is not None for v in row)]

    def get(self, row: tuple[Any, ...], header: str) -> Any:
        i = self.index.get(layout.folded(header))
        return _clean(row[i]) if i is not None and i < len(row) else None


class _Judge:
    def __init__(self, sheets: Sheets, period: int, catalogs: Catalogs) -> None:
        self.sheets, self.period, self.catalogs = sheets, period, catalogs
        self.refusals: list[Refusal] = []
        self.refused_programs: dict[str, int] = {}  # a program refused in «Líneas estratégicas» → its row

    def refuse(self, sheet: str, row: int | None, column: str, value: Any, reason: str) -> None:
        for prefix in _PREFIXES:
            reason = reason.removeprefix(prefix)
        self.refusals.append(Refusal(sheet, row, column, _shown(value), reason))

    def table(self, name: str, required: list[str]) -> _Table | None:
        """The sheet, if the workbook has it with every required column (each missing one refused)."""
        if name not in self.sheets:
            self.refuse(name, None, "", "", f"falta la hoja «{name}»; el libro lleva las hojas "
                                            f"{', '.join(f'«{s}»' for s in layout.IMPORTED)}")
            return None
        table = _Table(name, self.sheets[name])
        missing = [h for h in required if layout.folded(h) not in table.index]
        for header in missing:
            self.refuse(name, 1, header, "", f"falta la columna «{header}»")
        return None if missing else table

    def validated(self, model: type[BaseModel], data: dict[str, Any], table: _Table, number: int,
                  row: tuple[Any, ...], columns: Mapping[tuple[Any, ...], str]) -> Any:
        """`data` as `model`, or None with each of its errors refused at the column it names."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                loc = tuple(error["loc"])
                column = next((columns[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in columns),
                              next(iter(columns.values())))
                self.refuse(table.name, number, column, table.get(row, column), describe_error({**error, "input": None})[1])
            return None

    def checked(self, check: Any, table: _Table, number: int, row: tuple[Any, ...], columns: Mapping[Any, str]) -> bool:
        """Run a use-case check on one row; its refusal is reported at the column its field names."""
        try:
            check()
            return True
        except InvalidInput as refused:
            field, year = refused.details.get("field"), refused.details.get("year")
            column = layout.year_header(int(str(year))) if year is not None else columns.get(
                (field,), next(iter(columns.values())))
            self.refuse(table.name, number, column, table.get(row, column), refused.message)
            return False


def judge(sheets: Sheets, period: int, catalogs: Catalogs) -> Imported:
    """The workbook's strategic part and plan plurianual, or every reason a cell is refused."""
    judge = _Judge(sheets, period, catalogs)
    programs = _programs(judge)
    goals = _goals(judge, programs)
    lines = _money(judge)
    total = _declared_total(judge)
    if judge.refusals:
        return Imported(None, None, tuple(judge.refusals))
    ejes: dict[str, list[dict[str, Any]]] = {}
    for code, (eje, name) in programs.items():
        ejes.setdefault(eje, []).append({"codigo": code, "nombre": name, "metas": goals.get(code, [])})
    if not ejes:
        judge.refuse(layout.LINEAS, None, "", "", "la hoja no tiene ningún programa")
        return Imported(None, None, tuple(judge.refusals))
    try:
        part = parse_strategic_part({"ejes": [{"nombre": n, "programas": p} for n, p in ejes.items()]})
        money = parse_investment_plan({"total": total, "lineas": lines}, period, catalogs.program_names) if lines else None
    except InvalidInput as refused:  # the plan's size limits: what no single row breaks
        judge.refuse(layout.LINEAS, None, "", "", refused.message)
        return Imported(None, None, tuple(judge.refusals))
    return Imported(part, money, ())


def _present(data: dict[str, Any]) -> dict[str, Any]:
    """A row's fields without its blank cells, so that a blank required one reads «falta este campo»."""
    return {k: _present(v) if isinstance(v, dict) else v for k, v in data.items() if v is not None}


def _programs(judge: _Judge) -> dict[str, tuple[str, str | None]]:
    """Program code → (its strategic line, its name as written), in the sheet's order (and the
    row of each refused one in `judge.refused_programs`)."""
    table = judge.table(layout.LINEAS, [layout.EJE, layout.PROGRAMA_CODIGO, layout.PROGRAMA])
    found: dict[str, tuple[str, str | None]] = {}
    rows: dict[str, int] = {}
    if table is None:
        return found
    columns = {("nombre",): layout.EJE, ("programas", 0, "codigo"): layout.PROGRAMA_CODIGO,
               ("programas", 0, "nombre"): layout.PROGRAMA, ("programa",): layout.PROGRAMA_CODIGO}
    for number, row in table.rows:
        code = _code(table.get(row, layout.PROGRAMA_CODIGO), 4)
        eje = judge.validated(EjeInput, _present({"nombre": table.get(row, layout.EJE), "programas": [
            _present({"codigo": code, "nombre": table.get(row, layout.PROGRAMA)})]}), table, number, row, columns)
        if eje is None:
            if isinstance(code, str):
                judge.refused_programs.setdefault(code, number)
            continue
        program = eje.programas[0]
        if program.codigo in rows:
            judge.refuse(table.name, number, layout.PROGRAMA_CODIGO, program.codigo,
                         f"el programa {program.codigo} ya está en la fila {rows[program.codigo]}")
        elif judge.checked(lambda: check_mga_program(program.codigo, judge.catalogs.program_names, "Parte estratégica", "programa"),
                           table, number, row, columns):
            rows[program.codigo] = number
            found[program.codigo] = (eje.nombre, program.nombre)
        else:
            judge.refused_programs.setdefault(program.codigo, number)
    return found


def _goals(judge: _Judge, programs: Mapping[str, object]) -> dict[str, list[dict[str, Any]]]:
    """Program code → its metas as the strategic part's input writes them: the outcome indicators,
    then the products, each in its sheet's order."""
    found: dict[str, list[dict[str, Any]]] = {}
    seen: dict[str, str] = {}  # indicator → where its meta is
    for name, kind in ((layout.RESULTADOS, "resultado"), (layout.PRODUCTOS, "producto")):
        editable = [c.header for c in (layout.resultados_columns(range(0)) if kind == "resultado"
                                       else layout.productos_columns(range(0))) if c.editable]
        table = judge.table(name, editable)
        if table is None:
            continue
        years = {year: header for header in table.headers if (year := layout.header_year(header)) is not None}
        columns = {**_GOAL_FIELDS, **{("programacion", year): layout.year_header(year) for year in years},
                   ("programacion",): layout.INDICADOR_CODIGO}
        for number, row in table.rows:
            goal = _goal_row(judge, table, row, kind, years)
            program = _code(table.get(row, layout.PROGRAMA_CODIGO), 4)
            parsed = judge.validated(GoalInput, _present(goal), table, number, row, columns)
            if parsed is None:
                continue
            where = f"«{name}», fila {number}"
            if program in judge.refused_programs:
                judge.refuse(name, number, layout.PROGRAMA_CODIGO, program, f"el programa {program} se rechazó en la "
                             f"hoja «{layout.LINEAS}», fila {judge.refused_programs[program]}")
            elif program not in programs:
                judge.refuse(name, number, layout.PROGRAMA_CODIGO, program, f"el programa {program} no está en la hoja "
                             f"«{layout.LINEAS}»: agréguelo allí con su línea estratégica")
            elif parsed.indicador in seen:
                judge.refuse(name, number, layout.INDICADOR_CODIGO, parsed.indicador,
                             f"el indicador {parsed.indicador} ya tiene una meta en {seen[parsed.indicador]}")
            elif _kind_fits(judge, table, number, parsed, kind) and judge.checked(
                    lambda: check_goal(parsed, program, judge.catalogs.indicators, judge.period,
                                       judge.catalogs.product_programs), table, number, row, columns):
                seen[parsed.indicador] = where
                found.setdefault(program, []).append(_present(goal))
    return found


def _goal_row(judge: _Judge, table: _Table, row: tuple[Any, ...], kind: str, years: Mapping[int, str]) -> dict[str, Any]:
    code = _code(table.get(row, layout.INDICADOR_CODIGO), 0)
    if isinstance(code, str) and code not in judge.catalogs.indicators and code.zfill(9) in judge.catalogs.indicators:
        code = code.zfill(9)  # a battery code that lost its leading zero
    own = _yes_no(table.get(row, layout.PROPIO))
    return {"indicador": code, "personalizado": own,
            "tipo": kind if own else None,
            "producto": _code(table.get(row, layout.PRODUCTO_CODIGO), 7) if kind == "producto" else None,
            "nombre": table.get(row, layout.INDICADOR), "unidad": table.get(row, layout.UNIDAD),
            "linea_base": {"valor": table.get(row, layout.LINEA_BASE), "anio": table.get(row, layout.LINEA_BASE_ANIO),
                           "fuente": table.get(row, layout.LINEA_BASE_FUENTE)},
            "meta_cuatrienio": table.get(row, layout.META_CUATRIENIO),
            "programacion": {year: value for year, header in years.items()
                             if (value := table.get(row, header)) is not None} or None}


def _yes_no(value: Any) -> Any:
    """Sí/No (or a spreadsheet's TRUE/FALSE) as a boolean; blank is No; anything else is left for
    the validator to refuse."""
    if value is None or isinstance(value, bool):
        return bool(value)
    return {"si": True, "no": False}.get(layout.folded(value), value)


def _kind_fits(judge: _Judge, table: _Table, number: int, goal: GoalInput, kind: str) -> bool:
    """A catalog indicator sits in its kind's sheet; an own one needs its name and unit."""
    known = judge.catalogs.indicators.get(goal.indicador)
    if known is not None and known.kind != kind:
        other = layout.RESULTADOS if known.kind == "resultado" else layout.PRODUCTOS
        judge.refuse(table.name, number, layout.INDICADOR_CODIGO, goal.indicador,
                     f"el indicador {goal.indicador} del catálogo es de {known.kind}: va en la hoja «{other}»")
        return False
    for missing, column in ((not goal.nombre, layout.INDICADOR), (not goal.unidad, layout.UNIDAD)):
        if goal.personalizado and missing:
            judge.refuse(table.name, number, column, "", f"el indicador propio {goal.indicador} necesita su "
                                                         f"{column.lower()}")
            return False
    return True


def _money(judge: _Judge) -> list[dict[str, Any]]:
    """The plan plurianual's lines: a row per program and year, a column per source."""
    table = judge.table(layout.INVERSIONES, [layout.PROGRAMA_CODIGO, layout.ANIO, *layout.SOURCE_HEADERS.values()])
    lines: list[dict[str, Any]] = []
    rows: dict[tuple[str, int], int] = {}
    if table is None:
        return lines
    for number, row in table.rows:
        program, year = _code(table.get(row, layout.PROGRAMA_CODIGO), 4), table.get(row, layout.ANIO)
        for source, header in layout.SOURCE_HEADERS.items():
            columns = {("programa",): layout.PROGRAMA_CODIGO, ("anio",): layout.ANIO, ("valor",): header,
                       ("fuente",): header}
            value = table.get(row, header)
            line = None if value is None else judge.validated(InvestmentLine, _present(
                {"programa": program, "anio": year, "fuente": source, "valor": value}), table, number, row, columns)
            if line is None or not judge.checked(
                    lambda: check_investment_line(line, judge.period, judge.catalogs.program_names),
                    table, number, row, columns):
                continue
            earlier = rows.setdefault((line.programa, line.anio), number)
            if earlier != number:
                judge.refuse(table.name, number, layout.ANIO, line.anio, f"el programa {line.programa} ya tiene el año "
                                                                         f"{line.anio} en la fila {earlier}")
                break
            lines.append(line.model_dump())
    return lines


def _declared_total(judge: _Judge) -> int | None:
    """The total the plan declares, from its row in «Acerca de» (blank or absent: none)."""
    table = judge.table(layout.ACERCA, [layout.DATO, layout.VALOR])
    if table is None:
        return None
    for number, row in table.rows:
        if layout.folded(table.get(row, layout.DATO)) == layout.folded(layout.TOTAL_DECLARADO):
            value = table.get(row, layout.VALOR)
            try:
                return None if value is None else PESOS(value)
            except ValueError as refused:
                judge.refuse(table.name, number, layout.VALOR, value, str(refused))
    return None
