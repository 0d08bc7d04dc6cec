"""Every registered guard rule, judged on `PlanFacts` built in memory: no database, no calendar."""

from datetime import date, timedelta
from types import MappingProxyType

import pytest
import yaml

from kpt_workflow.law.calendar import written_date
from kpt_workflow.reference.document_types import document_label, load_catalog
from kpt_workflow.lifecycle.engine import DEFINITIONS_DIR, workflow
from kpt_workflow.law.facts import FILED, JUSTIFIED_ABSENCE, WITHDRAWN, DeadlineFact, DocumentFact, PlanFacts
from kpt_workflow.rules import RULES, Outcome, act_order, documents, terms
from kpt_workflow.rules.documents import EMPALME_FORMATS, presence_rule_name
from kpt_workflow.base.words import DEPARTAMENTO, MUNICIPIO

TODAY = date(2024, 5, 2)
ONE_DAY = timedelta(days=1)
CATALOG = load_catalog().documents
NUMBERED = [d for d in CATALOG if d.requires_number]
ENTITY_WORDS = [
    pytest.param(MUNICIPIO, ("acuerdo", "el concejo"), id="municipio"),
    pytest.param(DEPARTAMENTO, ("ordenanza", "la asamblea"), id="departamento"),
]


def document(doc_type: str, *, status: str = FILED, number: str | None = "N-001",
             legal_date: date = date(2024, 2, 27), version: int = 1) -> DocumentFact:
    return DocumentFact(doc_type=doc_type, version=version, status=status, legal_date=legal_date, number=number)


def facts(*documents: DocumentFact, kind: str = MUNICIPIO, today: date = TODAY,
          state: str = "discusion_corporaciones", state_entered_on: date | None = None,
          deadlines: tuple[DeadlineFact, ...] = ()) -> PlanFacts:
    return PlanFacts(
        plan_id="plan-prueba", entity_code="05" if kind == DEPARTAMENTO else "05001",
        entity_name="Antioquia" if kind == DEPARTAMENTO else "Medellín", entity_kind=kind, period=2024,
        state=state, today=today, state_entered_on=state_entered_on,
        documents=MappingProxyType({d.doc_type: d for d in documents}),
        deadlines=MappingProxyType({d.code: d for d in deadlines}),
    )


def judge(rule_name: str, plan: PlanFacts) -> Outcome:
    """Evaluate the rule and check what every outcome owes the user: its basis, and a remedy
    exactly when it failed."""
    outcome = RULES[rule_name].evaluate(plan)
    assert outcome.rule == rule_name
    assert outcome.basis and outcome.basis == RULES[rule_name].basis
    assert outcome.message
    if outcome.passed:
        assert outcome.remedy == ""
    else:
        assert outcome.remedy
    return outcome


# --- presence of each catalog document -------------------------------------------------------


@pytest.mark.parametrize("doc_type", CATALOG, ids=lambda d: d.code)
def test_missing_document_fails_naming_it_as_people_read_it(doc_type):
    outcome = judge(presence_rule_name(doc_type.code), facts())
    assert not outcome.passed
    assert f"«{doc_type.label_for('municipio')}»" in outcome.remedy and doc_type.code not in outcome.remedy


@pytest.mark.parametrize("doc_type", CATALOG, ids=lambda d: d.code)
def test_filed_document_passes_with_its_catalog_basis(doc_type):
    outcome = judge(presence_rule_name(doc_type.code), facts(document(doc_type.code)))
    assert outcome.passed
    assert outcome.basis == doc_type.basis


@pytest.mark.parametrize("doc_type", CATALOG, ids=lambda d: d.code)
def test_withdrawn_document_fails(doc_type):
    outcome = judge(presence_rule_name(doc_type.code), facts(document(doc_type.code, status=WITHDRAWN, version=2)))
    assert not outcome.passed


@pytest.mark.parametrize("doc_type", NUMBERED, ids=lambda d: d.code)
def test_numbered_document_filed_without_number_fails(doc_type):
    outcome = judge(presence_rule_name(doc_type.code), facts(document(doc_type.code, number=None)))
    assert not outcome.passed
    assert "número" in outcome.message and f"«{doc_type.label_for('municipio')}»" in outcome.remedy


# --- empalme and concepts --------------------------------------------------------------------


def empalme(**status_of: str | None) -> list[DocumentFact]:
    """The ten formats, filed unless `status_of` gives another status (None: never recorded)."""
    statuses = {code: status_of.get(code, FILED) for code in EMPALME_FORMATS}
    return [document(code, status=status) for code, status in statuses.items() if status is not None]


def test_empalme_closes_with_all_ten_formats_filed():
    assert judge("empalme_cerrado", facts(*empalme())).passed


