"""Alembic creates exactly the schema the models declare (no drift between the two)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from kpt_workflow.schema import metadata


def test_migrated_schema_matches_the_models(engine):
    with engine.connect() as conn:
        drift = compare_metadata(MigrationContext.configure(conn), metadata)
    assert drift == []


def test_audit_chain_constraints_exist(engine):
    """The database itself refuses a forked chain or two events for one plan version."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn)
        uniques = {tuple(u["column_names"]) for u in context.bind.dialect.get_unique_constraints(conn, "audit_event")}
    assert {("prev_hash",), ("hash",), ("plan_id", "plan_version")} <= uniques
