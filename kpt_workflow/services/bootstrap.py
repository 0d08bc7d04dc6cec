"""`kpt init`: create or upgrade the schema and load the territorial registry."""

from collections import Counter
from pathlib import Path

from sqlalchemy import Connection, Engine

from kpt_workflow.services.access import operator
from kpt_workflow.services.amendments import load_fixtures
from kpt_workflow.storage import mga_rows, pnd_rows, term_ends, territory_rows
from kpt_workflow.reference import mga, pnd, territory
from kpt_workflow.reference.categories import CATEGORIES_PATH, read_categories
from kpt_workflow.reference.entities import DIVIPOLA_PATH, read_divipola
from kpt_workflow.reference.indicators import STARTER_CATALOG, read_catalog
from kpt_workflow.storage.reference_data import import_catalog, import_categories, refresh_registry
from kpt_workflow.storage.db import create_sqlite_file
from kpt_workflow.storage.migrate import upgrade
from kpt_workflow.storage.unit_of_work import UnitOfWork


def init_database(engine: Engine, divipola: Path = DIVIPOLA_PATH, indicators: Path = STARTER_CATALOG,
                  categories: Path = CATEGORIES_PATH) -> dict[str, object]:
    """Idempotent: a second run changes nothing; newer files add codes and update them, remove none.
    With `kpt demo` (and the tests' fixtures) the one way to create a database: the SQLite file, if
    missing, then the schema, or the upgrade of an older one."""
    create_sqlite_file(engine)
    upgrade(engine)
    entities = read_divipola(divipola)
    battery = read_catalog(indicators)
    category_rows = read_categories(categories)
    with UnitOfWork(engine, write=True) as uow:
        added, updated = refresh_registry(uow.session, entities)
        indicators_added, indicators_updated = import_catalog(uow.session, battery)
        categories_added, categories_updated = import_categories(uow.session, category_rows)
        terms_added, terms_updated = term_ends.refresh(uow.connection)
        uow.session.flush()
        territories = load_territory_data(uow.connection)
        pnd_loaded = load_pnd_catalog(uow.connection)
        amendments_added = load_fixtures(uow.connection, operator("kpt init"))
        uow.commit()
    kinds = Counter(e.kind for e in entities)
    return {"source": str(divipola.name), "added": added, "updated": updated, "by_kind": dict(sorted(kinds.items())),
            "planning_entities": sum(1 for e in entities if e.plans_own_pdt),
            "indicators": {"source": indicators.name, "added": indicators_added, "updated": indicators_updated,
                           "official": sum(i.official for i in battery), "total": len(battery)},
            "categories": {"source": categories.name, "added": categories_added, "updated": categories_updated,
                           "entities": len({r.entity_code for r in category_rows}),
                           "years": sorted({r.year for r in category_rows})},
            "term_ends": {"added": terms_added, "updated": terms_updated,
                          "days": [term_ends.FIRST_DAY.isoformat(), term_ends.LAST_DAY.isoformat()]},
            "amendments": {"added": amendments_added}, "territory": territories,
            "pnd_catalog_loaded": pnd_loaded}


def load_territory_data(conn: Connection) -> dict[str, object]:
    """The shipped population, poverty and descriptors, where a value is missing (an imported one
    is never overwritten), and the shipped MGA catalog if none is loaded (an imported newer one stays)."""
    values = territory.read_population() + territory.read_poverty()
    added, _ = territory_rows.add_series(conn, values, replace=False)
    profiles = territory_rows.add_profiles(conn, territory.read_profiles())
    catalog = mga_rows.is_empty(conn)
    if catalog:
        mga_rows.replace_catalog(conn, mga.read_shipped())
    return {"values_added": added, "profiles_added": profiles, "mga_catalog_loaded": catalog}


def load_pnd_catalog(conn: Connection) -> bool:
    """The shipped PND catalog, if none is loaded (an imported newer PND stays)."""
    if pnd_rows.lines(conn):
        return False
    pnd_rows.replace_catalog(conn, pnd.read_shipped())
    return True
