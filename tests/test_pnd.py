"""The articulation with the PND and the department's initiatives: tags recorded with the parte
estratégica (refused when they name nothing real), kept by the products bank, rebuilt by replay
and seen by time travel; a plan's alignment report; the national view, whose totals are the plans'
investment lines summed independently; the catalog replaced by the next PND's file."""

import copy
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from kpt_workflow import services
from kpt_workflow.audit import replay
from kpt_workflow.base.errors import Forbidden, InvalidInput
from kpt_workflow.lifecycle import time_travel
from kpt_workflow.reference import pnd
from kpt_workflow.services.access import Actor, operator
from kpt_workflow.services.pnd import PndAsk, national_pnd, plan_alignment
from kpt_workflow.services.products import ProductGoal, add_product
from kpt_workflow.services.reference_imports import import_pnd_catalog
from kpt_workflow.services.sample import STRATEGIC_PART, STRATEGY_DATES
from kpt_workflow.storage import event_log, pnd_rows
from kpt_workflow.storage.repository import plan_record
from kpt_workflow.storage.tables import Plan, PlanInvestment, PlanProgramPnd
from kpt_workflow.storage.unit_of_work import UnitOfWork

OFFICE, DNP = Actor("ana", "planeacion", "05001"), Actor("dnp-1", "dnp", None)
ANTIOQUIA, BOYACA = Actor("gob-05", "departamento", "05"), Actor("gob-15", "departamento", "15")
COUNCIL = Actor("concejo", "corporacion", "05001")
CODES = [line.code for line in pnd.read_shipped()]


def _part(tags: dict[str, dict[str, list[str]]], programs: tuple[str, ...] = ("2201", "4102")) -> dict:
    """The sample parte estratégica (its programs among `programs`) with `tags` per program code."""
    part = copy.deepcopy(STRATEGIC_PART)
    eje = part["ejes"][0]  # type: ignore[index]
    eje["programas"] = [{**p, **tags.get(p["codigo"], {})} for p in eje["programas"] if p["codigo"] in programs]
    return part


def _record(engine, plan_id: str, part: dict, actor: Actor = operator("test")) -> dict:
    with UnitOfWork(engine, write=True) as uow:
        return services.record_strategic_part(uow, plan_id=plan_id, data=part, actor=actor,
                                              legal_date=STRATEGY_DATES[0])


def _invest(engine, plan_id: str, amounts: dict[tuple[str, int, str], int]) -> None:
    lines = [{"programa": p, "anio": y, "fuente": s, "valor": v} for (p, y, s), v in amounts.items()]
    with UnitOfWork(engine, write=True) as uow:
        services.record_investment_plan(uow, plan_id=plan_id, data={"lineas": lines}, actor=operator("test"),
                                        legal_date=STRATEGY_DATES[1])


def _tags(engine, plan_id: str) -> dict[str, pnd_rows.ProgramTags]:
    with UnitOfWork(engine) as uow:
        return pnd_rows.program_tags(uow.connection, plan_id)


def test_the_shipped_catalog_has_the_five_transformations_and_paz_total_with_their_basis():
    lines = pnd.read_shipped()
    assert [line.name for line in lines if line.kind == "transformacion"] == [
        "Ordenamiento del territorio alrededor del agua y justicia ambiental", "Seguridad humana y justicia social",
        "Derecho humano a la alimentación", "Transformación productiva, internacionalización y acción climática",
        "Convergencia regional"]
    assert [line.name for line in lines if line.kind == "transversal"] == ["Paz total"]
    assert all(line.basis.startswith("Ley 2294 de 2023") for line in lines)
    assert {line.plan_basis for line in lines} == {"Ley 2294 de 2023"}


