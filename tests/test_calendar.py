"""The Colombian legal calendar: every expected date below was worked out by hand.

Weekdays used: 2024-01-01 Mon, 2024-03-01 Fri, 2024-04-01 Mon, 2024-06-01 Sat;
2028-01-01 Sat, 2028-03-01 Wed, 2028-04-01 Sat, 2028-05-01 Mon. Easter: 2024-03-31, 2028-04-16.
"""

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpt_workflow.law import calendar as calendar_module
from kpt_workflow.law.calendar import (
    TermReadings,
    add_months,
    add_working_days,
    election_day,
    end_of_month_n,
    is_period_start_year,
    is_working_day,
    month_term,
    month_term_from_next_day,
    month_term_same_number,
    next_working_day,
    parse_iso_date,
    period_containing,
    period_end,
    period_start,
    today_in_colombia,
    working_days_before,
    written_date,
)

D = date.fromisoformat


# --- holidays and working days ---------------------------------------------------------------

# Ley Emiliani holidays moved to Monday, and Holy Week (Thursday and Friday, never moved).
HOLIDAYS = [
    pytest.param("2024-03-25", id="2024-san-jose-from-tue-19"),
    pytest.param("2024-03-28", id="2024-jueves-santo"),
    pytest.param("2024-03-29", id="2024-viernes-santo"),
    pytest.param("2024-05-01", id="2024-dia-del-trabajo-wed"),
    pytest.param("2024-05-13", id="2024-ascension-easter+43"),
    pytest.param("2024-06-03", id="2024-corpus-christi-easter+64"),
    pytest.param("2024-06-10", id="2024-sagrado-corazon-easter+71"),
    pytest.param("2024-07-01", id="2024-san-pedro-from-sat-29"),
    pytest.param("2028-03-20", id="2028-san-jose-from-sun-19"),
    pytest.param("2028-04-13", id="2028-jueves-santo"),
    pytest.param("2028-04-14", id="2028-viernes-santo"),
    pytest.param("2028-05-01", id="2028-dia-del-trabajo-mon"),
    pytest.param("2028-05-29", id="2028-ascension-easter+43"),
    pytest.param("2028-06-19", id="2028-corpus-christi-easter+64"),
    pytest.param("2028-06-26", id="2028-sagrado-corazon-easter+71"),
]


@pytest.mark.parametrize("day", HOLIDAYS)
def test_holiday_is_not_a_working_day(day):
    assert D(day).weekday() < 5  # a weekday: only the holiday makes it non-working
    assert not is_working_day(D(day))


# The original date of a moved holiday is an ordinary working day; so is Easter Monday.
@pytest.mark.parametrize(
    "day",
    [
        pytest.param("2024-03-19", id="2024-san-jose-original-tue"),
        pytest.param("2024-05-09", id="2024-ascension-original-thu"),
        pytest.param("2024-05-30", id="2024-corpus-original-thu"),
        pytest.param("2024-06-07", id="2024-sagrado-corazon-original-fri"),
        pytest.param("2024-04-01", id="2024-easter-monday"),
        pytest.param("2028-05-25", id="2028-ascension-original-thu"),
        pytest.param("2028-06-15", id="2028-corpus-original-thu"),
        pytest.param("2028-06-23", id="2028-sagrado-corazon-original-fri"),
        pytest.param("2028-04-17", id="2028-easter-monday"),
        pytest.param("2024-12-31", id="2024-new-years-eve"),
    ],
)
def test_moved_holiday_original_date_is_a_working_day(day):
    assert is_working_day(D(day))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param("2024-02-29", "2024-02-29", id="working-day-is-itself"),
        pytest.param("2024-03-23", "2024-03-26", id="weekend-then-san-jose"),
        pytest.param("2024-03-28", "2024-04-01", id="2024-holy-week"),
        pytest.param("2028-04-13", "2028-04-17", id="2028-holy-week"),
        pytest.param("2028-04-29", "2028-05-02", id="2028-weekend-then-labour-day"),
        pytest.param("2028-12-30", "2029-01-02", id="weekend-then-new-year-across-years"),
    ],
)
def test_next_working_day_skips_weekends_and_holidays(day, expected):
    assert next_working_day(D(day)) == D(expected)


