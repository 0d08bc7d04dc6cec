"""Rules on the documents a step needs: one presence rule per catalog type, and the empalme."""

from kpt_workflow.law.calendar import written_date
from kpt_workflow.base.words import EITHER_KIND
from kpt_workflow.reference.document_types import DocumentType, load_catalog
from kpt_workflow.law.facts import JUSTIFIED_ABSENCE, PlanFacts
from kpt_workflow.rules.registry import Verdict, register, rule

FAMILY = "documentos"
EMPALME_FORMATS = tuple(f"formato_empalme_{n:02d}" for n in range(1, 11))
CONCEPTS = ("concepto_ctp", "concepto_autoridad_ambiental")


def presence_rule_name(doc_type: str) -> str:
    return f"documento_{doc_type}"


def _presence_check(document_type: DocumentType):  # type: ignore[no-untyped-def]
    def check(facts: PlanFacts) -> Verdict:
        label = document_type.label_for(facts.entity_kind)
        document = facts.filed(document_type.code)
        current = facts.documents.get(document_type.code)
        if document is None and document_type.justifiable and getattr(current, "status", None) == JUSTIFIED_ABSENCE:
            return _justified_absence(document_type, facts)
        if document is None:
            return Verdict(False, f"Falta: {label}.",
                           f"Radique el documento «{label}» (versión vigente, con su fecha legal).")
        if document_type.requires_number and not document.number:
            return Verdict(False, f"{label}: la versión {document.version} no indica su número.",
                           f"Radique una nueva versión de «{label}» con su número.")
        return Verdict(True, f"{label}: radicado (versión {document.version}, fecha {written_date(document.legal_date)}).")

    return check


def _justified_absence(document_type: DocumentType, facts: PlanFacts) -> Verdict:
    """A justified absence stands in the document's place once what must back it is filed."""
    label = document_type.label_for(facts.entity_kind)
    catalog = load_catalog()
    backing = [facts.filed(code) for code in document_type.justified_with]
    missing = [code for code, filed in zip(document_type.justified_with, backing) if filed is None]
    if missing:
        names = "; ".join(catalog.get(code).label_for(facts.entity_kind) for code in missing)
        return Verdict(False, f"{label}: ausencia registrada, pero falta {names}.",
                       f"Radique {', '.join(repr(code) for code in missing)} para que la ausencia justificada valga.")
    filed = "; ".join(f"{catalog.get(d.doc_type).label_for(facts.entity_kind)} (radicada el {written_date(d.legal_date)})"
                      for d in backing if d is not None)
    return Verdict(True, f"{label}: ausencia justificada" + (f". Respaldo: {filed}." if filed else "."))


for _document_type in load_catalog().documents:
    register(presence_rule_name(_document_type.code), f"Documento: {_document_type.label_for(EITHER_KIND)}", FAMILY,
             _document_type.basis, _presence_check(_document_type),
             documents=(_document_type.code, *_document_type.justified_with))


@rule("empalme_cerrado", label="Empalme cerrado (los 10 formatos)", family=FAMILY, basis="Ley 951 de 2005; Kit de Empalme del DNP", documents=EMPALME_FORMATS)
def empalme_cerrado(facts: PlanFacts) -> Verdict:
    """The handover is closed when each of the 10 formats was received or its absence justified."""
    pending = [code for code in EMPALME_FORMATS
               if facts.filed(code) is None
               and getattr(facts.documents.get(code), "status", None) != JUSTIFIED_ABSENCE]
    if pending:
        numbers = ", ".join(str(int(code.rsplit("_", 1)[1])) for code in pending)
        return Verdict(False, f"Empalme abierto: {'falta' if len(pending) == 1 else 'faltan'} {len(pending)} de 10 "
                              f"formatos (número{'' if len(pending) == 1 else 's'} {numbers}).",
                       "Radique cada formato recibido o registre la ausencia justificada de los que no se entregaron.")
    return Verdict(True, "Empalme cerrado: los 10 formatos recibidos o con ausencia justificada.")


@rule("concepto_recibido", label="Concepto recibido que motive los ajustes", family=FAMILY, basis="Ley 152 de 1994, art. 39", documents=CONCEPTS)
def concepto_recibido(facts: PlanFacts) -> Verdict:
    """Going back to adjust the draft answers a concept, so at least one must be on file."""
    received = [code for code in CONCEPTS if facts.filed(code) is not None]
    if not received:
        return Verdict(False, "No hay concepto del CTP ni de la autoridad ambiental que motive ajustes.",
                       "Radique el concepto recibido (concepto_ctp o concepto_autoridad_ambiental).")
    return Verdict(True, f"Conceptos recibidos: {', '.join(received)}.")
