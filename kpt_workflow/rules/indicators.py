"""Rules on the parte estratégica and its indicators (the homogeneous battery)."""

from kpt_workflow.law.facts import GoalFact, PlanFacts
from kpt_workflow.rules.registry import Verdict, rule
from kpt_workflow.base.figures import amount

FAMILY = "indicadores"
BASIS = "Ley 152 de 1994, art. 31; Kit de Planeación Territorial (DNP), batería de indicadores"


def _listed(items: list[str], limit: int = 6) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" y {len(items) - limit} más" if len(items) > limit else "")


def no_goals(facts: PlanFacts) -> Verdict | None:
    """A rule over the goals never passes over none: with no goal there is nothing it checked."""
    if any(p.goals for p in facts.programs):
        return None
    return Verdict(False, "La parte estratégica no tiene metas con indicadores: no hay nada que revisar aún.",
                   "Registre la parte estratégica con sus programas, metas e indicadores.")


@rule("parte_estrategica_registrada", label="Parte estratégica registrada", family=FAMILY, basis="Ley 152 de 1994, art. 31", reads_strategy=True)
def parte_estrategica_registrada(facts: PlanFacts) -> Verdict:
    if not facts.programs:
        return Verdict(False, "La parte estratégica no tiene ejes ni programas registrados.",
                       "Registre la parte estratégica: ejes, programas y metas con sus indicadores.")
    if (empty := no_goals(facts)) is not None:
        return empty
    goals = sum(len(p.goals) for p in facts.programs)
    return Verdict(True, f"Parte estratégica: {amount(len(facts.programs), 'programa')}, {amount(goals, 'meta')}.")


@rule("programas_con_indicadores", label="Cada programa con indicadores", family=FAMILY, basis=BASIS, reads_strategy=True)
def programas_con_indicadores(facts: PlanFacts) -> Verdict:
    """Each program needs at least one outcome and one product indicator."""
    if (empty := no_goals(facts)) is not None:
        return empty
    lacking = [f"{p.code} (sin {' ni '.join(k for k in ('resultado', 'producto') if k not in {g.kind for g in p.goals})})"
               for p in facts.programs if {"resultado", "producto"} - {g.kind for g in p.goals}]
    if lacking:
        return Verdict(False, f"Programas sin indicador de resultado o de producto: {_listed(lacking)}.",
                       "Agregue a cada programa al menos un indicador de resultado y uno de producto.")
    return Verdict(True, "Cada programa tiene indicadores de resultado y de producto.")


def _baseline_gaps(goal: GoalFact, period: int) -> list[str]:
    gaps = []
    if goal.baseline_value is None:
        gaps.append("valor de línea base")
    if goal.baseline_year is None or goal.baseline_year > period:
        gaps.append(f"año de línea base ≤ {period}")
    if not (goal.baseline_source or "").strip():
        gaps.append("fuente de la línea base")
    if goal.meta_cuatrienio is None:
        gaps.append("meta cuatrienio")
    return gaps


@rule("indicadores_con_linea_base_y_meta", label="Indicadores con línea base y meta", family=FAMILY, basis=BASIS, reads_strategy=True)
def indicadores_con_linea_base_y_meta(facts: PlanFacts) -> Verdict:
    """Each indicator needs a baseline (value, year no later than the period's start, source) and a goal."""
    if (empty := no_goals(facts)) is not None:
        return empty
    lacking = [f"{g.indicator_code} ({', '.join(gaps)})" for p in facts.programs for g in p.goals
               if (gaps := _baseline_gaps(g, facts.period))]
    if lacking:
        return Verdict(False, f"Indicadores incompletos: {_listed(lacking, 4)}.",
                       "Complete la línea base (valor, año y fuente) y la meta cuatrienio de cada indicador.")
    return Verdict(True, "Todos los indicadores tienen línea base y meta cuatrienio.")


@rule("unidades_del_catalogo", label="Unidades de medida del catálogo", family=FAMILY, basis=BASIS, reads_strategy=True)
def unidades_del_catalogo(facts: PlanFacts) -> Verdict:
    """A catalog indicator is measured in the catalog's unit, or its series are not comparable."""
    if (empty := no_goals(facts)) is not None:
        return empty
    wrong = [f"{g.indicator_code} ('{g.unit}' en vez de '{g.catalog_unit}')" for p in facts.programs for g in p.goals
             if not g.custom and g.catalog_unit is not None and g.unit != g.catalog_unit]
    if wrong:
        return Verdict(False, f"Unidades distintas de las del catálogo: {_listed(wrong, 4)}.",
                       "Use la unidad del catálogo, o registre un indicador propio (personalizado, con un código "
                       "fuera del catálogo) con su unidad.")
    return Verdict(True, "Las unidades coinciden con el catálogo de indicadores.")
