"""term_end: the last day of every legal term from every day it can run from

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 12:00:00.000000

The reports judge deadlines with a join on this table (kpt_workflow.storage.term_ends); `kpt init` fills
it, as it loads the other reference data.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('term_end',
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.Column('anchor_day', sa.Date(), nullable=False),
    sa.Column('earliest', sa.Date(), nullable=False),
    sa.Column('latest', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('unit', 'length', 'anchor_day'),
    sqlite_with_rowid=False
    )


def downgrade() -> None:
    op.drop_table('term_end')
