"""The DNP's long indicator file (one value a line: territory, indicator, year, value, unit, source),
read whole and refused at its first bad line, so a file loads entirely or not at all.

TerriData's downloads name the columns their own way; both spellings are taken. A value is a
plain numeral (`12.8`); a comma as the decimal mark is taken when the text has no point
(`12,8`), as a Spanish spreadsheet writes it, and thousands marks are refused rather than guessed.
"""

import csv
import io
import re
from collections.abc import Collection
from decimal import Decimal

from kpt_workflow.base.errors import DuplicateKey, InvalidInput, NotANumber, UnknownTerritory
from kpt_workflow.law.bounds import BASELINE_YEARS, INDICATOR_VALUES
from kpt_workflow.reference.territory import NATION, SeriesValue, registry_code

COLUMNS = {
    "entidad": ("entidad", "codigo_entidad", "Código Entidad"),
    "indicador": ("indicador", "Indicador"),
    "anio": ("anio", "año", "Año"),
    "valor": ("valor", "Dato Numérico"),
    "unidad": ("unidad", "Unidad de Medida"),
    "fuente": ("fuente", "Fuente"),
}
"""Each field and the headers that name it (ours first, then TerriData's)."""
MAX_TEXT = {"indicador": 200, "unidad": 50, "fuente": 300}
_COMMA_DECIMAL = re.compile(r"[+-]?[0-9]+,[0-9]+")


def read_series(text: str, source: str, known_codes: Collection[str]) -> list[SeriesValue]:
    """Every line of the file as a value, or the refusal of the first bad line: its number (the
    header is line 1), a stable code, and what to fix. `known_codes`: the registry's codes."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    columns = {field: next((name for name in names if name in header), None) for field, names in COLUMNS.items()}
    missing = [names[0] for field, names in COLUMNS.items() if columns[field] is None]
    if missing:
        raise InvalidInput(f"{source}: faltan las columnas {missing}; el archivo lleva "
                           f"{[names[0] for names in COLUMNS.values()]} (o los nombres de TerriData).", line=1)
    reader.fieldnames = header
    seen: dict[tuple[str, str, int], int] = {}
    values = []
    for line, row in enumerate(reader, start=2):
        cells = {field: (row.get(name) or "").strip() for field, name in columns.items() if name}
        value = _row(source, line, cells, known_codes)
        key = (value.territory_code, value.indicator, value.year)
        if key in seen:
            raise DuplicateKey(f"{source}, línea {line}: «{value.indicator}» de {value.territory_code} en {value.year} "
                               f"ya está en la línea {seen[key]}; deje un solo valor por entidad, indicador y año.",
                               line=line, field="indicador")
        seen[key] = line
        values.append(value)
    if not values:
        raise InvalidInput(f"{source}: no trae ningún valor.", line=2)
    return values


def _row(source: str, line: int, cells: dict[str, str], known_codes: Collection[str]) -> SeriesValue:
    where = f"{source}, línea {line}"
    code = registry_code(cells["entidad"])
    if code != NATION and code not in known_codes:
        raise UnknownTerritory(f"{where}: la entidad '{cells['entidad']}' no está en el registro DIVIPOLA; use el "
                               f"código de 5 dígitos del municipio, el del departamento (2 dígitos o DD000) o "
                               f"01001 para el país.", line=line, field="entidad")
    for field, limit in MAX_TEXT.items():
        if not cells[field] or len(cells[field]) > limit:
            raise InvalidInput(f"{where}: «{field}» debe tener de 1 a {limit} caracteres.", line=line, field=field)
    try:
        year = BASELINE_YEARS.digits(cells["anio"])
    except ValueError as exc:
        raise InvalidInput(f"{where}: el año '{cells['anio'][:40]}' {exc}.", line=line, field="anio") from None
    return SeriesValue(code, cells["indicador"], year, _number(where, line, cells["valor"]), cells["unidad"],
                       cells["fuente"])


def _number(where: str, line: int, text: str) -> Decimal:
    written = text.replace(",", ".") if _COMMA_DECIMAL.fullmatch(text) else text
    try:
        return INDICATOR_VALUES(written)
    except ValueError as exc:
        raise NotANumber(f"{where}: el valor '{text[:40]}' no es un número válido: {exc}.", line=line,
                         field="valor") from None
