"""Open data: one row per plan (its entity, state, legal terms and lateness), as CSV and JSON with
the same columns, and the dictionary that describes each column.

The columns are declared once (`columns`): the plan's own, then three per legal term declared by
the workflows (the default one's first), so a new term in a definition adds its columns and their
description without code. A plan's terms are its status's own (`reports.plan_terms`). Never a
user, a document's note or a draft: only what the public page shows of each plan."""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from kpt_workflow.base.words import DUTY_HOLDERS
from kpt_workflow.law import calendar
from kpt_workflow.lifecycle.engine import newest_workflows
from kpt_workflow.reports.plan_terms import PlanTerms
from kpt_workflow.reports.report_export import table_csv

TEXT, WHOLE, DAY, YES_NO = "texto", "entero", "fecha (AAAA-MM-DD)", "sí/no (JSON: true/false)"
DICTIONARY_PATH = "/datos-abiertos/diccionario.json"
TITLE = "Planes de Desarrollo Territorial: estado, plazos y retrasos"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str
    description: str


_PLAN_COLUMNS = (
    Column("plan", "Plan", TEXT, "Identificador del plan: código DIVIPOLA y año de inicio del período (y el nombre "
                                 "del trámite, si no es el Plan de Desarrollo Territorial)."),
    Column("codigo_divipola", "Código DIVIPOLA", TEXT, "Código de la entidad territorial en la DIVIPOLA del DANE "
                                                       "(diciembre de 2023): 2 dígitos un departamento, 5 un municipio o distrito."),
    Column("entidad", "Entidad territorial", TEXT, "Nombre de la entidad en la DIVIPOLA."),
    Column("tipo_entidad", "Tipo de entidad", TEXT, "departamento o municipio (los distritos, Bogotá D.C. incluida, "
                                                    "son municipios en la DIVIPOLA)."),
    Column("codigo_departamento", "Código del departamento", TEXT, "Los 2 primeros dígitos del código DIVIPOLA."),
    Column("departamento", "Departamento", TEXT, "Nombre del departamento en la DIVIPOLA."),
    Column("periodo", "Período de gobierno", TEXT, "Años del período constitucional de cuatro años, desde el 1 de "
                                                   "enero del primero (p. ej. 2024–2027)."),
    Column("tramite", "Trámite", TEXT, "El flujo que sigue el plan (el Plan de Desarrollo Territorial, Ley 152 de 1994, "
                                       "u otro declarado)."),
    Column("estado", "Código del estado", TEXT, "Código estable del estado del plan en la definición de su trámite."),
    Column("estado_nombre", "Estado", TEXT, "El estado del plan en palabras."),
    Column("en_estado_desde", "En el estado desde", DAY, "Fecha legal del acto que llevó el plan a su estado."),
    Column("terminado", "Trámite terminado", YES_NO, "sí cuando el plan llegó a un estado final (aprobado o "
                                                     "adoptado por decreto)."),
    Column("plazos_vencidos_entidad", "Plazos vencidos a cargo de la entidad", WHOLE,
           "Cuántos plazos a cargo de la propia entidad se vencieron a la fecha de corte: cumplidos tarde o sin cumplir. "
           "Los plazos a cargo del CTP, la autoridad ambiental o la corporación no cuentan como retraso de la entidad."),
    Column("max_dias_retraso_entidad", "Mayor retraso de la entidad (días)", WHOLE,
           "Los días calendario del mayor de esos retrasos; vacío si no hay ninguno."),
)
_CUT_COLUMNS = (
    Column("fecha_corte", "Fecha de corte", DAY, "Día al que se cuentan los plazos y los retrasos (hoy, en Colombia)."),
    Column("datos_sinteticos", "Datos sintéticos", YES_NO, "sí cuando la base contiene la demostración SINTÉTICA: "
                                                           "ningún documento, fecha ni número corresponde a una entidad real."),
)
_TERM_PARTS = (("fecha_limite", "fecha límite", DAY), ("cumplido_el", "cumplido el", DAY),
               ("dias_retraso", "días de retraso", WHOLE))


def _term_specs() -> dict[str, Any]:
    """Every legal term the newest workflows declare, by code, the default workflow's first."""
    flows = sorted(newest_workflows(), key=lambda f: not f.definition.default)
    specs: dict[str, Any] = {}
    for flow in flows:
        for spec in flow.definition.deadlines:
            specs.setdefault(spec.code, spec)
    return specs


