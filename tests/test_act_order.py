"""Acts are checked in both directions (issue #24 point 2): the same acts, filed in any order, give
the same outcome. An act dated before the act it answers is refused when the second of the two
arrives, whichever that is, naming both; a council filing made before the concepts or their terms
shows on the checklist of the step it would support, whatever order the acts came in."""

from collections.abc import Callable
from datetime import date
from itertools import count

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from kpt_workflow import services
from kpt_workflow.base.errors import ActsOutOfOrder
from kpt_workflow.law import calendar
from kpt_workflow.lifecycle.engine import default_workflow
from kpt_workflow.lifecycle.status import plan_facts
from kpt_workflow.reference.document_types import load_catalog
from kpt_workflow.rules import evaluate
from kpt_workflow.services.access import operator
from kpt_workflow.services import views
from kpt_workflow.services.labels import history_entry
from kpt_workflow.services.sample import PDF
from kpt_workflow.storage.blobs import BlobStore
from kpt_workflow.storage.repository import load_plan
from kpt_workflow.storage.tables import Entity
from kpt_workflow.storage.unit_of_work import UnitOfWork

ACTOR = operator("pruebas")
ACTS = ("radicado_ctp", "concepto_ctp", "radicado_autoridad_ambiental", "concepto_autoridad_ambiental",
        "radicado_corporacion", "acto_aprobacion")
CATALOG = load_catalog()
ANSWERS = {code: CATALOG.get(code).not_before for code in ACTS if CATALOG.get(code).not_before in ACTS}
"""Each act that answers another of ACTS: the pairs whose order is checked at filing."""
TO_COUNCIL = default_workflow().transition("tramite_ambiental_y_planeacion", "radicar_ante_corporacion")
JUDGED_ON = date(2024, 7, 15)  # after every act below: the checklist of the step to the council, that day


def file(engine: Engine, blobs: BlobStore, plan_id: str, doc_type: str, legal_date: date) -> frozenset[str] | None:
    """File one act; the pair of acts it contradicts when refused (None when accepted)."""
    filing = services.Filing(doc_type=doc_type, content=PDF, filename=f"{doc_type}.pdf", legal_date=legal_date,
                             number=f"{doc_type.upper()}-{legal_date:%m%d}")
    try:
        with UnitOfWork(engine, write=True) as uow:
            services.file_document(uow, blobs, plan_id=plan_id, filing=filing, actor=ACTOR)
    except ActsOutOfOrder as refused:
        assert refused.details["basis"] and refused.details["rule"] == "orden_de_los_actos"
        return frozenset({doc_type, str(refused.details["conflicts_with"])})
    return None


def outcome(engine: Engine, blobs: BlobStore, plan_id: str, acts: list[tuple[str, date]]) -> tuple[object, ...]:
    """File `acts` in their order: the pairs refused and, when none was, the checklist of the step
    to the council judged on what was filed."""
    refused = frozenset(pair for doc_type, day in acts if (pair := file(engine, blobs, plan_id, doc_type, day)))
    if refused:
        return refused, None
    with UnitOfWork(engine) as uow:
        facts, _ = plan_facts(load_plan(uow.connection, plan_id, JUDGED_ON), JUDGED_ON)
    return refused, tuple((o.rule, o.passed, o.message) for o in evaluate(TO_COUNCIL.rules, facts))


def expected_conflicts(dates: dict[str, date]) -> frozenset[frozenset[str]]:
    return frozenset(frozenset({act, answered}) for act, answered in ANSWERS.items() if dates[act] < dates[answered])


@pytest.fixture
def fresh_plan(engine: Engine) -> Callable[[], str]:
    """A new 2024 plan of another municipality each time (one plan per entity and period)."""
    with UnitOfWork(engine) as uow:
        codes = iter(uow.session.exec(select(Entity.code).where(Entity.kind == "municipio").order_by(Entity.code)).all())
    made = count()

    def create() -> str:
        next(made)
        with UnitOfWork(engine, write=True) as uow:
            return str(services.create_plan(uow, entity_code=next(codes), period=2024, actor=ACTOR)["id"])

    return create


def days_of_2024_cycle() -> st.SearchStrategy[date]:
    return st.dates(date(2024, 1, 15), min(date(2024, 6, 30), calendar.today_in_colombia()))


