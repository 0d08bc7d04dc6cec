"""The entity diagnosis: what the official sources say about a territory, each figure with its
source and year, beside its department's, the nation's and the median of its peers (the entities
of its kind with its latest category and its DNP tipología). Public data: every role reads it.

One read transaction, a handful of indexed queries (bench/diagnosis.py measures it with the whole
country loaded)."""

import statistics
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from kpt_workflow.base.errors import NotFound
from kpt_workflow.base.words import DEPARTAMENTO, KIND_NAMES
from kpt_workflow.law import calendar
from kpt_workflow.reference import territory
from kpt_workflow.reference.entities import CAPITAL_DISTRICT_DEPARTMENT_CODE
from kpt_workflow.services.access import Actor
from kpt_workflow.storage import territory_rows
from kpt_workflow.storage.repository import holds_synthetic_demo
from kpt_workflow.storage.unit_of_work import UnitOfWork

CATEGORY_SOURCE = "DNP TerriData, indicador «Categoría ley 617 de 2000»"
CATEGORY_BASIS = "Ley 136 de 1994 art. 6 (modificado por la Ley 1551 de 2012 art. 7); Ley 617 de 2000 art. 1"
ORDER = {name: position for position, name in enumerate(territory.SHIPPED_INDICATORS)}


def plain(value: Decimal | None) -> int | float | None:
    """A figure for JSON and the pages: whole numbers as integers."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def median(values: Sequence[Decimal]) -> Decimal | None:
    return statistics.median(values) if values else None


def entity_or_404(conn: Connection, code: str) -> dict[str, Any]:
    entity = territory_rows.entity_row(conn, code.strip())
    if entity is None:
        raise NotFound(f"No existe una entidad territorial con código DIVIPOLA '{code.strip()[:10]}'.", entity=code)
    return entity


def default_year() -> int:
    """The first year of the government period in course: the year a plan's diagnosis starts from."""
    return calendar.period_containing(calendar.today_in_colombia())


def diagnosis(uow: UnitOfWork, actor: Actor, code: str, year: int | None = None) -> dict[str, Any]:
    """Everything the diagnosis page, `kpt entities diagnosis` and the API show, for `year`'s
    population (by default the period's first year); `actor`: any signed-in user."""
    del actor  # public reference data: every role reads every entity's diagnosis
    conn = uow.connection
    entity = entity_or_404(conn, code)
    year = year or default_year()
    department = _department_of(entity)
    categories = territory_rows.categories_of(conn, entity["code"])
    profiles = territory_rows.profiles_of(conn, [entity["code"], department or "", territory.NATION])
    own = profiles.get(entity["code"], {})
    peer_group = _peer_group(conn, entity, categories, own.get("tipologia"))
    series = territory_rows.series_of(conn, [entity["code"], department or "", territory.NATION])
    rows = _indicator_rows(conn, entity["code"], department, series, peer_group["codes"] if peer_group else [], year)
    population = next((r for r in rows if r["indicator"] == territory.POPULATION), None)
    return {
        "entity": {"code": entity["code"], "name": entity["name"], "kind": entity["kind"],
                   "kind_label": KIND_NAMES.get(entity["kind"], entity["kind"]),
                   "department_code": entity["department_code"], "department_name": entity["department_name"]},
        "year": year,
        "comparisons": {
            "department": {"code": department, "name": entity["department_name"]} if department else None,
            "nation": {"code": territory.NATION, "name": territory.NATION_NAME},
            "peers": {key: value for key, value in peer_group.items() if key != "codes"} if peer_group else None},
        "population": _population(series, entity["code"], department, population),
        "indicators": rows,
        "categories": {"source": CATEGORY_SOURCE, "basis": CATEGORY_BASIS,
                       "years": [{"year": y, "category": c} for y, c in categories]},
        "profile": _profile(own, profiles.get(department or ""), territory_rows.extensions_of(
            conn, peer_group["codes"]) if peer_group else [], profiles.get(territory.NATION)),
        "demo_data": holds_synthetic_demo(conn),
    }


