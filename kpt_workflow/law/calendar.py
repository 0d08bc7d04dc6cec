"""The Colombian legal calendar: working days, terms of months and government periods.

Every deadline in the system is computed here, so a rule, a report and a warning cannot disagree
on a date. The functions are pure; only `today_in_colombia` reads the clock, and callers pass its
result in, so tests and replays fix "today".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

HOLIDAYS_COUNTRY = "CO"
PERIOD_YEARS = 4
FIRST_PERIOD_ANCHOR = 2024
FIRST_PDT_PERIOD = 2004  # four-year periods since Acto Legislativo 02 de 2002

COLOMBIA = ZoneInfo("America/Bogota")  # UTC-5 all year: Colombia keeps no summer time
_ONE_DAY = timedelta(days=1)
# date.fromisoformat alone also accepts "20240229" and times; the pattern keeps only AAAA-MM-DD.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@lru_cache(maxsize=None)
def _holidays_in(year: int) -> frozenset[date]:
    """Colombian holidays of one year; the package already applies the Ley Emiliani moves."""
    return frozenset(holidays.country_holidays(HOLIDAYS_COUNTRY, years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a holiday: the days on which offices receive filings."""
    return day.weekday() < 5 and day not in _holidays_in(day.year)


def next_working_day(day: date) -> date:
    """`day` if it is a working day, else the next one.

    A term whose last day is a Saturday, Sunday or holiday extends to this day
    (Ley 4 de 1913 art. 62).
    """
    while not is_working_day(day):
        day += _ONE_DAY
    return day


def _shift_month(year: int, month: int, months: int) -> tuple[int, int]:
    """The (year, month) lying `months` calendar months after (year, month)."""
    shifted_year, month_index = divmod(year * 12 + month - 1 + months, 12)
    return shifted_year, month_index + 1


def _last_day_of_month(year: int, month: int) -> date:
    next_year, next_month = _shift_month(year, month, 1)
    return date(next_year, next_month, 1) - _ONE_DAY


def add_months(day: date, months: int) -> date:
    """The same day number `months` months later, or that month's last day if it has no such day.

    The unextended end of a term of months (Ley 4 de 1913 arts. 59-62, Código Civil art. 67);
    callers that need the legal deadline use the `month_term_*` functions, which extend it.
    """
    last = _last_day_of_month(*_shift_month(day.year, day.month, months))
    return last.replace(day=min(day.day, last.day))


def month_term_same_number(act: date, months: int) -> date:
    """Term of months read as ending on the act's day number in the final month, then extended."""
    return next_working_day(add_months(act, months))


def month_term_from_next_day(act: date, months: int) -> date:
    """Term of months read as counted from the day after the act, then extended.

    Consejo de Estado, Fallo 3882 de 1999: a plan filed on 30 April had its month from 1 to 31 May.
    The term ends the day before the start's day number in the final month; if the final month
    has no such day number, it ends on that month's last day.
    """
    start = act + _ONE_DAY
    last = _last_day_of_month(*_shift_month(start.year, start.month, months))
    if start.day <= last.day:
        end = last.replace(day=start.day) - _ONE_DAY
    else:
        end = last
    return next_working_day(end)


@dataclass(frozen=True)
class TermReadings:
    """Both readings of one term of months, so a caller states which one it relies on."""

    same_number: date
    from_next_day: date

    @property
    def earliest(self) -> date:
        """For warnings about the entity's own duties: nobody should be late by surprise."""
        return min(self.same_number, self.from_next_day)

    @property
    def latest(self) -> date:
        """For permissions that open when the term runs out: acting a day early can be annulled."""
        return max(self.same_number, self.from_next_day)


def month_term(act: date, months: int) -> TermReadings:
    """Both readings of a term of `months` months running from `act`."""
    return TermReadings(
        same_number=month_term_same_number(act, months),
        from_next_day=month_term_from_next_day(act, months),
    )


def end_of_month_n(period_start: date, months: int) -> date:
    """Deadline "within the first N months of the period": last day of month N, extended.

    The period's first month counts as month 1 (Ley 152 de 1994 arts. 39-40 as the DNP reads them:
    N=2 gives the CTP filing, N=4 the filing with the concejo/asamblea).
    """
    if months < 1:
        raise ValueError(f"número de meses inválido ({months}): debe ser 1 o más")
    final_month = _shift_month(period_start.year, period_start.month, months - 1)
    return next_working_day(_last_day_of_month(*final_month))


