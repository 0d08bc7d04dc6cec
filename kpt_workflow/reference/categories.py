"""Categories of the territorial entities per year (Ley 617 de 2000), from DNP TerriData.

Municipalities are Especial or 1–6 (Ley 136 de 1994 art. 6, as modified by Ley 1551 de 2012
art. 7); departments Especial or 1–4 (Ley 617 de 2000 art. 1). Categories change every year, so
they are kept per entity and year, and a newer file adds or corrects years without removing any.
"""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Select, and_, func, select
from sqlmodel import Field, Session, SQLModel

from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.reference.indicators import DATA_DIR
from kpt_workflow.storage.tables import Entity
from kpt_workflow.base.words import DEPARTAMENTO, MUNICIPIO

CATEGORIES_PATH = DATA_DIR / "categorias_ley617_2018_2023.csv"
CATEGORY_COLUMNS = ("codigo_divipola", "nivel")
YEAR_COLUMN = re.compile(r"^cat_(\d{4})$")
CATEGORIES = {MUNICIPIO: ("Especial", "1", "2", "3", "4", "5", "6"), DEPARTAMENTO: ("Especial", "1", "2", "3", "4")}
ALL_CATEGORIES = CATEGORIES[MUNICIPIO]
_CODE_LENGTH = {MUNICIPIO: 5, DEPARTAMENTO: 2}


class EntityCategory(SQLModel, table=True):
    """The category of one entity in one year; a year without a category has no row."""

    __tablename__ = "entity_category"

    entity_code: str = Field(foreign_key="entity.code", primary_key=True, max_length=5)
    year: int = Field(primary_key=True)
    category: str = Field(max_length=8, description="Especial | 1–6 (municipios) | 1–4 (departamentos)")


CATEGORY = EntityCategory.__table__


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


def import_categories(session: Session, rows: list[CategoryRow]) -> tuple[int, int]:
    """Upsert by (entity, year): new years are added, changed ones corrected, none removed.
    Every code must already be in the registry (entities the session holds unflushed count).
    Returns (added, updated)."""
    session.flush()
    conn, entity = session.connection(), Entity.__table__
    known_codes = set(conn.scalars(select(entity.c.code)))
    unknown = sorted({r.entity_code for r in rows} - known_codes)
    if unknown:
        raise InvalidInput(f"Categorías para códigos que no están en el registro DIVIPOLA: {unknown[:10]}"
                           f"{' …' if len(unknown) > 10 else ''}; cargue primero la DIVIPOLA que los incluye.")
    current = {(code, year): category for code, year, category in conn.execute(select(CATEGORY))}
    new = [r for r in rows if (r.entity_code, r.year) not in current]
    changed = [r for r in rows if current.get((r.entity_code, r.year), r.category) != r.category]
    if new:
        conn.execute(CATEGORY.insert(), [vars(r) for r in new])
    for row in changed:
        conn.execute(CATEGORY.update().where(CATEGORY.c.entity_code == row.entity_code, CATEGORY.c.year == row.year)
                     .values(category=row.category))
    return len(new), len(changed)


def latest_categories() -> Select[tuple[str, int, str]]:
    """(entity_code, year, category) of each entity's latest year on record: what the reports
    filter by (2023 for every entity with the shipped file)."""
    latest = (select(CATEGORY.c.entity_code, func.max(CATEGORY.c.year).label("year"))
              .group_by(CATEGORY.c.entity_code).subquery("latest_year"))
    return select(CATEGORY.c.entity_code, CATEGORY.c.year, CATEGORY.c.category).join(
        latest, and_(latest.c.entity_code == CATEGORY.c.entity_code, latest.c.year == CATEGORY.c.year))
