"""What the shipped files say about each territory: DANE's population 2020–2035, TerriData's
poverty (CNPV 2018) and descriptors, as rows with their unit, source and year.

Every value keeps its publisher's number. Two kinds of row come out: numeric values of an indicator
in a year (`SeriesValue`, the same shape the DNP's long TerriData CSV loads, see
`indicator_series.py`), and the descriptors that are words (tipología, ruralidad, entorno, región,
subregión SGR) with the extension, which TerriData gives without a year (`Profile`).

Territory codes are the registry's: five digits for a municipality, two for a department, and
`NATION` for the country. TerriData writes departments as `DD000` and the nation as `01001`.
"""

import csv
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.reference.entities import CAPITAL_DISTRICT_DEPARTMENT_CODE
from kpt_workflow.reference.indicators import DATA_DIR

NATION = "CO"
"""The country, as a territory code: no DIVIPOLA code names it."""
NATION_NAME = "Colombia"
TERRIDATA_NATION = "01001"

POPULATION_PATH = DATA_DIR / "poblacion_dane_2020_2035.csv"
POVERTY_PATH = DATA_DIR / "terridata_pobreza_2018.csv"
DESCRIPTORS_PATH = DATA_DIR / "terridata_descriptores.csv"

POPULATION = "Población total"
POPULATION_UNIT = "personas"
POPULATION_SOURCE = "DANE, proyecciones de población municipal 2020–2035 (actualización posCOVID-19)"
POPULATION_SUM_SOURCE = POPULATION_SOURCE + "; suma de sus municipios"
POVERTY_SOURCE = "DNP TerriData, con datos del DANE (Censo Nacional de Población y Vivienda 2018)"
POVERTY_YEAR = 2018
DESCRIPTOR_SOURCE = "DNP TerriData, descarga «Descripción general» (sin año en el archivo)"

IPM, IPM_CABECERA, IPM_RURAL = "Índice de pobreza multidimensional - IPM", "IPM - Cabecera", "IPM - Rural"
NBI_URBANO = "Índice de Necesidades Básicas Insatisfechas - NBI - en el área urbana"
NBI_RURAL = "Índice de Necesidades Básicas Insatisfechas - NBI - en el área rural"
MISERIA = "Población en condición de miseria"
POVERTY_INDICATORS = (IPM, IPM_CABECERA, IPM_RURAL, NBI_URBANO, NBI_RURAL, MISERIA)
"""The poverty file's columns, named as TerriData names the indicators, in the order shown."""
SHIPPED_INDICATORS = (POPULATION, *POVERTY_INDICATORS)

PROFILE_FIELDS = {
    "tipologia": "Tipología (DNP)", "ruralidad": "Categoría de ruralidad", "entorno": "Entorno de desarrollo (DNP)",
    "region": "Región", "subregion_sgr": "Subregión (SGR)",
}
"""Descriptor → the TerriData column (and the label people read)."""
EXTENSION_COLUMN, EXTENSION_UNIT = "Extensión", "km²"


@dataclass(frozen=True)
class SeriesValue:
    """One value of one indicator for one territory in one year, with its unit and source."""

    territory_code: str
    indicator: str
    year: int
    value: Decimal
    unit: str
    source: str


@dataclass(frozen=True)
class Profile:
    """A territory's TerriData descriptors (words), and its extension in km²."""

    territory_code: str
    tipologia: str | None
    ruralidad: str | None
    entorno: str | None
    region: str | None
    subregion_sgr: str | None
    extension_km2: Decimal | None


def registry_code(terridata_code: str) -> str:
    """TerriData's code of a territory as the registry writes it: `05000` → `05`, `01001` → the
    nation, a municipality's five digits unchanged."""
    code = terridata_code.strip()
    if code == TERRIDATA_NATION:
        return NATION
    return code[:2] if len(code) == 5 and code.endswith("000") else code


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _decimal(path: Path, line: int, column: str, text: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        return Decimal(text.strip())
    except ArithmeticError as exc:
        raise InvalidInput(f"{path.name}, línea {line}: '{text}' en «{column}» no es un número.") from exc


def read_population(path: Path = POPULATION_PATH) -> list[SeriesValue]:
    """DANE's municipal projections, plus each department and the nation as the sum of their
    municipalities (said so in their source). Bogotá D.C. belongs to no department."""
    rows, sums = [], defaultdict(int)
    for line, row in enumerate(_rows(path), start=2):
        code = row["cod_mpio"].strip()
        for column, text in row.items():
            if not column.startswith("pob_"):
                continue
            year, people = int(column.removeprefix("pob_")), _decimal(path, line, column, text)
            if people is None:
                continue
            rows.append(SeriesValue(code, POPULATION, year, people, POPULATION_UNIT, POPULATION_SOURCE))
            sums[(NATION, year)] += int(people)
            if code[:2] != CAPITAL_DISTRICT_DEPARTMENT_CODE:
                sums[(code[:2], year)] += int(people)
    return rows + [SeriesValue(code, POPULATION, year, Decimal(total), POPULATION_UNIT, POPULATION_SUM_SOURCE)
                   for (code, year), total in sorted(sums.items())]


def read_poverty(path: Path = POVERTY_PATH) -> list[SeriesValue]:
    """TerriData's poverty indicators of the 2018 census; an empty cell is a value not published."""
    values = []
    for line, row in enumerate(_rows(path), start=2):
        code = registry_code(row["Código Entidad"])
        for indicator in POVERTY_INDICATORS:
            value = _decimal(path, line, indicator, row[indicator])
            if value is not None:
                values.append(SeriesValue(code, indicator, POVERTY_YEAR, value, "%", POVERTY_SOURCE))
    return values


def read_profiles(path: Path = DESCRIPTORS_PATH) -> list[Profile]:
    return [Profile(territory_code=registry_code(row["Código Entidad"]),
                    **{name: row[column].strip() or None for name, column in PROFILE_FIELDS.items()},
                    extension_km2=_decimal(path, line, EXTENSION_COLUMN, row[EXTENSION_COLUMN]))
            for line, row in enumerate(_rows(path), start=2)]