# --- terms of months ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        pytest.param("2024-01-31", 1, "2024-02-29", id="clamps-to-leap-february"),
        pytest.param("2023-01-31", 1, "2023-02-28", id="clamps-to-common-february"),
        pytest.param("2024-02-29", 12, "2025-02-28", id="leap-day-plus-a-year"),
        pytest.param("2024-08-31", 6, "2025-02-28", id="across-year-clamped"),
        pytest.param("2024-03-31", -1, "2024-02-29", id="backwards-clamped"),
        pytest.param("2024-03-30", 1, "2024-04-30", id="same-number-exists"),
        pytest.param("2024-03-29", 0, "2024-03-29", id="zero-months-no-extension"),
    ],
)
def test_add_months_keeps_day_number_or_clamps_without_extension(day, months, expected):
    assert add_months(D(day), months) == D(expected)


# (act, months, same-number reading, from-next-day reading), both after the working-day extension.
MONTH_TERMS = [
    # The examples of the brief and of Fallo 3882 de 1999 (filed 30 April, month from 1 to 31 May).
    pytest.param("2024-04-30", 1, "2024-05-30", "2024-05-31", id="2024-filed-30-april-differ"),
    pytest.param("2024-02-15", 1, "2024-03-15", "2024-03-15", id="2024-mid-month-agree"),
    pytest.param("2024-01-30", 1, "2024-02-29", "2024-02-29", id="2024-30-jan-clamped-both"),
    pytest.param("2024-01-31", 1, "2024-02-29", "2024-02-29", id="2024-31-jan-clamped-both"),
    pytest.param("2024-01-29", 1, "2024-02-29", "2024-02-29", id="2024-29-jan-leap-agree"),
    pytest.param("2024-01-28", 1, "2024-02-28", "2024-02-28", id="2024-28-jan-agree"),
    pytest.param("2023-01-27", 1, "2023-02-27", "2023-02-27", id="2023-27-jan-agree"),
    pytest.param("2024-03-29", 1, "2024-04-29", "2024-04-29", id="2024-29-mar-agree"),
    # Act on 29 Feb 2024: 29 Mar is Viernes Santo, 31 Mar Easter Sunday: both reach Monday 1 Apr.
    pytest.param("2024-02-29", 1, "2024-04-01", "2024-04-01", id="2024-feb-29-holy-week"),
    pytest.param("2024-02-28", 1, "2024-04-01", "2024-04-01", id="2024-jueves-santo"),
    # Terms ending on Ley Emiliani Mondays (and acts on weekends).
    pytest.param("2024-02-25", 1, "2024-03-26", "2024-03-26", id="2024-sun-act-san-jose"),
    pytest.param("2024-04-13", 1, "2024-05-14", "2024-05-14", id="2024-sat-act-ascension"),
    pytest.param("2024-04-03", 2, "2024-06-04", "2024-06-04", id="2024-corpus-christi"),
    pytest.param("2024-05-10", 1, "2024-06-11", "2024-06-11", id="2024-sagrado-corazon"),
    pytest.param("2024-08-14", 1, "2024-09-16", "2024-09-16", id="2024-ends-saturday"),
    # 30 June is a Sunday and 1 July San Pedro y San Pablo (moved from Saturday 29 June).
    pytest.param("2024-05-31", 1, "2024-07-02", "2024-07-02", id="2024-31-may-clamped-sun-hol"),
    pytest.param("2024-01-01", 4, "2024-05-02", "2024-05-02", id="2024-ends-labour-day"),
    # Acts on the last day of a month shorter than the final one: the readings differ.
    pytest.param("2024-06-30", 1, "2024-07-30", "2024-07-31", id="2024-sun-30-june-differ"),
    pytest.param("2024-09-30", 1, "2024-10-30", "2024-10-31", id="2024-30-sept-differ"),
    pytest.param("2024-11-30", 1, "2024-12-30", "2024-12-31", id="2024-sat-30-nov-differ"),
    pytest.param("2023-02-28", 1, "2023-03-28", "2023-03-31", id="2023-28-feb-differ"),
    # 2028 period.
    pytest.param("2028-02-29", 1, "2028-03-29", "2028-03-31", id="2028-feb-29-differ"),
    pytest.param("2028-04-30", 1, "2028-05-30", "2028-05-31", id="2028-sun-30-april-differ"),
    pytest.param("2028-01-30", 1, "2028-02-29", "2028-02-29", id="2028-30-jan-clamped-both"),
    pytest.param("2028-01-31", 1, "2028-02-29", "2028-02-29", id="2028-31-jan-clamped-both"),
    pytest.param("2028-01-28", 1, "2028-02-28", "2028-02-28", id="2028-28-jan-agree"),
    pytest.param("2028-05-31", 1, "2028-06-30", "2028-06-30", id="2028-31-may-clamped-both"),
    # 30 July is a Sunday: the unextended days (30 and 31 July) differ, the deadlines agree.
    pytest.param("2028-06-30", 1, "2028-07-31", "2028-07-31", id="2028-30-june-sunday-merge"),
    pytest.param("2028-02-20", 1, "2028-03-21", "2028-03-21", id="2028-sun-act-san-jose"),
    pytest.param("2028-03-13", 1, "2028-04-17", "2028-04-17", id="2028-jueves-santo"),
    pytest.param("2028-03-14", 1, "2028-04-17", "2028-04-17", id="2028-viernes-santo"),
    pytest.param("2028-04-29", 1, "2028-05-30", "2028-05-30", id="2028-sat-act-ascension"),
    pytest.param("2028-05-19", 1, "2028-06-20", "2028-06-20", id="2028-corpus-christi"),
    pytest.param("2028-04-26", 2, "2028-06-27", "2028-06-27", id="2028-sagrado-corazon"),
    pytest.param("2028-03-01", 1, "2028-04-03", "2028-04-03", id="2028-ends-saturday"),
    # 30 April 2028 is a Sunday and 1 May Labour Day.
    pytest.param("2028-03-31", 1, "2028-05-02", "2028-05-02", id="2028-31-mar-sun-labour-day"),
    # 30 Dec 2028 Saturday, 31 Dec Sunday, 1 Jan 2029 holiday.
    pytest.param("2028-11-30", 1, "2029-01-02", "2029-01-02", id="2028-30-nov-across-year"),
]


