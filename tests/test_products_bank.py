"""The programs and products bank: the MGA catalog searched without regard to accents or case, a
product and its indicator added to a plan's strategic part by its planning office (audited, and
rebuilt by replay), and the catalog replaced by a newer file with what changed and who uses it."""

import csv
import io
import unicodedata
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kpt_workflow.audit import replay, security_log
from kpt_workflow.base.errors import DuplicateKey, Forbidden, InvalidInput, PlanNotFound
from kpt_workflow.reference import mga
from kpt_workflow.services.access import Actor
from kpt_workflow.services.products import ProductGoal, add_product, search_products
from kpt_workflow.services.reference_imports import import_mga_catalog
from kpt_workflow.services.views import history, strategy
from kpt_workflow.storage import mga_rows
from kpt_workflow.storage.unit_of_work import UnitOfWork
from kpt_workflow.services.sample import STRATEGY_DATES

OFFICE, FOREIGN_OFFICE = Actor("ana", "planeacion", "05001"), Actor("beto", "planeacion", "11001")
COUNCIL, DNP = Actor("concejo", "corporacion", "05001"), Actor("dnp-1", "dnp", None)
ON = STRATEGY_DATES[0]


def _search(engine, query: str) -> list[str]:
    with UnitOfWork(engine) as uow:
        return [p["code"] for p in search_products(uow, COUNCIL, query, 500)["products"]]


def test_alcantarillado_finds_the_sewerage_products_of_program_4003(engine):
    found = _search(engine, "alcantarillado")
    assert {"4003014", "4003018", "4003019", "4003020"} <= set(found)
    assert _search(engine, "ALCANTARILLÁDOS Construídos") == ["1303009", "3707070", "4003018"]
    assert _search(engine, "4003018") == ["4003018"]
    assert set(_search(engine, "4003")) == {p.code for p in mga.read_shipped() if p.program_code == "4003"}


