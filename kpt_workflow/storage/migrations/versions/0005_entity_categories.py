"""entity categories

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 17:50:14.591036
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('entity_category',
    sa.Column('entity_code', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.ForeignKeyConstraint(['entity_code'], ['entity.code'], ),
    sa.PrimaryKeyConstraint('entity_code', 'year')
    )


def downgrade() -> None:
    op.drop_table('entity_category')
