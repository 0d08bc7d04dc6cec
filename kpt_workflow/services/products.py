"""The programs and products bank: the MGA catalog searched by code or words (every role reads it),
and a product with its indicator added to a program of a plan's parte estratégica by the entity's
planning office, through the same use-case and audit event as any other change of the strategic
part (`services.strategy`)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from kpt_workflow.base.errors import InvalidInput, NotFound, PlanNotFound
from kpt_workflow.law import calendar
from kpt_workflow.law.facts import GoalFact, ProgramFact
from kpt_workflow.lifecycle import strategy
from kpt_workflow.reference import mga
from kpt_workflow.base.roles import PLANEACION
from kpt_workflow.lifecycle.engine import default_workflow, workflow
from kpt_workflow.services.access import Actor, plan_permissions
from kpt_workflow.services.plans import plan_id
from kpt_workflow.services.changes import check_legal_date
from kpt_workflow.services.strategy import open_strategy_change, store_strategic_part
from kpt_workflow.storage import mga_rows, pnd_rows
from kpt_workflow.storage.repository import plan_record, program_facts
from kpt_workflow.storage.tables import Indicator
from kpt_workflow.storage.unit_of_work import UnitOfWork

INDICATORS = Indicator.__table__
SEARCH_LIMIT = 50


def search_products(uow: UnitOfWork, actor: Actor, query: str, limit: int = SEARCH_LIMIT) -> dict[str, Any]:
    """Products whose codes or names (or their program's and sector's) hold every word of `query`,
    without regard to accents or case; each with the battery's indicators that measure it."""
    del actor  # public reference data: every role searches the bank
    words = mga.words(query)
    if not words:
        raise InvalidInput("Escriba un código o al menos una palabra para buscar.", field="q")
    found, total = mga_rows.search(uow.connection, words, limit)
    measured: dict[str, list[dict[str, str]]] = {}
    if found:
        for code, name, unit, product in uow.connection.execute(
                select(INDICATORS.c.code, INDICATORS.c.name, INDICATORS.c.unit, INDICATORS.c.product_code)
                .where(INDICATORS.c.product_code.in_([p["code"] for p in found])).order_by(INDICATORS.c.code)):
            measured.setdefault(product, []).append({"code": code, "name": name, "unit": unit})
    return {"query": query, "total": total, "shown": len(found), "catalog_note": mga.ILLUSTRATIVE,
            "products": [{**p, "indicators": measured.get(p["code"], [])} for p in found]}


def bank_page(uow: UnitOfWork, actor: Actor, query: str) -> dict[str, Any]:
    """The bank's page: the search (when there is a query) and, for a planning office whose plan of
    the period in course is open to changes, that plan and its ejes, to add a product to it."""
    return {"query": query, "found": search_products(uow, actor, query) if query.strip() else None,
            "target": _target_plan(uow, actor), "catalog_note": mga.ILLUSTRATIVE,
            "today": calendar.today_in_colombia().isoformat()}


def _target_plan(uow: UnitOfWork, actor: Actor) -> dict[str, Any] | None:
    if actor.role != PLANEACION or not actor.entity_code:
        return None
    period = calendar.period_containing(calendar.today_in_colombia())
    try:
        plan = plan_record(uow.connection, plan_id(actor.entity_code, period, default_workflow()))
    except PlanNotFound:
        return None
    if not plan_permissions(actor, plan).changes or workflow(plan.definition_name, plan.definition_version).state(
            plan.state).terminal:
        return None
    programs = program_facts(uow.connection, plan.id)
    return {"id": plan.id, "version": plan.version, "ejes": list(dict.fromkeys(p.eje for p in programs)),
            "programs": sorted({p.code for p in programs})}


@dataclass(frozen=True)
class ProductGoal:
    """What the planning office says when it adds a product: the indicator (a battery code, or
    its own with name and unit; none: the battery's first for the product), the eje for a program
    the plan does not have yet, and the meta's baseline and four-year goal if known."""

    product_code: str
    indicator: str | None = None
    name: str | None = None
    unit: str | None = None
    eje: str | None = None
    baseline_value: Decimal | None = None
    baseline_year: int | None = None
    baseline_source: str | None = None
    meta_cuatrienio: Decimal | None = None