@pytest.mark.parametrize("text, says", [
    ("nombre: X\nfundamento: Y\nlineas: []\n", "lineas"),
    ("nombre: X\nfundamento: Y\nlineas:\n  - {codigo: a, tipo: transformacion, nombre: A, fundamento: L}\n"
     "  - {codigo: a, tipo: transversal, nombre: B, fundamento: L}\n", "código repetido a"),
    ("nombre: X\nfundamento: Y\nlineas:\n  - {codigo: a, tipo: eje, nombre: A, fundamento: L}\n", "tipo"),
    ("nombre: X\nfundamento: Y\nlineas:\n  - {codigo: a, tipo: transversal, nombre: A, fundamento: L}\n",
     "ninguna es de tipo transformacion"),
    ("nombre: X\nnombre: Y\n", "repetida"),
    ("lineas: [\n", "YAML inválido"),
])
def test_a_bad_catalog_file_is_refused_in_spanish_naming_what_is_wrong(text, says):
    with pytest.raises(InvalidInput, match=says) as refused:
        pnd.read_catalog(text, "pnd_nuevo.yaml")
    assert "pnd_nuevo.yaml" in refused.value.message


def test_programs_tagged_with_pnd_lines_are_recorded_audited_and_rebuilt_by_replay(engine, new_plan):
    plan_id = new_plan()
    _record(engine, plan_id, _part({"2201": {"pnd": ["seguridad_humana", "paz_total"]},
                                    "4102": {"pnd": ["seguridad_humana"]}}))
    assert _tags(engine, plan_id) == {"2201": pnd_rows.ProgramTags(("seguridad_humana", "paz_total")),
                                      "4102": pnd_rows.ProgramTags(("seguridad_humana",))}
    with UnitOfWork(engine) as uow:
        events = event_log.plan_events(uow.connection, plan_id)
        assert replay.differences(uow.connection) == []
        uow.connection.execute(PlanProgramPnd.__table__.delete().where(PlanProgramPnd.plan_id == plan_id))
        assert any("línea del PND paz_total del programa 2201" in d for d in replay.differences(uow.connection))
    recorded = [e for e in events if e["event_type"] == "strategic_part_recorded"][-1]
    assert '"pnd":["seguridad_humana","paz_total"]' in recorded["payload"]


def test_time_travel_sees_the_tags_recorded_by_then(engine, new_plan):
    plan_id = new_plan()
    _record(engine, plan_id, _part({"2201": {"pnd": ["ordenamiento_agua"]}}))
    with UnitOfWork(engine) as uow:
        current, events = plan_record(uow.connection, plan_id), event_log.plan_events(uow.connection, plan_id)
    past = time_travel.as_of(current, events, STRATEGY_DATES[0])
    assert past.strategic_part["ejes"][0]["programas"][0]["pnd"] == ["ordenamiento_agua"]
    assert time_travel.as_of(current, events, date(2024, 1, 2)).strategic_part is None


@pytest.mark.parametrize("tags, says", [
    ({"pnd": ["agua"]}, "línea del PND 'agua', que no está en el catálogo vigente; use uno de ordenamiento_agua"),
    ({"pnd": ["Paz Total"]}, "un código de línea del PND"),
    ({"pnd": ["paz_total", "paz_total"]}, "nombra dos veces la línea del PND paz_total"),
    ({"iniciativas_departamento": ["2201"]}, "no tiene plan del período 2024–2027"),
])
def test_tags_that_name_nothing_real_are_refused_and_nothing_is_written(engine, new_plan, tags, says):
    plan_id = new_plan()
    with pytest.raises(InvalidInput, match=says):
        _record(engine, plan_id, _part({"2201": tags}))
    assert _tags(engine, plan_id) == {}


