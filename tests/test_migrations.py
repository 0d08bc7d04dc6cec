"""Alembic creates exactly the schema the models declare (no drift between the two), and a
migration that adds a projection fills it from the events already recorded."""

import sqlite3
from contextlib import closing
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from kpt_workflow.storage import projections

from kpt_workflow.audit import replay

from kpt_workflow.storage import term_ends
from kpt_workflow.base.errors import GuardFailed
from kpt_workflow.storage.migrate import ForeignKeysBroken, current_revision, downgrade, upgrade
from kpt_workflow.storage.schema import metadata
from kpt_workflow.storage.unit_of_work import UnitOfWork


def test_migrated_schema_matches_the_models(engine):
    with engine.connect() as conn:
        drift = compare_metadata(MigrationContext.configure(conn), metadata)
    assert drift == []


def test_audit_chain_keeps_only_the_constraints_that_guard_it(engine):
    """The database refuses two events for one plan version and two events at one chain position
    (`seq`, the primary key, read with the head's hash under the write lock). `hash` and
    `prev_hash` carry no UNIQUE constraint: it would cost every append a random-page B-tree write
    and guard nothing the key does not."""
    inspector = inspect(engine)
    uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("audit_event")}
    unique_indexes = {tuple(i["column_names"]) for i in inspector.get_indexes("audit_event") if i["unique"]}
    assert ("plan_id", "plan_version") in uniques
    assert inspector.get_pk_constraint("audit_event")["constrained_columns"] == ["seq"]
    assert not {("hash",), ("prev_hash",)} & (uniques | unique_indexes)
    indexes = {i["name"] for i in inspector.get_indexes("audit_event") if not i["unique"]}
    assert indexes == {"ix_audit_event_created", "ix_audit_event_step"}  # partial: creations, applied steps


def test_0006_backfills_the_refusal_counts_from_the_events(engine, new_plan, file_doc, advance):
    """Below 0006 there is no `blocked_rule_day`; upgrading fills it from the outcomes of the refused
    steps already in the log: exactly what the appends keep (replay agrees), on either database."""
    plan_id = new_plan("05001")
    other = new_plan("08")
    for day in (date(2024, 1, 8), date(2024, 1, 8), date(2024, 1, 9)):
        for plan in (plan_id, other):
            with pytest.raises(GuardFailed):
                advance(plan, "iniciar_construccion", day)
    file_doc(plan_id, "acta_informe_gestion")
    with pytest.raises(GuardFailed):
        advance(plan_id, "iniciar_construccion", date(2024, 1, 10))
    with engine.connect() as conn:
        kept = projections.stored_blocked(conn)
    assert sum(n.attempts for (p, _, _), n in kept.items() if p == plan_id) > 0
    try:
        downgrade(engine, "0005")
        assert "blocked_rule_day" not in inspect(engine).get_table_names()
    finally:
        upgrade(engine)
        with engine.begin() as conn:
            term_ends.refresh(conn)  # reference data `kpt init` loads, kept across tests on PostgreSQL
    with engine.connect() as conn:
        assert projections.stored_blocked(conn) == kept
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    with UnitOfWork(engine) as uow:
        assert replay.differences(uow.connection) == []


def test_a_sqlite_migration_runs_with_foreign_keys_off_and_checks_them_before_it_commits(engine, new_plan):
    """Adding a CHECK rebuilds the table (0010 rebuilds `plan`, a parent), which SQLite refuses
    while foreign keys are on: they are off during a migration, then every one is checked."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL alters a table in place")
    new_plan("05001")
    downgrade(engine, "0009")
    with closing(sqlite3.connect(engine.url.database or "")) as db, db:  # a plain connection: foreign keys off
        db.execute("INSERT INTO plan_program (plan_id, program_code, program_name, eje, position) "
                   "VALUES ('no-existe', '2201', 'Programa', 'Eje', 0)")
    with pytest.raises(ForeignKeysBroken, match="en la tabla plan_program"):
        upgrade(engine)
    assert current_revision(engine) == "0009"
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # on again for whoever comes next
