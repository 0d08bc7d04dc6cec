"""Input of the parte estratégica (ejes → programas → metas) and of the plan plurianual de
inversiones: parsed and checked for form here; completeness is for the rules to judge."""

import csv
import io
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kpt_workflow.reference import indicators
from kpt_workflow.reference.indicators import IndicatorColumns
from kpt_workflow.law.bounds import BaselineYear, IndicatorValue, Pesos, PlanYear
from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.base.validation import TextInput, describe
from kpt_workflow.base.figures import amount
from kpt_workflow.law import calendar
from kpt_workflow.lifecycle.articulation import Articulation, program_tags

SOURCES = {
    "sgp": "Sistema General de Participaciones", "sgr": "Sistema General de Regalías",
    "recursos_propios": "Recursos propios", "credito": "Crédito", "cofinanciacion": "Cofinanciación", "otros": "Otros",
}
_SOURCE_ALIASES = {"recursos propios": "recursos_propios", "crédito": "credito", "cofinanciación": "cofinanciacion",
                   **{name.lower(): code for code, name in SOURCES.items()}}


# How much one plan may hold, so that a request's size is bounded before any row is built. The
# shipped MGA catalog has 169 programs and the largest PDTs (Bogotá, Antioquia) carry some hundreds
# of metas: each limit is several times what a real plan needs. The investment lines are cells
# (program, year, source), so there are at most programs × 4 years × 6 sources distinct ones.
MAX_EJES = 50
MAX_PROGRAMS = 500
MAX_GOALS = 2_000
MAX_LINES = MAX_PROGRAMS * 4 * len(SOURCES)
# A baseline describes where the plan starts from: at the latest its period's first year (an
# indicator first measured as the plan begins), at the earliest ten years before it, which still
# reaches back to the 2018 census for a 2024 plan, the source of many social series.
BASELINE_YEARS_BEFORE = 10


