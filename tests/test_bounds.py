"""Each numeric domain (kpt_workflow/law/bounds.py) accepts exactly its values, reads text before it
converts it (so an exponent of any size is refused at once), and every refusal is Spanish and
names the field, down to pydantic's last error type (kpt_workflow/base/validation.py)."""

import time
import typing
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from pydantic import AnyUrl, BaseModel, Field, Json, ValidationError
from pydantic_core import core_schema

from kpt_workflow import services
from kpt_workflow.services.access import operator
from kpt_workflow.law import bounds
from kpt_workflow.law.bounds import (BASELINE_YEARS, INDICATOR_VALUES, INTEGER_MAX, PESOS, PLAN_YEARS, VERSIONS,
                                 Exact, Whole, number_text)
from cli.common import parse_int
from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.storage.tables import Plan, PlanInvestment
from kpt_workflow.services.sample import STRATEGY_DATES
from kpt_workflow.lifecycle.strategy import MAX_LINES, parse_investment_plan, parse_strategic_part
from kpt_workflow.storage.unit_of_work import UnitOfWork
from kpt_workflow.base.validation import GENERIC, _message, describe, describe_error

ENGLISH = ("Input should", "Value error", "should", "valid ", "Field required", "greater than", "less than",
           "at most", "at least", "characters", "digits", "Unable", "must")
DOMAINS = {"pesos": PESOS, "versions": VERSIONS, "plan years": PLAN_YEARS, "baseline years": BASELINE_YEARS}
NUMERAL = st.from_regex(r"\A[+-]?([0-9]{1,20}(\.[0-9]{0,8})?|\.[0-9]{1,8})\Z")
EXPONENTS = ["1e9999999", "1E99999", "-1e-9999999", "9e+999999999999", "1.5e10", "1e0", ".1e1", "1_000", "0x10"]


def spanish(text: str) -> bool:
    return not any(word in text for word in ENGLISH)


def line(valor: Any = 1000, anio: Any = 2024) -> dict[str, Any]:
    return {"lineas": [{"programa": "2201", "anio": anio, "fuente": "sgp", "valor": valor}]}


# --- the text of a number, before any conversion ------------------------------------------------


@pytest.mark.parametrize("text", EXPONENTS + ["NaN", "Infinity", "-inf", "sNaN", "", " ", "1 000", "1,5", "²", "1³",
                                              "١٢", "٣", "1" * 41, "--1", "+", "."])
def test_text_that_is_not_a_plain_decimal_numeral_is_refused(text):
    with pytest.raises(ValueError, match="sin exponente"):
        number_text(text)


@given(NUMERAL)
def test_a_plain_decimal_numeral_reads_as_exactly_its_decimal(text):
    assert number_text(f" {text} ") == Decimal(text)


def _refusing(domain: Whole | Exact, texts: list[str]) -> float:
    """Seconds to refuse every text (all must be refused)."""
    start = time.perf_counter()
    for text in texts:
        with pytest.raises(ValueError):
            domain(text)
    return time.perf_counter() - start


def test_exponents_of_any_size_are_refused_as_text_before_any_number_is_made(monkeypatch):
    """Refused as characters: no Decimal is ever built from an exponent (what could take forever is
    the number it writes), whatever its size — a property, not a stopwatch (bench/ times things)."""
    texts = [f"1e{'9' * size}" for size in range(1, 1001)]  # the longest: a thousand-digit exponent
    made: list[object] = []

    class Recorded(Decimal):
        def __new__(cls, *args: object) -> Decimal:  # type: ignore[misc]
            made.append(args)
            return Decimal(*args)

    monkeypatch.setattr(bounds, "Decimal", Recorded)
    for domain in (PESOS, INDICATOR_VALUES):
        _refusing(domain, texts)
    assert made == []
    assert PESOS("1000") == 1000 and INDICATOR_VALUES("1.5") == Decimal("1.5")
    assert made  # the spy sees what bounds builds from a plain numeral


