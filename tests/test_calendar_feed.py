"""The calendar feeds, read back with the `icalendar` library as a calendar app would: one all-day
event per dated legal term, the same days as the plan's status, updated when an act is filed."""

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from kpt_workflow.base.errors import NotFound, PlanNotFound
from kpt_workflow.law import calendar
from kpt_workflow.services import calendars, views
from kpt_workflow.services.access import Actor, operator
from kpt_workflow.storage.unit_of_work import UnitOfWork

TODAY = date(2024, 5, 2)
OPERATOR = operator("test")
FOREIGN_OFFICE = Actor("bogota", "planeacion", "11001")


def feed(engine, plan_id: str, today: date = TODAY, reader=OPERATOR, working_days: int = 5) -> Calendar:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        return Calendar.from_ical(calendars.plan_calendar(uow, reader, plan_id, today, alert_working_days=working_days))


def events(calendar_: Calendar) -> dict[str, object]:
    """Events by the code of their term (the UID is plan.code@domain)."""
    return {str(e["UID"]).split("@")[0].split(".", 1)[1]: e for e in calendar_.walk("VEVENT")}


def status_terms(engine, plan_id: str, today: date = TODAY) -> dict[str, dict[str, object]]:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        return {d["code"]: d for d in views.status(uow, OPERATOR, plan_id, today)["deadlines"]}


def test_feed_has_one_all_day_event_per_dated_term_on_the_status_day(engine, plan_in_council):
    terms = status_terms(engine, plan_in_council)
    found = events(feed(engine, plan_in_council))
    dated = {code for code, term in terms.items() if term["date"] is not None}
    assert set(found) == dated and dated >= {"radicacion_ctp", "decision_corporacion"}
    for code, event in found.items():
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is date and type(end) is date  # VALUE=DATE: no time zone can move a legal day
        assert start.isoformat() == terms[code]["date"] and (end - start).days == 1
        assert terms[code]["label"] in str(event["SUMMARY"]) and "MEDELLÍN" in str(event["SUMMARY"])
        description = str(event["DESCRIPTION"])
        assert f"Fundamento: {terms[code]['basis']}." in description
        assert calendar.written_date(start, weekday=True) in description  # Colombian dates, not ISO
        assert f"A cargo de: {terms[code]['duty_of_label']}." in description


def test_met_terms_say_so_and_unmet_ones_ring_n_working_days_before(engine, plan_in_council):
    found = events(feed(engine, plan_in_council, working_days=5))
    assert str(found["radicacion_ctp"]["SUMMARY"]).startswith("Cumplido:") and not found["radicacion_ctp"].subcomponents
    decision = found["decision_corporacion"]  # the council's month, still open on 2 May 2024
    assert str(decision["SUMMARY"]).startswith("Plazo:")
    [alarm] = decision.subcomponents
    day = decision.decoded("DTSTART")
    rings = datetime.combine(calendar.working_days_before(day, 5), time(8), ZoneInfo("America/Bogota"))
    assert alarm.decoded("TRIGGER") == rings.astimezone(timezone.utc)
    assert alarm["TRIGGER"].params["VALUE"] == "DATE-TIME"


def test_filing_an_act_moves_the_feed(engine, new_plan, file_doc):
    plan_id = new_plan()
    before = events(feed(engine, plan_id, date(2024, 2, 1)))
    assert "concepto_ctp" not in before  # its month runs from the CTP's radicado, not filed yet
    assert str(before["radicacion_ctp"]["SUMMARY"]).startswith("Plazo:")
    file_doc(plan_id, "radicado_ctp", date(2024, 2, 27), "CTP-2024-001")
    after = events(feed(engine, plan_id, date(2024, 2, 28)))
    assert str(after["radicacion_ctp"]["SUMMARY"]).startswith("Cumplido:")
    assert after["concepto_ctp"].decoded("DTSTART").isoformat() == status_terms(engine, plan_id, date(2024, 2, 28))[
        "concepto_ctp"]["date"]
    # Same UID, higher SEQUENCE: a calendar app updates the event it holds instead of adding one.
    assert after["radicacion_ctp"]["UID"] == before["radicacion_ctp"]["UID"]
    assert after["radicacion_ctp"]["SEQUENCE"] > before["radicacion_ctp"]["SEQUENCE"]


def test_entity_feed_holds_the_terms_of_each_of_its_plans(engine, new_plan):
    new_plan("05001", 2024)
    new_plan("05001", 2028)
    new_plan("11001", 2024)
    with UnitOfWork(engine) as uow:
        read = Calendar.from_ical(calendars.entity_calendar(uow, OPERATOR, "05001", date(2024, 1, 10),
                                                            alert_working_days=5))
    plans = {str(e["UID"]).split(".")[0] for e in read.walk("VEVENT")}
    assert plans == {"05001-2024", "05001-2028"}
    assert "MEDELLÍN" in str(read["X-WR-CALNAME"])


def test_a_foreign_plan_or_entity_is_not_found(engine, new_plan):
    plan_id = new_plan("05001")
    with pytest.raises(PlanNotFound):
        feed(engine, plan_id, reader=FOREIGN_OFFICE)
    with UnitOfWork(engine) as uow, pytest.raises(NotFound):
        calendars.entity_calendar(uow, FOREIGN_OFFICE, "05001", TODAY, alert_working_days=5)


def test_synthetic_data_names_itself_in_the_feed(engine, new_plan, synthetic):
    read = feed(engine, new_plan())
    assert "(datos sintéticos)" in str(read["X-WR-CALNAME"])
    assert all("Datos SINTÉTICOS" in str(e["DESCRIPTION"]) for e in read.walk("VEVENT"))


def test_real_data_is_not_called_synthetic(engine, new_plan):
    read = feed(engine, new_plan())
    assert "sintétic" not in str(read["X-WR-CALNAME"]).lower()


def test_every_term_of_the_tidy_cycle_is_in_the_feed_once(engine, plan_in_council):
    uids = [str(e["UID"]) for e in feed(engine, plan_in_council).walk("VEVENT")]
    assert len(uids) == len(set(uids)) and all(uid.startswith(f"{plan_in_council}.") for uid in uids)
