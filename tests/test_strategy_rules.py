"""The rules of the families `indicadores` and `inversiones`, judged on `PlanFacts` built in memory:
no database, no calendar (DOMAIN.md, "Indicators")."""

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpt_workflow.law.facts import FILED, WITHDRAWN, DocumentFact, GoalFact, InvestmentFact, PlanFacts, ProgramFact
from kpt_workflow.rules import RULES, Outcome

PERIOD = 2024
# A complete meta of each kind, measured in its catalog unit; factories change one field at a time.
OUTCOME = GoalFact(
    indicator_code="R220101", kind="resultado", name="Tasa de cobertura neta en educación media", unit="Porcentaje",
    custom=False, catalog_unit="Porcentaje", baseline_value=Decimal("45.2"), baseline_year=2023,
    baseline_source="MEN - SIMAT", meta_cuatrienio=Decimal("55"))
PRODUCT = GoalFact(
    indicator_code="220102801", kind="producto", name="Estudiantes beneficiados con el PAE", unit="Número",
    custom=False, catalog_unit="Número", baseline_value=Decimal("12000"), baseline_year=2023,
    baseline_source="MEN - SIMAT", meta_cuatrienio=Decimal("15000"))
FUNDED = object()  # plan()'s default: one SGP line per program and year of the period


def outcome(program: str = "2201", **changes: object) -> GoalFact:
    return replace(OUTCOME, **{"indicator_code": f"R{program}01", **changes})  # type: ignore[arg-type]


def product(program: str = "2201", **changes: object) -> GoalFact:
    return replace(PRODUCT, **{"indicator_code": f"{program}00101", **changes})  # type: ignore[arg-type]


def program(code: str = "2201", *goals: GoalFact) -> ProgramFact:
    """A program of the parte estratégica; without goals given, one complete outcome and product."""
    return ProgramFact(code=code, name=f"Programa {code}", eje="Territorio que aprende",
                       goals=goals or (outcome(code), product(code)))


def line(program_code: str = "2201", year: int = PERIOD, source: str = "sgp",
         amount: int = 1_500_000_000) -> InvestmentFact:
    return InvestmentFact(program_code=program_code, year=year, source=source, amount=amount)


def capitulo_sgr(status: str = FILED, version: int = 1) -> DocumentFact:
    return DocumentFact(doc_type="capitulo_sgr", version=version, status=status, legal_date=date(2024, 2, 12))


def plan(*programs: ProgramFact, investments: object = FUNDED, total: int | None = None,
         documents: tuple[DocumentFact, ...] = ()) -> PlanFacts:
    programs = programs or (program("2201"), program("4102"))
    if investments is FUNDED:
        investments = tuple(line(p.code, year) for p in programs for year in range(PERIOD, PERIOD + 4))
    return PlanFacts(
        plan_id="05001-2024", entity_code="05001", entity_name="Medellín", entity_kind="municipio", period=PERIOD,
        state="construccion_articulada", today=date(2024, 2, 27), state_entered_on=date(2024, 1, 20),
        documents=MappingProxyType({d.doc_type: d for d in documents}),
        programs=programs, investments=tuple(investments), declared_investment_total=total,  # type: ignore[arg-type]
    )


def judge(rule_name: str, facts: PlanFacts) -> Outcome:
    """Evaluate the rule and check what every outcome owes the user: its basis, a message, and a
    remedy exactly when it failed."""
    result = RULES[rule_name].evaluate(facts)
    assert result.rule == rule_name
    assert result.basis and result.basis == RULES[rule_name].basis
    assert result.message
    assert bool(result.remedy) is not result.passed
    return result


def pesos(amount: int) -> str:
    """How the rules write money: '$' and '.' as thousands separator."""
    return "$" + f"{amount:,}".replace(",", ".")


def test_the_families_hold_exactly_the_rules_tested_here():
    families = {name for name, r in RULES.items() if r.family in ("indicadores", "inversiones")}
    assert families == {
        "parte_estrategica_registrada", "programas_con_indicadores", "indicadores_con_linea_base_y_meta",
        "unidades_del_catalogo", "programas_con_recursos", "inversiones_consistentes", "capitulo_sgr_si_hay_regalias"}
    assert all(RULES[name].reads_strategy for name in families)


def test_complete_plan_passes_every_rule_of_both_families():
    complete = plan(documents=(capitulo_sgr(),))
    for name, registered in RULES.items():
        if registered.family in ("indicadores", "inversiones"):
            assert judge(name, complete).passed, name


# --- parte estratégica and its indicators ----------------------------------------------------


def test_plan_without_programs_has_no_strategic_part():
    result = judge("parte_estrategica_registrada", replace(plan(), programs=(), investments=()))
    assert not result.passed
    assert "Registre la parte estratégica" in result.remedy


