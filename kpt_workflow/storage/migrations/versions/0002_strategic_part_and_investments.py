"""strategic part, indicators, investment plan

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:21:59.774116
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

import kpt_workflow.storage.tables


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('indicator',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sector_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sector_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('program_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('program_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('product_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('product_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('official', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_program_code'), ['program_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_sector_code'), ['sector_code'], unique=False)

    op.create_table('plan_goal',
    sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('indicator_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('program_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('custom', sa.Boolean(), nullable=False),
    sa.Column('baseline_value', kpt_workflow.storage.tables.DecimalText(), nullable=True),
    sa.Column('baseline_year', sa.Integer(), nullable=True),
    sa.Column('baseline_source', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('meta_cuatrienio', kpt_workflow.storage.tables.DecimalText(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('plan_id', 'indicator_code')
    )
    op.create_table('plan_investment',
    sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('program_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('plan_id', 'program_code', 'year', 'source')
    )
    op.create_table('plan_program',
    sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('program_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('program_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('eje', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('plan_id', 'program_code')
    )
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declared_investment_total', sa.BigInteger(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('declared_investment_total')

    op.drop_table('plan_program')
    op.drop_table('plan_investment')
    op.drop_table('plan_goal')
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_sector_code'))
        batch_op.drop_index(batch_op.f('ix_indicator_program_code'))

    op.drop_table('indicator')
