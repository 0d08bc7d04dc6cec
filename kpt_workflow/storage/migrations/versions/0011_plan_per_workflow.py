"""plan_per_workflow: one plan per entity, period and workflow; ids long enough to name the workflow

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 12:00:00.000000

Workflows are data: an entity may run a second workflow in the period of its PDT, whose plan's id
is `<entity>-<period>-<workflow>` (kpt_workflow.services.plans.plan_id). The plan was unique by
(entity_code, period) with a 16-character id; it becomes unique by (entity_code, period,
definition_name) with a 64-character id. Every row stays as stored: the PDT's ids do not change.
SQLite rebuilds the table (batch mode, with its CHECK constraints of 0010, foreign keys off as
`kpt_workflow.storage.migrate` runs migrations); PostgreSQL swaps the constraint and widens the
column in place.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

from kpt_workflow.base.errors import KptError


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

NEW_UNIQUE, NEW_COLUMNS = "uq_plan_entity_period_workflow", ["entity_code", "period", "definition_name"]
OLD_UNIQUE, OLD_COLUMNS = "uq_plan_entity_code", ["entity_code", "period"]  # on PostgreSQL: plan_entity_code_period_key
# Names for SQLite's reflected unnamed constraints (Alembic's batch mode drops a constraint by name).
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


class PlansOfOtherWorkflows(KptError):
    """A downgrade would lose what this revision allows: plans of a second workflow."""

    code = "planes_de_otros_flujos"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("plan_entity_code_period_key", "plan", type_="unique")
        op.create_unique_constraint(NEW_UNIQUE, "plan", NEW_COLUMNS)
        op.alter_column("plan", "id", type_=sqlmodel.sql.sqltypes.AutoString(length=64))
        return
    with op.batch_alter_table("plan", recreate="always", naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint(OLD_UNIQUE, type_="unique")
        batch_op.create_unique_constraint(NEW_UNIQUE, NEW_COLUMNS)
        batch_op.alter_column("id", type_=sqlmodel.sql.sqltypes.AutoString(length=64))


def downgrade() -> None:
    connection = op.get_bind()
    shared = connection.execute(sa.text("SELECT id FROM plan WHERE length(id) > 16 OR EXISTS (SELECT 1 FROM plan other "
                                        "WHERE other.entity_code = plan.entity_code AND other.period = plan.period "
                                        "AND other.id <> plan.id) ORDER BY id LIMIT 20")).scalars().all()
    if shared:
        raise PlansOfOtherWorkflows(
            "La base tiene planes que la revisión 0010 no admite (un segundo flujo de una entidad en un período, o un "
            f"identificador de más de 16 caracteres): {', '.join(shared)}.", plans=list(shared),
            hint="Restaure un respaldo de antes de la actualización en lugar de bajar de versión.")
    if connection.dialect.name == "postgresql":
        op.drop_constraint(NEW_UNIQUE, "plan", type_="unique")
        op.create_unique_constraint("plan_entity_code_period_key", "plan", OLD_COLUMNS)
        op.alter_column("plan", "id", type_=sqlmodel.sql.sqltypes.AutoString(length=16))
        return
    with op.batch_alter_table("plan", recreate="always") as batch_op:
        batch_op.drop_constraint(NEW_UNIQUE, type_="unique")
        batch_op.create_unique_constraint(OLD_UNIQUE, OLD_COLUMNS)
        batch_op.alter_column("id", type_=sqlmodel.sql.sqltypes.AutoString(length=16))