def _department_of(entity: Mapping[str, Any]) -> str | None:
    """The department an entity's figures are set beside: none for a department itself, nor for
    Bogotá D.C., which belongs to none (Constitución, art. 322)."""
    if entity["kind"] == DEPARTAMENTO or entity["department_code"] == CAPITAL_DISTRICT_DEPARTMENT_CODE:
        return None
    return str(entity["department_code"])


def _peer_group(conn: Connection, entity: Mapping[str, Any], categories: list[tuple[int, str]],
                tipologia: str | None) -> dict[str, Any] | None:
    if not categories or not tipologia:
        return None
    category_year, category = categories[-1]
    codes = [c for c in territory_rows.peers(conn, entity["kind"], category, tipologia) if c != entity["code"]]
    plural = "departamentos" if entity["kind"] == DEPARTAMENTO else "municipios y distritos"
    return {"category": category, "category_year": category_year, "tipologia": tipologia, "count": len(codes),
            "codes": codes,
            "label": f"{len(codes)} {plural} más de categoría {category} ({category_year}) y tipología {tipologia} (DNP)"}


def _indicator_rows(conn: Connection, code: str, department: str | None, series: list[dict[str, Any]],
                    peer_codes: list[str], year: int) -> list[dict[str, Any]]:
    """One row per indicator the entity has: the value of `year` (or the latest before it, or the
    first after it), and the department's, the nation's and the peers' for the same year."""
    by_key = {(r["territory_code"], r["indicator"], r["year"]): r for r in series}
    own: dict[str, list[int]] = {}
    for r in series:
        if r["territory_code"] == code:
            own.setdefault(r["indicator"], []).append(r["year"])
    chosen = {name: max((y for y in years if y <= year), default=min(years)) for name, years in own.items()}
    peers = territory_rows.values_for(conn, peer_codes, chosen.items())
    rows = []
    for name in sorted(chosen, key=lambda n: (ORDER.get(n, len(ORDER)), n)):
        at = chosen[name]
        mine = by_key[(code, name, at)]
        others = {where: by_key.get((where_code, name, at)) for where, where_code in
                  (("department", department), ("nation", territory.NATION))}
        values = peers.get((name, at), [])
        rows.append({"indicator": name, "year": at, "unit": mine["unit"], "source": mine["source"],
                     "value": plain(mine["value"]),
                     "department": plain(others["department"]["value"]) if others["department"] else None,
                     "nation": plain(others["nation"]["value"]) if others["nation"] else None,
                     "peers_median": plain(median(values)), "peers_with_value": len(values)})
    return rows


def _population(series: list[dict[str, Any]], code: str, department: str | None,
                row: dict[str, Any] | None) -> dict[str, Any] | None:
    """The population row and its trend: the entity's, its department's and the nation's series,
    and the change between the first and last years of each."""
    if row is None:
        return None
    trends = {}
    for where, where_code in (("entity", code), ("department", department), ("nation", territory.NATION)):
        points = [(r["year"], r["value"]) for r in series
                  if r["territory_code"] == where_code and r["indicator"] == territory.POPULATION]
        if points:
            (first, start), (last, end) = points[0], points[-1]
            trends[where] = {"series": [{"year": y, "value": plain(v)} for y, v in points],
                             "from": first, "to": last,
                             "change_percent": round(float((end - start) / start * 100), 1) if start else None}
    return {**row, "trend": trends}


def _profile(own: Mapping[str, Any], department: Mapping[str, Any] | None, peer_extensions: list[Decimal],
             nation: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The descriptors (words, beside the department's) and the extension (with the nation's and
    the peers' median), all from TerriData's file, which gives no year."""
    rows = [{"field": name, "label": territory.PROFILE_FIELDS[name], "value": own.get(name),
             "department": department.get(name) if department else None, "source": territory.DESCRIPTOR_SOURCE}
            for name in territory.PROFILE_FIELDS]
    rows.append({"field": "extension_km2", "label": f"Extensión ({territory.EXTENSION_UNIT})",
                 "value": plain(own.get("extension_km2")),
                 "department": plain(department.get("extension_km2")) if department else None,
                 "nation": plain(nation.get("extension_km2")) if nation else None,
                 "peers_median": plain(median(peer_extensions)), "source": territory.DESCRIPTOR_SOURCE})
    return rows