@pytest.mark.parametrize(("act", "months", "same_number", "from_next_day"), MONTH_TERMS)
def test_month_term_readings(act, months, same_number, from_next_day):
    assert month_term_same_number(D(act), months) == D(same_number)
    assert month_term_from_next_day(D(act), months) == D(from_next_day)
    assert month_term(D(act), months) == TermReadings(D(same_number), D(from_next_day))


def test_council_month_from_30_april_warns_on_30_may_and_allows_decree_after_31_may():
    readings = month_term(D("2024-04-30"), 1)
    assert readings.earliest == D("2024-05-30")
    assert readings.latest == D("2024-05-31")


def test_term_readings_order_does_not_depend_on_field_order():
    readings = TermReadings(same_number=D("2024-05-31"), from_next_day=D("2024-05-30"))
    assert (readings.earliest, readings.latest) == (D("2024-05-30"), D("2024-05-31"))


# --- deadlines within the first N months of a period -------------------------------------------


@pytest.mark.parametrize(
    ("period", "months", "expected"),
    [
        pytest.param(2024, 1, "2024-01-31", id="2024-n1-wednesday"),
        pytest.param(2024, 2, "2024-02-29", id="2024-n2-ctp-thursday"),
        pytest.param(2024, 3, "2024-04-01", id="2024-n3-easter-sunday"),
        pytest.param(2024, 4, "2024-04-30", id="2024-n4-concejo-tuesday"),
        pytest.param(2028, 1, "2028-01-31", id="2028-n1-monday"),
        pytest.param(2028, 2, "2028-02-29", id="2028-n2-ctp-tuesday"),
        pytest.param(2028, 4, "2028-05-02", id="2028-n4-sunday-then-labour-day"),
        pytest.param(2020, 2, "2020-03-02", id="2020-n2-saturday"),
        pytest.param(2020, 4, "2020-04-30", id="2020-n4-thursday"),
    ],
)
def test_end_of_month_n(period, months, expected):
    assert end_of_month_n(period_start(period), months) == D(expected)


def test_end_of_month_n_refuses_zero_months():
    with pytest.raises(ValueError, match="número de meses inválido"):
        end_of_month_n(D("2024-01-01"), 0)


