"""One stored form per value on SQLite: dates as YYYY-MM-DD text, pesos as integers

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 10:00:00.000000

SQLite stores whatever text a tool writes into a DATE column, and SQLAlchemy reads '2024-W24-2'
or '20240611' back as 2024-06-11, while the reports compare the text itself ('2024-W24-2' sorts
after '2024-12-31'): an equivalent text passed the audit yet changed what the reports counted.
Each date column gets a CHECK that admits only an existing day written YYYY-MM-DD (`date(x, '+0
days')` normalises '2024-02-30' to '2024-03-01', so it must give the text back), and each pesos
column one that admits only an integer. SQLite adds a constraint only by rebuilding the table
(Alembic's batch mode), which keeps every row as stored; `kpt_workflow.storage.migrate` runs migrations
with foreign keys off on SQLite, as the rebuild of `plan` (a parent table) needs, and checks them
before the commit. A row that does not hold its column's form refuses the upgrade, naming it: the
upgrade never rewrites a value that may be the trace of an edit.

PostgreSQL's columns are DATE and BIGINT already; nothing to do there.
"""

from alembic import op
import sqlalchemy as sa

from kpt_workflow.base.errors import KptError


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

DATES = {"plan": ("state_entered_on",), "document": ("legal_date",), "audit_event": ("legal_date",),
         "blocked_rule_day": ("legal_date",), "term_end": ("anchor_day", "earliest", "latest")}
PESOS = {"plan": ("declared_investment_total",), "plan_investment": ("amount",)}
# How a refusal names a row: its key columns.
KEYS = {"plan": ("id",), "document": ("plan_id", "doc_type", "version"), "audit_event": ("seq",),
        "blocked_rule_day": ("plan_id", "rule", "legal_date"), "term_end": ("unit", "length", "anchor_day"),
        "plan_investment": ("plan_id", "program_code", "year", "source")}
SHOWN = 20  # offending rows a refusal lists


class NonCanonicalValues(KptError):
    """Rows stored in a form this revision forbids: fix them (or restore a backup) and upgrade again."""

    code = "valores_no_canonicos"


def date_check(column: str) -> str:
    return (f"{column} IS NULL OR (typeof({column}) = 'text' AND "
            f"{column} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND date({column}, '+0 days') = {column})")


def integer_check(column: str) -> str:
    return f"{column} IS NULL OR typeof({column}) = 'integer'"


def _checks(table: str) -> dict[str, str]:
    """The table's constraints by name (ck_<table>_<column>)."""
    return {**{f"ck_{table}_{c}": date_check(c) for c in DATES.get(table, ())},
            **{f"ck_{table}_{c}": integer_check(c) for c in PESOS.get(table, ())}}


def _offending(connection: sa.Connection, table: str) -> list[str]:
    found = []
    for name, check in _checks(table).items():
        column = name.removeprefix(f"ck_{table}_")
        keys = ", ".join(KEYS[table])
        rows = connection.exec_driver_sql(f'SELECT {keys}, {column} FROM "{table}" WHERE NOT ({check}) '
                                          f"LIMIT {SHOWN + 1}").fetchall()
        found += [f"{table} ({', '.join(map(str, row[:-1]))}): {column} = {row[-1]!r}" for row in rows]
    return found


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    tables = sorted(DATES.keys() | PESOS.keys())
    offending = [row for table in tables for row in _offending(connection, table)]
    if offending:
        more = " (y otros)" if len(offending) > SHOWN else ""
        raise NonCanonicalValues(
            "La base guarda valores en una forma que esta versión no admite (fechas AAAA-MM-DD, pesos enteros): "
            + "; ".join(offending[:SHOWN]) + more + ".", rows=offending[:SHOWN],
            hint="Son ediciones hechas fuera de kpt: devuélvalas a su forma canónica (o restaure un respaldo) y "
                 "ejecute de nuevo `kpt init`.")
    for table in tables:
        with op.batch_alter_table(table, recreate="always") as batch_op:
            for name, check in _checks(table).items():
                batch_op.create_check_constraint(name, sa.text(check))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in sorted(DATES.keys() | PESOS.keys()):
        with op.batch_alter_table(table, recreate="always") as batch_op:
            for name in _checks(table):
                batch_op.drop_constraint(name, type_="check")