def test_a_municipality_names_its_own_departments_programs_and_no_other(engine, new_plan):
    antioquia, boyaca, medellin = new_plan("05"), new_plan("15"), new_plan("05001")
    _record(engine, antioquia, _part({}, ("2201",)))
    _record(engine, boyaca, _part({}, ("4102",)))
    _record(engine, medellin, _part({"2201": {"iniciativas_departamento": ["2201"]}}))
    assert _tags(engine, medellin)["2201"].initiatives == ("2201",)
    with pytest.raises(InvalidInput, match=r"no está en la parte estratégica del plan del departamento de ANTIOQUIA "
                                           r"\(05-2024\); es un programa del plan de otro departamento: BOYACÁ \(15\)"):
        _record(engine, medellin, _part({"4102": {"iniciativas_departamento": ["4102"]}}))
    with pytest.raises(InvalidInput, match="9999"):
        _record(engine, medellin, _part({"4102": {"iniciativas_departamento": ["9999"]}}))
    with pytest.raises(InvalidInput, match="el plan es de un departamento"):
        _record(engine, antioquia, _part({"2201": {"iniciativas_departamento": ["2201"]}}, ("2201",)))


def test_only_the_entitys_planning_office_tags_its_programs(engine, new_plan):
    plan_id = new_plan()
    with pytest.raises(Forbidden):
        _record(engine, plan_id, _part({"2201": {"pnd": ["paz_total"]}}), COUNCIL)
    assert _tags(engine, plan_id) == {}
    _record(engine, plan_id, _part({"2201": {"pnd": ["paz_total"]}}), OFFICE)
    assert _tags(engine, plan_id)["2201"].pnd == ("paz_total",)


def test_adding_a_product_from_the_bank_keeps_the_programs_tags(engine, new_plan):
    plan_id = new_plan()
    _record(engine, plan_id, _part({"2201": {"pnd": ["seguridad_humana"]}}))
    with UnitOfWork(engine, write=True) as uow:
        add_product(uow, plan_id=plan_id, goal=ProductGoal("4003018", eje="Agua"), actor=OFFICE,
                    legal_date=STRATEGY_DATES[0])
    assert _tags(engine, plan_id) == {"2201": pnd_rows.ProgramTags(("seguridad_humana",))}


def test_the_alignment_report_gives_each_program_its_lines_and_money_and_lists_the_untagged(engine, new_plan):
    plan_id = new_plan()
    _record(engine, plan_id, _part({"2201": {"pnd": ["seguridad_humana", "paz_total"]}}))
    _invest(engine, plan_id, {("2201", 2024, "sgp"): 100, ("2201", 2025, "recursos_propios"): 50,
                              ("4102", 2024, "sgp"): 7, ("4003", 2026, "sgr"): 3})
    with UnitOfWork(engine) as uow:
        report = plan_alignment(uow, COUNCIL, plan_id)  # every role that sees the plan reads it
    program = next(p for p in report["programs"] if p["code"] == "2201")
    assert [line["name"] for line in program["pnd"]] == ["Seguridad humana y justicia social", "Paz total"]
    assert program["total"] == 150 and program["by_year"] == [100, 50, 0, 0]
    assert program["by_source"] == {"Sistema General de Participaciones": 100, "Recursos propios": 50}
    lines = {line["code"]: line for line in report["lines"]}
    assert lines["seguridad_humana"]["total"] == lines["paz_total"]["total"] == 150
    assert lines["ordenamiento_agua"]["total"] == 0
    assert report["untagged"] == [{"code": "4102", "name": report["untagged"][0]["name"], "total": 7}]
    assert (report["total"], report["untagged_total"], report["outside_strategy_total"]) == (160, 10, 3)