def test_an_exponent_through_the_investment_model_is_refused_quickly():
    start = time.perf_counter()
    for _ in range(1000):
        with pytest.raises(InvalidInput):
            parse_investment_plan(line(valor="1e9999999"), 2024)
    assert time.perf_counter() - start < 1.0  # was a hang: a ten-million-digit integer


# --- whole domains -------------------------------------------------------------------------------


@pytest.mark.parametrize("domain", list(DOMAINS.values()), ids=list(DOMAINS))
@given(data=st.data())
def test_a_whole_domain_accepts_exactly_its_integers(domain, data):
    value = data.draw(st.one_of(st.integers(domain.low - 3, domain.high + 3), st.integers(), st.integers(2**62, 2**70)))
    form = data.draw(st.sampled_from([int, str, Decimal, lambda v: f"{v}.000"]))
    if domain.low <= value <= domain.high:
        assert domain(form(value)) == value
    else:
        with pytest.raises(ValueError, match="debe estar entre|a lo sumo 40 caracteres"):
            domain(form(value))


@pytest.mark.parametrize("value", [1.0, 1.5, float("inf"), float("nan"), True, False, None, [], {}, "1.5", "0.001",
                                   Decimal("NaN"), Decimal("Infinity"), Decimal("1.5"), Decimal("1e9999999")])
def test_a_whole_domain_refuses_what_is_not_a_whole_number_in_spanish(value):
    with pytest.raises(ValueError) as refused:
        PESOS(value)
    assert str(refused.value).startswith("debe ") and spanish(str(refused.value))


@pytest.mark.parametrize(("text", "expected"), [("5", 5), ("2147483647", INTEGER_MAX), ("007", 7)])
def test_digits_only_accepts_ascii_digits_within_the_domain(text, expected):
    assert VERSIONS.digits(text) == expected


@pytest.mark.parametrize("text", ["²", "1³", "١", "", "-1", "+1", " 1", "1.0", "1e3", "0", "2147483648", "9" * 40,
                                  "9" * 100_000])
def test_digits_only_refuses_everything_else(text):
    with pytest.raises(ValueError):
        VERSIONS.digits(text)


@pytest.mark.parametrize("text", ["²", "1³", "-1", "1e9", "9" * 40, "2147483648", "x"])
def test_the_cli_refuses_a_number_that_is_not_ascii_digits_or_beyond_the_column(text):
    with pytest.raises(InvalidInput, match="^--version: ") as refused:
        parse_int(text, "version")
    assert refused.value.details["field"] == "version" and spanish(refused.value.message)


def test_the_cli_reads_a_plain_number():
    assert parse_int(" 12 ", "version") == 12 and parse_int(None, "version") is None


# --- exact decimals ------------------------------------------------------------------------------


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-10**15, max_value=10**15))
def test_an_indicator_value_in_its_domain_is_kept_exactly(value):
    text = format(value, "f")
    assert str(INDICATOR_VALUES(text)) == text and INDICATOR_VALUES(value) == value


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-10**15, max_value=10**15))
def test_an_indicator_float_is_read_through_its_shortest_repr_or_refused(value):
    try:
        assert INDICATOR_VALUES(value) == Decimal(repr(value))
    except ValueError as refused:
        assert "decimales" in str(refused)


@pytest.mark.parametrize("value", [10**15 + 1, -10**15 - 1, "1000000000000000.1", "0.0000001", 1e-7, 2**63,
                                   float("inf"), float("nan"), "NaN", "1e5", True, None, [], Decimal("sNaN")])
def test_an_indicator_value_out_of_its_domain_is_refused_in_spanish(value):
    with pytest.raises(ValueError) as refused:
        INDICATOR_VALUES(value)
    assert spanish(str(refused.value))


def test_an_exact_domain_says_its_bound_and_places():
    domain = Exact(bound=100, places=2)
    assert domain("99.99") == Decimal("99.99") and domain(0.5) == Decimal("0.5")
    with pytest.raises(ValueError, match="a lo sumo 2 decimales"):
        domain("1.001")
    with pytest.raises(ValueError, match="entre -100 y 100"):
        domain(101)


