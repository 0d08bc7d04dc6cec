"""The PDT lifecycle end to end through the service layer (the CLI and API call the same)."""

from datetime import date

import pytest
from sqlmodel import select

from kpt_workflow.storage import event_log
from kpt_workflow import services
from kpt_workflow.services.access import operator
from kpt_workflow.base.errors import GuardFailed, InvalidInput, NotFound, PlanExists, PlanNotAllowed, PlanVersionConflict, UnknownTrigger
from kpt_workflow.storage.tables import AuditEvent, Plan
from kpt_workflow.services.views import status as plan_status
from kpt_workflow.storage.unit_of_work import UnitOfWork

READER = operator("pruebas")  # the status view checks who reads; the local operator reads any plan


def _status(engine, plan_id, today=date(2024, 2, 1)):
    with UnitOfWork(engine) as uow:
        return plan_status(uow, READER, plan_id, today)


def _events(engine, plan_id):
    with UnitOfWork(engine) as uow:
        return [(e["event_type"], e["action"]) for e in event_log.plan_events(uow.connection, plan_id)]


def test_new_plan_status_lists_every_missing_requirement(engine, new_plan):
    status = _status(engine, new_plan())
    assert status["state"] == "alistamiento" and status["version"] == 1
    assert status["definition"] == {"name": "pdt", "version": 1, "title": "Plan de Desarrollo Territorial"}
    [step] = status["next"]
    assert step["trigger"] == "iniciar_construccion" and not step["allowed"]
    assert [c["rule"] for c in step["checklist"] if not c["passed"]] == [
        "empalme_cerrado", "documento_acta_informe_gestion", "documento_acto_equipo_formulador",
        "documento_programa_gobierno"]
    assert all(c["basis"] and c["remedy"] for c in step["checklist"])


def test_refused_advance_is_recorded_then_filing_lets_it_advance(engine, new_plan, file_doc, advance):
    plan_id = new_plan()
    with pytest.raises(GuardFailed) as refused:
        advance(plan_id, "iniciar_construccion", date(2024, 1, 15))
    assert len([c for c in refused.value.details["checklist"] if not c["passed"]]) == 4
    for n in range(1, 10):
        file_doc(plan_id, f"formato_empalme_{n:02d}")
    file_doc(plan_id, "formato_empalme_10", status="ausencia_justificada", content=None, filename=None,
             note="El mandatario saliente no lo entregó; se pidió por escrito.")
    for doc_type in ("acta_informe_gestion", "acto_equipo_formulador", "programa_gobierno"):
        file_doc(plan_id, doc_type)
    result = advance(plan_id, "iniciar_construccion", date(2024, 1, 20))
    assert result["to"] == "construccion_articulada"
    events = _events(engine, plan_id)
    assert events[1] == ("transition_blocked", "iniciar_construccion")
    assert events[-1] == ("transition_applied", "iniciar_construccion")


def test_plan_reaches_aprobado_with_the_approving_act(engine, plan_in_council, decide):
    assert decide(plan_in_council, "aprobar", date(2024, 5, 20), "Acuerdo 05")["to"] == "aprobado"
    status = _status(engine, plan_in_council, date(2024, 6, 1))
    assert status["terminal"] and status["next"] == []


def test_council_month_elapsed_allows_decree_adoption(engine, plan_in_council, file_doc, advance):
    # Filed with the concejo on 2024-04-25: its month ends 2024-05-27 (25 May is a Saturday).
    file_doc(plan_in_council, "decreto_adopcion", date(2024, 5, 27), "Decreto 100")
    for step_on in (date(2024, 5, 27), date(2024, 5, 28)):  # the step, or the decree itself, inside the month
        with pytest.raises(GuardFailed) as early:
            advance(plan_in_council, "adoptar_por_decreto", step_on)
        assert [c["rule"] for c in early.value.details["checklist"] if not c["passed"]] == ["mes_corporacion_vencido"]
    file_doc(plan_in_council, "decreto_adopcion", date(2024, 5, 28), "Decreto 101")
    assert advance(plan_in_council, "adoptar_por_decreto", date(2024, 5, 28))["to"] == "adoptado_por_decreto"