# --- terms of working days ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "days", "expected"),
    [
        pytest.param("2024-03-22", 1, "2024-03-26", id="2024-weekend-and-san-jose"),
        pytest.param("2024-03-27", 1, "2024-04-01", id="2024-holy-week-and-weekend"),
        pytest.param("2024-04-30", 1, "2024-05-02", id="2024-labour-day"),
        # The CAR's "about 15 working days" from the CTP filing deadline (19 March 2024 is working).
        pytest.param("2024-02-29", 15, "2024-03-21", id="2024-car-15-days"),
        pytest.param("2028-02-29", 15, "2028-03-22", id="2028-car-15-days-san-jose"),
        pytest.param("2028-04-12", 1, "2028-04-17", id="2028-holy-week"),
        pytest.param("2024-03-30", 0, "2024-03-30", id="zero-days-is-the-day"),
    ],
)
def test_add_working_days_skips_weekends_and_holidays(day, days, expected):
    assert add_working_days(D(day), days) == D(expected)


def test_add_working_days_refuses_negative_days():
    with pytest.raises(ValueError, match="días hábiles inválido"):
        add_working_days(D("2024-03-01"), -1)


@pytest.mark.parametrize(("day", "days", "expected"), [
    pytest.param("2024-02-29", 5, "2024-02-22", id="2024-ctp-filing-a-week-before"),
    pytest.param("2024-04-02", 3, "2024-03-26", id="2024-back-over-holy-week-and-weekend"),
    pytest.param("2024-05-02", 1, "2024-04-30", id="2024-back-over-labour-day"),
    pytest.param("2024-03-30", 0, "2024-03-30", id="zero-days-is-the-day"),
])
def test_working_days_before_skips_weekends_and_holidays(day, days, expected):
    assert working_days_before(D(day), days) == D(expected)


def test_working_days_before_refuses_negative_days():
    with pytest.raises(ValueError, match="días hábiles inválido"):
        working_days_before(D("2024-03-01"), -1)


@pytest.mark.parametrize(("day", "weekday", "expected"), [
    (date(2024, 2, 29), False, "29 de febrero de 2024"), (date(2024, 2, 29), True, "jueves 29 de febrero de 2024"),
    (date(2028, 1, 1), True, "sábado 1 de enero de 2028"), (date(2024, 9, 1), False, "1 de septiembre de 2024"),
])
def test_written_date_is_as_colombian_documents_write_it(day, weekday, expected):
    assert written_date(day, weekday=weekday) == expected


# --- government periods ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        pytest.param(2024, "2023-10-29", id="2024"),
        pytest.param(2028, "2027-10-31", id="2028-october-31-is-sunday"),
        pytest.param(2020, "2019-10-27", id="2020"),
        pytest.param(2016, "2015-10-25", id="2016"),
        pytest.param(2032, "2031-10-26", id="2032"),
    ],
)
def test_election_day_is_last_sunday_of_october_before_the_period(period, expected):
    assert election_day(period) == D(expected)


@pytest.mark.parametrize("year", [2024, 2028, 2020, 2016, 2000, 2100])
def test_period_start_years(year):
    assert is_period_start_year(year)
    assert period_start(year) == date(year, 1, 1)
    assert period_end(year) == date(year + 3, 12, 31)


@pytest.mark.parametrize("year", [2023, 2025, 2026, 2027, 2029])
def test_non_period_years_are_refused(year):
    assert not is_period_start_year(year)
    for helper in (period_start, period_end, election_day):
        with pytest.raises(ValueError, match=f"{year} no es año de inicio de un período"):
            helper(year)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param("2024-01-01", 2024, id="posesion"),
        pytest.param("2027-12-31", 2024, id="last-day-of-2024-period"),
        pytest.param("2028-01-01", 2028, id="first-day-of-2028-period"),
        pytest.param("2023-10-29", 2020, id="election-belongs-to-outgoing-period"),
        pytest.param("2019-06-01", 2016, id="before-the-anchor"),
    ],
)
def test_period_containing(day, expected):
    assert period_containing(D(day)) == expected


# --- clock and parsing -------------------------------------------------------------------------