def columns() -> list[Column]:
    """Every column of the files, in order, with what it holds."""
    found = list(_PLAN_COLUMNS)
    for code, spec in _term_specs().items():
        whose = DUTY_HOLDERS[spec.duty_of].of
        found += [
            Column(f"{code}_fecha_limite", f"{spec.label}: fecha límite", DAY,
                   f"Último día del plazo ({spec.basis}; a cargo {whose}), contado con el calendario colombiano y "
                   "prorrogado al siguiente día hábil; vacío mientras no corre (falta el acto desde el que se cuenta)."),
            Column(f"{code}_cumplido_el", f"{spec.label}: cumplido el", DAY,
                   "Fecha legal del acto que cumplió el plazo; vacío si no se ha cumplido."),
            Column(f"{code}_dias_retraso", f"{spec.label}: días de retraso", WHOLE,
                   "Días calendario después de la fecha límite: hasta el acto que lo cumplió, o hasta la fecha de "
                   "corte si sigue sin cumplir; vacío si no hay retraso."),
        ]
    return found + list(_CUT_COLUMNS)


def dictionary() -> dict[str, Any]:
    """The data dictionary, as /datos-abiertos/diccionario.json serves it."""
    return {"titulo": TITLE,
            "descripcion": "Una fila por plan. Los plazos se cuentan con la Ley 152 de 1994 y la Ley 4 de 1913 "
                           "sobre el calendario colombiano (festivos incluidos), como los muestra cada plan.",
            "formatos": {"csv": "UTF-8 con BOM, separado por comas, encabezados con el nombre de cada columna; "
                                "sí/no en las columnas de sí o no; vacío donde no hay dato",
                         "json": "objeto con metadatos y la lista 'planes', cada plan con las mismas claves; "
                                 "true/false y null donde no hay dato"},
            "columnas": [{"nombre": c.key, "etiqueta": c.label, "tipo": c.kind, "descripcion": c.description}
                         for c in columns()]}


def plan_row(terms: PlanTerms, synthetic: bool, codes: Iterable[str]) -> dict[str, Any]:
    """One plan's row, values as JSON gives them (dates ISO, numbers, booleans, null); `codes`:
    the terms that have columns (`columns`)."""
    plan, by_code = terms.plan, {d["code"]: d for d in terms.deadlines}
    late = [d["days_late"] for d in terms.deadlines if d["entity_late"]]
    row: dict[str, Any] = {
        "plan": plan.id, "codigo_divipola": plan.entity_code, "entidad": plan.entity_name, "tipo_entidad": plan.entity_kind,
        "codigo_departamento": plan.department_code, "departamento": plan.department_name,
        "periodo": calendar.period_years(plan.period), "tramite": terms.workflow_title, "estado": plan.state,
        "estado_nombre": terms.state_label, "en_estado_desde": plan.state_entered_on.isoformat(),
        "terminado": terms.terminal, "plazos_vencidos_entidad": len(late), "max_dias_retraso_entidad": max(late, default=None),
    }
    for code in codes:
        term = by_code.get(code, {})
        row.update({f"{code}_fecha_limite": term.get("date"), f"{code}_cumplido_el": term.get("met_on"),
                    f"{code}_dias_retraso": term.get("days_late")})
    return {**row, "fecha_corte": terms.day.isoformat(), "datos_sinteticos": synthetic}


def rows_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as the project's CSV (`report_export.table_csv`): sí/no for booleans, empty for none."""
    keys = [c.key for c in columns()]
    return table_csv(keys, ([_cell(row[key]) for key in keys] for row in rows))


def rows_json(rows: Sequence[dict[str, Any]], cut: date, synthetic: bool) -> str:
    return json.dumps({"metadatos": {"titulo": TITLE, "fecha_corte": cut.isoformat(),
                                     "planes": len(rows), "datos_sinteticos": synthetic,
                                     "diccionario": DICTIONARY_PATH},
                       "planes": list(rows)}, ensure_ascii=False, separators=(",", ":"))


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "sí" if value else "no"
    return "" if value is None else value


def plan_rows(plans: Iterable[PlanTerms], synthetic: bool) -> list[dict[str, Any]]:
    codes = list(_term_specs())
    return [plan_row(terms, synthetic, codes) for terms in plans]