def add_product(uow: UnitOfWork, *, plan_id: str, goal: ProductGoal, actor: Actor, legal_date: date | None = None,
                expected_version: int | None = None) -> dict[str, Any]:
    """Add an MGA product and its indicator to the product's program in the plan's parte
    estratégica (adding the program under `goal.eje` if the plan lacks it), recorded as a new
    version of the strategic part."""
    legal_date = legal_date or calendar.today_in_colombia()
    check_legal_date(legal_date, "la parte estratégica")
    plan = open_strategy_change(uow, plan_id, expected_version, actor)
    conn = uow.connection
    product = mga_rows.product(conn, goal.product_code.strip())
    if product is None:
        raise NotFound(f"El producto '{goal.product_code.strip()[:20]}' no está en el catálogo MGA vigente.",
                       field="producto")
    programs = program_facts(conn, plan.id)
    meta = _meta(conn, product, goal, {g.indicator_code for p in programs for g in p.goals})
    part = strategy.parse_strategic_part(_with_goal(programs, pnd_rows.program_tags(conn, plan.id), product, goal.eje,
                                                    meta))
    added = {"codigo": product["code"], "nombre": product["name"], "programa": product["program_code"],
             "programa_nombre": product["program_name"], "indicador": meta["indicador"],
             "indicador_nombre": meta.get("nombre") or _battery_name(conn, meta["indicador"])}
    return store_strategic_part(uow, plan, part, actor, legal_date, producto_agregado=added)


def _battery_name(conn: Any, code: str) -> str:
    return str(conn.scalar(select(INDICATORS.c.name).where(INDICATORS.c.code == code)))


def _meta(conn: Any, product: dict[str, Any], goal: ProductGoal, in_plan: set[str]) -> dict[str, Any]:
    """The meta as the strategic part's input writes it: a battery indicator of the product, or
    the office's own (its code, or the product's code and the next free number)."""
    code = product["code"]
    if goal.indicator:
        known = conn.execute(select(INDICATORS.c.code, INDICATORS.c.kind, INDICATORS.c.product_code)
                             .where(INDICATORS.c.code == goal.indicator)).first()
        if known is not None and (known.kind != "producto" or known.product_code != code):
            raise InvalidInput(f"El indicador {known.code} del catálogo no mide el producto {code}; elija uno de los "
                               f"que lo miden o registre uno propio con nombre y unidad.", field="indicador")
        chosen, own = goal.indicator, known is None
    else:
        free = [c for c in conn.scalars(select(INDICATORS.c.code).where(
            INDICATORS.c.product_code == code, INDICATORS.c.kind == "producto").order_by(INDICATORS.c.code))
                if c not in in_plan]
        chosen, own = (free[0], False) if free else (
            next(f"{code}-{n:02d}" for n in range(1, 100) if f"{code}-{n:02d}" not in in_plan), True)
    if chosen in in_plan:
        raise InvalidInput(f"La parte estratégica ya tiene una meta con el indicador {chosen}.", field="indicador")
    if own and not (goal.name and goal.unit):
        raise InvalidInput(f"El indicador {chosen} no está en la batería: dé el nombre y la unidad del indicador "
                           f"propio que medirá el producto {code}.", field="nombre")
    return {"indicador": chosen, "producto": code, "personalizado": own,
            **({"tipo": "producto", "nombre": goal.name, "unidad": goal.unit} if own else {}),
            "linea_base": {"valor": goal.baseline_value, "anio": goal.baseline_year, "fuente": goal.baseline_source},
            "meta_cuatrienio": goal.meta_cuatrienio}


def _goal_input(goal: GoalFact) -> dict[str, Any]:
    """A recorded meta as the strategic part's input writes it, so that recording it again keeps it."""
    return {"indicador": goal.indicator_code, "personalizado": goal.custom,
            **({"tipo": goal.kind, "nombre": goal.name, "unidad": goal.unit} if goal.custom else {}),
            **({"producto": goal.product_code} if goal.product_code else {}),
            "linea_base": {"valor": goal.baseline_value, "anio": goal.baseline_year, "fuente": goal.baseline_source},
            "meta_cuatrienio": goal.meta_cuatrienio, "programacion": dict(goal.programacion)}


def _with_goal(programs: tuple[ProgramFact, ...], tags: dict[str, pnd_rows.ProgramTags], product: dict[str, Any],
               eje: str | None, meta: dict[str, Any]) -> dict[str, Any]:
    """The plan's parte estratégica as it stands (its programs' PND and department tags kept),
    with `meta` under the product's program."""
    ejes: dict[str, list[dict[str, Any]]] = {}
    for program in programs:
        metas = [_goal_input(g) for g in program.goals]
        if program.code == product["program_code"]:
            metas.append(meta)
        tagged = tags.get(program.code, pnd_rows.ProgramTags())
        ejes.setdefault(program.eje, []).append({"codigo": program.code, "nombre": program.name, "metas": metas,
                                                 "pnd": tagged.pnd, "iniciativas_departamento": tagged.initiatives})
    if all(p.code != product["program_code"] for p in programs):
        if not (eje and eje.strip()):
            raise InvalidInput(f"El programa {product['program_code']} («{product['program_name']}») no está en la parte "
                               f"estratégica: indique el eje en el que se agrega.", field="eje")
        ejes.setdefault(eje.strip(), []).append({"codigo": product["program_code"], "metas": [meta]})
    return {"ejes": [{"nombre": name, "programas": items} for name, items in ejes.items()]}