def _code_format(pattern: str, what: str) -> AfterValidator:
    """A code written as the catalogs write them: `[0-9]` and `[A-Za-z]` are ASCII only, so an
    emoji, a space or a full-width digit (which `str.isdigit` accepts) is refused."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"debe ser {what}")  # the value itself is shown by `describe`
        return value

    return AfterValidator(check)


# MGA programs: four digits, the first two the sector's. Indicators: the battery's digits, or an
# entity's own code of ASCII letters and digits, in parts joined by '-', '_' or '.' (MED-01).
ProgramCode = Annotated[str, Field(min_length=1, max_length=64),
                        _code_format(r"[0-9]{4}", "un código de programa MGA (cuatro dígitos 0-9)")]
Code = Annotated[str, Field(min_length=1, max_length=64),
                 _code_format(r"[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*",
                              "un código de indicador (letras A-Z y dígitos 0-9, unidos a lo sumo por - _ .)")]
Name = Annotated[str, Field(min_length=1, max_length=500)]


# Characters a spreadsheet cannot keep (XML 1.0 forbids most controls and U+FFFE, U+FFFF; a carriage
# return comes back as a line break): the parte estratégica travels as the Plan Indicativo workbook
# and back unchanged.
_UNSHEETABLE = re.compile("[\x01-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]")


class _Input(TextInput):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _fits_a_spreadsheet(cls, value: Any) -> Any:
        found = _UNSHEETABLE.search(value) if isinstance(value, str) else None
        if found:
            raise ValueError(f"contiene el carácter U+{ord(found.group()):04X} (de control o no imprimible), que una hoja "
                             f"de cálculo no guarda; quítelo")
        return value


class Baseline(_Input):
    valor: IndicatorValue | None = None
    anio: BaselineYear | None = None
    fuente: Annotated[str, Field(max_length=500)] | None = None


ProductCode = Annotated[str, Field(min_length=7, max_length=7),
                        _code_format(r"[0-9]{7}", "un código de producto MGA (siete dígitos 0-9)")]


class GoalInput(_Input):
    indicador: Code
    producto: ProductCode | None = Field(default=None, description="el producto MGA que mide la meta (banco de productos)")
    personalizado: bool = False
    tipo: Literal["resultado", "producto"] | None = None
    nombre: Name | None = None
    unidad: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    linea_base: Baseline = Baseline()
    meta_cuatrienio: IndicatorValue | None = None
    programacion: dict[PlanYear, IndicatorValue] = Field(
        default_factory=dict, max_length=calendar.PERIOD_YEARS,
        description="la meta de cada año del período (año → valor), opcional; ver `_check_programming`")


# A PND line's code as its catalog writes it (kpt_workflow.reference.pnd).
LineCode = Annotated[str, Field(min_length=1, max_length=64),
                     _code_format(r"[a-z][a-z0-9_]*", "un código de línea del PND (minúsculas, dígitos y _)")]
# A program articulates with a few PND lines (the 2022–2026 PND has six) and department initiatives.
MAX_TAGS = 20


class ProgramInput(_Input):
    codigo: ProgramCode
    nombre: Name | None = None
    metas: tuple[GoalInput, ...] = Field(default=(), max_length=MAX_GOALS)
    pnd: tuple[LineCode, ...] = Field(default=(), max_length=MAX_TAGS,
                                      description="las líneas del PND con que se articula el programa")
    iniciativas_departamento: tuple[ProgramCode, ...] = Field(
        default=(), max_length=MAX_TAGS, description="programas del plan del departamento (mismo período)")


class EjeInput(_Input):
    nombre: Name
    programas: tuple[ProgramInput, ...] = Field(min_length=1, max_length=MAX_PROGRAMS)


class StrategicPartInput(_Input):
    ejes: tuple[EjeInput, ...] = Field(min_length=1, max_length=MAX_EJES)

    @model_validator(mode="after")
    def _plan_sized(self) -> "StrategicPartInput":
        programs = [program for eje in self.ejes for program in eje.programas]
        if len(programs) > MAX_PROGRAMS:
            raise ValueError(f"la parte estratégica admite a lo sumo {amount(MAX_PROGRAMS, 'programa')}")
        if sum(len(program.metas) for program in programs) > MAX_GOALS:
            raise ValueError(f"la parte estratégica admite a lo sumo {amount(MAX_GOALS, 'meta')}")
        return self


class InvestmentLine(_Input):
    programa: ProgramCode
    anio: PlanYear
    fuente: str
    valor: Pesos

    @field_validator("fuente", mode="before")
    @classmethod
    def _source_code(cls, value: Any) -> str:
        if not isinstance(value, str) or len(value) > 64:
            raise ValueError(f"debe ser una de {sorted(SOURCES)}")
        code = _SOURCE_ALIASES.get(value.strip().lower(), value.strip().lower())
        if code not in SOURCES:
            raise ValueError(f"fuente '{value}' desconocida; use una de {sorted(SOURCES)}")
        return code


class InvestmentPlanInput(_Input):
    total: Pesos | None = Field(default=None, description="the total the plan document declares, if any")
    lineas: tuple[InvestmentLine, ...] = Field(min_length=1, max_length=MAX_LINES)


def _validated(model: type[BaseModel], data: Any, what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        where, message = describe(exc)
        raise InvalidInput(f"{what}: {where}: {message}.", field=where) from exc


def parse_strategic_part(data: Any) -> StrategicPartInput:
    part = _validated(StrategicPartInput, data, "Parte estratégica")
    seen_programs: set[str] = set()
    seen_goals: set[str] = set()
    for eje in part.ejes:
        for program in eje.programas:
            if program.codigo in seen_programs:
                raise InvalidInput(f"Parte estratégica: el programa {program.codigo} aparece dos veces.", field="programas")
            seen_programs.add(program.codigo)
            for tags, what in ((program.pnd, "la línea del PND"), (program.iniciativas_departamento, "la iniciativa")):
                repeated = sorted({tag for tag in tags if tags.count(tag) > 1})
                if repeated:
                    raise InvalidInput(f"Parte estratégica: el programa {program.codigo} nombra dos veces {what} "
                                       f"{repeated[0]}.", field="programas")
            for goal in program.metas:
                if goal.indicador in seen_goals:
                    raise InvalidInput(f"Parte estratégica: el indicador {goal.indicador} tiene dos metas.", field="metas")
                seen_goals.add(goal.indicador)
                if goal.personalizado and not (goal.tipo and goal.nombre and goal.unidad):
                    raise InvalidInput(f"Parte estratégica: el indicador personalizado {goal.indicador} necesita "
                                       f"tipo, nombre y unidad.", field="metas")
    return part


def check_mga_program(code: str, program_names: Mapping[str, str], what: str, field: str) -> None:
    """Refuse a program code the MGA catalog lacks, saying whether even its sector is unknown."""
    if code in program_names:
        return
    sector = code[:2]
    if any(known.startswith(sector) for known in program_names):
        raise InvalidInput(f"{what}: el programa '{code}' no está en el catálogo de programas MGA del sector {sector}.",
                           field=field)
    raise InvalidInput(f"{what}: el programa '{code}' no está en el catálogo de programas MGA: no existe el sector "
                       f"{sector}.", field=field)


def parse_investment_plan(data: Any, period: int, program_names: Mapping[str, str] | None = None) -> InvestmentPlanInput:
    """`program_names`: the MGA catalog in force (by default the shipped one)."""
    plan = _validated(InvestmentPlanInput, data, "Plan plurianual de inversiones")
    cells: set[tuple[str, int, str]] = set()
    program_names = indicators.mga_program_names() if program_names is None else program_names
    for line in plan.lineas:
        check_investment_line(line, period, program_names)
        key = (line.programa, line.anio, line.fuente)
        if key in cells:
            raise InvalidInput(f"Plan plurianual: la celda programa {key[0]}, año {key[1]}, fuente {key[2]} está "
                               f"repetida.", field="lineas")
        cells.add(key)
    return plan


def check_investment_line(line: InvestmentLine, period: int, program_names: Mapping[str, str]) -> None:
    """A line's program is in the MGA catalog and its year in the plan's period."""
    check_mga_program(line.programa, program_names, "Plan plurianual", "programa")
    if not period <= line.anio <= period + calendar.PERIOD_YEARS - 1:
        raise InvalidInput(f"Plan plurianual: el año {line.anio} está fuera del período {calendar.period_years(period)}.",
                           field="anio")


def parse_data_text(text: str, source: str) -> Any:
    """A YAML or JSON document (JSON is YAML), with a Spanish message when it does not parse."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", línea {mark.line + 1}" if mark else ""
        raise InvalidInput(f"'{source}'{where}: no es YAML ni JSON válido.", field="file") from exc
    except ValueError as exc:  # an integer of more than 4,300 digits, which Python refuses to read
        raise InvalidInput(f"'{source}': contiene un número demasiado grande.", field="file") from exc