def test_council_return_requires_a_new_filing_before_the_council(engine, plan_in_council, file_doc, advance, decide):
    decide(plan_in_council, "devolver", date(2024, 5, 10), "Acta 21", reasons="Ajustar el plan plurianual.")
    with pytest.raises(GuardFailed) as refused:
        advance(plan_in_council, "radicar_ante_corporacion", date(2024, 5, 15))
    assert [c["rule"] for c in refused.value.details["checklist"] if not c["passed"]] == ["radicado_corporacion_vigente"]
    file_doc(plan_in_council, "radicado_corporacion", date(2024, 5, 15), "PA-045-B")
    assert advance(plan_in_council, "radicar_ante_corporacion", date(2024, 5, 15))["to"] == "discusion_corporaciones"


def test_refiling_after_a_return_keeps_the_first_filing_date_and_restarts_the_council_month(
        engine, plan_in_council, file_doc, advance, decide):
    decide(plan_in_council, "devolver", date(2024, 5, 10), "Acta 21", reasons="Ajustar el plan plurianual.")
    file_doc(plan_in_council, "radicado_corporacion", date(2024, 5, 15), "PA-045-B")
    advance(plan_in_council, "radicar_ante_corporacion", date(2024, 5, 15))
    deadlines = {d["code"]: d for d in _status(engine, plan_in_council, date(2024, 5, 20))["deadlines"]}
    assert (deadlines["radicacion_corporacion"]["met_on"], deadlines["radicacion_corporacion"]["late"]) == ("2024-04-25", False)
    assert deadlines["decision_corporacion"]["date"] == "2024-06-17"  # 15 June is a Saturday, 17 June a Monday


def test_ctp_silence_counts_only_after_its_month(engine, new_plan, file_doc, advance, record_strategy):
    plan_id = new_plan()
    for doc_type in CYCLE_WITHOUT_CONCEPTS:
        file_doc(plan_id, doc_type)
    record_strategy(plan_id)
    advance(plan_id, "iniciar_construccion", date(2024, 1, 20))
    advance(plan_id, "radicar_ante_ctp", date(2024, 2, 27))
    # Radicado 2024-02-27: the CTP's month ends 2024-03-27 (both readings); silence opens the step after it.
    with pytest.raises(GuardFailed):
        advance(plan_id, "radicar_ante_corporacion", date(2024, 3, 27))
    file_doc(plan_id, "radicado_corporacion", date(2024, 4, 2), "PA-1")
    assert advance(plan_id, "radicar_ante_corporacion", date(2024, 4, 2))["to"] == "discusion_corporaciones"


def test_acts_dated_after_a_step_do_not_make_it_lawful(engine, new_plan, file_doc, advance):
    plan_id = new_plan()
    for doc_type in ("acta_informe_gestion", "acto_equipo_formulador", "programa_gobierno",
                     *(f"formato_empalme_{n:02d}" for n in range(1, 11))):
        file_doc(plan_id, doc_type)  # the acta is dated 2024-01-10
    with pytest.raises(GuardFailed) as refused:
        advance(plan_id, "iniciar_construccion", date(2024, 1, 9))
    assert [c["rule"] for c in refused.value.details["checklist"] if not c["passed"]] == ["documento_acta_informe_gestion"]
    assert advance(plan_id, "iniciar_construccion", date(2024, 1, 10))["to"] == "construccion_articulada"


def test_stale_version_writes_nothing(engine, new_plan, advance):
    plan_id = new_plan()
    with pytest.raises(PlanVersionConflict):
        advance(plan_id, "iniciar_construccion", date(2024, 1, 20), expected_version=7)
    assert _events(engine, plan_id) == [("plan_created", "crear_plan")]