def test_registered_strategic_part_counts_its_programs_and_goals():
    result = judge("parte_estrategica_registrada", plan(program("2201"), program("4102"), program("4003")))
    assert result.passed
    assert "3 programas" in result.message and "6 metas" in result.message


@pytest.mark.parametrize(("goals", "lacking"), [
    pytest.param((product("4102"),), "sin resultado)", id="missing-outcome"),
    pytest.param((outcome("4102"),), "sin producto)", id="missing-product"),
    pytest.param((), "sin resultado ni producto)", id="missing-both"),
])
def test_program_without_an_indicator_kind_fails_naming_the_program(goals, lacking):
    lacking_program = ProgramFact(code="4102", name="Primera infancia", eje="Territorio que aprende", goals=goals)
    result = judge("programas_con_indicadores", plan(program("2201"), lacking_program))
    assert not result.passed
    assert f"4102 ({lacking}" in result.message
    assert "2201" not in result.message


def test_programs_with_both_kinds_of_indicator_pass():
    extra_outcome = outcome("2201", indicator_code="R220102")
    assert judge("programas_con_indicadores", plan(program("2201", outcome(), extra_outcome, product()))).passed


@pytest.mark.parametrize(("change", "gap"), [
    pytest.param({"baseline_value": None}, "valor de línea base", id="missing-value"),
    pytest.param({"baseline_year": None}, "año de línea base ≤ 2024", id="missing-year"),
    pytest.param({"baseline_year": 2025}, "año de línea base ≤ 2024", id="year-after-period-start"),
    pytest.param({"baseline_source": None}, "fuente de la línea base", id="missing-source"),
    pytest.param({"baseline_source": "   "}, "fuente de la línea base", id="blank-source"),
    pytest.param({"meta_cuatrienio": None}, "meta cuatrienio", id="missing-meta"),
])
def test_indicator_without_baseline_or_goal_fails_naming_it_and_the_gap(change, gap):
    result = judge("indicadores_con_linea_base_y_meta", plan(program("2201", outcome(), product(**change))))
    assert not result.passed
    assert f"220100101 ({gap})" in result.message
    assert "R220101" not in result.message


def test_baseline_of_the_period_start_year_is_accepted():
    goals = (outcome(baseline_year=PERIOD), product(baseline_year=PERIOD, baseline_value=Decimal("0")))
    assert judge("indicadores_con_linea_base_y_meta", plan(program("2201", *goals))).passed


def test_indicator_with_every_gap_lists_them_all():
    empty = product(baseline_value=None, baseline_year=None, baseline_source=None, meta_cuatrienio=None)
    result = judge("indicadores_con_linea_base_y_meta", plan(program("2201", outcome(), empty)))
    assert ("220100101 (valor de línea base, año de línea base ≤ 2024, fuente de la línea base, meta cuatrienio)"
            in result.message)


def test_unit_other_than_the_catalogs_fails_naming_both_units():
    result = judge("unidades_del_catalogo", plan(program("2201", outcome(unit="Tasa por 1.000"), product())))
    assert not result.passed
    assert "R220101 ('Tasa por 1.000' en vez de 'Porcentaje')" in result.message
    assert "personalizado" in result.remedy


def test_custom_indicators_keep_their_own_unit():
    own = product(indicator_code="MED-01", custom=True, catalog_unit=None, unit="Huertas")
    assert judge("unidades_del_catalogo", plan(program("2201", outcome(), own))).passed


def test_catalog_units_pass():
    assert judge("unidades_del_catalogo", plan()).passed


# --- plan plurianual de inversiones ----------------------------------------------------------


def test_no_investment_plan_leaves_programs_without_resources():
    result = judge("programas_con_recursos", plan(investments=()))
    assert not result.passed
    assert "No hay plan plurianual" in result.message and "Registre el plan plurianual" in result.remedy


def test_program_with_goals_and_zero_resources_fails_naming_it():
    lines = [line("2201", year) for year in range(2024, 2028)] + [line("4102", 2024, amount=0)]
    result = judge("programas_con_recursos", plan(investments=lines))
    assert not result.passed
    assert "4102" in result.message and "2201" not in result.message


def test_program_without_goals_needs_no_resources():
    goalless = ProgramFact(code="4102", name="Primera infancia", eje="Territorio que aprende", goals=())
    assert judge("programas_con_recursos", plan(program("2201"), goalless, investments=[line("2201")])).passed


def test_all_programs_with_goals_funded_pass():
    result = judge("programas_con_recursos", plan())
    assert result.passed
    assert "2 programas" in result.message