def investment_input(text: str, source: str) -> Any:
    """The plan plurianual from a CSV (by its name) or a YAML/JSON document."""
    return investment_lines_from_csv(text) if source.lower().endswith(".csv") else parse_data_text(text, source)


def investment_lines_from_csv(text: str) -> dict[str, Any]:
    """CSV with columns programa,anio,fuente,valor (one cell per line) → the same input as JSON."""
    reader = csv.DictReader(io.StringIO(text))
    expected = ["programa", "anio", "fuente", "valor"]
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != expected:
        raise InvalidInput(f"Plan plurianual (CSV): las columnas deben ser {expected}.", field="file")
    return {"lineas": [{k.strip(): (v or "").strip() for k, v in row.items()} for row in reader]}


def normalized_strategic_part(part: StrategicPartInput, catalog: Mapping[str, IndicatorColumns],
                              program_names: Mapping[str, str], period: int,
                              product_programs: Mapping[str, str] | None = None,
                              known: Articulation = Articulation()) -> dict[str, Any]:
    """The event payload: every meta completed from the catalog, so replay needs no lookups.
    `period`: the plan's, which bounds its baselines' years (BASELINE_YEARS_BEFORE);
    `product_programs`: the program of each MGA product the metas name (codes not in it are unknown);
    `known`: what the programs' PND and department tags may name."""
    ejes = []
    for eje in part.ejes:
        programs = []
        for program in eje.programas:
            check_mga_program(program.codigo, program_names, "Parte estratégica", "programas.codigo")
            for goal in program.metas:
                check_goal(goal, program.codigo, catalog, period, product_programs or {})
            programs.append({"codigo": program.codigo, "nombre": program.nombre or program_names[program.codigo],
                             "metas": [_normalized_goal(goal, catalog) for goal in program.metas],
                             **program_tags(program.codigo, program.pnd, program.iniciativas_departamento, known)})
        ejes.append({"nombre": eje.nombre, "programas": programs})
    return {"ejes": ejes}


