"""The DNP's Plan Indicativo workbook (SisPT) as this system writes and reads it: its sheets and
their columns, said once for the export (kpt_workflow.reports.plan_indicativo) and the import
(kpt_workflow.lifecycle.plan_indicativo_import).

The entity reads a plan's strategic part as the SisPT lays it out: strategic lines with their
programs, outcome indicators, the products (sector → programa → producto → indicador de producto)
with the four-year goal and the goal of each year of the period, money by program, year and
source, and the products funded by the SGR. Some columns only inform (names from the catalogs,
totals, whether a line is in the PND): the import reads the ones marked `editable`."""

import re
from dataclasses import dataclass
from decimal import Decimal

from kpt_workflow.reference.mga import fold

LINEAS = "Líneas estratégicas"
RESULTADOS = "Indicadores de resultado"
PRODUCTOS = "Plan indicativo (productos)"
INVERSIONES = "Plan plurianual"
SGR = "Productos SGR"
ACERCA = "Acerca de"
IMPORTED = (LINEAS, RESULTADOS, PRODUCTOS, INVERSIONES, ACERCA)  # the sheets the import reads

# Column headers (the import finds each by its header, in any order, accents and case aside).
EJE, PROGRAMA_CODIGO, PROGRAMA = "Línea estratégica", "Código del programa", "Programa"
SECTOR_CODIGO, SECTOR = "Código del sector", "Sector"
PRODUCTO_CODIGO, PRODUCTO = "Código del producto", "Producto"
INDICADOR_CODIGO, INDICADOR, UNIDAD, PROPIO = "Código del indicador", "Indicador", "Unidad", "Indicador propio (Sí/No)"
LINEA_BASE, LINEA_BASE_ANIO, LINEA_BASE_FUENTE = "Línea base", "Año de la línea base", "Fuente de la línea base"
META_CUATRIENIO, EN_PND = "Meta cuatrienio", "¿En el PND?"
ANIO, TOTAL = "Año", "Total (pesos)"
DATO, VALOR = "Dato", "Valor"
TOTAL_DECLARADO = "Total declarado del plan plurianual (pesos)"  # the one editable row of «Acerca de»
# The plan plurianual's sources as the SisPT heads its columns (codes: lifecycle.strategy.SOURCES).
SOURCE_HEADERS = {"sgp": "SGP", "sgr": "SGR", "recursos_propios": "Recursos propios", "credito": "Crédito",
                  "cofinanciacion": "Cofinanciación", "otros": "Otros"}
YES, NO = "Sí", "No"

_YEAR_HEADER = re.compile(r"meta ([0-9]{4})")


@dataclass(frozen=True)
class Column:
    header: str
    editable: bool = True  # read back by the import; otherwise it only informs
    width: int = 14


def year_header(year: int) -> str:
    return f"Meta {year}"


def header_year(header: str) -> int | None:
    """The year a «Meta AAAA» column programs, or None for any other header."""
    found = _YEAR_HEADER.fullmatch(folded(header))
    return int(found.group(1)) if found else None


def folded(header: object) -> str:
    """A header as the import compares it: without accents, case or repeated spaces."""
    return " ".join(fold(str(header)).split()) if header is not None else ""


def _goal_columns(years: range) -> tuple[Column, ...]:
    return (Column(INDICADOR_CODIGO), Column(INDICADOR, width=40), Column(UNIDAD), Column(PROPIO, width=10),
            Column(LINEA_BASE), Column(LINEA_BASE_ANIO, width=10), Column(LINEA_BASE_FUENTE, width=24),
            Column(META_CUATRIENIO), *(Column(year_header(year)) for year in years))


def lineas_columns() -> tuple[Column, ...]:
    return (Column(EJE, width=30), Column(PROGRAMA_CODIGO, width=10), Column(PROGRAMA, width=40),
            Column(SECTOR, editable=False, width=30), Column(EN_PND, editable=False, width=40))


def resultados_columns(years: range) -> tuple[Column, ...]:
    return (Column(PROGRAMA_CODIGO, width=10), Column(PROGRAMA, editable=False, width=40), *_goal_columns(years))


def productos_columns(years: range) -> tuple[Column, ...]:
    return (Column(SECTOR_CODIGO, editable=False, width=8), Column(SECTOR, editable=False, width=30),
            Column(PROGRAMA_CODIGO, width=10), Column(PROGRAMA, editable=False, width=40),
            Column(PRODUCTO_CODIGO, width=10), Column(PRODUCTO, editable=False, width=40), *_goal_columns(years),
            Column(EN_PND, editable=False, width=40))


def inversiones_columns() -> tuple[Column, ...]:
    return (Column(PROGRAMA_CODIGO, width=10), Column(PROGRAMA, editable=False, width=40), Column(ANIO, width=8),
            *(Column(header, width=18) for header in SOURCE_HEADERS.values()), Column(TOTAL, editable=False, width=20))


def sgr_columns(years: range) -> tuple[Column, ...]:
    return (Column(PROGRAMA_CODIGO, width=10), Column(PROGRAMA, width=40), Column(PRODUCTO_CODIGO, width=10),
            Column(PRODUCTO, width=40), Column(INDICADOR_CODIGO), Column(INDICADOR, width=40), Column(META_CUATRIENIO),
            *(Column(f"SGR {year} (pesos)", width=18) for year in years))


KEPT_DIGITS = 15
"""Significant digits a spreadsheet keeps of a number: Excel and LibreOffice Calc keep 15 (a
workbook saved again by LibreOffice holds 1234567890.12346 where the export wrote
1234567890.123456: tests/test_plan_indicativo.py re-saves one with LibreOffice itself)."""


def cell_number(value: Decimal | int | None) -> float | int | str | None:
    """A value as a cell holds it without loss: a number when a spreadsheet keeps all of its
    digits (`KEPT_DIGITS`), otherwise its text, which the import reads back as the same value."""
    if value is None:
        return None
    kept = Decimal(f"{float(value):.{KEPT_DIGITS}g}")
    if kept != value:
        return str(value)
    return int(value) if value == int(value) else float(kept)