def test_empalme_closes_with_a_justified_absence():
    assert judge("empalme_cerrado", facts(*empalme(formato_empalme_10=JUSTIFIED_ABSENCE))).passed


@pytest.mark.parametrize("status", [None, WITHDRAWN], ids=["never-recorded", "withdrawn"])
def test_empalme_stays_open_naming_the_missing_format(status):
    outcome = judge("empalme_cerrado", facts(*empalme(formato_empalme_07=status)))
    assert not outcome.passed
    assert "falta 1 de 10 formatos (número 7)" in outcome.message and "formato_empalme" not in outcome.message


@pytest.mark.parametrize(("documents", "passed"), [
    pytest.param((), False, id="none"),
    pytest.param((document("concepto_ctp"),), True, id="ctp"),
    pytest.param((document("concepto_autoridad_ambiental"),), True, id="ambiental"),
    pytest.param((document("concepto_ctp", status=WITHDRAWN),), False, id="ctp-withdrawn"),
])
def test_going_back_to_adjust_needs_a_received_concept(documents, passed):
    assert judge("concepto_recibido", facts(*documents)).passed is passed


# --- the filing before the council -----------------------------------------------------------

ENTERED = date(2024, 4, 25)
TRAMITE = "tramite_ambiental_y_planeacion"


@pytest.mark.parametrize(("kind", "words"), ENTITY_WORDS)
def test_missing_council_filing_fails_in_the_entity_words(kind, words):
    outcome = judge("radicado_corporacion_vigente", facts(kind=kind, state_entered_on=ENTERED))
    assert not outcome.passed
    assert all(word in outcome.message for word in words)


def test_council_filing_without_number_fails():
    plan = facts(document("radicado_corporacion", number=None, legal_date=ENTERED), state_entered_on=ENTERED)
    assert not judge("radicado_corporacion_vigente", plan).passed


@pytest.mark.parametrize(("kind", "words"), ENTITY_WORDS)
def test_council_filing_older_than_the_return_for_changes_is_stale(kind, words):
    plan = facts(document("radicado_corporacion", legal_date=ENTERED - ONE_DAY), kind=kind,
                 state=TRAMITE, state_entered_on=ENTERED)
    outcome = judge("radicado_corporacion_vigente", plan)
    assert not outcome.passed
    assert words[1] in outcome.message and words[1] in outcome.remedy


# The concepts both came before the council filings below; their terms ran from February.
CONCEPTS_GIVEN = (document("concepto_ctp", legal_date=date(2024, 3, 20)),
                  document("concepto_autoridad_ambiental", legal_date=date(2024, 3, 22)))
CONCEPT_TERMS = (DeadlineFact("concepto_ctp", date(2024, 3, 27), date(2024, 3, 28)),
                 DeadlineFact("concepto_autoridad_ambiental", date(2024, 3, 19), date(2024, 3, 28)))


@pytest.mark.parametrize(("kind", "words"), ENTITY_WORDS)
@pytest.mark.parametrize("filed_on", [ENTERED, ENTERED + 5 * ONE_DAY], ids=["same-day", "later"])
def test_council_filing_since_entering_the_state_is_current(kind, words, filed_on):
    plan = facts(document("radicado_corporacion", legal_date=filed_on), *CONCEPTS_GIVEN, kind=kind, state=TRAMITE,
                 state_entered_on=ENTERED, deadlines=CONCEPT_TERMS)
    outcome = judge("radicado_corporacion_vigente", plan)
    assert outcome.passed
    assert all(word in outcome.message for word in words)


@pytest.mark.parametrize(("concept", "body"), [(0, "del CTP"), (1, "de la autoridad ambiental")])
def test_council_filing_before_a_concept_whose_term_still_ran_is_premature(concept, body):
    """The filing (23 March) came before one concept (25 March) while its term still ran."""
    late = CONCEPTS_GIVEN[concept]._replace(legal_date=date(2024, 3, 25))
    plan = facts(document("radicado_corporacion", legal_date=date(2024, 3, 23)), late, CONCEPTS_GIVEN[1 - concept],
                 state=TRAMITE, state_entered_on=date(2024, 2, 26), deadlines=CONCEPT_TERMS)
    outcome = judge("radicado_corporacion_vigente", plan)
    assert not outcome.passed
    assert f"el concepto {body} es del 25 de marzo de 2024" in outcome.message
    assert "28 de marzo de 2024" in outcome.message and "Ley 152 de 1994, arts. 39 y 40" == outcome.basis


