"""Rules on the council's outcomes (Ley 152 de 1994, art. 40): each decision's act belongs to the
current round, a change by the council needs the executive's prior written acceptance, and a
denial opens the decree (Consejo de Estado, Sala de Consulta, Concepto 2127 de 2013).

A round starts with the current filing before the council (`radicado_corporacion`): after a
return for adjustments and a new filing, the acts of the earlier round never count again.
"""

from datetime import date

from kpt_workflow.law.calendar import written_date
from kpt_workflow.base.words import EITHER_KIND
from kpt_workflow.law.facts import PlanFacts
from kpt_workflow.reference.document_types import load_catalog
from kpt_workflow.rules.registry import Verdict, register, rule

FAMILY = "corporacion"
FILING = "radicado_corporacion"
COUNCIL_ACTS = ("acto_aprobacion", "acta_sesion_devolucion", "acto_negacion")
"""The acts a council decision files (the definition's `decision.files`)."""
ACCEPTANCE = "aceptacion_modificaciones"
DENIAL, DECREE = "acto_negacion", "decreto_adopcion"
ART_40 = "Ley 152 de 1994, art. 40"
ACCEPTANCE_BASIS = (f"{ART_40}: «Toda modificación que pretenda introducir la asamblea o concejo […] debe contar "
                    f"con la aceptación previa y por escrito del gobernador o alcalde»")
CONCEPT_2127 = "Consejo de Estado, Sala de Consulta, Concepto 2127 de 2013"
DECREE_AFTER_DENIAL = (
    "el sistema aplica la lectura de la Sala de Consulta del Consejo de Estado (Concepto 2127 de 2013): tras la "
    "negativa, como tras el mes sin decisión, el {ejecutivo} puede adoptar el plan por decreto")
"""What the decree after a denial rests on, said wherever it shows (the rule, the history)."""


def round_start(facts: PlanFacts) -> date | None:
    """The legal date of the current filing before the council: the day its round (and its month)
    began."""
    filing = facts.filed(FILING)
    return filing.legal_date if filing is not None else None


def _label(facts: PlanFacts, doc_type: str) -> str:
    return load_catalog().get(doc_type).label_for(facts.entity_kind)


def _act_of_this_round(doc_type: str):  # type: ignore[no-untyped-def]
    def check(facts: PlanFacts) -> Verdict:
        """The act is filed, numbered, and dated within the current round: an act of an earlier
        round (a return, a refused approval) never decides the draft filed since."""
        label, act, start = _label(facts, doc_type), facts.filed(doc_type), round_start(facts)
        if act is None:
            return Verdict(False, f"Falta: {label}.", f"Registre la decisión con su acto: «{label}», número y fecha.")
        if not act.number:
            return Verdict(False, f"{label}: la versión {act.version} no indica su número.",
                           f"Registre de nuevo la decisión con el número de «{label}».")
        if start is not None and act.legal_date is not None and act.legal_date < start:
            return Verdict(False, f"{label} ({written_date(act.legal_date)}, n.º {act.number}) es de una ronda anterior: el proyecto "
                                  f"vigente se radicó ante {facts.words['la_corporacion']} el {written_date(start)}.",
                           f"Registre la decisión sobre el proyecto radicado el {written_date(start)}, con su acto de esa fecha o "
                           f"posterior.")
        return Verdict(True, f"{label}: n.º {act.number} del {written_date(act.legal_date)}.")

    return check


def act_rule_name(doc_type: str) -> str:
    return f"{doc_type}_de_esta_ronda"


for _act in COUNCIL_ACTS:
    register(act_rule_name(_act), f"{load_catalog().get(_act).label_for(EITHER_KIND)}, de esta ronda", FAMILY,
             load_catalog().get(_act).basis, _act_of_this_round(_act),
             documents=(_act,))


