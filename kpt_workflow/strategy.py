"""Input of the parte estratégica (ejes → programas → metas) and of the plan plurianual de
inversiones: parsed and checked for form here; completeness is for the rules to judge."""

import csv
import io
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kpt_workflow.errors import InvalidInput
from kpt_workflow.validation import describe
from kpt_workflow.models import Indicator, PlanGoal, PlanInvestment, PlanProgram

SOURCES = {
    "sgp": "Sistema General de Participaciones", "sgr": "Sistema General de Regalías",
    "recursos_propios": "Recursos propios", "credito": "Crédito", "cofinanciacion": "Cofinanciación", "otros": "Otros",
}
_SOURCE_ALIASES = {"recursos propios": "recursos_propios", "crédito": "credito", "cofinanciación": "cofinanciacion",
                   **{name.lower(): code for code, name in SOURCES.items()}}


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Baseline(_Input):
    valor: Decimal | None = None
    anio: int | None = None
    fuente: str | None = None


class GoalInput(_Input):
    indicador: str = Field(min_length=1)
    personalizado: bool = False
    tipo: Literal["resultado", "producto"] | None = None
    nombre: str | None = None
    unidad: str | None = None
    linea_base: Baseline = Baseline()
    meta_cuatrienio: Decimal | None = None


class ProgramInput(_Input):
    codigo: str = Field(min_length=1)
    nombre: str | None = None
    metas: tuple[GoalInput, ...] = ()


class EjeInput(_Input):
    nombre: str = Field(min_length=1)
    programas: tuple[ProgramInput, ...] = Field(min_length=1)


class StrategicPartInput(_Input):
    ejes: tuple[EjeInput, ...] = Field(min_length=1)


class InvestmentLine(_Input):
    programa: str = Field(min_length=1)
    anio: int
    fuente: str
    valor: int = Field(ge=0, description="whole pesos")

    @field_validator("fuente", mode="before")
    @classmethod
    def _source_code(cls, value: Any) -> str:
        code = _SOURCE_ALIASES.get(str(value).strip().lower(), str(value).strip().lower())
        if code not in SOURCES:
            raise ValueError(f"fuente '{value}' desconocida; use una de {sorted(SOURCES)}")
        return code

    @field_validator("valor", mode="before")
    @classmethod
    def _whole_pesos(cls, value: Any) -> int:
        """Money is exact: floats are refused, decimals must be whole pesos."""
        if isinstance(value, float):
            raise ValueError("escriba el valor en pesos enteros, sin decimales de punto flotante")
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"'{value}' no es un valor en pesos") from None
        if amount != amount.to_integral_value():
            raise ValueError(f"{value}: los valores van en pesos enteros")
        return int(amount)


class InvestmentPlanInput(_Input):
    total: int | None = Field(default=None, ge=0, description="the total the plan document declares, if any")
    lineas: tuple[InvestmentLine, ...] = Field(min_length=1)


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
            for goal in program.metas:
                if goal.indicador in seen_goals:
                    raise InvalidInput(f"Parte estratégica: el indicador {goal.indicador} tiene dos metas.", field="metas")
                seen_goals.add(goal.indicador)
                if goal.personalizado and not (goal.tipo and goal.nombre and goal.unidad):
                    raise InvalidInput(f"Parte estratégica: el indicador personalizado {goal.indicador} necesita "
                                       f"tipo, nombre y unidad.", field="metas")
    return part


def parse_investment_plan(data: Any, period: int) -> InvestmentPlanInput:
    plan = _validated(InvestmentPlanInput, data, "Plan plurianual de inversiones")
    cells: set[tuple[str, int, str]] = set()
    for line in plan.lineas:
        if not period <= line.anio <= period + 3:
            raise InvalidInput(f"Plan plurianual: el año {line.anio} está fuera del período {period}–{period + 3}.",
                               field="anio")
        key = (line.programa, line.anio, line.fuente)
        if key in cells:
            raise InvalidInput(f"Plan plurianual: la celda programa {key[0]}, año {key[1]}, fuente {key[2]} está "
                               f"repetida.", field="lineas")
        cells.add(key)
    return plan


