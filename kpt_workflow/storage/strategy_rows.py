"""The projection rows of a recorded parte estratégica and investment plan, from their events'
payloads: what the service writes, replay rebuilds and time travel reads back."""

from decimal import Decimal
from typing import Any

from kpt_workflow.storage.tables import PlanGoal, PlanGoalYear, PlanInvestment, PlanProgram


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


StrategicRows = tuple[list[PlanProgram], list[PlanGoal], list[PlanGoalYear]]


def strategic_rows(plan_id: str, payload: dict[str, Any]) -> StrategicRows:
    """The projection rows of a recorded parte estratégica (used by the service and by replay):
    its programs, its metas and their yearly goals (recorded since the plan indicativo, 0017)."""
    programs: list[PlanProgram] = []
    goals: list[PlanGoal] = []
    years: list[PlanGoalYear] = []
    for eje in payload["ejes"]:
        for program in eje["programas"]:
            programs.append(PlanProgram(plan_id=plan_id, program_code=program["codigo"], program_name=program["nombre"],
                                        eje=eje["nombre"], position=len(programs)))
            goals += [PlanGoal(
                plan_id=plan_id, indicator_code=g["indicador"], program_code=program["codigo"], kind=g["tipo"],
                name=g["nombre"], unit=g["unidad"], custom=g["personalizado"],
                baseline_value=_decimal(g["linea_base"]["valor"]), baseline_year=g["linea_base"]["anio"],
                baseline_source=g["linea_base"]["fuente"], meta_cuatrienio=_decimal(g["meta_cuatrienio"]),
                product_code=g.get("producto"),  # recorded since the products bank (migration 0016)
            ) for g in program["metas"]]
            years += [PlanGoalYear(plan_id=plan_id, indicator_code=g["indicador"], year=int(year), value=Decimal(str(value)))
                      for g in program["metas"] for year, value in g.get("programacion", {}).items()]
    return programs, goals, years


def investment_rows(plan_id: str, payload: dict[str, Any]) -> list[PlanInvestment]:
    return [PlanInvestment(plan_id=plan_id, program_code=line["programa"], year=line["anio"], source=line["fuente"],
                           amount=line["valor"]) for line in payload["lineas"]]
