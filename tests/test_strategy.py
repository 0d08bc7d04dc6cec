"""The parte estratégica and the plan plurianual de inversiones through the service layer: what is
refused (and then nothing is written), what is stored, replay, and the step that judges them."""

import copy
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from kpt_workflow.services.access import operator
from kpt_workflow.services.sample import DOCUMENTS_2024 as CYCLE_2024, INVESTMENT_PLAN, STEPS_2024, STRATEGIC_PART
from kpt_workflow.audit import replay
from kpt_workflow import services
from kpt_workflow.lifecycle import strategy
from kpt_workflow.base.errors import GuardFailed, InvalidInput
from kpt_workflow.storage.tables import AuditEvent, Indicator, Plan, PlanGoal, PlanInvestment, PlanProgram
from kpt_workflow.storage.repository import program_facts
from kpt_workflow.storage.unit_of_work import UnitOfWork

# Everything `iniciar_construccion` and `radicar_ante_ctp` ask for, and nothing filed later.
LATER_DOCUMENTS = ("concepto_ctp", "concepto_autoridad_ambiental", "radicado_corporacion")
READY_FOR_CTP = [d for d in CYCLE_2024 if d not in LATER_DOCUMENTS]
STEP_ON = dict(STEPS_2024)


def part_with(edit: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    """A copy of the complete parte estratégica changed by `edit` (which mutates it in place)."""
    part = copy.deepcopy(STRATEGIC_PART)
    edit(part)
    return part


def investments_with(edit: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    plan = copy.deepcopy(INVESTMENT_PLAN)
    edit(plan)
    return plan


def programs(part: dict[str, Any]) -> list[dict[str, Any]]:
    return part["ejes"][0]["programas"]


def record_part(engine: Engine, plan_id: str, data: object) -> dict[str, object]:
    with UnitOfWork(engine, write=True) as uow:
        return services.record_strategic_part(uow, plan_id=plan_id, data=data, actor=operator("test"),
                                              legal_date=date(2024, 2, 10))


def record_investments(engine: Engine, plan_id: str, data: object) -> dict[str, object]:
    with UnitOfWork(engine, write=True) as uow:
        return services.record_investment_plan(uow, plan_id=plan_id, data=data, actor=operator("test"),
                                               legal_date=date(2024, 2, 12))


def stored(engine: Engine, plan_id: str) -> dict[str, object]:
    """What a refused input must leave untouched: the plan's version, its events and its rows."""
    with UnitOfWork(engine) as uow:
        session = uow.session
        rows = {table.__tablename__: sorted(
            (r.model_dump() for r in session.execute(select(table).where(table.plan_id == plan_id)).scalars()),
            key=repr) for table in (PlanProgram, PlanGoal, PlanInvestment)}
        return {
            "version": session.get(Plan, plan_id).version,
            "events": session.execute(select(func.count()).select_from(AuditEvent)
                                      .where(AuditEvent.plan_id == plan_id)).scalar_one(),
            "declared_total": session.get(Plan, plan_id).declared_investment_total,
            **rows,
        }


def replay_differences(engine: Engine) -> list[str]:
    with UnitOfWork(engine) as uow:
        return replay.differences(uow.connection)


def failed_rules(refused: pytest.ExceptionInfo[GuardFailed]) -> list[str]:
    return [c["rule"] for c in refused.value.details["checklist"] if not c["passed"]]  # type: ignore[attr-defined]


@pytest.fixture
def recorded_plan(new_plan, record_strategy) -> str:  # type: ignore[no-untyped-def]
    """A plan whose complete parte estratégica and investment plan are already recorded."""
    plan_id = new_plan()
    record_strategy(plan_id)
    return plan_id


# --- refused inputs: an InvalidInput naming the field, and nothing written ---------------------


def _custom(**fields: object) -> Callable[[dict[str, Any]], object]:
    goal = {"indicador": "MED-01", "personalizado": True, "linea_base": {"valor": "0", "anio": 2023, "fuente": "SEM"},
            "meta_cuatrienio": "20", **fields}
    return lambda part: programs(part)[0]["metas"].append(goal)


INVALID_PARTS = [
    pytest.param(lambda p: programs(p)[0].update(codigo="9999"), "programas.codigo", "'9999'",
                 id="unknown-mga-program"),
    pytest.param(lambda p: programs(p)[0]["metas"][0].update(indicador="R999999"), "metas.indicador", "'R999999'",
                 id="indicator-not-in-catalog"),
    pytest.param(_custom(nombre="Huertas escolares", unidad="Huertas"), "metas", "tipo", id="custom-without-tipo"),
    pytest.param(_custom(tipo="producto", nombre="Huertas escolares"), "metas", "unidad", id="custom-without-unidad"),
    pytest.param(lambda p: programs(p).append(copy.deepcopy(programs(p)[0])), "programas", "2201",
                 id="duplicated-program"),
    pytest.param(lambda p: programs(p)[1]["metas"].append(copy.deepcopy(programs(p)[0]["metas"][0])), "metas",
                 "R220101", id="duplicated-indicator"),
    pytest.param(lambda p: programs(p)[0]["metas"][0].update(meta_cuatrienio="cincuenta"),
                 "ejes[0].programas[0].metas[0].meta_cuatrienio", "debe ser un número", id="meta-not-a-number"),
    # The plan's period is 2024: a baseline from 2014 to 2024 (strategy.BASELINE_YEARS_BEFORE).
    pytest.param(lambda p: programs(p)[0]["metas"][0]["linea_base"].update(anio=2013), "metas.linea_base.anio",
                 "del año 2013; para el período 2024–2027 debe ser de 2014 a 2024", id="baseline-too-old"),
    pytest.param(lambda p: programs(p)[0]["metas"][0]["linea_base"].update(anio=2025), "metas.linea_base.anio",
                 "del año 2025", id="baseline-inside-the-plan"),
    pytest.param(lambda p: programs(p)[0]["metas"][0]["linea_base"].update(anio=-2023),
                 "ejes[0].programas[0].metas[0].linea_base.anio", "debe estar entre 1.900", id="baseline-negative"),
    pytest.param(lambda p: programs(p)[0].update(codigo="2250"), "programas.codigo",
                 "'2250' no está en el catálogo de programas MGA del sector 22", id="program-not-in-its-sector"),
    pytest.param(lambda p: programs(p)[0].update(codigo="9901"), "programas.codigo",
                 "no existe el sector 99", id="unknown-mga-sector"),
    pytest.param(lambda p: programs(p)[0].update(codigo="22\N{FULLWIDTH DIGIT ZERO}1"), "ejes[0].programas[0].codigo",
                 "cuatro dígitos 0-9", id="full-width-digit-in-program"),
    pytest.param(lambda p: programs(p)[0].update(codigo="2201 "), "ejes[0].programas[0].codigo",
                 "cuatro dígitos 0-9", id="space-in-program"),
    pytest.param(_custom(indicador="MED-\N{GRINNING FACE}", tipo="producto", nombre="Huertas", unidad="Huertas"),
                 "ejes[0].programas[0].metas[2].indicador", "letras A-Z y dígitos 0-9", id="emoji-indicator"),
    pytest.param(_custom(indicador="MED 01", tipo="producto", nombre="Huertas", unidad="Huertas"),
                 "ejes[0].programas[0].metas[2].indicador", "letras A-Z y dígitos 0-9", id="space-in-indicator"),
]


@pytest.mark.parametrize(("edit", "field", "named"), INVALID_PARTS)
def test_invalid_strategic_part_is_refused_and_nothing_is_written(engine, recorded_plan, edit, field, named):
    before = stored(engine, recorded_plan)
    with pytest.raises(InvalidInput) as refused:
        record_part(engine, recorded_plan, part_with(edit))
    assert refused.value.details["field"] == field
    assert refused.value.message.startswith("Parte estratégica")
    assert named in refused.value.message
    assert stored(engine, recorded_plan) == before


INVALID_INVESTMENTS = [
    pytest.param({"valor": 1.5e9}, "lineas[0].valor", "pesos enteros", id="float"),
    pytest.param({"valor": "1000.50"}, "lineas[0].valor", "pesos enteros", id="cents"),
    pytest.param({"valor": -1}, "lineas[0].valor", "entre 0 y 1.000.000.000.000.000", id="negative"),
    pytest.param({"valor": "1.500.000"}, "lineas[0].valor", "escrito con dígitos (0-9)", id="thousands-separators"),
    pytest.param({"fuente": "regalías"}, "lineas[0].fuente", "fuente 'regalías' desconocida", id="unknown-fuente"),
    pytest.param({"anio": 2023}, "anio", "el año 2023 está fuera del período 2024–2027", id="year-before-period"),
    pytest.param({"anio": 2028}, "anio", "el año 2028 está fuera del período 2024–2027", id="year-after-period"),
    pytest.param({"anio": 2025}, "lineas", "programa 2201, año 2025, fuente sgp está repetida", id="repeated-cell"),
    pytest.param({"valor": 10**15 + 1}, "lineas[0].valor", "entre 0 y 1.000.000.000.000.000", id="above-10^15"),
    pytest.param({"valor": 2**63}, "lineas[0].valor", "entre 0 y 1.000.000.000.000.000", id="2^63"),
    pytest.param({"programa": "2250"}, "programa", "no está en el catálogo de programas MGA del sector 22",
                 id="program-not-in-its-sector"),
    pytest.param({"programa": "9901"}, "programa", "no existe el sector 99", id="unknown-mga-sector"),
    pytest.param({"programa": "\N{FULLWIDTH DIGIT TWO}201"}, "lineas[0].programa", "cuatro dígitos 0-9",
                 id="full-width-digit-in-program"),
    pytest.param({"programa": "22\N{GRINNING FACE}"}, "lineas[0].programa", "cuatro dígitos 0-9", id="emoji-program"),
]


@pytest.mark.parametrize(("change", "field", "named"), INVALID_INVESTMENTS)
def test_invalid_investment_line_is_refused_and_nothing_is_written(engine, recorded_plan, change, field, named):
    # The first line is 2201/2024/sgp and the second 2201/2025/sgp.
    data = investments_with(lambda plan: plan["lineas"][0].update(change))
    before = stored(engine, recorded_plan)
    with pytest.raises(InvalidInput) as refused:
        record_investments(engine, recorded_plan, data)
    assert refused.value.details["field"] == field
    assert refused.value.message.startswith("Plan plurianual")
    assert named in refused.value.message
    assert stored(engine, recorded_plan) == before


def test_baseline_years_at_both_ends_of_the_window_are_accepted(engine, recorded_plan):
    def baselines(part: dict[str, Any]) -> None:
        programs(part)[0]["metas"][0]["linea_base"]["anio"] = 2014
        programs(part)[0]["metas"][1]["linea_base"]["anio"] = 2024

    record_part(engine, recorded_plan, part_with(baselines))
    with UnitOfWork(engine) as uow:
        years = uow.session.execute(select(PlanGoal.baseline_year).where(PlanGoal.plan_id == recorded_plan)).scalars()
        assert {2014, 2024} <= set(years)


@pytest.mark.parametrize("amount", [2**63, 10**16])
def test_a_csv_amount_beyond_10_15_pesos_is_refused_not_crashed(engine, recorded_plan, amount):
    """The command line's path: the file's text through `investment_input`, then the use-case."""
    before = stored(engine, recorded_plan)
    with pytest.raises(InvalidInput) as refused:
        record_investments(engine, recorded_plan, strategy.investment_input(
            f"programa,anio,fuente,valor\n2201,2024,sgp,{amount}\n", "plan.csv"))
    assert refused.value.details["field"] == "lineas[0].valor"
    assert stored(engine, recorded_plan) == before


def test_investment_plan_without_lines_or_with_a_negative_total_is_refused(engine, recorded_plan):
    before = stored(engine, recorded_plan)
    for data, field in (({"lineas": []}, "lineas"), ({**INVESTMENT_PLAN, "total": -5}, "total")):
        with pytest.raises(InvalidInput) as refused:
            record_investments(engine, recorded_plan, data)
        assert refused.value.details["field"] == field
    assert stored(engine, recorded_plan) == before


@pytest.mark.parametrize("text", [
    pytest.param("programa,año,fuente,valor\n2201,2024,sgp,1\n", id="renamed-column"),
    pytest.param("programa,anio,valor\n2201,2024,1\n", id="missing-column"),
    pytest.param("programa,anio,fuente,valor,nota\n2201,2024,sgp,1,x\n", id="extra-column"),
    pytest.param("", id="empty"),
])
def test_csv_with_other_columns_is_refused_naming_the_expected_ones(text):
    with pytest.raises(InvalidInput) as refused:
        strategy.investment_lines_from_csv(text)
    assert refused.value.details["field"] == "file"
    assert "['programa', 'anio', 'fuente', 'valor']" in refused.value.message


def test_custom_indicator_with_an_unknown_tipo_is_told_the_two_kinds(engine, recorded_plan):
    with pytest.raises(InvalidInput) as refused:
        record_part(engine, recorded_plan, part_with(_custom(tipo="impacto", nombre="Huertas", unidad="Huertas")))
    assert "resultado" in refused.value.message and "producto" in refused.value.message


def test_meta_that_is_not_a_finite_number_is_refused_in_spanish(engine, recorded_plan):
    with pytest.raises(InvalidInput) as refused:
        record_part(engine, recorded_plan,
                    part_with(lambda p: programs(p)[0]["metas"][0].update(meta_cuatrienio="NaN")))
    assert "Input should" not in refused.value.message


# --- accepted inputs ----------------------------------------------------------------------------


def test_source_labels_are_stored_as_codes(engine, new_plan):
    plan_id = new_plan()
    record_part(engine, plan_id, STRATEGIC_PART)
    labels = ["Recursos propios", "crédito", "Cofinanciación", "SGP", " sgr ", "Otros"]
    record_investments(engine, plan_id, {"lineas": [
        {"programa": "2201", "anio": 2024, "fuente": label, "valor": 1_000_000} for label in labels]})
    with UnitOfWork(engine) as uow:
        sources = uow.session.execute(select(PlanInvestment.source).where(PlanInvestment.plan_id == plan_id)).scalars()
        assert sorted(sources) == ["cofinanciacion", "credito", "otros", "recursos_propios", "sgp", "sgr"]


def test_csv_lines_go_through_the_same_checks_and_are_stored(engine, new_plan):
    plan_id = new_plan()
    record_part(engine, plan_id, STRATEGIC_PART)
    text = "programa,anio,fuente,valor\n2201,2024,Recursos propios,1500000000\n4102, 2025 ,crédito,300000000\n"
    assert record_investments(engine, plan_id, strategy.investment_lines_from_csv(text))["total"] == 1_800_000_000
    with UnitOfWork(engine) as uow:
        rows = uow.session.execute(select(PlanInvestment).where(PlanInvestment.plan_id == plan_id)).scalars()
        assert sorted((r.program_code, r.year, r.source, r.amount) for r in rows) == [
            ("2201", 2024, "recursos_propios", 1_500_000_000), ("4102", 2025, "credito", 300_000_000)]
    with pytest.raises(InvalidInput) as refused:
        record_investments(engine, plan_id, strategy.investment_lines_from_csv(
            "programa,anio,fuente,valor\n2201,2024,sgp,1500000000.5\n"))
    assert refused.value.details["field"] == "lineas[0].valor"


def test_catalog_fills_in_name_unit_and_kind_when_omitted(engine, new_plan):
    plan_id = new_plan()
    record_part(engine, plan_id, STRATEGIC_PART)
    with UnitOfWork(engine) as uow:
        session = uow.session
        for code in ("R220101", "220102801", "R410202", "410200101"):
            goal, known = session.get(PlanGoal, (plan_id, code)), session.get(Indicator, code)
            assert (goal.name, goal.unit, goal.kind, goal.custom) == (known.name, known.unit, known.kind, False)
        assert session.get(PlanGoal, (plan_id, "R220101")).unit == "Porcentaje"
        program = session.get(PlanProgram, (plan_id, "2201"))
        assert program.program_name.startswith("Calidad, cobertura y fortalecimiento de la educación inicial")
        assert program.eje == "Territorio que aprende"


def test_custom_indicator_is_stored_flagged_with_its_own_unit(engine, new_plan):
    plan_id = new_plan()
    record_part(engine, plan_id, part_with(_custom(tipo="producto", nombre="Huertas escolares", unidad="Huertas")))
    with UnitOfWork(engine) as uow:
        goal = uow.session.get(PlanGoal, (plan_id, "MED-01"))
        assert (goal.custom, goal.kind, goal.name, goal.unit) == (True, "producto", "Huertas escolares", "Huertas")
        [custom] = [g for p in program_facts(uow.session, plan_id) for g in p.goals if g.indicator_code == "MED-01"]
        assert custom.custom and custom.catalog_unit is None


def test_catalog_indicator_in_another_unit_is_flagged_at_the_step(engine, new_plan, file_doc, advance):
    plan_id = new_plan()
    for doc_type in READY_FOR_CTP:
        file_doc(plan_id, doc_type)
    advance(plan_id, "iniciar_construccion", STEP_ON["iniciar_construccion"])
    record_part(engine, plan_id, part_with(lambda p: programs(p)[0]["metas"][0].update(unidad="Número")))
    record_investments(engine, plan_id, INVESTMENT_PLAN)
    with pytest.raises(GuardFailed) as refused:
        advance(plan_id, "radicar_ante_ctp", STEP_ON["radicar_ante_ctp"])
    assert failed_rules(refused) == ["unidades_del_catalogo"]
    [unit] = [c for c in refused.value.details["checklist"] if c["rule"] == "unidades_del_catalogo"]
    assert "R220101 ('Número' en vez de 'Porcentaje')" in unit["message"]


def test_second_record_replaces_the_first_completely_and_replays(engine, recorded_plan):
    smaller_part = {"ejes": [{"nombre": "Primera infancia primero", "programas": [programs(STRATEGIC_PART)[1]]}]}
    smaller_plan = {"total": 3_000_000_000, "lineas": [
        {"programa": "4102", "anio": year, "fuente": "recursos_propios", "valor": 750_000_000}
        for year in range(2024, 2028)]}
    assert record_part(engine, recorded_plan, smaller_part)["programas"] == 1
    assert record_investments(engine, recorded_plan, smaller_plan)["total"] == 3_000_000_000
    now = stored(engine, recorded_plan)
    assert [(p["program_code"], p["eje"]) for p in now["plan_program"]] == [("4102", "Primera infancia primero")]
    assert sorted(g["indicator_code"] for g in now["plan_goal"]) == ["410200101", "R410202"]
    assert sorted((i["program_code"], i["year"], i["source"]) for i in now["plan_investment"]) == [
        ("4102", year, "recursos_propios") for year in range(2024, 2028)]
    assert now["declared_total"] == 3_000_000_000
    assert replay_differences(engine) == []
    # A later plan that declares no total clears the old one: the record is the whole new version.
    record_investments(engine, recorded_plan, {"lineas": smaller_plan["lineas"]})
    assert stored(engine, recorded_plan)["declared_total"] is None
    assert replay_differences(engine) == []


def test_decimal_values_round_trip_exactly(engine, new_plan):
    precise = "123456789012345.012345"  # the widest an indicator value may be: 15 digits and 6 decimals
    plan_id = new_plan()
    record_part(engine, plan_id, part_with(lambda p: programs(p)[0]["metas"][1].update(
        meta_cuatrienio=precise, linea_base={"valor": "0.10", "anio": 2023, "fuente": "MEN - SIMAT"})))
    with UnitOfWork(engine) as uow:
        outcome = uow.session.get(PlanGoal, (plan_id, "R220101"))
        product = uow.session.get(PlanGoal, (plan_id, "220102801"))
        assert outcome.baseline_value == Decimal("45.2") and str(outcome.baseline_value) == "45.2"
        assert outcome.meta_cuatrienio == Decimal("55")
        assert str(product.meta_cuatrienio) == precise and str(product.baseline_value) == "0.10"
        facts = {g.indicator_code: g for p in program_facts(uow.session, plan_id) for g in p.goals}
        assert facts["R220101"].baseline_value == Decimal("45.2")
        assert str(facts["220102801"].meta_cuatrienio) == precise
    assert replay_differences(engine) == []


# --- the acceptance check: the step to the CTP judges the parte estratégica and its funding ------


@pytest.fixture
def plan_ready_for_ctp(new_plan, file_doc, advance) -> str:  # type: ignore[no-untyped-def]
    """A plan in construccion_articulada with every document the step to the CTP asks for."""
    plan_id = new_plan()
    for doc_type in READY_FOR_CTP:
        file_doc(plan_id, doc_type)
    advance(plan_id, "iniciar_construccion", STEP_ON["iniciar_construccion"])
    return plan_id


def test_program_without_product_indicator_blocks_the_ctp_until_fixed(engine, plan_ready_for_ctp, advance,
                                                                      record_strategy):
    without_product = part_with(lambda p: programs(p)[0]["metas"].pop(1))  # 2201 keeps only its outcome indicator
    record_strategy(plan_ready_for_ctp, part=without_product)
    with pytest.raises(GuardFailed) as refused:
        advance(plan_ready_for_ctp, "radicar_ante_ctp", STEP_ON["radicar_ante_ctp"])
    assert failed_rules(refused) == ["programas_con_indicadores"]
    [check] = [c for c in refused.value.details["checklist"] if not c["passed"]]
    assert "2201 (sin producto)" in check["message"] and check["remedy"] and check["basis"]
    record_strategy(plan_ready_for_ctp)
    result = advance(plan_ready_for_ctp, "radicar_ante_ctp", STEP_ON["radicar_ante_ctp"])
    assert result["to"] == "tramite_ambiental_y_planeacion"
    assert replay_differences(engine) == []


def test_royalties_without_the_sgr_chapter_block_the_ctp_until_it_is_filed(engine, plan_ready_for_ctp, advance,
                                                                          file_doc, record_strategy):
    with_royalties = investments_with(lambda plan: plan["lineas"].append(
        {"programa": "2201", "anio": 2025, "fuente": "sgr", "valor": 800_000_000}))
    record_strategy(plan_ready_for_ctp, investments=with_royalties)
    with pytest.raises(GuardFailed) as refused:
        advance(plan_ready_for_ctp, "radicar_ante_ctp", STEP_ON["radicar_ante_ctp"])
    assert failed_rules(refused) == ["capitulo_sgr_si_hay_regalias"]
    [check] = [c for c in refused.value.details["checklist"] if not c["passed"]]
    assert "$800.000.000" in check["message"] and "«Inversiones con cargo al SGR»" in check["remedy"]
    file_doc(plan_ready_for_ctp, "capitulo_sgr", date(2024, 2, 12))
    result = advance(plan_ready_for_ctp, "radicar_ante_ctp", STEP_ON["radicar_ante_ctp"])
    assert result["to"] == "tramite_ambiental_y_planeacion"
    assert replay_differences(engine) == []