def parse_data_text(text: str, source: str) -> Any:
    """A YAML or JSON document (JSON is YAML), with a Spanish message when it does not parse."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", línea {mark.line + 1}" if mark else ""
        raise InvalidInput(f"'{source}'{where}: no es YAML ni JSON válido.", field="file") from exc


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


def normalized_strategic_part(part: StrategicPartInput, catalog: dict[str, Indicator],
                              program_names: dict[str, str]) -> dict[str, Any]:
    """The event payload: every meta completed from the catalog, so replay needs no lookups."""
    ejes = []
    for eje in part.ejes:
        programs = []
        for program in eje.programas:
            if program.codigo not in program_names:
                raise InvalidInput(f"Parte estratégica: el programa '{program.codigo}' no está en el catálogo de "
                                   f"programas MGA.", field="programas.codigo")
            programs.append({"codigo": program.codigo, "nombre": program.nombre or program_names[program.codigo],
                             "metas": [_normalized_goal(goal, catalog) for goal in program.metas]})
        ejes.append({"nombre": eje.nombre, "programas": programs})
    return {"ejes": ejes}


def _normalized_goal(goal: GoalInput, catalog: dict[str, Indicator]) -> dict[str, Any]:
    known = catalog.get(goal.indicador)
    if known is not None and goal.personalizado:
        raise InvalidInput(f"Parte estratégica: '{goal.indicador}' es un código del catálogo; un indicador propio "
                           f"necesita un código que no esté en él.", field="metas.indicador")
    if known is None and not goal.personalizado:
        raise InvalidInput(f"Parte estratégica: el indicador '{goal.indicador}' no está en el catálogo; si es propio "
                           f"de la entidad, márquelo personalizado: true con tipo, nombre y unidad.", field="metas.indicador")
    return {
        "indicador": goal.indicador, "personalizado": known is None,
        "tipo": known.kind if known else goal.tipo, "nombre": goal.nombre or (known.name if known else ""),
        "unidad": goal.unidad or (known.unit if known else ""),
        "linea_base": {"valor": goal.linea_base.valor, "anio": goal.linea_base.anio, "fuente": goal.linea_base.fuente},
        "meta_cuatrienio": goal.meta_cuatrienio,
    }


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def strategic_rows(plan_id: str, payload: dict[str, Any]) -> tuple[list[PlanProgram], list[PlanGoal]]:
    """The projection rows of a recorded parte estratégica (used by the service and by replay)."""
    programs, goals = [], []
    for eje in payload["ejes"]:
        for program in eje["programas"]:
            programs.append(PlanProgram(plan_id=plan_id, program_code=program["codigo"], program_name=program["nombre"],
                                        eje=eje["nombre"], position=len(programs)))
            goals += [PlanGoal(
                plan_id=plan_id, indicator_code=g["indicador"], program_code=program["codigo"], kind=g["tipo"],
                name=g["nombre"], unit=g["unidad"], custom=g["personalizado"],
                baseline_value=_decimal(g["linea_base"]["valor"]), baseline_year=g["linea_base"]["anio"],
                baseline_source=g["linea_base"]["fuente"], meta_cuatrienio=_decimal(g["meta_cuatrienio"]),
            ) for g in program["metas"]]
    return programs, goals


def investment_payload(plan: InvestmentPlanInput) -> dict[str, Any]:
    return {"total": plan.total, "lineas": [line.model_dump() for line in plan.lineas]}


def investment_rows(plan_id: str, payload: dict[str, Any]) -> list[PlanInvestment]:
    return [PlanInvestment(plan_id=plan_id, program_code=line["programa"], year=line["anio"], source=line["fuente"],
                           amount=line["valor"]) for line in payload["lineas"]]
