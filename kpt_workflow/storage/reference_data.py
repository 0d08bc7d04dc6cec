"""Loading reference data into its tables: refreshed, never pruned (plans keep their entity,
their indicators and their categories' history)."""

from sqlalchemy import Select, and_, func, select
from sqlmodel import Session

from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.reference.categories import CategoryRow
from kpt_workflow.reference.entities import EntityColumns
from kpt_workflow.reference.indicators import IndicatorColumns
from kpt_workflow.storage.tables import Entity, EntityCategory, Indicator
from kpt_workflow.storage.upsert import upsert

CATEGORY = EntityCategory.__table__


def refresh_registry(session: Session, entities: list[EntityColumns]) -> tuple[int, int]:
    """Insert new codes and update known ones in place; no code is ever removed, so plans keep
    their entity. Returns (added, updated)."""
    return upsert(session, Entity, [Entity.model_validate(e.model_dump()) for e in entities],
                  key=lambda entity: entity.code)


def import_catalog(session: Session, indicators: list[IndicatorColumns]) -> tuple[int, int]:
    """Upsert by code; codes are never removed (plans may cite them). Returns (added, updated)."""
    return upsert(session, Indicator, [Indicator.model_validate(i.model_dump()) for i in indicators],
                  key=lambda indicator: indicator.code)


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
