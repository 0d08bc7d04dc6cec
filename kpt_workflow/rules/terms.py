"""Rules on legal terms: steps the law opens when a body stays silent past its term.

A permission that opens when a term runs out opens only after the LATER of the legal readings
of that term (DOMAIN.md): an act issued one day early could be annulled.
"""

from kpt_workflow.law.calendar import written_date
from kpt_workflow.law.facts import PlanFacts
from kpt_workflow.reference.document_types import document_label
from kpt_workflow.rules.registry import Verdict, rule

FAMILY = "plazos"


def _concept_or_silence(facts: PlanFacts, *, body: str, of_body: str, concept: str, filing: str,
                        deadline: str) -> Verdict:
    """Shared by the CTP and the environmental authority: the concept, or its term elapsed."""
    received = facts.filed(concept)
    if received is not None:
        return Verdict(True, f"Concepto {of_body} radicado ({written_date(received.legal_date)}).")
    term = facts.deadlines[deadline]
    if term.latest is None:
        return Verdict(False, f"El proyecto no consta radicado ante {body}; su término no ha empezado.",
                       f"Radique «{document_label(filing, facts.entity_kind)}» con la fecha en que {body} recibió el proyecto.")
    if facts.today > term.latest:
        return Verdict(True, f"{body[0].upper()}{body[1:]} no se pronunció en su término: el requisito se "
                             f"entiende surtido desde el {written_date(term.latest)}.")
    return Verdict(False, f"{body[0].upper()}{body[1:]} aún está en su término (hasta el {written_date(term.latest)}) y no hay concepto.",
                   f"Radique «{document_label(concept, facts.entity_kind)}» cuando llegue, o espere a que venza el término (después del {written_date(term.latest)}).")


@rule("concepto_ctp_o_silencio", label="Concepto del CTP o su término vencido", family=FAMILY, basis="Ley 152 de 1994, art. 39", deadlines=("concepto_ctp",),
      documents=("concepto_ctp",))
def concepto_ctp_o_silencio(facts: PlanFacts) -> Verdict:
    return _concept_or_silence(facts, body="el Consejo Territorial de Planeación",
                               of_body="del Consejo Territorial de Planeación", concept="concepto_ctp",
                               filing="radicado_ctp", deadline="concepto_ctp")


@rule("concepto_ambiental_o_silencio", label="Concepto de la autoridad ambiental o su término vencido", family=FAMILY,
      basis="Decreto 1865 de 1994, art. 3 (Decreto 1076 de 2015, art. 2.2.8.6A.1.2)",
      deadlines=("concepto_autoridad_ambiental",), documents=("concepto_autoridad_ambiental",))
def concepto_ambiental_o_silencio(facts: PlanFacts) -> Verdict:
    """The environmental concept is not binding: only its existence or its term matters."""
    return _concept_or_silence(facts, body="la autoridad ambiental", of_body="de la autoridad ambiental",
                               concept="concepto_autoridad_ambiental",
                               filing="radicado_autoridad_ambiental", deadline="concepto_autoridad_ambiental")


@rule("mes_corporacion_vencido", label="Mes del concejo o la asamblea vencido sin decisión", family=FAMILY,
      basis="Ley 152 de 1994, art. 40; Consejo de Estado, Sala de Consulta, Concepto 2127 de 2013",
      deadlines=("decision_corporacion",), documents=("decreto_adopcion",))
def mes_corporacion_vencido(facts: PlanFacts) -> Verdict:
    """Adoption by decree is allowed only once the council's month ran out without a decision.
    Any decision act of the current round meets the month (`met_by` of `decision_corporacion`:
    the approving act, the return's act, the denial's); an act of an earlier round does not."""
    w = facts.words
    term = facts.deadlines["decision_corporacion"]
    if term.met_on is not None:
        return Verdict(False, f"{w['la_corporacion'].capitalize()} ya decidió sobre el proyecto vigente (acto del "
                              f"{written_date(term.met_on)}): la adopción por decreto procede solo si vence el mes sin decisión.",
                       f"Registre la decisión {w['de_la_corporacion']} (aprobación por {w['acto']}, devolución o "
                       f"negativa) en lugar de la adopción por decreto.")
    if term.latest is None:
        return Verdict(False, f"No consta el radicado ante {w['la_corporacion']}: el mes no ha empezado.",
                       f"Radique «{document_label('radicado_corporacion', facts.entity_kind)}» con su fecha.")
    decree = facts.filed("decreto_adopcion")
    set_by = f" Plazo fijado por {term.amended_by}." if term.amended_by else ""
    if decree is not None and decree.legal_date is not None and decree.legal_date <= term.latest:
        return Verdict(False, f"El decreto de adopción está fechado el {written_date(decree.legal_date)}, dentro del mes "
                              f"{w['de_la_corporacion']} (hasta el {written_date(term.latest)}): sería anulable.{set_by}",
                       f"Expida y radique el decreto con fecha posterior al {written_date(term.latest)}.")
    if facts.today > term.latest:
        return Verdict(True, f"El mes {w['de_la_corporacion']} venció el {written_date(term.latest)} sin decisión: procede la "
                             f"adopción por decreto (art. 40).{set_by}")
    return Verdict(False, f"{w['la_corporacion'].capitalize()} tiene hasta el {written_date(term.latest)} para decidir.{set_by}",
                   f"La adopción por decreto solo procede después del {written_date(term.latest)}.")
