"""Rules on the plan plurianual de inversiones (program × year × source, whole pesos)."""

from kpt_workflow.law.facts import PlanFacts
from kpt_workflow.rules.indicators import no_goals
from kpt_workflow.rules.registry import Verdict, rule

FAMILY = "inversiones"


def no_investment(facts: PlanFacts) -> Verdict | None:
    """A rule over the investment plan never passes over none, nor over lines that add up to $0."""
    if not facts.investments:
        return Verdict(False, "No hay plan plurianual de inversiones registrado.",
                       "Registre el plan plurianual por programa, año y fuente.")
    if sum(line.amount for line in facts.investments) == 0:
        return Verdict(False, "El plan plurianual de inversiones suma $0: no financia ningún programa.",
                       "Registre los valores del plan plurianual por programa, año y fuente.")
    return None


@rule("programas_con_recursos", label="Cada programa con recursos", family=FAMILY, basis="Ley 152 de 1994, art. 31", reads_strategy=True)
def programas_con_recursos(facts: PlanFacts) -> Verdict:
    """Every program with goals must have resources in the investment plan."""
    if (empty := no_goals(facts) or no_investment(facts)) is not None:
        return empty
    funded = {line.program_code for line in facts.investments if line.amount > 0}
    unfunded = [p.code for p in facts.programs if p.goals and p.code not in funded]
    if unfunded:
        return Verdict(False, f"Programas con metas y sin recursos: {', '.join(unfunded)}.",
                       "Asigne recursos a cada programa con metas en el plan plurianual.")
    with_goals = [p.code for p in facts.programs if p.goals]
    count = len(with_goals)
    return Verdict(True, "El programa con metas tiene recursos." if count == 1 else f"Los {count} programas con metas tienen recursos.")


@rule("inversiones_consistentes", label="Plan de inversiones consistente", family=FAMILY, basis="Ley 152 de 1994, art. 31; Decreto 111 de 1996", reads_strategy=True)
def inversiones_consistentes(facts: PlanFacts) -> Verdict:
    """Lines name programs of the parte estratégica and add up to the total the plan declares."""
    if (empty := no_investment(facts)) is not None:
        return empty
    programs = {p.code for p in facts.programs}
    strays = sorted({line.program_code for line in facts.investments} - programs)
    total = sum(line.amount for line in facts.investments)
    problems = []
    if strays:
        problems.append(f"programas que no están en la parte estratégica: {', '.join(strays)}")
    if facts.declared_investment_total is not None and facts.declared_investment_total != total:
        problems.append(f"el total declarado (${facts.declared_investment_total:,}) no es la suma de las líneas "
                        f"(${total:,})".replace(",", "."))
    if problems:
        return Verdict(False, "Plan plurianual inconsistente: " + "; ".join(problems) + ".",
                       "Corrija las líneas o el total declarado para que coincidan con la parte estratégica.")
    return Verdict(True, f"Plan plurianual consistente: total ${total:,}.".replace(",", "."))


@rule("capitulo_sgr_si_hay_regalias", label="Capítulo del SGR si hay regalías", family=FAMILY, basis="Ley 2056 de 2020, art. 30", reads_strategy=True,
      documents=("capitulo_sgr",))
def capitulo_sgr_si_hay_regalias(facts: PlanFacts) -> Verdict:
    """Royalty-funded investment needs the independent chapter 'Inversiones con cargo al SGR'."""
    if (empty := no_investment(facts)) is not None:
        return empty
    sgr = sum(line.amount for line in facts.investments if line.source == "sgr")
    if sgr == 0:
        return Verdict(True, "El plan no prevé inversiones con recursos del SGR.")
    if facts.filed("capitulo_sgr") is None:
        return Verdict(False, f"El plan prevé ${sgr:,} del SGR y no tiene el capítulo independiente "
                              f"'Inversiones con cargo al SGR'.".replace(",", "."),
                       "Radique el capítulo independiente «Inversiones con cargo al SGR» del plan.")
    return Verdict(True, f"Capítulo SGR radicado para ${sgr:,} de regalías.".replace(",", "."))