def add_working_days(day: date, days: int) -> date:
    """The date `days` working days after `day`: terms of days count working days only."""
    if days < 0:
        raise ValueError(f"número de días hábiles inválido ({days}): debe ser 0 o más")
    for _ in range(days):
        day = next_working_day(day + _ONE_DAY)
    return day


def working_days_before(day: date, days: int) -> date:
    """The working day `days` working days before `day` (`add_working_days` backwards): when an
    alert of a term ending on `day` falls due."""
    if days < 0:
        raise ValueError(f"número de días hábiles inválido ({days}): debe ser 0 o más")
    for _ in range(days):
        day -= _ONE_DAY
        while not is_working_day(day):
            day -= _ONE_DAY
    return day


def is_period_start_year(year: int) -> bool:
    """Whether a constitutional government period starts on 1 January of `year`."""
    return (year - FIRST_PERIOD_ANCHOR) % PERIOD_YEARS == 0


def period_start(year: int) -> date:
    """The posesión, 1 January of `year`, from which the plan's legal deadlines run."""
    if not is_period_start_year(year):
        raise ValueError(
            f"{year} no es año de inicio de un período de gobierno: los períodos de "
            f"{PERIOD_YEARS} años inician el 1 de enero de {FIRST_PERIOD_ANCHOR}, "
            f"{FIRST_PERIOD_ANCHOR + PERIOD_YEARS}, {FIRST_PERIOD_ANCHOR - PERIOD_YEARS}, etc."
        )
    return date(year, 1, 1)


def period_end(year: int) -> date:
    """Last day of the period starting in `year`: a plan's life ends with its period."""
    return date(period_start(year).year + PERIOD_YEARS - 1, 12, 31)


def period_containing(day: date) -> int:
    """Start year of the government period that `day` belongs to."""
    return day.year - (day.year - FIRST_PERIOD_ANCHOR) % PERIOD_YEARS


def period_years(period: int) -> str:
    """A government period as people write it: 2024–2027."""
    return f"{period}–{period + PERIOD_YEARS - 1}"


def cycle_on(day: date) -> int:
    """The planning cycle `day` belongs to: the period of the government in office, or, from the
    election on, the one elected, whose plan is then being prepared (empalme and alistamiento)."""
    following = period_containing(day) + PERIOD_YEARS
    return following if day >= election_day(following) else period_containing(day)


def election_day(period_year: int) -> date:
    """Election of the period starting in `period_year`: last Sunday of October of the year before.

    The empalme runs from this day to the posesión, and the programa de gobierno predates it.
    """
    october_31 = date(period_start(period_year).year - 1, 10, 31)
    # weekday(): Monday is 0, Sunday is 6; step back to the nearest Sunday on or before 31 October.
    return october_31 - timedelta(days=(october_31.weekday() + 1) % 7)


def today_in_colombia() -> date:
    """Today's date in Bogotá: a server in UTC would otherwise start the day five hours early."""
    return datetime.now(COLOMBIA).date()


def colombia_time(moment: datetime) -> str:
    """A recorded instant (the store keeps UTC) as people in Colombia read it: 02/05/2024 09:30."""
    return moment.astimezone(COLOMBIA).strftime("%d/%m/%Y %H:%M")


def table_date(day: date | str | None) -> str:
    """A day in a table or a list, as Colombian forms write it: 02/05/2024 (day first); an ISO
    text is read first; none is a dash. Sentences say `written_date`; forms and data keep ISO."""
    if day is None or day == "":
        return "—"
    return _day(day).strftime("%d/%m/%Y")


def _day(day: date | str) -> date:
    return date.fromisoformat(day) if isinstance(day, str) else day


_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre")
_WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


def written_date(day: date | str, *, weekday: bool = False) -> str:
    """A date as Colombian documents write it: 29 de febrero de 2024 (with `weekday`: jueves 29
    de febrero de 2024), never a form a reader could take for month/day (an ISO text is read first)."""
    day = _day(day)
    text = f"{day.day} de {_MONTHS[day.month - 1]} de {day.year}"
    return f"{_WEEKDAYS[day.weekday()]} {text}" if weekday else text


def parse_iso_date(text: str) -> date:
    """A legal date typed by a user, strictly AAAA-MM-DD, so "01/02/2024" is never misread."""
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(f"fecha inválida '{text}': use el formato AAAA-MM-DD")
