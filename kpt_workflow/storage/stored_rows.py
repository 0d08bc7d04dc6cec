"""Rows as the database stores them, compared with the one form each value is stored in.

SQLAlchemy reads a SQLite DATE column's text with `date.fromisoformat`, which takes '2024-W24-2'
and '20240611' for 2024-06-11 (and fails on '2024-6-11'), and in Python an amount of 1000.0
equals 1000: a comparison of parsed values cannot see a value stored in another form, though the
reports, which compare and sum what is stored, count it differently. So here rows are read
through the driver, each value as stored, and a value matches only the very form the write path
stores (`stored_form`), type included. On PostgreSQL the driver hands DATE, BIGINT and
timestamps back as Python values: columns of those types have no other form to hold.
"""

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Column, Connection, Date, Integer, Table
from sqlalchemy.engine import Dialect

BATCH = 5_000  # rows a PostgreSQL round trip brings
CANONICAL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LOOSE_DATE = re.compile(r"\s*([0-9]{1,4})-([0-9]{1,2})-([0-9]{1,2})\s*")

Expected = Mapping[str, tuple[object, int]]
"""A row as the events make it, key columns included: column → (value, seq of the last event
that set it)."""


def rows(conn: Connection, table: Table, order_by: str | None = None) -> Iterator[dict[str, Any]]:
    """Every row of `table`, each value as the driver hands it back (on SQLite, as stored),
    streamed (on PostgreSQL through a server-side cursor), in the caller's transaction. One row at
    a time from the driver: a batch of thousands held alive made the garbage collector walk it over
    and over (as it did in `audit.chain_walk.rows`)."""
    names = [column.name for column in table.columns]
    sql = f'SELECT {", ".join(names)} FROM "{table.name}"' + (f" ORDER BY {order_by}" if order_by else "")
    driver = conn.connection.driver_connection
    postgresql = conn.dialect.name == "postgresql"
    cursor = driver.cursor(f"stored_{table.name}") if postgresql else driver.cursor()  # type: ignore[union-attr]
    if postgresql:
        cursor.itersize = BATCH
    with closing(cursor):
        cursor.execute(sql)
        yield from (dict(zip(names, row)) for row in cursor)


def stored_form(dialect: Dialect, column: Column[Any]) -> Callable[[object], object]:
    """How the write path stores a value in `column`: bound as SQLAlchemy binds the column's type
    (on SQLite a date becomes 'YYYY-MM-DD', a UTC time 'YYYY-MM-DD HH:MM:SS.ffffff', a boolean 0
    or 1; the recorder's own statements write the same, `recorder.sqlite_value`)."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return _itself
    return lambda value: None if value is None else process(value)


def _itself(value: object) -> object:
    return value


def same(stored: object, form: object) -> bool:
    """Equal and of the same type: 1000.0 or b'1000' is not the integer 1000."""
    return type(stored) is type(form) and stored == form


def canonical_date(stored: object) -> date | None:
    """A stored date, read strictly: None, a date, or 'YYYY-MM-DD' text of an existing day;
    any other form raises ValueError naming it."""
    if stored is None or (isinstance(stored, date) and not isinstance(stored, datetime)):
        return stored
    if isinstance(stored, str) and CANONICAL_DATE.fullmatch(stored):
        return date.fromisoformat(stored)
    raise ValueError(f"{shown(stored)} no es una fecha AAAA-MM-DD")


def reading(column: Column[Any], stored: object) -> object:
    """What a stored value means, read as leniently as SQLAlchemy or a report might: rows are
    matched by the readings of their keys, and a difference whose readings agree is the same
    value written in another form. A value that reads as nothing else is itself."""
    text = stored.decode(errors="replace") if isinstance(stored, bytes) else stored
    if isinstance(column.type, Date) and isinstance(text, (str, int)):  # '20240611' is stored as a number
        return _loose_date(str(text)) or stored
    if isinstance(column.type, Integer) and isinstance(text, (str, float)):
        try:
            number = Decimal(text.strip() if isinstance(text, str) else text)
        except InvalidOperation:
            return stored
        return int(number) if number.is_finite() and number == number.to_integral_value() else stored
    return stored


def _loose_date(text: str) -> date | None:
    for read in (date.fromisoformat, lambda t: datetime.fromisoformat(t).date()):
        try:
            return read(text.strip())
        except ValueError:
            pass
    loose = _LOOSE_DATE.fullmatch(text)
    try:
        return date(*map(int, loose.groups())) if loose else None
    except ValueError:
        return None


def shown(value: object) -> str:
    """A value in a message: text quoted (a date or time as its ISO text), numbers bare."""
    if value is None:
        return "vacío"
    if isinstance(value, (date, datetime)):
        return repr(value.isoformat())
    return repr(value)


@dataclass(frozen=True)
class Projected:
    """A table the events rebuild: its rows are matched by `key`, and named by `label` (given the
    key's values in order) in what the comparison reports."""

    table: Table
    key: tuple[str, ...]
    label: Callable[..., str]


def differences(conn: Connection, projected: Projected, expected: Mapping[tuple[object, ...], Expected]) -> list[str]:
    """Every way the stored rows of `projected.table` differ from `expected` (keyed by the
    values of `projected.key`, each row holding them too): a row missing on either side, or a
    column not stored in the form of the events' value, each named with its row, column, stored
    value, the events' value and the seq of the event that set it."""
    columns = {column.name: column for column in projected.table.columns}
    forms = {name: stored_form(conn.dialect, column) for name, column in columns.items()}
    stored: dict[tuple[object, ...], list[dict[str, Any]]] = {}
    for row in rows(conn, projected.table):
        stored.setdefault(tuple(reading(columns[k], row[k]) for k in projected.key), []).append(row)
    found = []
    for key in sorted(stored.keys() | expected.keys(), key=lambda k: tuple(map(str, k))):
        label, kept, events = projected.label(*key), stored.get(key, []), expected.get(key)
        if events is None:
            found += [f"{label}: está en la tabla y ningún evento la produce" for _ in kept]
            continue
        if not kept:
            found.append(f"{label}: falta en la tabla (evento {max(seq for _, seq in events.values())})")
            continue
        if len(kept) > 1:  # keys in several forms that read alike: the one in the events' form is theirs
            kept.sort(key=lambda row: not all(same(row[k], forms[k](v)) for k, v in zip(projected.key, key)))
            found += [f"{label}: está repetida en la tabla ({', '.join(f'{k} {shown(r[k])}' for k in projected.key)}) "
                      f"y ningún evento la produce" for r in kept[1:]]
        row = kept[0]
        for name, (value, seq) in events.items():
            form, held = forms[name](value), row[name]
            if not same(held, form):
                again = reading(columns[name], held) == value
                found.append(f"{label}: {name} es {shown(held)} en la tabla y {shown(form)} en los eventos "
                             f"(evento {seq})" + ("; es el mismo valor escrito de otra forma" if again else ""))
    return found