def test_council_filing_without_concepts_waits_for_the_later_reading_of_their_terms():
    def judged(filed_on: date) -> Outcome:
        return judge("radicado_corporacion_vigente", facts(
            document("radicado_corporacion", legal_date=filed_on), state=TRAMITE,
            state_entered_on=date(2024, 2, 26), deadlines=CONCEPT_TERMS))

    on_the_later_day = judged(date(2024, 3, 28))
    assert not on_the_later_day.passed
    assert "sin concepto del CTP, cuyo término corría hasta el 28 de marzo de 2024" in on_the_later_day.message
    assert "sin concepto de la autoridad ambiental" in on_the_later_day.message
    assert judged(date(2024, 3, 29)).passed


def test_council_filing_without_a_filing_before_the_ctp_says_so():
    plan = facts(document("radicado_corporacion", legal_date=ENTERED), state=TRAMITE, state_entered_on=ENTERED,
                 deadlines=(DeadlineFact("concepto_ctp", None, None), CONCEPT_TERMS[1]))
    outcome = judge("radicado_corporacion_vigente", plan)
    assert not outcome.passed
    assert "no consta que el proyecto se radicara ante el Consejo Territorial de Planeación" in outcome.message


def test_council_can_return_a_draft_filed_before_the_step_was_recorded():
    plan = facts(document("radicado_corporacion", legal_date=ENTERED - 3 * ONE_DAY),
                 document("acta_sesion_devolucion", legal_date=ENTERED + ONE_DAY),
                 state="discusion_corporaciones", state_entered_on=ENTERED)
    devolver = workflow("pdt").transition("discusion_corporaciones", "devolver_para_ajustes")
    assert all(judge(name, plan).passed for name in devolver.rules)


# --- steps that open when a term runs out ----------------------------------------------------

# Both readings of the term: a permission opens only after the later one.
EARLIEST, LATEST = date(2024, 5, 24), date(2024, 5, 27)
# Each rule, with the filing that starts its term.
TERM_RULES = {
    "concepto_ctp_o_silencio": "radicado_ctp",
    "concepto_ambiental_o_silencio": "radicado_autoridad_ambiental",
    "mes_corporacion_vencido": "radicado_corporacion",
}
CONCEPT_RULES = [
    pytest.param("concepto_ctp_o_silencio", "concepto_ctp", id="ctp"),
    pytest.param("concepto_ambiental_o_silencio", "concepto_autoridad_ambiental", id="environmental"),
]


def running_term(rule_name: str, latest: date | None = LATEST) -> DeadlineFact:
    """The one deadline the rule reads, its readings spanning EARLIEST..`latest` (None: its anchor
    act is not filed yet, so the term has not started)."""
    [code] = RULES[rule_name].deadlines
    return DeadlineFact(code=code, earliest=EARLIEST if latest else None, latest=latest)


@pytest.mark.parametrize(("rule_name", "filing"), TERM_RULES.items(), ids=list(TERM_RULES))
def test_term_not_started_refuses_and_asks_for_the_filing(rule_name, filing):
    outcome = judge(rule_name, facts(deadlines=(running_term(rule_name, latest=None),)))
    assert not outcome.passed
    assert f"«{document_label(filing, MUNICIPIO)}»" in outcome.remedy


@pytest.mark.parametrize("rule_name", TERM_RULES)
@pytest.mark.parametrize("today", [EARLIEST, LATEST], ids=["earliest-reading", "latest-reading"])
def test_term_still_running_on_its_last_day_refuses(rule_name, today):
    outcome = judge(rule_name, facts(today=today, deadlines=(running_term(rule_name),)))
    assert not outcome.passed
    assert written_date(LATEST) in outcome.message


@pytest.mark.parametrize("rule_name", TERM_RULES)
def test_term_elapsed_without_answer_allows_the_step(rule_name):
    outcome = judge(rule_name, facts(today=LATEST + ONE_DAY, deadlines=(running_term(rule_name),)))
    assert outcome.passed
    assert written_date(LATEST) in outcome.message


@pytest.mark.parametrize(("rule_name", "concept"), CONCEPT_RULES)
@pytest.mark.parametrize("latest", [None, LATEST], ids=["term-not-started", "term-running"])
def test_filed_concept_passes_whatever_the_term(rule_name, concept, latest):
    plan = facts(document(concept), today=EARLIEST, deadlines=(running_term(rule_name, latest),))
    assert judge(rule_name, plan).passed


@pytest.mark.parametrize(("kind", "words"), ENTITY_WORDS)
def test_a_decision_of_this_round_refuses_decree_adoption(kind, words):
    """Any decision act of the current round meets the council's month (`met_on`): approval,
    return or denial; then there is no silence to adopt on."""
    decided = DeadlineFact(code="decision_corporacion", earliest=EARLIEST, latest=LATEST, met_on=EARLIEST)
    plan = facts(document("acto_aprobacion"), kind=kind, today=LATEST + ONE_DAY, deadlines=(decided,))
    outcome = judge("mes_corporacion_vencido", plan)
    assert not outcome.passed
    assert words[1].capitalize() in outcome.message and words[0] in outcome.remedy