@rule("aceptacion_previa_modificaciones", label="Aceptación previa y por escrito de las modificaciones", family=FAMILY, basis=ACCEPTANCE_BASIS,
      documents=(ACCEPTANCE, "acto_aprobacion"))
def aceptacion_previa_modificaciones(facts: PlanFacts) -> Verdict:
    """The executive's written acceptance of the council's changes, filed in this round and dated
    on or before the act that approves them ("previa": before the approval takes effect)."""
    w = facts.words
    label, acceptance, start = _label(facts, ACCEPTANCE), facts.filed(ACCEPTANCE), round_start(facts)
    approval = facts.filed("acto_aprobacion")
    if acceptance is None or acceptance.legal_date is None:
        return Verdict(False, f"Falta la aceptación previa y por escrito del {w['ejecutivo']} de las modificaciones "
                              f"{w['de_la_corporacion']}: sin ella la aprobación con modificaciones no procede.",
                       f"La oficina de planeación radica «{label}» con su fecha, anterior o igual a la del acto "
                       f"que aprueba el plan ({w['acto']}).")
    if start is not None and acceptance.legal_date < start:
        return Verdict(False, f"La aceptación del {w['ejecutivo']} ({written_date(acceptance.legal_date)}) es anterior al radicado "
                              f"vigente ante {w['la_corporacion']} ({written_date(start)}): no acepta las modificaciones de esta ronda.",
                       f"Radique la aceptación de las modificaciones al proyecto radicado el {written_date(start)}.")
    if approval is not None and approval.legal_date is not None and acceptance.legal_date > approval.legal_date:
        return Verdict(False, f"La aceptación del {w['ejecutivo']} ({written_date(acceptance.legal_date)}) es posterior al acto que "
                              f"aprueba el plan ({w['acto']} del {written_date(approval.legal_date)}): la ley la exige previa.",
                       f"Solo vale una aceptación fechada el {written_date(approval.legal_date)} o antes; si la hubo, radíquela "
                       f"con su fecha.")
    return Verdict(True, f"El {w['ejecutivo']} aceptó por escrito las modificaciones {w['de_la_corporacion']} el "
                         f"{written_date(acceptance.legal_date)}, antes de la aprobación.")


@rule("decreto_tras_negativa", label="Decreto de adopción posterior a la negativa", family=FAMILY, basis=f"{ART_40}; {CONCEPT_2127}", documents=(DENIAL, DECREE))
def decreto_tras_negativa(facts: PlanFacts) -> Verdict:
    """After a denial the executive may adopt by decree (Concepto 2127 de 2013, which reads a denial
    as art. 40 reads the council's silence). The reading applied here: the decree need not wait
    for the council's month, because the month is the council's time to decide and it has
    decided; the decree must only be dated on or after the act that denied the draft (a decree
    before the denial would adopt a plan the council was still debating)."""
    w = facts.words
    denial, decree = facts.filed(DENIAL), facts.filed(DECREE)
    if denial is None or denial.legal_date is None:
        return Verdict(False, f"No consta el acto con que {w['la_corporacion']} negó o archivó el proyecto.",
                       f"Registre la negativa {w['de_la_corporacion']} con su acto, número y fecha.")
    reading = DECREE_AFTER_DENIAL.format(ejecutivo=w["ejecutivo"])
    if decree is not None and decree.legal_date is not None and decree.legal_date < denial.legal_date:
        return Verdict(False, f"El decreto de adopción está fechado el {written_date(decree.legal_date)}, antes del acto que negó el "
                              f"proyecto ({written_date(denial.legal_date)}): {reading} solo después de la negativa.",
                       f"Expida y radique el decreto con fecha igual o posterior al {written_date(denial.legal_date)}.")
    return Verdict(True, f"{w['la_corporacion'].capitalize()} negó o archivó el proyecto (n.º {denial.number} del "
                         f"{written_date(denial.legal_date)}): {reading}, sin esperar el mes, porque la corporación ya decidió.")
