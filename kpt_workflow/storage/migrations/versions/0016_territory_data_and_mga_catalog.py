"""territory_data_and_mga_catalog: indicator values and descriptors per territory, the MGA
catalog in force, and the product a plan's goal measures

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 14:00:00.000000

The entity diagnosis reads DANE's population and TerriData's poverty and descriptors from tables
that `kpt init` fills from the shipped files and the DNP extends by import (`territory_indicator`,
`territory_profile`); the products bank searches `mga_product`, which a newer DNP catalog replaces.
A goal added from the bank names its product (`plan_goal.product_code`), so that a new catalog can
say which plans use what it changed. `kpt init` loads the rows.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

import kpt_workflow.storage.tables


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table('territory_indicator',
    sa.Column('value', kpt_workflow.storage.tables.DecimalText(), nullable=False),
    sa.Column('territory_code', _text(5), nullable=False),
    sa.Column('indicator', _text(200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('unit', _text(50), nullable=False),
    sa.Column('source', _text(300), nullable=False),
    sa.PrimaryKeyConstraint('territory_code', 'indicator', 'year')
    )
    op.create_index('ix_territory_indicator_indicator_year', 'territory_indicator', ['indicator', 'year'], unique=False)
    op.create_table('territory_profile',
    sa.Column('extension_km2', kpt_workflow.storage.tables.DecimalText(), nullable=True),
    sa.Column('territory_code', _text(5), nullable=False),
    sa.Column('tipologia', _text(20), nullable=True),
    sa.Column('ruralidad', _text(60), nullable=True),
    sa.Column('entorno', _text(60), nullable=True),
    sa.Column('region', _text(60), nullable=True),
    sa.Column('subregion_sgr', _text(120), nullable=True),
    sa.PrimaryKeyConstraint('territory_code')
    )
    op.create_index(op.f('ix_territory_profile_tipologia'), 'territory_profile', ['tipologia'], unique=False)
    op.create_index(op.f('ix_territory_profile_subregion_sgr'), 'territory_profile', ['subregion_sgr'], unique=False)
    op.create_table('mga_product',
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('code', _text(7), nullable=False),
    sa.Column('name', _text(500), nullable=False),
    sa.Column('program_code', _text(4), nullable=False),
    sa.Column('program_name', _text(500), nullable=False),
    sa.Column('sector_code', _text(2), nullable=False),
    sa.Column('sector_name', _text(500), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_index(op.f('ix_mga_product_program_code'), 'mga_product', ['program_code'], unique=False)
    op.add_column('plan_goal', sa.Column('product_code', _text(7), nullable=True))
    op.create_index(op.f('ix_plan_goal_product_code'), 'plan_goal', ['product_code'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_plan_goal_product_code'), table_name='plan_goal')
    with op.batch_alter_table('plan_goal') as batch_op:
        batch_op.drop_column('product_code')
    op.drop_index(op.f('ix_mga_product_program_code'), table_name='mga_product')
    op.drop_table('mga_product')
    op.drop_index(op.f('ix_territory_profile_subregion_sgr'), table_name='territory_profile')
    op.drop_index(op.f('ix_territory_profile_tipologia'), table_name='territory_profile')
    op.drop_table('territory_profile')
    op.drop_index('ix_territory_indicator_indicator_year', table_name='territory_indicator')
    op.drop_table('territory_indicator')
