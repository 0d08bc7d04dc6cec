"""Legal terms as an iCalendar feed (RFC 5545, written by the `icalendar` library) that a calendar
app subscribes to: one all-day event per dated term of each plan, with its basis, who must act and
how it was counted, in Spanish.

A legal term ends on a day, not at an hour (Ley 4 de 1913, art. 59-62), so events are all-day
(DTSTART;VALUE=DATE, and DTEND the next day, exclusive): no time zone can move them. Each event's
UID names the plan and the term, and its SEQUENCE is the plan's version, so when an act filed moves
or meets a term the app updates the event it has instead of adding another. An unmet term carries
an alarm on the day its alert falls due (`alert_day`), at 8:00 in Colombia."""

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from icalendar import Alarm, Calendar, Event

from kpt_workflow.law import calendar
from kpt_workflow.reports.plan_terms import PlanTerms

PRODID = "-//kpt-workflow//Plazos legales de los Planes de Desarrollo Territorial//ES"
UID_DOMAIN = "kpt-workflow"
ALARM_TIME = time(8, 0)  # when an alert rings on its day, Colombia's time
SYNTHETIC = "Datos SINTÉTICOS de demostración: ningún documento, fecha ni número corresponde a una entidad real."


def alert_day(deadline: Mapping[str, Any], working_days: int) -> date:
    """The day the alert of a dated term falls due: `working_days` working days before it."""
    return calendar.working_days_before(date.fromisoformat(deadline["date"]), working_days)


def plan_heading(terms: PlanTerms) -> str:
    """A plan as its alerts and events name it: Medellín, período 2024–2027 (05001-2024)."""
    plan = terms.plan
    return f"{plan.entity_name}, período {calendar.period_years(plan.period)} ({plan.id})"


def term_lines(terms: PlanTerms, deadline: Mapping[str, Any]) -> list[str]:
    """What a term says about itself, in words and Colombian dates (the events' description and
    the alerts' body)."""
    plan = terms.plan
    where = f" ({plan.department_name})" if plan.entity_kind != "departamento" else ""
    return [
        f"Plan: {plan.entity_name}{where}, período {calendar.period_years(plan.period)} ({plan.id}); "
        f"{terms.workflow_title}, en «{terms.state_label}».",
        f"Plazo: {deadline['label']}.",
        f"Vence: {calendar.written_date(date.fromisoformat(deadline['date']), weekday=True)}.",
        f"A cargo de: {deadline['duty_of_label']}.",
        f"Situación al {calendar.written_date(terms.day)}: {deadline['situation']}.",
        f"Cómo se cuenta: {str(deadline['reading']).rstrip('.')}.",
        f"Fundamento: {deadline['basis']}.",
    ]


def calendar_feed(title: str, plans: Iterable[PlanTerms], *, synthetic: bool, alert_working_days: int,
                  now: datetime) -> bytes:
    """The feed named `title`: every dated term of `plans`. `now` stamps the events (DTSTAMP)."""
    feed = Calendar()
    for name, value in (("prodid", PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"), ("method", "PUBLISH"),
                        ("x-wr-calname", f"{title} (datos sintéticos)" if synthetic else title),
                        ("x-wr-timezone", "America/Bogota"),
                        ("x-wr-caldesc", "Plazos legales de los Planes de Desarrollo Territorial (Ley 152 de 1994), "
                                         "contados con el calendario colombiano." + (f" {SYNTHETIC}" if synthetic else ""))):
        feed.add(name, value)
    for terms in plans:
        for deadline in terms.dated:
            feed.add_component(_event(terms, deadline, synthetic, alert_working_days, now))
    return feed.to_ical()


def _event(terms: PlanTerms, deadline: Mapping[str, Any], synthetic: bool, alert_working_days: int,
           now: datetime) -> Event:
    day = date.fromisoformat(deadline["date"])
    met = deadline["met_on"] is not None
    event = Event()
    event.add("uid", f"{terms.plan.id}.{deadline['code']}@{UID_DOMAIN}")
    event.add("dtstamp", now.astimezone(timezone.utc))
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", f"{'Cumplido' if met else 'Plazo'}: {deadline['label']} — {plan_heading(terms)}")
    event.add("description", "\n".join(term_lines(terms, deadline) + ([SYNTHETIC] if synthetic else [])))
    event.add("categories", ["Plazo legal"])
    event.add("transp", "TRANSPARENT")  # a term ends on a day; it does not make anyone busy
    event.add("sequence", terms.plan.version)
    if not met and not terms.terminal:
        rings = datetime.combine(alert_day(deadline, alert_working_days), ALARM_TIME, calendar.COLOMBIA)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Aviso: {deadline['label']} vence el {calendar.written_date(day)}.")
        alarm.add("trigger", rings.astimezone(timezone.utc), parameters={"VALUE": "DATE-TIME"})
        event.add_component(alarm)
    return event
