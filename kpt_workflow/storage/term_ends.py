"""The last day of every legal term, for every day it can run from: the calendar as a table, so the
reports judge deadlines in SQL with a join instead of counting working days plan by plan.

A term (`TermSpec`: months of the period, months from an act, working days from an act) ending
from an anchor day has one or two readings (`deadlines.readings`, the one computation the status
view and the rules use); a row keeps their earliest and latest day. The days covered run from
the election year of the first four-year period (2003, the earliest legal date a filing may
carry) to the end of the period 2060; terms of the period, from the posesión of each period in
that span. `kpt init` fills and refreshes the table from the definitions and the `holidays`
calendar, so a new term or a corrected holiday reaches the reports with the next init.
"""

from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import Connection, select

from kpt_workflow.law import calendar
from kpt_workflow.law.deadlines import readings
from kpt_workflow.lifecycle.engine import all_definitions
from kpt_workflow.states.schema import TermSpec
from kpt_workflow.storage.tables import TermEnd

FIRST_PERIOD = calendar.FIRST_PDT_PERIOD
LAST_PERIOD = 2060
FIRST_DAY = date(FIRST_PERIOD - 1, 1, 1)
LAST_DAY = calendar.period_end(LAST_PERIOD)


TERM_END = TermEnd.__table__
Key = tuple[str, int, date]


def term_key(term: TermSpec) -> tuple[str, int]:
    """(unit, length) of a term: the schema guarantees exactly one unit is given."""
    return next((unit, length) for unit, length in term.model_dump().items() if length is not None)


def _anchor_days(unit: str) -> Iterator[date]:
    if unit == "months_of_period":
        yield from (calendar.period_start(year) for year in range(FIRST_PERIOD, LAST_PERIOD + 1, calendar.PERIOD_YEARS))
        return
    day = FIRST_DAY
    while day <= LAST_DAY:
        yield day
        day += timedelta(days=1)


def computed() -> dict[Key, tuple[date, date]]:
    """(earliest, latest) of every term of every definition, from every anchor day covered."""
    terms = {term_key(term): term for d in all_definitions() for spec in d.deadlines for term in spec.terms}
    rows = {}
    for (unit, length), term in sorted(terms.items()):
        for anchor_day in _anchor_days(unit):
            days = [r.day for r in readings(term, anchor_day)]
            rows[unit, length, anchor_day] = (min(days), max(days))
    return rows


def refresh(conn: Connection) -> tuple[int, int]:
    """Add the missing rows and correct the ones that differ (a holiday moved by a new law); rows of
    a term no definition uses any longer stay, harmless. Returns (added, updated)."""
    stored = {(u, n, a): (e, l) for u, n, a, e, l in conn.execute(select(TERM_END))}
    rows = computed()
    added = [_row(key, ends) for key, ends in rows.items() if key not in stored]
    changed = [_row(key, ends) for key, ends in rows.items() if key in stored and stored[key] != ends]
    if added:
        conn.execute(TERM_END.insert(), added)
    for row in changed:
        conn.execute(TERM_END.update().where(TERM_END.c.unit == row["unit"], TERM_END.c.length == row["length"],
                                             TERM_END.c.anchor_day == row["anchor_day"])
                     .values(earliest=row["earliest"], latest=row["latest"]))
    return len(added), len(changed)


def _row(key: Key, ends: tuple[date, date]) -> dict[str, object]:
    unit, length, anchor_day = key
    return {"unit": unit, "length": length, "anchor_day": anchor_day, "earliest": ends[0], "latest": ends[1]}
