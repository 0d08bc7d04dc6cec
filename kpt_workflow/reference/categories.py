"""Categories of the territorial entities per year (Ley 617 de 2000), from DNP TerriData.

Municipalities are Especial or 1–6 (Ley 136 de 1994 art. 6, as modified by Ley 1551 de 2012
art. 7); departments Especial or 1–4 (Ley 617 de 2000 art. 1). Categories change every year, so
they are kept per entity and year, and a newer file adds or corrects years without removing any.
"""

import csv
import re
from dataclasses import dataclass
from pathlib import Path


from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.reference.indicators import DATA_DIR
from kpt_workflow.base.words import DEPARTAMENTO, MUNICIPIO

CATEGORIES_PATH = DATA_DIR / "categorias_ley617_2018_2023.csv"
CATEGORY_COLUMNS = ("codigo_divipola", "nivel")
YEAR_COLUMN = re.compile(r"^cat_(\d{4})$")
CATEGORIES = {MUNICIPIO: ("Especial", "1", "2", "3", "4", "5", "6"), DEPARTAMENTO: ("Especial", "1", "2", "3", "4")}
ALL_CATEGORIES = CATEGORIES[MUNICIPIO]
_CODE_LENGTH = {MUNICIPIO: 5, DEPARTAMENTO: 2}


@dataclass(frozen=True)
class CategoryRow:
    entity_code: str
    year: int
    category: str


def read_categories(path: Path = CATEGORIES_PATH) -> list[CategoryRow]:
    """Every non-empty cell of a TerriData-style file (`codigo_divipola, nivel, …, cat_AAAA…`),
    refusing the file at its first bad line, named with the fix."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in CATEGORY_COLUMNS if c not in header]
        years = {name: int(m.group(1)) for name in header if (m := YEAR_COLUMN.match(name))}
        if missing or not years:
            raise InvalidInput(f"{path.name}: faltan las columnas {missing or ['cat_AAAA']}; el archivo de categorías "
                               f"lleva {list(CATEGORY_COLUMNS)} y una columna cat_AAAA por año.")
        seen: dict[str, int] = {}
        rows: list[CategoryRow] = []
        for line, record in enumerate(reader, start=2):
            code = _checked_code(path, line, record)
            if code in seen:
                raise InvalidInput(f"{path.name}, línea {line}: el código {code} ya apareció en la línea {seen[code]}; "
                                   f"deje una sola fila por entidad.")
            seen[code] = line
            for column, year in years.items():
                value = (record.get(column) or "").strip()
                if not value:
                    continue  # no category that year (e.g. departments before 2021)
                allowed = CATEGORIES[record["nivel"].strip()]
                if value not in allowed:
                    raise InvalidInput(f"{path.name}, línea {line}: categoría '{value}' inválida en {column} para "
                                       f"{code}; un {record['nivel'].strip()} es {', '.join(allowed)} (o vacío).")
                rows.append(CategoryRow(code, year, value))
    return rows


def _checked_code(path: Path, line: int, record: dict[str, str]) -> str:
    code, level = (record.get("codigo_divipola") or "").strip(), (record.get("nivel") or "").strip()
    length = _CODE_LENGTH.get(level)
    if length is None or len(code) != length or not code.isdigit():
        raise InvalidInput(f"{path.name}, línea {line}: fila inválida (código '{code}', nivel '{level}'); se espera "
                           f"nivel municipio con código DIVIPOLA de 5 dígitos o departamento con código de 2.")
    return code