# Not shrunk: each example takes two of the 1,102 municipalities, which shrinking would exhaust.
@settings(max_examples=40, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dates=st.fixed_dictionaries({act: days_of_2024_cycle() for act in ACTS}), order=st.permutations(ACTS))
def test_the_same_acts_in_any_order_give_the_same_outcome(engine, blobs, fresh_plan, dates, order):
    in_legal_order = sorted(ACTS, key=lambda act: (dates[act], ACTS.index(act)))
    first = outcome(engine, blobs, fresh_plan(), [(act, dates[act]) for act in in_legal_order])
    second = outcome(engine, blobs, fresh_plan(), [(act, dates[act]) for act in order])
    assert first == second
    assert first[0] == expected_conflicts(dates)


def test_a_concept_before_its_radicado_is_refused_whichever_comes_first(engine, blobs, fresh_plan):
    concept_first, radicado_first = fresh_plan(), fresh_plan()
    assert file(engine, blobs, concept_first, "concepto_ctp", date(2024, 2, 20)) is None
    assert file(engine, blobs, concept_first, "radicado_ctp", date(2024, 2, 27)) == {"concepto_ctp", "radicado_ctp"}
    assert file(engine, blobs, radicado_first, "radicado_ctp", date(2024, 2, 27)) is None
    assert file(engine, blobs, radicado_first, "concepto_ctp", date(2024, 2, 20)) == {"concepto_ctp", "radicado_ctp"}


def test_the_refusal_says_why_and_is_audited(engine, blobs, fresh_plan):
    plan_id = fresh_plan()
    file(engine, blobs, plan_id, "acto_aprobacion", date(2024, 5, 20))
    with pytest.raises(ActsOutOfOrder) as refused, UnitOfWork(engine, write=True) as uow:
        services.file_document(uow, blobs, plan_id=plan_id, actor=ACTOR, filing=services.Filing(
            doc_type="radicado_corporacion", content=PDF, legal_date=date(2024, 5, 28), number="PA-1"))
    message = refused.value.message
    assert "«Acuerdo que adopta el plan» (20 de mayo de 2024) no puede ser anterior a «Proyecto de acuerdo" in message
    assert "(28 de mayo de 2024)" in message and "una de las dos fechas está errada" in message
    assert refused.value.details["basis"] == "Ley 152 de 1994, art. 40"
    with UnitOfWork(engine) as uow:
        last = views.history(uow, ACTOR, plan_id)[-1]
        documents = {d["doc_type"] for d in views.documents(uow, ACTOR, plan_id)}
    entry = history_entry(last, default_workflow(), "municipio", {})
    assert entry["text"] == "Fecha rechazada para «Proyecto de acuerdo con exposición de motivos radicado ante el concejo»"
    assert "Ley 152 de 1994, art. 40" in entry["failed"][0]
    assert documents == {"acto_aprobacion"}  # nothing of the refused filing is kept


def test_a_refiling_does_not_contradict_the_acts_of_the_earlier_round(engine, blobs, fresh_plan):
    """A concept dated between a radicado and its re-filing answers the first one."""
    plan_id = fresh_plan()
    assert file(engine, blobs, plan_id, "radicado_ctp", date(2024, 2, 27)) is None
    assert file(engine, blobs, plan_id, "concepto_ctp", date(2024, 3, 20)) is None
    assert file(engine, blobs, plan_id, "radicado_ctp", date(2024, 4, 2)) is None
    assert file(engine, blobs, plan_id, "concepto_ctp", date(2024, 3, 25)) is None  # a late copy of round one


def test_a_council_filing_before_the_ctp_term_shows_on_the_checklist_whichever_comes_first(engine, blobs, fresh_plan):
    filings = [("radicado_ctp", date(2024, 2, 27)), ("radicado_autoridad_ambiental", date(2024, 2, 27)),
               ("radicado_corporacion", date(2024, 3, 15))]
    for order in (filings, filings[::-1]):
        _, checklist = outcome(engine, blobs, fresh_plan(), order)
        verdict = next(o for o in checklist if o[0] == "radicado_corporacion_vigente")
        assert not verdict[1]
        assert "sin concepto del CTP, cuyo término corría hasta el 27 de marzo de 2024" in verdict[2]
    _, in_time = outcome(engine, blobs, fresh_plan(), [*filings[:2], ("radicado_corporacion", date(2024, 4, 2))])
    assert all(passed for _, passed, _ in in_time), in_time


def test_the_refusal_through_the_cli_is_a_spanish_message(kpt_on, engine, blobs, fresh_plan, pdf):
    plan_id = fresh_plan()
    file(engine, blobs, plan_id, "concepto_ctp", date(2024, 3, 20))
    url = engine.url.render_as_string(hide_password=False)
    code, out = kpt_on(url, "doc", "file", plan_id, "radicado_ctp", str(pdf), "--fecha", "2024-03-25", "--numero", "R-1")
    assert code != 0 and "no puede ser anterior" in out and "Traceback" not in out
