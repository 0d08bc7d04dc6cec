"""goal_yearly_programming: a meta's goal for each year of the period

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 10:00:00.000000

The DNP's Plan Indicativo (SisPT) asks for each meta's four-year goal and its programming year by
year. The strategic part's input carries it (`programacion`, optional) in the same
`strategic_part_recorded` event; `plan_goal_year` is its projection, one row per meta and year.
Older events have no programming: nothing to backfill.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

import kpt_workflow.storage.tables


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('plan_goal_year',
    sa.Column('value', kpt_workflow.storage.tables.DecimalText(), nullable=False),
    sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('indicator_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('plan_id', 'indicator_code', 'year')
    )


def downgrade() -> None:
    op.drop_table('plan_goal_year')
