"""A meta's yearly programming (the Plan Indicativo's goal for each year of the period): given with
the parte estratégica, refused outside the period, stored, replayed, read back in the past, and
kept when the products bank adds another meta."""

import copy
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from kpt_workflow import services
from kpt_workflow.audit import replay
from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.services.access import operator
from kpt_workflow.services.products import ProductGoal, add_product
from kpt_workflow.services.sample import STRATEGIC_PART
from kpt_workflow.storage.repository import load_plan, program_facts
from kpt_workflow.storage.unit_of_work import UnitOfWork

PROGRAMMING = {"2024": "46", "2025": "48.5", "2026": "52", "2027": "55"}


def part_programmed(programming: dict[str, Any]) -> dict[str, Any]:
    part = copy.deepcopy(STRATEGIC_PART)
    part["ejes"][0]["programas"][0]["metas"][0]["programacion"] = programming  # type: ignore[index]
    return part


def record(engine: Engine, plan_id: str, part: dict[str, Any], day: date = date(2024, 2, 10)) -> dict[str, object]:
    with UnitOfWork(engine, write=True) as uow:
        return services.record_strategic_part(uow, plan_id=plan_id, data=part, actor=operator("test"), legal_date=day)


def goal_programming(engine: Engine, plan_id: str) -> dict[str, tuple[tuple[int, Decimal], ...]]:
    with UnitOfWork(engine) as uow:
        return {g.indicator_code: g.programacion for p in program_facts(uow.connection, plan_id) for g in p.goals}


def test_yearly_programming_is_stored_and_replayed(engine: Engine, new_plan) -> None:  # type: ignore[no-untyped-def]
    plan_id = new_plan()
    record(engine, plan_id, part_programmed(PROGRAMMING))
    shown = goal_programming(engine, plan_id)
    assert shown["R220101"] == ((2024, Decimal("46")), (2025, Decimal("48.5")), (2026, Decimal("52")),
                                (2027, Decimal("55")))
    assert shown["220102801"] == ()  # optional: a meta without programming has none
    with UnitOfWork(engine) as uow:
        assert replay.differences(uow.connection) == []


def test_programming_of_a_year_outside_the_period_is_refused(engine: Engine, new_plan) -> None:  # type: ignore[no-untyped-def]
    plan_id = new_plan()
    with pytest.raises(InvalidInput, match="2028, fuera del período 2024–2027") as refused:
        record(engine, plan_id, part_programmed({"2024": "1", "2028": "2"}))
    assert refused.value.details["field"] == "metas.programacion"
    assert goal_programming(engine, plan_id) == {}


def test_programming_in_the_past_is_read_from_the_events(engine: Engine, new_plan) -> None:  # type: ignore[no-untyped-def]
    plan_id = new_plan()
    record(engine, plan_id, part_programmed({"2024": "46"}), date(2024, 2, 10))
    record(engine, plan_id, part_programmed({"2024": "47"}), date(2024, 3, 10))
    with UnitOfWork(engine) as uow:
        past = load_plan(uow.connection, plan_id, date(2024, 6, 1), as_of=date(2024, 2, 20),
                         rules=["parte_estrategica_registrada"])
    assert {g.indicator_code: g.programacion for p in past.programs for g in p.goals}["R220101"] == (
        (2024, Decimal("46")),)


def test_the_products_bank_keeps_the_other_metas_programming(engine: Engine, new_plan) -> None:  # type: ignore[no-untyped-def]
    plan_id = new_plan()
    record(engine, plan_id, part_programmed(PROGRAMMING))
    with UnitOfWork(engine, write=True) as uow:
        add_product(uow, plan_id=plan_id, goal=ProductGoal(product_code="2201028", indicator="MED-01", name="Aulas",
                                                           unit="Número"),
                    actor=operator("test"), legal_date=date(2024, 2, 11))
    assert goal_programming(engine, plan_id)["R220101"][1] == (2025, Decimal("48.5"))
