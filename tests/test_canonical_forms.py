"""One stored form per value. On SQLite the database refuses a date that is not YYYY-MM-DD text
and an amount that is not an integer (migration 0010, which upgrades an older database keeping
every row as stored); on PostgreSQL the columns are DATE and BIGINT. A value edited into an
equivalent form behind the constraints' back is named by `kpt audit replay --check`: table,
row, column, the stored text and the events' value with the event's seq."""

import sqlite3
from collections.abc import Iterator
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import BigInteger, Column, Date, Engine, MetaData, Table, text

from in_process import run_kpt
from kpt_workflow.audit import replay
from kpt_workflow.storage import stored_rows
from kpt_workflow.base.errors import GuardFailed
from kpt_workflow.storage.migrate import current_revision, downgrade, head_revision, upgrade
from kpt_workflow.services import alerts
from kpt_workflow.services.access import operator
from kpt_workflow.services.accounts import create_user
from kpt_workflow.services.sample import INVESTMENT_PLAN
from kpt_workflow.storage.schema import metadata
from kpt_workflow.storage.unit_of_work import UnitOfWork

TABLES = {table.name: table for table in metadata.sorted_tables}
DATE_COLUMNS = [(t.name, c.name) for t in TABLES.values() for c in t.columns if isinstance(c.type, Date)]
PESOS_COLUMNS = [(t.name, c.name) for t in TABLES.values() for c in t.columns if isinstance(c.type, BigInteger)]
# Created after 0010 (0013 to 0019): a downgrade to 0009 drops them, and the columns added since.
LATER_TABLES = {"amendment_event", "legal_amendment", "calendar_token", "alert_outbox", "audit_checkpoint",
                "territory_indicator", "territory_profile", "mga_product", "plan_diagnostic_section",
                "plan_program_pnd", "plan_program_initiative", "pnd_line", "plan_goal_year"}
LATER_COLUMNS = {("plan_goal", "product_code"), ("user", "email")}
DECLARED_TOTAL = 12_000_000_000  # the eight lines of INVESTMENT_PLAN
REFUSED_ON = date(2024, 5, 3)  # before the council's month has run: adoption by decree is refused
ALERTED_ON = date(2024, 5, 21)  # five working days before the council's month ends


def test_the_pesos_columns_are_the_bigint_ones():
    """The checks below find the pesos columns by their type: a new BIGINT column must be pesos too."""
    assert PESOS_COLUMNS == [("plan", "declared_investment_total"), ("plan_investment", "amount")]


@pytest.fixture
def filled(plan_in_council: str, record_strategy, advance, engine) -> str:  # type: ignore[no-untyped-def]
    """A plan with a row in every table that holds a date or an amount (term_end: `kpt init`; the
    alerts outbox: the council's month, mailed to the office)."""
    record_strategy(plan_in_council, investments={**INVESTMENT_PLAN, "total": DECLARED_TOTAL})
    with pytest.raises(GuardFailed):
        advance(plan_in_council, "adoptar_por_decreto", REFUSED_ON)
    with UnitOfWork(engine, write=True) as uow:
        create_user(uow.session, username="ana", role="planeacion", entity_code="05001", email="ana@medellin.gov.co")
        uow.commit()
    with UnitOfWork(engine, write=True) as uow:
        assert alerts.queue(uow, operator("test"), ALERTED_ON, 5)["queued"] == 1
    return plan_in_council