def check_goal(goal: GoalInput, program: str, catalog: Mapping[str, IndicatorColumns], period: int,
               product_programs: Mapping[str, str]) -> None:
    """Everything one meta must satisfy against the catalogs and the plan's period (the plan
    indicativo's import judges its rows one by one with it)."""
    _check_baseline_year(goal, period)
    _check_programming(goal, period)
    _check_product(goal, program, catalog.get(goal.indicador), product_programs)
    _check_catalog(goal, catalog.get(goal.indicador))


def _check_programming(goal: GoalInput, period: int) -> None:
    """The yearly goals name years of the plan's period. Nothing ties their values to the
    four-year goal: whether they add up to it depends on whether the indicator accumulates (a
    number of schools built does, a coverage rate does not), which the battery does not say; so
    they are stored as given."""
    outside = sorted(year for year in goal.programacion if not period <= year <= period + calendar.PERIOD_YEARS - 1)
    if outside:
        raise InvalidInput(f"Parte estratégica: la programación del indicador {goal.indicador} tiene el año "
                           f"{outside[0]}, fuera del período {calendar.period_years(period)}.",
                           field="metas.programacion", year=outside[0])


def _check_baseline_year(goal: GoalInput, period: int) -> None:
    year, first = goal.linea_base.anio, period - BASELINE_YEARS_BEFORE
    if year is not None and not first <= year <= period:
        raise InvalidInput(f"Parte estratégica: la línea base del indicador {goal.indicador} es del año {year}; para "
                           f"el período {calendar.period_years(period)} debe ser de {first} a {period}.",
                           field="metas.linea_base.anio")


def _check_product(goal: GoalInput, program: str, known: IndicatorColumns | None,
                   product_programs: Mapping[str, str]) -> None:
    """A meta's product is in the MGA catalog, under the meta's program, and is the product its
    catalog indicator measures (MGA: programa → producto → indicador de producto)."""
    if goal.producto is None:
        return
    where = product_programs.get(goal.producto)
    if where is None:
        raise InvalidInput(f"Parte estratégica: el producto '{goal.producto}' no está en el catálogo MGA.",
                           field="metas.producto")
    if where != program:
        raise InvalidInput(f"Parte estratégica: el producto {goal.producto} es del programa {where}, no del {program}.",
                           field="metas.producto")
    if known is not None and known.product_code not in (None, goal.producto):
        raise InvalidInput(f"Parte estratégica: el indicador {goal.indicador} mide el producto {known.product_code}, "
                           f"no el {goal.producto}.", field="metas.producto")


def _check_catalog(goal: GoalInput, known: IndicatorColumns | None) -> None:
    if known is not None and goal.personalizado:
        raise InvalidInput(f"Parte estratégica: '{goal.indicador}' es un código del catálogo; un indicador propio "
                           f"necesita un código que no esté en él.", field="metas.indicador")
    if known is None and not goal.personalizado:
        raise InvalidInput(f"Parte estratégica: el indicador '{goal.indicador}' no está en el catálogo; si es propio "
                           f"de la entidad, márquelo personalizado: true con tipo, nombre y unidad.", field="metas.indicador")


def _normalized_goal(goal: GoalInput, catalog: Mapping[str, IndicatorColumns]) -> dict[str, Any]:
    """The meta as its event states it; `programacion` only when given (older events lack it)."""
    known = catalog.get(goal.indicador)
    return {
        "indicador": goal.indicador, "personalizado": known is None,
        "tipo": known.kind if known else goal.tipo, "nombre": goal.nombre or (known.name if known else ""),
        "unidad": goal.unidad or (known.unit if known else ""),
        "linea_base": {"valor": goal.linea_base.valor, "anio": goal.linea_base.anio, "fuente": goal.linea_base.fuente},
        "meta_cuatrienio": goal.meta_cuatrienio,
        **({"producto": goal.producto} if goal.producto else {}),
        **({"programacion": {str(year): goal.programacion[year] for year in sorted(goal.programacion)}}
           if goal.programacion else {}),
    }


def investment_payload(plan: InvestmentPlanInput) -> dict[str, Any]:
    return {"total": plan.total, "lineas": [line.model_dump() for line in plan.lineas]}
