"""`term_end`, the calendar as a table: what `kpt init` stores is what the status view computes,
and a later init corrects a row that no longer matches (a holiday moved by a new law)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from kpt_workflow.law import calendar

from kpt_workflow import services
from kpt_workflow.services.access import operator
from kpt_workflow.services.bootstrap import init_database
from kpt_workflow.law.deadlines import readings
from kpt_workflow.lifecycle.engine import workflow
from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.storage.term_ends import FIRST_DAY, LAST_DAY, TERM_END, refresh, term_key
from kpt_workflow.storage.unit_of_work import UnitOfWork

TERMS = {term_key(t): t for spec in workflow("pdt").definition.deadlines for t in spec.terms}


def _stored(engine, unit: str, length: int, anchor_day: date) -> tuple[date, date] | None:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        row = uow.connection.execute(select(TERM_END.c.earliest, TERM_END.c.latest).where(
            TERM_END.c.unit == unit, TERM_END.c.length == length, TERM_END.c.anchor_day == anchor_day)).first()
    return None if row is None else (row[0], row[1])


@pytest.mark.parametrize("anchor_day", [FIRST_DAY, date(2024, 2, 27), date(2024, 3, 23), date(2024, 12, 24),
                                        date(2025, 1, 31), LAST_DAY])
def test_every_term_of_the_definition_ends_where_the_calendar_says(engine, anchor_day):
    for (unit, length), term in TERMS.items():
        if unit == "months_of_period":
            continue
        days = [r.day for r in readings(term, anchor_day)]
        assert _stored(engine, unit, length, anchor_day) == (min(days), max(days)), (unit, length)


def test_terms_of_the_period_run_from_each_posesion_covered(engine):
    for (unit, length), term in TERMS.items():
        if unit != "months_of_period":
            continue
        with UnitOfWork(engine) as uow:
            anchors = list(uow.connection.scalars(select(TERM_END.c.anchor_day).where(
                TERM_END.c.unit == unit, TERM_END.c.length == length).order_by(TERM_END.c.anchor_day)))
        assert anchors == [date(year, 1, 1) for year in range(2004, 2061, 4)]
        day = readings(term, date(2024, 1, 1))[0].day
        assert _stored(engine, unit, length, date(2024, 1, 1)) == (day, day)


def test_a_row_that_differs_from_the_calendar_is_corrected_and_a_second_refresh_changes_nothing(engine):
    key = (TERM_END.c.unit == "months", TERM_END.c.length == 1, TERM_END.c.anchor_day == date(2024, 2, 27))
    right = _stored(engine, "months", 1, date(2024, 2, 27))
    with UnitOfWork(engine, write=True) as uow:
        uow.connection.execute(TERM_END.update().where(*key).values(latest=date(2024, 4, 1)))
        uow.connection.execute(TERM_END.delete().where(TERM_END.c.unit == "working_days",
                                                       TERM_END.c.anchor_day == date(2024, 3, 1)))
        assert refresh(uow.connection) == (1, 1)
        assert refresh(uow.connection) == (0, 0)
        total = uow.connection.execute(select(func.count()).select_from(TERM_END)).scalar_one()
        uow.commit()
    assert _stored(engine, "months", 1, date(2024, 2, 27)) == right
    days = (LAST_DAY - FIRST_DAY).days + 1
    assert total == 2 * days + 2 * 15  # months and working days from every day; two terms of the period, 15 periods


def test_init_reports_the_days_it_covers(engine):
    assert init_database(engine)["term_ends"] == {"added": 0, "updated": 0, "days": ["2003-01-01", "2063-12-31"]}


def test_a_plan_for_a_period_after_the_next_one_is_refused(engine):
    """`term_end` covers the periods a plan may be made for: this one and the next."""
    after_next = calendar.period_containing(calendar.today_in_colombia()) + 2 * calendar.PERIOD_YEARS
    with UnitOfWork(engine, write=True) as uow, pytest.raises(InvalidInput, match="el que empieza en"):
        services.create_plan(uow, entity_code="05001", period=after_next, actor=operator("prueba"))


def test_the_table_covers_every_day_a_plan_that_may_be_made_today_can_anchor_a_term_on():
    """A plan is made for this period or the next (above), and its terms run from acts within its
    period: the day LAST_DAY nears the end of the next period, it must move (this test says so)."""
    next_period = calendar.period_containing(calendar.today_in_colombia()) + calendar.PERIOD_YEARS
    assert calendar.period_end(next_period) <= LAST_DAY