def test_the_national_view_follows_the_dashboards_scope(engine, new_plan):
    medellin, tunja = new_plan("05001"), new_plan("15001")
    for plan_id in (medellin, tunja):
        _record(engine, plan_id, _part({"2201": {"pnd": ["convergencia_regional"]}}))
        _invest(engine, plan_id, {("2201", 2024, "sgp"): 10})
    ask = PndAsk(period=2024)
    with UnitOfWork(engine) as uow:
        country, antioquia = national_pnd(uow, DNP, ask), national_pnd(uow, ANTIOQUIA, PndAsk(
            department="15", period=2024))
        with pytest.raises(Forbidden):
            national_pnd(uow, OFFICE, ask)
    line = {entry["code"]: entry for entry in country["lines"]}["convergencia_regional"]
    assert (line["amount"], line["plans"], country["plans"]) == (20, 2, 2)
    assert [d["code"] for d in line["by_department"]] == ["05", "15"]
    assert antioquia["filters"]["department_code"] == "05" and antioquia["total"] == 10


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_national_totals_are_the_investment_lines_summed_independently(engine, data):
    """Random tags and investment over a few plans: each line's sum, the total and the untagged
    part agree with plan_investment and plan_program_pnd read back and summed in Python."""
    programs = ("2201", "4102")
    for entity in data.draw(st.lists(st.sampled_from(["05001", "05002", "15001", "25001"]), min_size=1, max_size=3,
                                     unique=True), label="entidades"):
        plan_id = f"{entity}-2024"
        with UnitOfWork(engine, write=True) as uow:
            if uow.connection.execute(select(Plan.id).where(Plan.id == plan_id)).first() is None:
                services.create_plan(uow, entity_code=entity, period=2024, actor=operator("test"))
        tags = {p: {"pnd": data.draw(st.lists(st.sampled_from(CODES), unique=True, max_size=3), label=f"pnd {p}")}
                for p in programs}
        _record(engine, plan_id, _part(tags))
        cells = data.draw(st.dictionaries(st.tuples(st.sampled_from([*programs, "4003"]), st.integers(2024, 2027),
                                                    st.sampled_from(["sgp", "sgr", "credito"])),
                                          st.integers(0, 10**12), min_size=1, max_size=8), label="inversión")
        _invest(engine, plan_id, cells)
    with UnitOfWork(engine) as uow:
        view = national_pnd(uow, DNP, PndAsk(period=2024))
        conn = uow.connection
        investment = conn.execute(select(PlanInvestment.plan_id, PlanInvestment.program_code,
                                         PlanInvestment.amount)).all()
        tags = conn.execute(select(PlanProgramPnd.plan_id, PlanProgramPnd.program_code, PlanProgramPnd.line_code)).all()
    tagged = {(plan, program) for plan, program, _ in tags}
    assert view["total"] == sum(amount for _, _, amount in investment)
    assert view["untagged"] == sum(amount for plan, program, amount in investment if (plan, program) not in tagged)
    for line in view["lines"]:
        holders = {(plan, program) for plan, program, code in tags if code == line["code"]}
        assert line["amount"] == sum(amount for plan, program, amount in investment if (plan, program) in holders)
        assert line["plans"] == len({plan for plan, _ in holders})
        assert sum(d["amount"] for d in line["by_department"]) == line["amount"]


def test_the_next_pnds_catalog_replaces_the_lines_saying_which_plans_carry_removed_ones(engine, new_plan):
    plan_id = new_plan()
    _record(engine, plan_id, _part({"2201": {"pnd": ["paz_total"]}}))
    text = ("nombre: PND 2026–2030\nfundamento: Ley futura\nlineas:\n"
            "  - {codigo: vida, tipo: transformacion, nombre: Vida, fundamento: 'Ley futura, art. 3'}\n")
    with UnitOfWork(engine, write=True) as uow:
        with pytest.raises(Forbidden):
            import_pnd_catalog(uow, OFFICE, text, "pnd_2026.yaml")
    with UnitOfWork(engine, write=True) as uow:
        preview = import_pnd_catalog(uow, DNP, text, "pnd_2026.yaml", apply=False)
    assert preview["removed"] == CODES and preview["plans_affected"] == [plan_id] and preview["added"] == ["vida"]
    with UnitOfWork(engine) as uow:
        assert [line.code for line in pnd_rows.lines(uow.connection)] == CODES  # a preview writes nothing
    with UnitOfWork(engine, write=True) as uow:
        import_pnd_catalog(uow, DNP, text, "pnd_2026.yaml")
    with UnitOfWork(engine) as uow:
        assert [line.code for line in pnd_rows.lines(uow.connection)] == ["vida"]
        report = plan_alignment(uow, OFFICE, plan_id)
    assert report["programs"][0]["pnd"][0]["name"] == "paz_total (no está en el catálogo vigente)"
