"""plan_diagnostic_section: the planning office's text of each section of a plan's standardized
diagnostic

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 10:00:00.000000

The diagnostic builder (`kpt plan diagnostic`, /planes/{id}/diagnostico) prefills each section from
the reference data and the catalog of sectors; what the office writes in a section is an audited
change of the plan (`diagnostic_section_recorded`), and this table keeps the last text of each
section as the events leave it (replay rebuilds it).
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('plan_diagnostic_section',
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('section', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('edited_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('plan_id', 'section')
    )


def downgrade() -> None:
    op.drop_table('plan_diagnostic_section')