def test_unknown_step_and_impossible_dates_are_refused_without_event(engine, new_plan, advance):
    plan_id = new_plan()
    with pytest.raises(UnknownTrigger):
        advance(plan_id, "aprobar", date(2024, 1, 20))
    with pytest.raises(InvalidInput):
        advance(plan_id, "iniciar_construccion", date(2023, 12, 1))  # before the plan entered alistamiento
    with pytest.raises(InvalidInput):
        advance(plan_id, "iniciar_construccion", date(2099, 1, 1))
    assert len(_events(engine, plan_id)) == 1


@pytest.mark.parametrize("code", ["91405", "88001"])
def test_entities_without_their_own_pdt_are_refused_naming_the_department(engine, code):
    with UnitOfWork(engine, write=True) as uow, pytest.raises(PlanNotAllowed) as refused:
        services.create_plan(uow, entity_code=code, period=2024, actor=operator("test"))
    assert refused.value.details["department"] == code[:2]


def test_one_plan_per_entity_and_period(engine, new_plan):
    new_plan("05", 2024)
    with pytest.raises(PlanExists):
        new_plan("05", 2024)
    with pytest.raises(InvalidInput):
        new_plan("05", 2025)


def test_departments_use_their_own_words(engine, new_plan, file_doc, advance, record_strategy):
    plan_id = new_plan("05")
    for doc_type in CYCLE_WITHOUT_CONCEPTS:
        file_doc(plan_id, doc_type)
    record_strategy(plan_id)
    advance(plan_id, "iniciar_construccion", date(2024, 1, 20))
    advance(plan_id, "radicar_ante_ctp", date(2024, 2, 27))
    status = _status(engine, plan_id, date(2024, 4, 1))
    [to_council] = [s for s in status["next"] if s["trigger"] == "radicar_ante_corporacion"]
    message = next(c["message"] for c in to_council["checklist"] if c["rule"] == "radicado_corporacion_vigente")
    assert "ordenanza" in message and "la asamblea" in message


def test_withdrawn_document_no_longer_satisfies_its_rule(engine, new_plan, file_doc):
    plan_id = new_plan()
    file_doc(plan_id, "programa_gobierno")
    file_doc(plan_id, "programa_gobierno", status="retirado", content=None, filename=None)
    checklist = _status(engine, plan_id)["next"][0]["checklist"]
    assert not next(c for c in checklist if c["rule"] == "documento_programa_gobierno")["passed"]
    with UnitOfWork(engine) as uow:
        versions = uow.session.exec(select(AuditEvent).where(AuditEvent.plan_id == plan_id)).all()
        assert uow.session.get(Plan, plan_id).version == len(versions) == 3


CYCLE_WITHOUT_CONCEPTS = [d for d in (
    *(f"formato_empalme_{n:02d}" for n in range(1, 11)), "acta_informe_gestion", "acto_equipo_formulador",
    "programa_gobierno", "diagnostico", "diagnostico_infancia", "parte_estrategica", "plan_plurianual_inversiones",
    "acta_consejo_gobierno", "radicado_ctp", "radicado_autoridad_ambiental")]


def test_status_as_of_a_past_date_is_rebuilt_from_the_events(engine, plan_in_council):
    with UnitOfWork(engine) as uow:
        then = plan_status(uow, READER, plan_in_council, date(2024, 6, 1), as_of=date(2024, 2, 1))
        now = plan_status(uow, READER, plan_in_council, date(2024, 6, 1))
    assert (then["state"], then["state_entered_on"], then["as_of"]) == ("construccion_articulada", "2024-01-20", "2024-02-01")
    assert then["version"] < now["version"] and now["state"] == "discusion_corporaciones"
    [to_ctp] = then["next"]
    failing = {c["rule"] for c in to_ctp["checklist"] if not c["passed"]}
    # Filed later (diagnóstico 2024-02-05, parte estratégica 2024-02-10, radicado 2024-02-27): missing then.
    assert {"documento_diagnostico", "documento_radicado_ctp", "parte_estrategica_registrada"} <= failing
    with UnitOfWork(engine) as uow:
        later = plan_status(uow, READER, plan_in_council, date(2024, 6, 1), as_of=date(2024, 2, 12))
    failing_later = {c["rule"] for c in later["next"][0]["checklist"] if not c["passed"]}
    assert "documento_diagnostico" not in failing_later and "parte_estrategica_registrada" not in failing_later
    ctp = next(d for d in then["deadlines"] if d["code"] == "radicacion_ctp")
    assert (ctp["days_left"], ctp["met_on"]) == (28, None)


