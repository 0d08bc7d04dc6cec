"""audit_checkpoint: signed checkpoints are kept when they are made

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 18:00:00.000000

`kpt audit checkpoint` signed the chain's head and only printed it; now each one is also stored,
so that a plan's evidence bundle (`kpt plan bundle`) can carry the latest signed checkpoint.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('head', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('signed_at', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('signature', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('public_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('audit_checkpoint')