@pytest.fixture
def sqlite_db(engine: Engine) -> Iterator[sqlite3.Connection]:
    """The plain driver on the test's SQLite file, as any other tool would write it."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite keeps the text a tool writes; PostgreSQL's DATE and BIGINT hold no other form")
    conn = sqlite3.connect(engine.url.database or "", isolation_level=None)
    yield conn
    conn.close()


def _one_row(table: Table) -> str:
    key = ", ".join(column.name for column in table.primary_key.columns)
    return f"({key}) = (SELECT {key} FROM \"{table.name}\" ORDER BY {key} LIMIT 1)"


def _set(db: sqlite3.Connection, table: str, column: str, value_sql: str, where: str | None = None) -> None:
    db.execute(f'UPDATE "{table}" SET {column} = {value_sql} WHERE {where or _one_row(TABLES[table])}')


def _bypassing_checks(db: sqlite3.Connection, *statements: tuple[str, str, str, str | None]) -> None:
    """Edits made as someone with the database file could: the CHECK constraints ignored."""
    db.execute("PRAGMA ignore_check_constraints = ON")
    try:
        for statement in statements:
            _set(db, *statement)
    finally:
        db.execute("PRAGMA ignore_check_constraints = OFF")


NOT_DATES = ["'2024-W24-2'", "'2024-6-11'", "'2024-06-11 00:00:00'", "'20240611'", "20240611", "'2024-02-30'",
             "CAST('2024-06-11' AS BLOB)", "' 2024-06-11'"]
NOT_INTEGERS = ["1000.5", "'mil'", "CAST('1000' AS BLOB)", "'1.000,00'"]


@pytest.mark.parametrize(("table", "column"), DATE_COLUMNS + PESOS_COLUMNS)
def test_sqlite_refuses_every_other_form_of_a_date_or_an_amount(sqlite_db, filled, table, column):
    refused = NOT_DATES if (table, column) in DATE_COLUMNS else NOT_INTEGERS
    for value in refused:
        with pytest.raises(sqlite3.IntegrityError, match=f"CHECK constraint failed: ck_{table}_{column}"):
            _set(sqlite_db, table, column, value)
    sqlite_db.execute("BEGIN")
    try:
        _bypassing_checks(sqlite_db, (table, column, refused[0], None))  # the check is what refused it
        _set(sqlite_db, table, column, "'1999-12-31'" if refused is NOT_DATES else "1000")  # the canonical form
    finally:
        sqlite_db.execute("ROLLBACK")


def test_postgresql_stores_dates_and_pesos_in_native_types(engine, filled):
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL schema")
    types = {(table, column): kind for table, column, kind in _column_types(engine)}
    assert {types[c] for c in DATE_COLUMNS} == {"date"} and {types[c] for c in PESOS_COLUMNS} == {"bigint"}
    with engine.begin() as conn:  # an equivalent text is the same day once stored
        conn.execute(text("UPDATE plan SET state_entered_on = '2024-4-25' WHERE id = :p"), {"p": filled})
        stored = conn.execute(text("SELECT state_entered_on::text FROM plan WHERE id = :p"), {"p": filled}).scalar()
    assert stored == "2024-04-25"
    with UnitOfWork(engine) as uow:
        assert replay.differences(uow.connection) == []


def _column_types(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(  # type: ignore[misc]
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema()"))]


def _snapshot(engine: Engine, tables: dict[str, Table]) -> dict[str, list[str]]:
    """Every row of each table, each value as stored (its type included), but the columns added later."""
    with UnitOfWork(engine) as uow:
        return {name: sorted(repr(sorted(row.items())) for row in stored_rows.rows(uow.connection, _older(table)))
                for name, table in tables.items()}


def _older(table: Table) -> Table:
    """`table` without the columns revisions after 0010 added (`LATER_COLUMNS`)."""
    if not any(name == table.name for name, _ in LATER_COLUMNS):
        return table
    return Table(table.name, MetaData(), *(Column(c.name, c.type) for c in table.columns
                                           if (table.name, c.name) not in LATER_COLUMNS))


def _checks(engine: Engine) -> set[str]:
    if engine.dialect.name != "sqlite":
        return set()
    with engine.connect() as conn:
        schema = " ".join(conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'table'")).scalars())
    return {f"ck_{table}_{column}" for table, column in DATE_COLUMNS + PESOS_COLUMNS
            if f"CONSTRAINT ck_{table}_{column} CHECK" in schema}


def test_0010_upgrades_a_0009_database_keeping_every_row_as_stored(engine, filled):
    kept = {name: _older(table) for name, table in TABLES.items() if name not in LATER_TABLES}
    before = _snapshot(engine, kept)
    downgrade(engine, "0009")
    try:
        assert _checks(engine) == set() and _snapshot(engine, kept) == before
    finally:
        upgrade(engine)
    assert current_revision(engine) == head_revision() and _snapshot(engine, kept) == before
    if engine.dialect.name == "sqlite":
        assert _checks(engine) == {f"ck_{table}_{column}" for table, column in DATE_COLUMNS + PESOS_COLUMNS}
    with UnitOfWork(engine) as uow:
        assert replay.differences(uow.connection) == []


def test_0010_refuses_to_upgrade_a_database_holding_another_form_and_names_the_row(
        engine, sqlite_db, filled, monkeypatch, capsys, tmp_path):
    downgrade(engine, "0009")
    _set(sqlite_db, "plan", "state_entered_on", "'2024-4-25'", f"id = '{filled}'")
    monkeypatch.setenv("KPT_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("KPT_DATA_DIR", str(tmp_path / "data"))
    code, _, err = run_kpt(capsys, ["init"])
    assert code == 1 and "[valores_no_canonicos]" in err
    assert f"plan ({filled}): state_entered_on = '2024-4-25'" in err and "kpt init" in err
    assert current_revision(engine) == "0009"  # nothing changed
    _set(sqlite_db, "plan", "state_entered_on", "'2024-04-25'", f"id = '{filled}'")
    assert run_kpt(capsys, ["init"])[0] == 0 and current_revision(engine) == head_revision()


def _equivalents(day: date) -> list[str]:
    """Texts SQLAlchemy or a person reads as `day`, none of them its one stored form."""
    year, week, weekday = day.isocalendar()
    return [form for form in (f"{year}-W{week:02d}-{weekday}", f"{day.year}-{day.month}-{day.day}", f"{day} 00:00:00",
                              day.strftime("%Y%m%d")) if form != day.isoformat()]


def _seq(engine: Engine, where: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT max(seq) FROM audit_event WHERE {where}")).scalar_one()


def _differences(engine: Engine) -> list[str]:
    with UnitOfWork(engine) as uow:
        return replay.differences(uow.connection)


SAME = "; es el mismo valor escrito de otra forma"


@pytest.mark.parametrize("form", range(4), ids=["semana_iso", "sin_ceros", "con_hora", "sin_guiones"])
@pytest.mark.parametrize("where", ["plan", "document", "blocked_rule_day"])
def test_replay_names_a_date_stored_in_an_equivalent_form(engine, sqlite_db, filled, where, form):
    plan = f"plan_id = '{filled}'"
    day, column, row, label, seq = {
        "plan": (date(2024, 4, 25), "state_entered_on", f"id = '{filled}'", f"plan {filled}",
                 _seq(engine, "event_type = 'transition_applied'")),
        "document": (date(2024, 1, 10), "legal_date", f"{plan} AND doc_type = 'acta_informe_gestion'",
                     f"documento acta_informe_gestion v1 del plan {filled}",
                     _seq(engine, "payload LIKE '%\"doc_type\":\"acta_informe_gestion\"%'")),
        "blocked_rule_day": (REFUSED_ON, "legal_date", f"{plan} AND rule = 'mes_corporacion_vencido'",
                             f"intentos rechazados del plan {filled} por mes_corporacion_vencido el {REFUSED_ON}",
                             _seq(engine, "event_type = 'transition_blocked'")),
    }[where]
    _bypassing_checks(sqlite_db, (where, column, f"'{_equivalents(day)[form]}'", row))
    [held] = sqlite_db.execute(f'SELECT {column} FROM "{where}" WHERE {row}').fetchone()  # '20240425': a number
    assert _differences(engine) == [f"{label}: {column} es {held!r} en la tabla y '{day}' en los eventos "
                                    f"(evento {seq}){SAME}"]


# Amounts in another form: SQLite's INTEGER affinity turns the texts '1000.0' and ' 1000' into the
# integer 1000 as it stores them, so they can only stay as bytes, or in a column rebuilt untyped.
@pytest.mark.parametrize("stored", ["CAST('1500000000.0' AS BLOB)", "CAST(' 1500000000' AS BLOB)", "1500000000.5"])
def test_replay_names_an_amount_stored_in_another_form(engine, sqlite_db, filled, stored):
    row = f"plan_id = '{filled}' AND program_code = '2201' AND year = 2024 AND source = 'sgp'"
    _bypassing_checks(sqlite_db, ("plan_investment", "amount", stored, row),
                      ("plan", "declared_investment_total", f"CAST(' {DECLARED_TOTAL}' AS BLOB)", f"id = '{filled}'"))
    held = sqlite_db.execute(f"SELECT amount FROM plan_investment WHERE {row}").fetchone()[0]
    found = _differences(engine)
    seq = _seq(engine, "event_type = 'investment_plan_recorded'")
    assert found == [
        f"plan {filled}: declared_investment_total es b' {DECLARED_TOTAL}' en la tabla y {DECLARED_TOTAL} en los "
        f"eventos (evento {seq}){SAME}",
        f"inversión del plan {filled} en el programa 2201, año 2024, fuente sgp: amount es {held!r} en la tabla y "
        f"1500000000 en los eventos (evento {seq})" + ("" if isinstance(held, float) else SAME)]


def test_replay_names_an_amount_kept_as_text_in_a_table_rebuilt_without_its_check(engine, sqlite_db, filled):
    """The table rebuilt by hand, its amount column untyped and unchecked, keeps the text '1500000000.0'."""
    [schema] = sqlite_db.execute("SELECT sql FROM sqlite_master WHERE name = 'plan_investment'").fetchone()
    untyped = (schema.replace("amount BIGINT NOT NULL", "amount NOT NULL")
               .replace('"plan_investment"', "plan_investment_untyped")
               .replace(", \n\tCONSTRAINT ck_plan_investment_amount CHECK (amount IS NULL OR typeof(amount) = 'integer')",
                        ""))
    assert "CHECK" not in untyped and "amount NOT NULL" in untyped
    for statement in (untyped, "INSERT INTO plan_investment_untyped SELECT * FROM plan_investment",
                      "DROP TABLE plan_investment", "ALTER TABLE plan_investment_untyped RENAME TO plan_investment",
                      "UPDATE plan_investment SET amount = '1500000000.0' WHERE program_code = '2201' AND year = 2024"):
        sqlite_db.execute(statement)
    seq = _seq(engine, "event_type = 'investment_plan_recorded'")
    assert _differences(engine) == [
        f"inversión del plan {filled} en el programa 2201, año 2024, fuente sgp: amount es '1500000000.0' en la tabla "
        f"y 1500000000 en los eventos (evento {seq}){SAME}"]


@pytest.mark.parametrize("command", [["audit", "replay", "--check"], ["audit", "verify", "--sin-documentos"]],
                         ids=["replay", "verify"])
def test_kpt_audit_replay_and_verify_name_the_edit_and_exit_non_zero(engine, sqlite_db, filled, monkeypatch, capsys,
                                                                     command):
    _bypassing_checks(sqlite_db, ("document", "legal_date", "'2024-W02-3'",
                                  f"plan_id = '{filled}' AND doc_type = 'acta_informe_gestion'"))
    monkeypatch.setenv("KPT_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    code, out, _ = run_kpt(capsys, command)
    assert code == 1
    assert (f"documento acta_informe_gestion v1 del plan {filled}: legal_date es '2024-W02-3' en la tabla y "
            f"'2024-01-10' en los eventos (evento ") in out
    if "verify" in command:  # the chain itself is intact: the projection is what differs
        assert "Cadena íntegra" in out and "Tablas DISTINTAS" in out
        assert run_kpt(capsys, [*command, "--sin-proyecciones"])[0] == 0


def test_an_event_date_in_another_form_fails_verify_and_stops_replay_naming_the_event(
        engine, sqlite_db, filled, monkeypatch, capsys):
    """The hash covers the date SQLAlchemy reads ('2024-W17-4' reads as 2024-04-25); the reports
    compare the text. So the event's date must be stored in the form its hash was taken over."""
    seq = _seq(engine, "event_type = 'transition_applied'")
    _bypassing_checks(sqlite_db, ("audit_event", "legal_date", "'2024-W17-4'", f"seq = {seq}"))
    monkeypatch.setenv("KPT_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    code, out, _ = run_kpt(capsys, ["audit", "verify", "--sin-documentos"])
    assert code == 1 and f"el contenido del evento {seq} no corresponde a su hash" in out
    code, _, err = run_kpt(capsys, ["audit", "replay", "--check"])
    assert code == 1 and "[registro_danado]" in err
    assert f"El evento {seq} (transition_applied) del plan {filled}" in err and "'2024-W17-4'" in err
    _bypassing_checks(sqlite_db, ("audit_event", "legal_date", "'2024-4-25'", f"seq = {seq}"))
    code, out, _ = run_kpt(capsys, ["audit", "verify", "--sin-documentos"])  # unreadable to SQLAlchemy: no crash
    assert code == 1 and f"el contenido del evento {seq} no corresponde a su hash" in out


@given(day=st.dates(min_value=date(1000, 1, 1)))
def test_a_date_has_one_stored_form_and_every_equivalent_reads_as_it(day):
    assert stored_rows.canonical_date(day.isoformat()) == day
    column = TABLES["plan"].c.state_entered_on
    for equivalent in _equivalents(day):
        assert stored_rows.reading(column, equivalent) == day
        with pytest.raises(ValueError, match="no es una fecha AAAA-MM-DD"):
            stored_rows.canonical_date(equivalent)