def test_a_plan_did_not_exist_before_its_creation_date(engine, plan_in_council):
    with UnitOfWork(engine) as uow, pytest.raises(NotFound):
        plan_status(uow, READER, plan_in_council, date(2024, 6, 1), as_of=date(2023, 12, 31))


def test_a_missing_acta_de_informe_de_gestion_is_justified_with_the_incoming_constancia(
        engine, new_plan, file_doc, advance):  # type: ignore[no-untyped-def]
    """When the outgoing mayor never delivered the acta (Ley 951 de 2005), the incoming
    administration records its justified absence and files the constancia with its report to the
    control bodies: alistamiento proceeds, and the council's report says so."""
    plan_id = new_plan()
    for n in range(1, 11):
        file_doc(plan_id, f"formato_empalme_{n:02d}")
    for doc_type in ("acto_equipo_formulador", "programa_gobierno"):
        file_doc(plan_id, doc_type)
    file_doc(plan_id, "acta_informe_gestion", date(2024, 1, 25), status="ausencia_justificada", content=None,
             filename=None, note="El alcalde saliente no entregó el acta dentro de los 15 días hábiles.")
    with pytest.raises(GuardFailed) as refused:
        advance(plan_id, "iniciar_construccion", date(2024, 1, 26))
    [failed] = [c for c in refused.value.details["checklist"] if not c["passed"]]
    assert failed["rule"] == "documento_acta_informe_gestion"
    assert "ausencia registrada, pero falta Constancia de la administración entrante" in failed["message"]
    file_doc(plan_id, "constancia_informe_gestion", date(2024, 1, 26))
    assert advance(plan_id, "iniciar_construccion", date(2024, 1, 26))["to"] == "construccion_articulada"
    with UnitOfWork(engine) as uow:
        report = services.views.council_report(uow, READER, plan_id, date(2024, 2, 1))
    lines = {line["code"]: line for line in report["lines"]}
    assert lines["acta_informe_gestion"]["absence_justified"] and lines["constancia_informe_gestion"]["filed"]
    with pytest.raises(InvalidInput, match="no admite ausencia justificada"):
        file_doc(plan_id, "acto_equipo_formulador", status="ausencia_justificada", content=None, filename=None,
                 note="No se expidió.")


def test_a_filed_acta_needs_no_constancia(engine, new_plan, file_doc) -> None:  # type: ignore[no-untyped-def]
    plan_id = new_plan()
    file_doc(plan_id, "acta_informe_gestion")
    with UnitOfWork(engine) as uow:
        report = services.views.council_report(uow, READER, plan_id, date(2024, 2, 1))
    lines = {line["code"]: line for line in report["lines"]}
    assert lines["acta_informe_gestion"]["filed"] and lines["constancia_informe_gestion"]["waived"]


def test_the_council_reads_its_own_terms_and_the_filing_that_starts_them(engine, plan_in_council) -> None:  # type: ignore[no-untyped-def]
    """Derived from the definition (the council's `duty_of` and the act its term runs from), not
    named in code: the filing before the council, and the council's month to decide."""
    with UnitOfWork(engine) as uow:
        report = services.views.council_report(uow, READER, plan_in_council, date(2024, 5, 10))
    terms = report["council_deadlines"]
    assert [d["code"] for d in terms] == ["radicacion_corporacion", "decision_corporacion"]
    assert terms[1]["situation"] == "faltan 17 días"