class _ThreeAmUtcOnNewYear(datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime(2024, 1, 1, 3, 0, tzinfo=timezone.utc).astimezone(tz)


def test_today_in_colombia_is_still_yesterday_at_three_utc(monkeypatch):
    monkeypatch.setattr(calendar_module, "datetime", _ThreeAmUtcOnNewYear)
    assert today_in_colombia() == D("2023-12-31")


def test_parse_iso_date_accepts_a_real_date():
    assert parse_iso_date("2024-02-29") == D("2024-02-29")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("2023-02-29", id="no-leap-day"),
        pytest.param("2024-13-01", id="month-13"),
        pytest.param("2024-2-9", id="no-zero-padding"),
        pytest.param("20240229", id="basic-format"),
        pytest.param("2024/02/29", id="slashes"),
        pytest.param("29-02-2024", id="day-first"),
        pytest.param(" 2024-02-29", id="leading-space"),
        pytest.param("2024-02-29\n", id="trailing-newline"),
        pytest.param("2024-02-29T00:00", id="datetime"),
        pytest.param("٢٠٢٤-٠٢-٢٩", id="arabic-indic-digits"),
        pytest.param("", id="empty"),
    ],
)
def test_parse_iso_date_refuses_anything_else(text):
    with pytest.raises(ValueError) as error:
        parse_iso_date(text)
    assert str(error.value) == f"fecha inválida '{text}': use el formato AAAA-MM-DD"


# --- properties --------------------------------------------------------------------------------


def _days_before_next_month(day: date, back: int) -> date:
    first_of_next_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_of_next_month - timedelta(days=back)


any_day = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
# Month ends are where the readings and the clamping differ: draw them as often as any day.
acts = st.one_of(any_day, st.builds(_days_before_next_month, any_day, st.integers(1, 4)))
month_counts = st.integers(min_value=1, max_value=6)


@settings(deadline=None)  # the first call for a year builds its holiday table
@given(act=acts, months=month_counts)
def test_every_month_term_is_a_working_day_after_the_act(act, months):
    readings = month_term(act, months)
    for term in (readings.same_number, readings.from_next_day):
        assert is_working_day(term)
        assert term > act


@settings(deadline=None)
@given(act=acts, months=month_counts)
def test_extension_never_moves_a_term_earlier(act, months):
    assert month_term_same_number(act, months) >= add_months(act, months)


@given(act=acts, months=st.integers(min_value=-24, max_value=24))
def test_add_months_keeps_the_day_number_unless_the_month_is_shorter(act, months):
    moved = add_months(act, months)
    assert (moved.year * 12 + moved.month) - (act.year * 12 + act.month) == months
    last_day_of_its_month = (moved + timedelta(days=1)).month != moved.month
    assert moved.day == act.day or (moved.day < act.day and last_day_of_its_month)


@settings(deadline=None)
@given(act=acts, months=month_counts)
def test_earliest_is_not_after_latest(act, months):
    readings = month_term(act, months)
    assert readings.earliest <= readings.latest
    assert {readings.earliest, readings.latest} == {readings.same_number, readings.from_next_day}


@settings(deadline=None)
@given(act=acts, months=month_counts)
def test_readings_can_differ_only_for_an_act_on_the_last_day_of_its_month(act, months):
    if (act + timedelta(days=1)).month == act.month:
        readings = month_term(act, months)
        assert readings.same_number == readings.from_next_day


@settings(deadline=None)
@given(day=acts)
def test_next_working_day_is_the_first_working_day_on_or_after(day):
    found = next_working_day(day)
    assert found >= day
    assert is_working_day(found)
    between = (day + timedelta(days=offset) for offset in range((found - day).days))
    assert not any(is_working_day(other) for other in between)


@settings(deadline=None)
@given(day=acts, days=st.integers(min_value=1, max_value=30))
def test_add_working_days_counts_exactly_that_many_working_days(day, days):
    found = add_working_days(day, days)
    assert is_working_day(found)
    span = (day + timedelta(days=offset) for offset in range(1, (found - day).days + 1))
    assert sum(is_working_day(other) for other in span) == days


@settings(deadline=None)
@given(day=acts, days=st.integers(min_value=0, max_value=30))
def test_working_days_before_undoes_add_working_days_on_a_working_day(day, days):
    """An alert N working days before a term, counted forward N working days, is the term's day."""
    term = next_working_day(day)
    alert = working_days_before(term, days)
    assert is_working_day(alert) and add_working_days(alert, days) == term


@pytest.mark.parametrize("day, cycle", [
    (date(2024, 6, 30), 2024), (date(2027, 10, 30), 2024),  # the eve of the 2027 election
    (date(2027, 10, 31), 2028), (date(2027, 12, 31), 2028), (date(2028, 1, 1), 2028),
    (date(2023, 10, 28), 2020), (date(2023, 10, 29), 2024),
])
def test_the_cycle_of_a_day_turns_on_election_day(day: date, cycle: int) -> None:
    """From the election on, the plan being prepared is the elected government's."""
    assert calendar_module.cycle_on(day) == cycle
