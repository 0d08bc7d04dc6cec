"""Every number the system accepts, each domain said once, and read as text before it is converted.

A number given as text is first checked as characters (ASCII digits, an optional sign and decimal
point, at most `MAX_TEXT` characters, no exponent, no NaN or Infinity): turning "1e9999999" into an
integer builds a ten-million-digit number and hangs the worker, so such text is refused before
Decimal or int ever sees it. Then the value is checked against its domain, whose limits are within
what the columns store (PostgreSQL's INTEGER and BIGINT, SQLite's 64-bit integers), so no input
reaches the database as a value it cannot hold. Each refusal is a ValueError with a Spanish
message, which pydantic reports under the field's name (kpt_workflow/base/validation.py)."""

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from kpt_workflow.law.calendar import FIRST_PDT_PERIOD, PERIOD_YEARS
from kpt_workflow.base.figures import number

MAX_TEXT = 40  # characters of a number's text: 10^15 with six decimals and a sign needs 24
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")  # [0-9], not \d: only ASCII digits
_DIGITS = re.compile(r"[0-9]+")
INTEGER_MAX = 2**31 - 1  # PostgreSQL's INTEGER: the type of versions, periods and years (models.py)


def number_text(text: str) -> Decimal:
    """The Decimal a plain decimal numeral writes, refusing anything else before converting it."""
    stripped = text.strip()
    if len(stripped) > MAX_TEXT or not _NUMBER.fullmatch(stripped):
        raise ValueError(f"debe ser un número escrito con dígitos (0-9), signo y punto decimal opcionales, sin "
                         f"exponente y de a lo sumo {MAX_TEXT} caracteres")
    return Decimal(stripped)


def _finite(value: Decimal | float) -> None:
    if not (value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)):
        raise ValueError("debe ser un número finito")


@dataclass(frozen=True)
class Whole:
    """A domain of whole numbers, `low` to `high` inclusive. Called on an input, it returns the
    int or raises ValueError with a Spanish message. A float is refused: a whole quantity written
    with a binary fraction (pesos above all) is a mistake, not a rounding to make."""

    low: int
    high: int
    what: str = "un número entero"  # what the messages call a value of the domain

    def __call__(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
            raise ValueError(f"debe ser {self.what}, sin decimales de punto flotante" if isinstance(value, float)
                             else f"debe ser {self.what}")
        amount = number_text(value) if isinstance(value, str) else value
        if isinstance(amount, Decimal):
            _finite(amount)
        self._check(amount)
        if amount != int(amount):  # only now: a bounded amount converts at once
            raise ValueError(f"debe ser {self.what}, sin decimales")
        return int(amount)

    def digits(self, text: str) -> int:
        """Only ASCII digits (a header, a command-line option): no sign, point or spaces."""
        if not _DIGITS.fullmatch(text):
            raise ValueError(f"'{text[:MAX_TEXT]}' no es un número entero escrito solo con dígitos (0-9)")
        amount = int(text) if len(text) <= MAX_TEXT else self.high + 1  # int() of a long text is slow
        self._check(amount)
        return amount

    def _check(self, amount: int | Decimal) -> None:
        if not self.low <= amount <= self.high:
            raise ValueError(f"debe estar entre {number(self.low)} y {number(self.high)}")

    def field(self, description: str) -> Any:
        """The pydantic type of a field in this domain (its bounds also in the OpenAPI schema)."""
        return Annotated[int, BeforeValidator(self), Field(ge=self.low, le=self.high, description=description)]


@dataclass(frozen=True)
class Exact:
    """A domain of exact decimals: finite, |v| ≤ `bound`, at most `places` decimal places.
    Floats are accepted here (an indicator's 12.5 % from a JSON number), read through their
    shortest repr so that 0.1 is 0.1, not its binary expansion."""

    bound: int
    places: int

    def __call__(self, value: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
            raise ValueError("debe ser un número")
        if isinstance(value, (float, Decimal)):
            _finite(value)
        if isinstance(value, str):
            amount = number_text(value)
        else:
            if not -self.bound <= value <= self.bound:
                raise ValueError(f"debe estar entre {number(-self.bound)} y {number(self.bound)}")
            amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not -self.bound <= amount <= self.bound:
            raise ValueError(f"debe estar entre {number(-self.bound)} y {number(self.bound)}")
        if amount != amount.quantize(Decimal(1).scaleb(-self.places)):
            raise ValueError(f"admite a lo sumo {self.places} decimales")
        return amount

    def field(self, description: str) -> Any:
        return Annotated[Decimal, BeforeValidator(self), Field(description=description)]


LAST_PERIOD = 2100  # a plan's period: the service admits at most the next one; this bounds the column
# 10^15 pesos, mil billones: twice the whole national budget (523 billones, about 5·10^14, in 2025).
PESOS = Whole(0, 10**15, "un valor en pesos enteros")
VERSIONS = Whole(1, INTEGER_MAX, "una versión del plan")
PERIODS = Whole(FIRST_PDT_PERIOD, LAST_PERIOD, "un año")
# A plan's years are its period's four; any baseline lies before its plan ends, and after 1900: the
# indicators' series (censuses, DANE, sector registries) start in the twentieth century, so an
# earlier year is a typing mistake.
PLAN_YEARS = Whole(FIRST_PDT_PERIOD, LAST_PERIOD + PERIOD_YEARS - 1, "un año")
BASELINE_YEARS = Whole(1900, LAST_PERIOD + PERIOD_YEARS - 1, "un año")
INDICATOR_VALUES = Exact(10**15, 6)  # as large as any peso figure, to the millionth of a unit

Pesos = PESOS.field("pesos enteros, de 0 a 10^15")
Version = VERSIONS.field("versión del plan que se leyó")
Period = PERIODS.field("año de inicio del período (2024, 2028, …)")
PlanYear = PLAN_YEARS.field("año del plan (uno de los cuatro de su período)")
BaselineYear = BASELINE_YEARS.field("año de la línea base")
IndicatorValue = INDICATOR_VALUES.field("número exacto, |v| ≤ 10^15, hasta 6 decimales")
