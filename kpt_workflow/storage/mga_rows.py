"""The MGA catalog in force: replaced whole by an import, searched by code or words, and asked
which plans use the codes a new catalog changed."""

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, delete, or_, select

from kpt_workflow.reference.mga import Product, search_text
from kpt_workflow.storage.tables import Entity, Indicator, MgaProduct, Plan, PlanGoal, PlanProgram

PRODUCTS = MgaProduct.__table__
_CHUNK = 1_000


def products(conn: Connection) -> list[Product]:
    return [Product(r.code, r.name, r.program_code, r.program_name, r.sector_code, r.sector_name)
            for r in conn.execute(select(PRODUCTS).order_by(PRODUCTS.c.code))]


def is_empty(conn: Connection) -> bool:
    return conn.execute(select(PRODUCTS.c.code).limit(1)).first() is None


def replace_catalog(conn: Connection, catalog: Sequence[Product]) -> None:
    conn.execute(delete(PRODUCTS))
    rows = [{**asdict(p), "search_text": search_text(p)} for p in catalog]
    for start in range(0, len(rows), _CHUNK):
        conn.execute(PRODUCTS.insert(), rows[start:start + _CHUNK])


def program_names(conn: Connection) -> dict[str, str]:
    """MGA program code (4 digits) → name, of the catalog in force."""
    return dict(conn.execute(select(PRODUCTS.c.program_code, PRODUCTS.c.program_name).distinct()).all())


def product_programs(conn: Connection, codes: Iterable[str]) -> dict[str, str]:
    """Product code → its program's code, for the `codes` the catalog holds."""
    codes = sorted(set(codes))
    if not codes:
        return {}
    return dict(conn.execute(select(PRODUCTS.c.code, PRODUCTS.c.program_code).where(PRODUCTS.c.code.in_(codes))).all())


def product(conn: Connection, code: str) -> dict[str, Any] | None:
    row = conn.execute(select(PRODUCTS).where(PRODUCTS.c.code == code)).mappings().first()
    return dict(row) if row is not None else None


def search(conn: Connection, folded_words: Sequence[str], limit: int) -> tuple[list[dict[str, Any]], int]:
    """Products whose folded text holds every word, a number being a code: the product's, or its
    program's or sector's, which begin it; in code order, at most `limit`, and how many in all."""
    conditions = [PRODUCTS.c.code.startswith(w, autoescape=True) if w.isdigit()
                  else PRODUCTS.c.search_text.contains(w, autoescape=True) for w in folded_words]
    query = select(PRODUCTS.c.code, PRODUCTS.c.name, PRODUCTS.c.program_code, PRODUCTS.c.program_name,
                   PRODUCTS.c.sector_code, PRODUCTS.c.sector_name).where(*conditions).order_by(PRODUCTS.c.code)
    found = [dict(r) for r in conn.execute(query).mappings()]
    return found[:limit], len(found)


def plans_using(conn: Connection, program_codes: Iterable[str], product_codes: Iterable[str]) -> list[dict[str, Any]]:
    """The plans whose strategic part holds one of the programs, or a goal of one of the products,
    each with the codes it uses."""
    programs, goods = sorted(set(program_codes)), sorted(set(product_codes))
    plan, entity, program, goal = Plan.__table__, Entity.__table__, PlanProgram.__table__, PlanGoal.__table__
    uses: dict[str, set[str]] = {}
    if programs:
        for plan_id, code in conn.execute(select(program.c.plan_id, program.c.program_code)
                                          .where(program.c.program_code.in_(programs))):
            uses.setdefault(plan_id, set()).add(code)
    if goods:  # a goal names its product, or measures it with a battery indicator of that product
        indicator = Indicator.__table__
        measured = select(indicator.c.code).where(indicator.c.product_code.in_(goods))
        for plan_id, code, by_indicator in conn.execute(
                select(goal.c.plan_id, goal.c.product_code, indicator.c.product_code)
                .outerjoin(indicator, indicator.c.code == goal.c.indicator_code)
                .where(or_(goal.c.product_code.in_(goods), goal.c.indicator_code.in_(measured)))):
            uses.setdefault(plan_id, set()).add(code or by_indicator)
    if not uses:
        return []
    names = {row.id: row for row in conn.execute(
        select(plan.c.id, plan.c.entity_code, entity.c.name).join(entity, entity.c.code == plan.c.entity_code)
        .where(plan.c.id.in_(sorted(uses))))}
    return [{"plan_id": plan_id, "entity_code": names[plan_id].entity_code, "entity_name": names[plan_id].name,
             "codes": sorted(codes)} for plan_id, codes in sorted(uses.items())]
