"""Alerts of legal terms: due N working days before a term (Colombian calendar), until it is met;
one more once it has passed unmet; none for a plan whose process ended. The outbox gets each
alert once per user it concerns who has a mail address, however often it is filled."""

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import update

from kpt_workflow.base.errors import Forbidden
from kpt_workflow.services import alerts
from kpt_workflow.services.access import Actor, operator
from kpt_workflow.services.accounts import create_user
from kpt_workflow.storage.tables import AlertOutbox
from kpt_workflow.storage.unit_of_work import UnitOfWork

OPERATOR = operator("test")
OFFICE = Actor("ana", "planeacion", "05001")
COUNCIL = Actor("concejo", "corporacion", "05001")  # the `decide` fixture's
FOREIGN_OFFICE = Actor("bogota", "planeacion", "11001")


def due(engine, today: date, actor: Actor = OPERATOR, working_days: int = 5) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(plan, term, kind) of each alert due."""
    with UnitOfWork(engine) as uow:
        shown = alerts.alerts_for(uow, actor, today, working_days)
    return [(a["plan_id"], a["deadline"], a["kind"]) for a in shown["alerts"]]


def queue(engine, today: date, working_days: int = 5) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine, write=True) as uow:
        return alerts.queue(uow, OPERATOR, today, working_days)


def outbox(engine, **options: bool) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        return alerts.outbox(uow, OPERATOR, **options)


@pytest.fixture
def people(engine) -> None:  # type: ignore[no-untyped-def]
    """Medellín's office and council with addresses, a second office user without one, Bogotá's office."""
    with UnitOfWork(engine, write=True) as uow:
        for username, role, entity, email in (("ana", "planeacion", "05001", "ana@medellin.gov.co"),
                                              ("concejo", "corporacion", "05001", "concejo@medellin.gov.co"),
                                              ("pedro", "planeacion", "05001", None),
                                              ("bogota", "planeacion", "11001", "planeacion@bogota.gov.co")):
            create_user(uow.session, username=username, role=role, entity_code=entity, email=email)
        uow.commit()


def test_a_term_falls_due_n_working_days_before_its_day(engine, new_plan):
    plan_id = new_plan()  # radicación ante el CTP: Thursday 29 February 2024
    assert (plan_id, "radicacion_ctp", "aviso") not in due(engine, date(2024, 2, 21))
    assert (plan_id, "radicacion_ctp", "aviso") in due(engine, date(2024, 2, 22))  # 5 working days before
    assert (plan_id, "radicacion_ctp", "aviso") in due(engine, date(2024, 2, 29))  # still due on its day
    assert (plan_id, "radicacion_ctp", "aviso") in due(engine, date(2024, 2, 15), working_days=10)
    assert (plan_id, "radicacion_ctp", "aviso") not in due(engine, date(2024, 2, 14), working_days=10)


def test_a_term_past_unmet_calls_for_one_more_alert(engine, new_plan):
    plan_id = new_plan()
    assert (plan_id, "radicacion_ctp", "vencido") in due(engine, date(2024, 3, 1))


def test_a_met_term_calls_for_none(engine, new_plan, file_doc):
    plan_id = new_plan()
    file_doc(plan_id, "radicado_ctp", date(2024, 2, 27), "CTP-2024-001")
    assert not [a for a in due(engine, date(2024, 3, 1)) if a[1] == "radicacion_ctp"]


def test_a_plan_whose_process_ended_calls_for_none(engine, plan_in_council, decide):
    assert (plan_in_council, "decision_corporacion", "aviso") in due(engine, date(2024, 5, 21))
    decide(plan_in_council, "aprobar", date(2024, 5, 20), number="Acuerdo 05")
    assert due(engine, date(2024, 5, 21)) == []


def test_each_role_is_alerted_of_the_terms_that_concern_it(engine, plan_in_council, new_plan):
    other = new_plan("11001")
    day = date(2024, 5, 21)  # the council's month ends on 27 May; Bogotá's filing deadlines on 30 April passed
    assert due(engine, day, COUNCIL) == [(plan_in_council, "decision_corporacion", "aviso")]
    office = due(engine, day, OFFICE)
    assert (plan_in_council, "decision_corporacion", "aviso") in office and {p for p, _, _ in office} == {plan_in_council}
    assert {p for p, _, _ in due(engine, day, FOREIGN_OFFICE)} == {other}
    assert {p for p, _, _ in due(engine, day)} == {plan_in_council, other}


def test_the_alert_speaks_spanish_with_labels_colombian_dates_and_basis(engine, new_plan):
    new_plan()
    with UnitOfWork(engine) as uow:
        [alert] = alerts.alerts_for(uow, OPERATOR, date(2024, 2, 22), 5)["alerts"]
    assert alert["when"] == "vence el jueves 29 de febrero de 2024" and alert["kind_label"] == "Próximo a vencer"
    assert alert["subject"].startswith("Aviso: «Radicar el proyecto ante el Consejo Territorial de Planeación")
    assert alert["basis"] == "Ley 152 de 1994, art. 39" and alert["duty_of_label"] == "Entidad territorial"


def test_the_outbox_gets_each_alert_once_per_user_with_an_address(engine, new_plan, people):
    plan_id = new_plan()
    first = queue(engine, date(2024, 2, 22))
    assert (first["due"], first["queued"], first["already_queued"]) == (1, 1, 0)
    assert queue(engine, date(2024, 2, 23))["queued"] == 0  # the same alert, still due: not written again
    [row] = outbox(engine)
    assert (row["recipient"], row["to_address"], row["plan_id"], row["deadline"], row["kind"]) == (
        "ana", "ana@medellin.gov.co", plan_id, "radicacion_ctp", "aviso")  # not pedro (no address), not the council
    assert (row["deadline_date"], row["due_on"], row["sent_at"]) == ("2024-02-29", "2024-02-22", None)
    assert "vence el 29 de febrero de 2024" in str(row["subject"])
    body = str(row["body"])
    assert "5 días hábiles antes del vencimiento" in body and "Fundamento: Ley 152 de 1994, art. 39." in body
    assert "Vence: jueves 29 de febrero de 2024." in body and "Situación al 22 de febrero de 2024" in body
    assert queue(engine, date(2024, 3, 1))["queued"] == 1  # past unmet: one more
    assert [r["kind"] for r in outbox(engine)] == ["aviso", "vencido"]


def test_the_council_and_the_office_both_get_the_councils_term(engine, plan_in_council, people):
    queue(engine, date(2024, 5, 21))
    rows = {(r["recipient"], r["deadline"]) for r in outbox(engine)}
    assert rows == {("ana", "decision_corporacion"), ("concejo", "decision_corporacion")}


def test_a_relay_sees_only_what_it_has_not_sent(engine, new_plan, people):
    new_plan()
    queue(engine, date(2024, 3, 1))
    [sent, *pending] = outbox(engine)
    with UnitOfWork(engine, write=True) as uow:  # what an SMTP relay does once it has sent a row
        uow.connection.execute(update(AlertOutbox.__table__).where(AlertOutbox.__table__.c.id == sent["id"])
                               .values(sent_at=datetime.now(timezone.utc)))
        uow.commit()
    assert [r["id"] for r in outbox(engine, pending_only=True)] == [r["id"] for r in pending]
    assert queue(engine, date(2024, 3, 1))["queued"] == 0  # a sent row is not written again either


def test_only_the_administration_fills_or_reads_the_outbox(engine, new_plan):
    new_plan()
    with UnitOfWork(engine, write=True) as uow, pytest.raises(Forbidden):
        alerts.queue(uow, OFFICE, date(2024, 2, 22), 5)
    with UnitOfWork(engine) as uow, pytest.raises(Forbidden):
        alerts.outbox(uow, OFFICE)
