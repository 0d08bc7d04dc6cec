"""The order of a plan's acts, judged the same whichever act is recorded first (DOMAIN.md, "Acts
are checked in both directions").

Two kinds of dependency, two answers:
- An act that answers another (a concept its radicado, the council's act the filing before it:
  the catalog's `not_before`) cannot be dated before it. When the second of the two arrives and
  contradicts the first, one of the two dates is wrong and only the user knows which: the second
  filing is refused (`order_conflict`), so the file never holds both.
- An act that may follow a term (the filing with the council after the CTP's and the environmental
  authority's terms, the decree after the council's month) is a true act even when premature: it
  is recorded, and the step it would support shows the defect on its checklist
  (`radicado_corporacion_vigente` here, `mes_corporacion_vencido` in terms.py), because the term
  itself moves when the act it runs from is re-filed.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from kpt_workflow.law.calendar import written_date
from kpt_workflow.law.facts import FILED, DocumentFact, PlanFacts
from kpt_workflow.reference.document_types import DocumentType, document_label, load_catalog
from kpt_workflow.rules.registry import Verdict, rule

FAMILY = "fechas"
CONCEPT_TERMS = (("concepto_ctp", "concepto_ctp", "el Consejo Territorial de Planeación", "del CTP"),
                 ("concepto_autoridad_ambiental", "concepto_autoridad_ambiental", "la autoridad ambiental",
                  "de la autoridad ambiental"))
"""(deadline, concept, the body, its concept's "of") of each concept the filing with the council
must follow."""


@dataclass(frozen=True)
class OrderConflict:
    """Why a filing contradicts an act already on file: the message, what to do, and the legal
    basis of the dependency (the answering act's)."""

    message: str
    remedy: str
    basis: str
    other: str  # the document type it contradicts


def order_conflict(doc_type: str, legal_date: date, documents: Mapping[str, DocumentFact],
                   entity_kind: str) -> OrderConflict | None:
    """Whether filing `doc_type` dated `legal_date` contradicts the acts on file. An answering act
    belongs to the round of the first filing of the act it answers (a concept dated between a
    radicado and its re-filing answers the first), so it is judged against that first filing; a
    re-filing of the answered act therefore never contradicts the acts of an earlier round."""
    catalog = load_catalog()
    document_type = catalog.get(doc_type)
    answered = documents.get(document_type.not_before)
    if answered is not None and answered.first_filed_on is not None and legal_date < answered.first_filed_on:
        return _conflict(document_type, legal_date, catalog.get(answered.doc_type), answered.first_filed_on,
                         recorded=catalog.get(answered.doc_type), entity_kind=entity_kind)
    current = documents.get(doc_type)
    if current is not None and current.first_filed_on is not None:
        return None
    for answering in catalog.answering(doc_type):
        found = documents.get(answering.code)
        if found is not None and found.status == FILED and found.legal_date is not None and found.legal_date < legal_date:
            return _conflict(answering, found.legal_date, document_type, legal_date, recorded=answering,
                             entity_kind=entity_kind)
    return None


def _conflict(answering: DocumentType, answering_on: date, answered: DocumentType, answered_on: date, *,
              recorded: DocumentType, entity_kind: str) -> OrderConflict:
    """`recorded`: whichever of the two is already on file."""
    first, second = answering.label_for(entity_kind), answered.label_for(entity_kind)
    return OrderConflict(
        message=(f"«{first}» ({written_date(answering_on)}) no puede ser anterior a «{second}» "
                 f"({written_date(answered_on)}), el acto al que responde; «{recorded.label_for(entity_kind)}» ya "
                 f"consta con su fecha, así que una de las dos fechas está errada."),
        remedy=("Revise ambas fechas: si la errada es la de este documento, radíquelo con la correcta; si es la "
                f"del ya registrado, retírelo y radíquelo de nuevo con su fecha."),
        basis=answering.basis, other=recorded.code)


@rule("radicado_corporacion_vigente", label="Radicado ante el concejo o la asamblea vigente y posterior a los conceptos", family=FAMILY, basis="Ley 152 de 1994, arts. 39 y 40",
      deadlines=tuple(term for term, *_ in CONCEPT_TERMS),
      documents=("radicado_corporacion", *(concept for _, concept, *_ in CONCEPT_TERMS)))
def radicado_corporacion_vigente(facts: PlanFacts) -> Verdict:
    """The draft before the council is the one of the current round (after a return for changes,
    a filing dated on or after the return), filed once the concepts were given or their terms ran
    out (art. 39 gives the CTP its month before the draft goes to the council, art. 40)."""
    w = facts.words
    document = facts.filed("radicado_corporacion")
    if document is None or not document.number:
        return Verdict(False, f"Falta el proyecto de {w['acto']} radicado ante {w['la_corporacion']}, con su número.",
                       f"Radique «{document_label('radicado_corporacion', facts.entity_kind)}» con el número y la fecha del radicado.")
    filed_on = document.legal_date
    if facts.state_entered_on and filed_on and filed_on < facts.state_entered_on:
        return Verdict(False, f"El radicado ante {w['la_corporacion']} ({written_date(filed_on)}) es anterior a la "
                              f"entrada en la etapa actual ({written_date(facts.state_entered_on)}).",
                       f"Radique ante {w['la_corporacion']} el proyecto ajustado y registre el nuevo radicado.")
    premature = [_premature(facts, filed_on, *term) for term in CONCEPT_TERMS]
    early = [reason for reason in premature if reason]
    if early:
        return Verdict(False, f"El proyecto se radicó ante {w['la_corporacion']} el {written_date(filed_on)}, antes de tiempo: "
                              + "; ".join(early) + ".",
                       f"Radique de nuevo ante {w['la_corporacion']} con fecha posterior al concepto o al "
                       "vencimiento de su término.")
    return Verdict(True, f"Proyecto de {w['acto']} radicado ante {w['la_corporacion']} el {written_date(filed_on)} "
                         f"(n.º {document.number}), después de los conceptos o de sus términos.")


def _premature(facts: PlanFacts, filed_on: date | None, term: str, concept: str, body: str, of_body: str) -> str:
    """Why a council filing on `filed_on` came before the concept `concept` or its term ran out
    ('' when it did not): the permission opens only after the later reading of the term."""
    received = facts.filed(concept)
    if filed_on is None or (received is not None and received.legal_date is not None
                            and received.legal_date <= filed_on):
        return ""
    ends = facts.deadlines[term].latest
    if ends is not None and filed_on > ends:
        return ""
    if ends is None:
        return f"no consta que el proyecto se radicara ante {body}"
    given = f"el concepto {of_body} es del {written_date(received.legal_date)}" if received is not None else \
        f"sin concepto {of_body}"
    return f"{given}, cuyo término corría hasta el {written_date(ends)}"