def test_decree_dated_within_the_council_month_is_refused():
    plan = facts(document("decreto_adopcion", legal_date=LATEST), today=LATEST + ONE_DAY,
                 deadlines=(running_term("mes_corporacion_vencido"),))
    assert not judge("mes_corporacion_vencido", plan).passed


def test_council_month_message_contracts_de_el_to_del():
    plan = facts(today=LATEST + ONE_DAY, deadlines=(running_term("mes_corporacion_vencido"),))
    assert "de el " not in judge("mes_corporacion_vencido", plan).message


# --- the registry ----------------------------------------------------------------------------


def test_every_rule_named_in_pdt_yaml_is_registered():
    raw = yaml.safe_load((DEFINITIONS_DIR / "pdt.yaml").read_text(encoding="utf-8"))
    named = {name for t in raw["transitions"] for name in t["rules"]}
    assert named and named <= set(RULES), named - set(RULES)


@pytest.mark.parametrize("rule_name", sorted(RULES))
def test_every_registered_rule_has_basis_and_family(rule_name):
    assert RULES[rule_name].basis.strip() and RULES[rule_name].family.strip()


def test_every_document_and_term_rule_is_covered_by_this_module():
    """A new rule of these families fails here until its tests are added above."""
    covered = {presence_rule_name(d.code) for d in CATALOG} | {
        "empalme_cerrado", "concepto_recibido", "radicado_corporacion_vigente",
        "concepto_ctp_o_silencio", "concepto_ambiental_o_silencio", "mes_corporacion_vencido"}
    families = (documents.FAMILY, terms.FAMILY, act_order.FAMILY)
    assert {name for name, r in RULES.items() if r.family in families} == covered


# --- the council's outcomes (rules/council.py) -------------------------------------------------

FILED_ON, ACT_ON = date(2024, 4, 25), date(2024, 5, 20)


def test_an_act_of_an_earlier_round_never_decides_the_draft_filed_since():
    refiled = document("radicado_corporacion", legal_date=date(2024, 5, 15))
    old = facts(refiled, document("acto_aprobacion", legal_date=date(2024, 5, 10)))
    outcome = judge("acto_aprobacion_de_esta_ronda", old)
    assert not outcome.passed and "es de una ronda anterior" in outcome.message and "15 de mayo de 2024" in outcome.message
    assert judge("acto_aprobacion_de_esta_ronda", facts(refiled, document("acto_aprobacion", legal_date=ACT_ON))).passed
    assert not judge("acta_sesion_devolucion_de_esta_ronda", facts(refiled)).passed  # no act: refused too


@pytest.mark.parametrize(("kind", "words"), ENTITY_WORDS)
def test_the_executives_acceptance_must_be_prior_and_of_this_round(kind, words):
    def judged(accepted_on: date | None) -> Outcome:
        acts = [document("radicado_corporacion", legal_date=FILED_ON), document("acto_aprobacion", legal_date=ACT_ON)]
        if accepted_on is not None:
            acts.append(document("aceptacion_modificaciones", legal_date=accepted_on, number=None))
        return judge("aceptacion_previa_modificaciones", facts(*acts, kind=kind))

    executive = "gobernador" if kind == DEPARTAMENTO else "alcalde"
    assert f"Falta la aceptación previa y por escrito del {executive}" in judged(None).message
    after = judged(ACT_ON + ONE_DAY)
    assert not after.passed and "es posterior al acto que aprueba el plan" in after.message and words[0] in after.message
    assert not judged(FILED_ON - ONE_DAY).passed  # accepted before this round's filing: not these modifications
    assert judged(ACT_ON).passed and judged(FILED_ON).passed
    assert "aceptación previa y por escrito del gobernador o alcalde" in RULES["aceptacion_previa_modificaciones"].basis


def test_the_decree_after_a_denial_is_dated_on_or_after_it_and_says_which_reading_it_applies():
    denial = document("acto_negacion", legal_date=ACT_ON)
    assert not judge("decreto_tras_negativa", facts(state="negado")).passed
    early = judge("decreto_tras_negativa", facts(denial, document("decreto_adopcion", legal_date=ACT_ON - ONE_DAY),
                                                 state="negado"))
    assert not early.passed and "Concepto 2127 de 2013" in early.message and written_date(ACT_ON) in early.remedy
    for decree_on in (ACT_ON, ACT_ON + ONE_DAY):  # no council month to wait for: the council has decided
        outcome = judge("decreto_tras_negativa", facts(denial, document("decreto_adopcion", legal_date=decree_on),
                                                       state="negado"))
        assert outcome.passed and "Sala de Consulta del Consejo de Estado (Concepto 2127 de 2013)" in outcome.message