def _variants(word: str) -> st.SearchStrategy[str]:
    """The word with any letters upper-cased and any vowels accented, as people type it."""
    accents = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú"}
    return st.lists(st.tuples(st.booleans(), st.booleans()), min_size=len(word), max_size=len(word)).map(
        lambda flags: "".join((accents.get(c, c) if accent else c).upper() if upper else (accents.get(c, c) if accent else c)
                              for c, (upper, accent) in zip(word, flags)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=_variants("alcantarillado"))
def test_the_search_ignores_accents_and_case(engine, typed):
    assert "4003018" in _search(engine, typed)


def test_fold_leaves_only_unaccented_lower_case_letters():
    assert mga.fold("ÁGUA Potáble ñandú") == "agua potable nandu"
    assert all(not unicodedata.combining(c) for c in mga.fold("ÀÉÎÕÜ"))


def _add(engine, plan_id: str, goal: ProductGoal, actor: Actor = OFFICE) -> dict:
    with UnitOfWork(engine, write=True) as uow:
        return add_product(uow, plan_id=plan_id, goal=goal, actor=actor, legal_date=ON)


def _goals(engine, plan_id: str) -> dict[str, dict]:
    with UnitOfWork(engine) as uow:
        return {g["indicator_code"]: {**g, "program": p["code"]} for p in strategy(uow, OFFICE, plan_id) for g in p["goals"]}


def test_the_planning_office_adds_a_product_with_its_battery_indicator_and_the_history_says_so(
        engine, new_plan, record_strategy):
    plan_id = new_plan()
    record_strategy(plan_id)
    result = _add(engine, plan_id, ProductGoal("4003018", eje="Agua y saneamiento"))
    assert result["producto_agregado"]["indicador"] == "400301801"
    goals = _goals(engine, plan_id)
    assert goals["400301801"]["product_code"] == "4003018" and goals["400301801"]["program"] == "4003"
    assert {"R220101", "220102801", "R410202", "410200101"} <= set(goals)  # the rest of the part is kept
    with UnitOfWork(engine) as uow:
        events = history(uow, OFFICE, plan_id)
        assert events[-1]["event_type"] == "strategic_part_recorded" and events[-1]["actor"] == "ana"
        assert replay.differences(uow.connection) == []


def test_a_product_without_a_battery_indicator_takes_the_office_s_own(engine, new_plan, record_strategy):
    plan_id = new_plan()
    record_strategy(plan_id)
    with pytest.raises(InvalidInput, match="nombre y la unidad"):
        _add(engine, plan_id, ProductGoal("4003019", eje="Agua"))
    _add(engine, plan_id, ProductGoal("4003019", name="Alcantarillados ampliados", unit="Número", eje="Agua"))
    _add(engine, plan_id, ProductGoal("4003019", name="Metros de red ampliada", unit="Metros"))
    goals = _goals(engine, plan_id)
    assert goals["4003019-01"]["custom"] and goals["4003019-02"]["unit"] == "Metros"
    assert goals["4003019-02"]["product_code"] == "4003019"


def test_a_new_program_needs_its_eje_and_a_catalog_indicator_must_measure_the_product(engine, new_plan):
    plan_id = new_plan()
    with pytest.raises(InvalidInput, match="eje"):
        _add(engine, plan_id, ProductGoal("4003018"))
    with pytest.raises(InvalidInput, match="no mide el producto"):
        _add(engine, plan_id, ProductGoal("4003018", indicator="220102801", eje="Agua"))


def test_only_the_entity_s_planning_office_adds_products(engine, new_plan):
    plan_id = new_plan()
    with pytest.raises(PlanNotFound):
        _add(engine, plan_id, ProductGoal("4003018", eje="Agua"), FOREIGN_OFFICE)
    with pytest.raises(Forbidden):
        _add(engine, plan_id, ProductGoal("4003018", eje="Agua"), COUNCIL)
    with UnitOfWork(engine) as uow:
        assert security_log.recent(uow.connection, "concejo")[-1]["kind"] == "change_forbidden"


@pytest.fixture
def shipped_catalog(engine) -> Iterator[None]:
    """The shipped catalog back after the test (the PostgreSQL database keeps it between tests)."""
    yield
    with UnitOfWork(engine, write=True) as uow:
        mga_rows.replace_catalog(uow.connection, mga.read_shipped())
        uow.commit()


def _newer_catalog() -> str:
    """The shipped catalog with 4003018 renamed, 4003019 removed and 4003099 added."""
    rows = [row for row in csv.DictReader(io.StringIO(mga.MGA_PRODUCTS.read_text(encoding="utf-8")))
            if row["codigo_producto"] != "4003019"]
    for row in rows:
        if row["codigo_producto"] == "4003018":
            row["producto"] = "Sistemas de alcantarillado construidos"
    rows.append({**rows[-1], "codigo_sector": "40", "codigo_programa": "4003", "codigo_producto": "4003099",
                 "sector": "VIVIENDA, CIUDAD Y TERRITORIO", "producto": "Plantas de tratamiento de aguas residuales",
                 "programa": next(r["programa"] for r in rows if r["codigo_programa"] == "4003")})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=mga.MGA_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_a_newer_catalog_says_what_it_adds_renames_and_removes_and_which_plans_use_it(
        engine, new_plan, record_strategy, shipped_catalog):
    plan_id = new_plan()
    record_strategy(plan_id)
    _add(engine, plan_id, ProductGoal("4003018", eje="Agua"))
    with UnitOfWork(engine, write=True) as uow:
        preview = import_mga_catalog(uow, DNP, _newer_catalog(), "mga_2025.csv", apply=False)
    assert _search(engine, "4003019") == ["4003019"]  # a preview writes nothing
    assert [(c["level"], c["code"]) for c in preview["added"]] == [("producto", "4003099")]
    assert [(c["code"], c["old_name"], c["name"]) for c in preview["renamed"]] == [
        ("4003018", "Alcantarillados construidos", "Sistemas de alcantarillado construidos")]
    assert [c["code"] for c in preview["removed"]] == ["4003019"]
    assert [(p["plan_id"], p["codes"]) for p in preview["plans_affected"]] == [(plan_id, ["4003018"])]
    with UnitOfWork(engine, write=True) as uow:
        import_mga_catalog(uow, DNP, _newer_catalog(), "mga_2025.csv")
    assert _search(engine, "plantas tratamiento residuales") == ["4003099"] and _search(engine, "4003019") == []
    with UnitOfWork(engine) as uow:
        assert security_log.recent(uow.connection, "dnp-1")[-1]["kind"] == "catalogo_mga_importado"
    assert _goals(engine, plan_id)["400301801"]["name"] == "Alcantarillados construidos"  # the plan keeps its words


def test_a_catalog_file_with_a_repeated_product_is_refused_whole(engine, shipped_catalog):
    text = _newer_catalog()
    repeated = text + text.splitlines()[1] + "\n"
    with UnitOfWork(engine, write=True) as uow, pytest.raises(DuplicateKey) as refused:
        import_mga_catalog(uow, DNP, repeated, "mga.csv")
    assert refused.value.details["line"] == len(repeated.splitlines())
    assert _search(engine, "4003019") == ["4003019"]
    with UnitOfWork(engine, write=True) as uow, pytest.raises(Forbidden):
        import_mga_catalog(uow, OFFICE, text, "mga.csv")