def test_funded_count_names_only_programs_with_goals():
    goalless = ProgramFact(code="4102", name="Primera infancia", eje="Territorio que aprende", goals=())
    result = judge("programas_con_recursos", plan(program("2201"), goalless,
                                                  investments=[line("2201"), line("4102"), line("4003")]))
    assert result.passed
    assert "3" not in result.message  # one program has goals; 4102 has none and 4003 is not in the plan


def test_line_for_a_program_outside_the_strategic_part_is_inconsistent():
    lines = [*plan().investments, line("4003", 2025, "credito", 200_000_000), line("1702", 2024)]
    result = judge("inversiones_consistentes", plan(investments=lines))
    assert not result.passed
    assert "programas que no están en la parte estratégica: 1702, 4003" in result.message


def test_declared_total_other_than_the_sum_fails_with_both_amounts_in_pesos():
    lines = [line("2201", 2024, amount=1_000_000), line("4102", 2024, amount=200_000)]
    result = judge("inversiones_consistentes", plan(investments=lines, total=1_500_000))
    assert not result.passed
    assert "el total declarado ($1.500.000) no es la suma de las líneas ($1.200.000)" in result.message


def test_declared_total_equal_to_the_sum_passes():
    result = judge("inversiones_consistentes", plan(total=12_000_000_000))
    assert result.passed
    assert "$12.000.000.000" in result.message


def test_plan_without_a_declared_total_is_judged_only_on_its_programs():
    assert judge("inversiones_consistentes", plan(total=None)).passed


@given(st.lists(st.integers(min_value=0, max_value=10**13), min_size=1, max_size=12), st.integers(-10**9, 10**9))
def test_declared_total_passes_exactly_when_it_is_the_sum(amounts, offset):
    lines = [line("2201", PERIOD + n % 4, ("sgp", "sgr", "otros")[n // 4], amount) for n, amount in enumerate(amounts)]
    total = sum(amounts)
    facts = plan(program("2201"), investments=lines, total=max(total + offset, 0))
    result = RULES["inversiones_consistentes"].evaluate(facts)
    assert result.passed is (max(total + offset, 0) == total and total > 0)
    if total == 0:  # lines that add up to $0 finance nothing: never a vacuous pass
        assert "suma $0" in result.message
        return
    # Every amount the rule writes is in whole pesos with '.' thousands separators.
    assert all(re.fullmatch(r"\d{1,3}(\.\d{3})*", shown) for shown in re.findall(r"\$([\d.]+\d)", result.message))
    assert pesos(total) in result.message


def test_plan_without_royalties_needs_no_sgr_chapter():
    result = judge("capitulo_sgr_si_hay_regalias", plan())
    assert result.passed
    assert "no prevé" in result.message


def test_royalties_without_the_sgr_chapter_fail_with_the_amount_in_pesos():
    lines = [*plan().investments, line("2201", 2025, "sgr", 300_000_000), line("4102", 2026, "sgr", 1_200_000)]
    result = judge("capitulo_sgr_si_hay_regalias", plan(investments=lines))
    assert not result.passed
    assert "$301.200.000 del SGR" in result.message
    assert "«Inversiones con cargo al SGR»" in result.remedy and "capitulo_sgr" not in result.remedy


def test_royalties_with_the_sgr_chapter_filed_pass():
    lines = [*plan().investments, line("2201", 2025, "sgr", 300_000_000)]
    result = judge("capitulo_sgr_si_hay_regalias", plan(investments=lines, documents=(capitulo_sgr(),)))
    assert result.passed
    assert "$300.000.000" in result.message


def test_withdrawn_sgr_chapter_no_longer_covers_royalties():
    lines = [*plan().investments, line("2201", 2025, "sgr", 300_000_000)]
    withdrawn = capitulo_sgr(WITHDRAWN, version=2)
    assert not judge("capitulo_sgr_si_hay_regalias", plan(investments=lines, documents=(withdrawn,))).passed


STRATEGY_RULES = sorted(name for name, r in RULES.items() if r.reads_strategy)


@pytest.mark.parametrize("rule_name", STRATEGY_RULES)
@pytest.mark.parametrize("empty", ["nothing", "programs_without_goals", "zero_pesos"])
def test_no_rule_over_the_strategy_passes_over_an_empty_list_or_amount(rule_name, empty):
    """A ✓ must have checked something: no programs, programs without goals or a $0 investment
    plan fail every rule that reads the strategy (#25, point 2)."""
    facts = {"nothing": plan(program("2201"), investments=()),
             "programs_without_goals": plan(ProgramFact("2201", "Programa 2201", "Eje", ()), investments=()),
             "zero_pesos": plan(ProgramFact("2201", "Programa 2201", "Eje", ()), investments=[line(amount=0)])}[empty]
    if empty == "nothing":
        facts = replace(facts, programs=())
    result = judge(rule_name, facts)
    assert not result.passed, result.message