# --- every field of the strategy, any JSON value ------------------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50) | NUMERAL
                    | st.sampled_from(EXPONENTS), lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=5)


def _goal(baseline: Any = None, baseline_year: Any = None, meta: Any = None) -> dict[str, Any]:
    return {"ejes": [{"nombre": "Eje", "programas": [{"codigo": "2201", "metas": [
        {"indicador": "R220101", "linea_base": {"valor": baseline, "anio": baseline_year}, "meta_cuatrienio": meta}]}]}]}


FIELDS: dict[str, tuple[Any, Any]] = {  # field -> (build the input from a value, read the value back)
    "lineas[0].valor": (lambda v: line(valor=v), lambda p: p.lineas[0].valor),
    "lineas[0].anio": (lambda v: line(anio=v), lambda p: p.lineas[0].anio),
    "total": (lambda v: {**line(), "total": v}, lambda p: p.total),
    "linea_base.valor": (lambda v: _goal(baseline=v), lambda p: p.ejes[0].programas[0].metas[0].linea_base.valor),
    "linea_base.anio": (lambda v: _goal(baseline_year=v), lambda p: p.ejes[0].programas[0].metas[0].linea_base.anio),
    "meta_cuatrienio": (lambda v: _goal(meta=v), lambda p: p.ejes[0].programas[0].metas[0].meta_cuatrienio),
}


@pytest.mark.parametrize("field", list(FIELDS))
@settings(max_examples=150)
@given(value=JSON)
def test_any_json_value_is_accepted_exactly_or_refused_in_spanish_naming_the_field(field, value):
    build, read = FIELDS[field]
    parse = (lambda data: parse_investment_plan(data, 2024)) if field.startswith(("lineas", "total")) \
        else parse_strategic_part
    try:
        parsed = read(parse(build(value)))
    except InvalidInput as refused:
        assert refused.details["field"].endswith(field.split(".")[-1]) or refused.details["field"] == "anio"
        assert spanish(refused.message), refused.message
        return
    if value is None:
        assert parsed is None
    else:
        assert not isinstance(value, (bool, list, dict)) and parsed == Decimal(value.strip() if isinstance(
            value, str) else repr(value) if isinstance(value, float) else value)


# --- sizes ----------------------------------------------------------------------------------------


def test_lists_and_texts_are_bounded():
    lines = {"lineas": [{"programa": "2201", "anio": 2024, "fuente": "sgp", "valor": 1}] * (MAX_LINES + 1)}
    with pytest.raises(InvalidInput, match="admite a lo sumo 12.000 elementos"):
        parse_investment_plan(lines, 2024)
    with pytest.raises(InvalidInput, match=r"ejes\[0\].nombre: admite a lo sumo 500 caracteres"):
        parse_strategic_part({"ejes": [{"nombre": "x" * 501, "programas": [{"codigo": "2201"}]}]})
    programs = [{"codigo": f"{code:04d}"} for code in range(300)]
    with pytest.raises(InvalidInput, match="a lo sumo 500 programas"):
        parse_strategic_part({"ejes": [{"nombre": "a", "programas": programs}, {"nombre": "b", "programas": programs}]})
    with pytest.raises(InvalidInput, match="fuente"):
        parse_investment_plan({"lineas": [{"programa": "2201", "anio": 2024, "fuente": ["sgp"], "valor": 1}]}, 2024)


# --- stored exactly, on both databases --------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=st.one_of(st.integers(0, 10**15), st.sampled_from([0, 10**15, 2**49 + 1, 999_999_999_999_999])))
def test_an_accepted_amount_is_stored_exactly(engine, new_plan, amount):
    with UnitOfWork(engine) as uow:  # the fixtures live across the examples: one plan for them all
        plan_id = "05001-2024" if uow.session.get(Plan, "05001-2024") else new_plan()
    with UnitOfWork(engine, write=True) as uow:
        services.record_investment_plan(uow, plan_id=plan_id, data={**line(valor=str(amount)), "total": amount},
                                        actor=operator("test"), legal_date=STRATEGY_DATES[1])
    with UnitOfWork(engine) as uow:
        assert uow.session.get(PlanInvestment, (plan_id, "2201", 2024, "sgp")).amount == amount
        assert uow.session.get(Plan, plan_id).declared_investment_total == amount


