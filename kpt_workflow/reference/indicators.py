"""The indicator catalog (battery): loaded from CSV, replaceable by the DNP's official file."""

import csv
from collections import Counter
from functools import lru_cache
from pathlib import Path

from sqlmodel import Field, SQLModel

from kpt_workflow.base.csv_rows import numbered_rows
from kpt_workflow.base.errors import InvalidInput

DATA_DIR = Path(__file__).parent / "data"
STARTER_CATALOG = DATA_DIR / "indicadores_kpt_ilustrativo.csv"
MGA_PROGRAMS = DATA_DIR / "mga_sectores_programas.csv"
CATALOG_COLUMNS = ("codigo", "tipo", "codigo_sector", "sector", "codigo_programa", "programa",
                   "codigo_producto", "producto", "nombre", "unidad", "fuente", "oficial")
KINDS = ("resultado", "producto")


class IndicatorColumns(SQLModel):
    """An indicator of the battery: sector → programa → producto → indicador (DOMAIN.md,
    "Indicators"). The battery's table (kpt_workflow.storage.tables.Indicator) has these columns."""

    code: str = Field(primary_key=True)
    kind: str = Field(description="resultado | producto")
    sector_code: str = Field(index=True)
    sector_name: str
    program_code: str = Field(index=True)
    program_name: str
    product_code: str | None = None
    product_name: str | None = None
    name: str
    unit: str
    source: str
    official: bool = Field(description="False for the curated illustrative subset")


def read_catalog(path: Path) -> list[IndicatorColumns]:
    """Parse a catalog CSV, refusing the file at the first bad line (named, with the fix)."""
    indicators = [_indicator(path, line, row)
                  for line, row in numbered_rows(path, CATALOG_COLUMNS, "el catálogo de indicadores")]
    repeated = sorted(code for code, n in Counter(i.code for i in indicators).items() if n > 1)
    if repeated:
        raise InvalidInput(f"{path.name}: códigos de indicador repetidos {repeated}.")
    return indicators


def _indicator(path: Path, line: int, row: dict[str, str]) -> IndicatorColumns:
    where = f"{path.name}, línea {line}"
    if row["tipo"] not in KINDS:
        raise InvalidInput(f"{where}: tipo '{row['tipo']}' inválido; use resultado o producto.")
    if not row["codigo"].strip() or not row["nombre"].strip() or not row["unidad"].strip():
        raise InvalidInput(f"{where}: el indicador necesita código, nombre y unidad.")
    if row["tipo"] == "producto" and not row["codigo_producto"].strip():
        raise InvalidInput(f"{where}: un indicador de producto necesita su código de producto MGA.")
    return IndicatorColumns(
        code=row["codigo"].strip(), kind=row["tipo"], sector_code=row["codigo_sector"].strip(),
        sector_name=row["sector"].strip(), program_code=row["codigo_programa"].strip(),
        program_name=row["programa"].strip(), product_code=row["codigo_producto"].strip() or None,
        product_name=row["producto"].strip() or None, name=row["nombre"].strip(), unit=row["unidad"].strip(),
        source=row["fuente"].strip(), official=row["oficial"].strip().lower() in ("si", "sí", "true", "1"),
    )


@lru_cache(maxsize=1)
def mga_program_names() -> dict[str, str]:
    """MGA program code (4 digits) → name, from the shipped (illustrative) MGA catalog."""
    with MGA_PROGRAMS.open(encoding="utf-8", newline="") as handle:
        return {row["codigo"]: row["nombre"] for row in csv.DictReader(handle) if row["nivel"] == "programa"}
