"""A deadline says where it stands in one sentence every face shows: days counted from the legal
dates, singular and plural agreed, and whose obligation a term that ran out was."""

from datetime import date

import pytest

from kpt_workflow.law.deadlines import Deadline, Reading
from kpt_workflow.lifecycle.engine import workflow

SPECS = {spec.code: spec for spec in workflow("pdt").definition.deadlines}
DAY = date(2024, 4, 30)


def _deadline(code: str, met_on: date | None = None) -> Deadline:
    return Deadline(SPECS[code], (Reading(DAY, "fin del cuarto mes"),), met_on)


@pytest.mark.parametrize("code, met_on, today, situation, days_late", [
    ("radicacion_corporacion", None, date(2024, 4, 28), "faltan 2 días", None),
    ("radicacion_corporacion", None, date(2024, 4, 29), "falta 1 día", None),
    ("radicacion_corporacion", None, DAY, "vence hoy", None),
    ("radicacion_corporacion", None, date(2024, 5, 1), "vencido hace 1 día", 1),
    ("radicacion_corporacion", date(2024, 4, 30), date(2024, 6, 1), "cumplido el 30 de abril de 2024, a tiempo", None),
    ("radicacion_corporacion", date(2024, 5, 2), date(2024, 6, 1), "cumplido el 2 de mayo de 2024, 2 días tarde", 2),
    ("decision_corporacion", None, date(2024, 5, 3),
     "vencido hace 3 días: término a cargo del concejo o la asamblea, no de la entidad", 3),
    ("concepto_autoridad_ambiental", date(2024, 5, 3), date(2024, 6, 1),
     "cumplido el 3 de mayo de 2024, 3 días tarde: término a cargo de la autoridad ambiental, no de la entidad", 3),
    ("concepto_ctp", None, date(2024, 5, 1),
     "vencido hace 1 día: término a cargo del Consejo Territorial de Planeación, no de la entidad", 1),
])
def test_the_situation_of_a_term(code: str, met_on: date | None, today: date, situation: str,
                                 days_late: int | None) -> None:
    deadline = _deadline(code, met_on)
    shown = deadline.as_status(today, "Radicado")
    assert (shown["situation"], shown["days_late"]) == (situation, days_late)
    assert shown["entity_late"] == (days_late is not None and SPECS[code].duty_of == "entidad")


def test_every_pdt_deadline_says_whose_obligation_it_is() -> None:
    assert {code: spec.duty_of for code, spec in SPECS.items()} == {
        "radicacion_ctp": "entidad", "concepto_ctp": "ctp", "concepto_autoridad_ambiental": "autoridad_ambiental",
        "diagnostico_infancia": "entidad", "radicacion_corporacion": "entidad", "decision_corporacion": "corporacion"}