# --- every message is Spanish -----------------------------------------------------------------------

ERROR_TYPES = typing.get_args(core_schema.ErrorType)


@pytest.mark.parametrize("kind", ERROR_TYPES)
def test_every_pydantic_error_type_has_a_spanish_message(kind):
    contexts = [{}, {"gt": 1, "ge": 1, "lt": 1, "le": 1, "multiple_of": 2, "min_length": 2, "max_length": 3,
                     "max_digits": 4, "decimal_places": 2, "whole_digits": 3, "expected": "'a' o 'b'", "pattern": "x",
                     "error": "mal", "expected_schemes": "'https'", "class_name": "X", "field_type": "List"}]
    for context in contexts:
        error = {"type": kind, "loc": ("campo",), "msg": "Input should be valid English", "input": "x", "ctx": context}
        message = _message(error)  # type: ignore[arg-type]
        assert message and spanish(message), (kind, message)


class Color(Enum):
    ROJO = "rojo"


class Everything(BaseModel):
    entero: Annotated[int, Field(ge=1, le=10)] = 1
    mayor: Annotated[int, Field(gt=1, lt=10)] = 2
    par: Annotated[int, Field(multiple_of=2)] = 2
    decimal: Annotated[Decimal, Field(max_digits=4, decimal_places=2)] = Decimal(1)
    flotante: float = 0.0
    texto: Annotated[str, Field(min_length=2, max_length=3, pattern="^[a-z]+$")] = "ab"
    lista: Annotated[list[int], Field(min_length=1, max_length=2)] = [1]
    fecha: date = date(2024, 1, 1)
    momento: datetime = datetime(2024, 1, 1)
    url: AnyUrl = AnyUrl("https://a.co")
    uuid: UUID = UUID(int=0)
    color: Color = Color.ROJO
    literal: Literal["a", "b"] = "a"
    documento: Json[int] = 1
    booleano: bool = True


BAD = {"entero": [0, 11, "x", 1.5, "9" * 5000], "mayor": [1, 10], "par": [3], "decimal": ["123.4", "1.234", "x"],
       "flotante": ["x"], "texto": ["a", "abcd", "AB", 1], "lista": [[], [1, 2, 3], "x"],
       "fecha": ["2024-13-01", "2024-01-01T10:00:00", "x", 1e20], "momento": ["x", "2024-02-30T00:00"],
       "url": ["x", "a" * 3000], "uuid": ["x", 1], "color": ["azul"], "literal": ["c"], "documento": ["{", '"x"'],
       "booleano": ["tal vez"]}


@pytest.mark.parametrize(("field", "value"), [(f, v) for f, values in BAD.items() for v in values])
def test_every_error_a_user_can_provoke_is_spanish_and_names_the_field(field, value):
    with pytest.raises(ValidationError) as refused:
        Everything.model_validate({field: value})
    where, message = describe(refused.value)
    assert where == field and spanish(message), message
    assert not message.startswith(GENERIC), refused.value.errors()[0]["type"]


def test_a_long_offending_value_is_cut_short():
    error = {"type": "string_too_long", "loc": ("nombre",), "msg": "", "input": "x" * 10**6, "ctx": {"max_length": 5}}
    assert len(describe_error(error)[1]) < 150  # type: ignore[arg-type]
    huge = {"type": "less_than_equal", "loc": ("n",), "msg": "", "input": 10**4000, "ctx": {"le": 5}}
    assert "más de 60 cifras" in describe_error(huge)[1]  # type: ignore[arg-type]
