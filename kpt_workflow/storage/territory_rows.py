"""Indicator values and descriptors of the territories: loaded in bulk, read for a diagnosis.

`kpt init` adds the shipped values that are missing and never overwrites one: a value the DNP
imported (a correction, a newer year) stays when the package is installed again. An import
(`add_series(..., replace=True)`) adds new keys and corrects known ones.
"""

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from kpt_workflow.reference.territory import Profile, SeriesValue
from kpt_workflow.storage.reference_data import CATEGORY, latest_categories
from kpt_workflow.storage.tables import Entity, TerritoryIndicator, TerritoryProfile

SERIES = TerritoryIndicator.__table__
PROFILES = TerritoryProfile.__table__
ENTITIES = Entity.__table__
_CHUNK = 2_000  # rows per INSERT: well under SQLite's bound parameters per statement


def known_territories(conn: Connection) -> set[str]:
    return set(conn.scalars(select(ENTITIES.c.code)))


def add_series(conn: Connection, values: Sequence[SeriesValue], *, replace: bool) -> tuple[int, int]:
    """Insert the values whose (territory, indicator, year) is new; with `replace`, update the
    ones whose value, unit or source differ. Returns (added, updated)."""
    indicators = sorted({v.indicator for v in values})
    current = {(r.territory_code, r.indicator, r.year): (r.value, r.unit, r.source) for r in conn.execute(
        select(SERIES).where(SERIES.c.indicator.in_(indicators)))}
    new = [asdict(v) for v in values if (v.territory_code, v.indicator, v.year) not in current]
    changed = [v for v in values if replace and current.get((v.territory_code, v.indicator, v.year),
                                                            (v.value, v.unit, v.source)) != (v.value, v.unit, v.source)]
    for start in range(0, len(new), _CHUNK):
        conn.execute(SERIES.insert(), new[start:start + _CHUNK])
    for v in changed:
        conn.execute(SERIES.update().where(SERIES.c.territory_code == v.territory_code, SERIES.c.indicator == v.indicator,
                                           SERIES.c.year == v.year).values(value=v.value, unit=v.unit, source=v.source))
    return len(new), len(changed)


def add_profiles(conn: Connection, profiles: Iterable[Profile]) -> int:
    """Insert the profiles of territories that have none; returns how many."""
    known = set(conn.scalars(select(PROFILES.c.territory_code)))
    new = [asdict(p) for p in profiles if p.territory_code not in known]
    if new:
        conn.execute(PROFILES.insert(), new)
    return len(new)


def entity_row(conn: Connection, code: str) -> dict[str, Any] | None:
    row = conn.execute(select(ENTITIES).where(ENTITIES.c.code == code)).mappings().first()
    return dict(row) if row is not None else None


def profiles_of(conn: Connection, codes: Iterable[str]) -> dict[str, dict[str, Any]]:
    rows = conn.execute(select(PROFILES).where(PROFILES.c.territory_code.in_(list(codes)))).mappings()
    return {row["territory_code"]: dict(row) for row in rows}


def series_of(conn: Connection, codes: Iterable[str]) -> list[dict[str, Any]]:
    """Every value of the territories `codes`, by indicator and year."""
    return [dict(r) for r in conn.execute(select(SERIES).where(SERIES.c.territory_code.in_(list(codes)))
                                          .order_by(SERIES.c.indicator, SERIES.c.year)).mappings()]


def categories_of(conn: Connection, code: str) -> list[tuple[int, str]]:
    return [(year, category) for year, category in conn.execute(
        select(CATEGORY.c.year, CATEGORY.c.category).where(CATEGORY.c.entity_code == code).order_by(CATEGORY.c.year))]


def peers(conn: Connection, kind: str, category: str, tipologia: str) -> list[str]:
    """The entities of `kind` whose latest category is `category` and whose tipología is `tipologia`."""
    latest = latest_categories().subquery("latest")
    query = (select(ENTITIES.c.code)
             .join(latest, latest.c.entity_code == ENTITIES.c.code)
             .join(PROFILES, PROFILES.c.territory_code == ENTITIES.c.code)
             .where(ENTITIES.c.kind == kind, latest.c.category == category, PROFILES.c.tipologia == tipologia)
             .order_by(ENTITIES.c.code))
    return list(conn.scalars(query))


def values_for(conn: Connection, codes: Sequence[str], keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], list[Decimal]]:
    """The values of `codes` for each (indicator, year) of `keys`: what a peer median is taken of."""
    keys = list(keys)
    if not codes or not keys:
        return {}
    query = select(SERIES.c.indicator, SERIES.c.year, SERIES.c.value).where(
        SERIES.c.territory_code.in_(list(codes)),
        or_(*(and_(SERIES.c.indicator == indicator, SERIES.c.year == year) for indicator, year in keys)))
    found: dict[tuple[str, int], list[Decimal]] = {}
    for indicator, year, value in conn.execute(query):
        found.setdefault((indicator, year), []).append(value)
    return found


def extensions_of(conn: Connection, codes: Sequence[str]) -> list[Decimal]:
    return [v for v in conn.scalars(select(PROFILES.c.extension_km2).where(
        PROFILES.c.territory_code.in_(list(codes)), PROFILES.c.extension_km2.is_not(None)))]


def indicator_names(conn: Connection) -> list[str]:
    return list(conn.scalars(select(SERIES.c.indicator).distinct().order_by(SERIES.c.indicator)))



def subregion_members(conn: Connection, subregion: str) -> set[str]:
    return set(conn.scalars(select(PROFILES.c.territory_code).where(PROFILES.c.subregion_sgr == subregion)))
