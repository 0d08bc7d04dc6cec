"""The territorial registry: every DIVIPOLA code, the right kinds, refreshable without losing plans."""

import csv
from collections import Counter
from pathlib import Path

from sqlalchemy import delete
from sqlmodel import select

from kpt_workflow.services.bootstrap import init_database
from kpt_workflow.reference.entities import DIVIPOLA_COLUMNS, DIVIPOLA_PATH
from kpt_workflow.storage.tables import Entity, Plan
from kpt_workflow.storage.unit_of_work import UnitOfWork


def _entities(engine) -> dict[str, Entity]:
    with UnitOfWork(engine) as uow:
        return {e.code: e for e in uow.session.exec(select(Entity))}


def test_registry_holds_every_divipola_code_and_the_departments(engine):
    entities = _entities(engine)
    kinds = Counter(e.kind for e in entities.values())
    assert kinds == {"municipio": 1102, "departamento": 32, "area_no_municipalizada": 18, "isla": 1}
    assert sum(e.plans_own_pdt for e in entities.values()) == 1134
    assert "11" not in entities  # Bogotá D.C. plans as 11001, not as a department
    assert entities["11001"].plans_own_pdt and entities["05148"].kind == "municipio"
    assert entities["88001"].kind == "isla" and not entities["91405"].plans_own_pdt


def test_newer_divipola_adds_codes_and_keeps_existing_plans(engine, new_plan, tmp_path: Path):
    plan_id = new_plan("05001")
    with DIVIPOLA_PATH.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows.append({**rows[0], "cod_mpio": "05999", "municipio": "MUNICIPIO NUEVO (PRUEBA)"})
    rows[0] = {**rows[0], "municipio": "MEDELLÍN (NOMBRE ACTUALIZADO)"}
    newer = tmp_path / "divipola_nueva.csv"
    with newer.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=DIVIPOLA_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    try:
        result = init_database(engine, newer)
        assert (result["added"], result["updated"]) == (1, 1)
        entities = _entities(engine)
        assert entities["05999"].plans_own_pdt and entities["05001"].name == "MEDELLÍN (NOMBRE ACTUALIZADO)"
        with UnitOfWork(engine) as uow:
            assert uow.session.get(Plan, plan_id) is not None
        assert init_database(engine, newer)["added"] == 0  # idempotent
    finally:  # the PostgreSQL database is shared by the session's tests: leave the registry as found
        init_database(engine)
        with engine.begin() as conn:
            conn.execute(delete(Entity.__table__).where(Entity.__table__.c.code == "05999"))
