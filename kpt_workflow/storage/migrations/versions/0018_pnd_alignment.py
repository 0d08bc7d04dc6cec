"""pnd_alignment: the PND's lines in force and the tags of a plan's programs

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 10:00:00.000000

A program of the parte estratégica may name the lines of the Plan Nacional de Desarrollo it
articulates with (`plan_program_pnd`) and, in a municipality's plan, programs of its department's
plan (`plan_program_initiative`); both are rebuilt from the `strategic_part_recorded` events.
`pnd_line` holds the PND catalog in force, which `kpt init` loads and an import replaces.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def _text(length: int | None = None) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table('plan_program_pnd',
    sa.Column('plan_id', _text(), nullable=False),
    sa.Column('program_code', _text(4), nullable=False),
    sa.Column('line_code', _text(64), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('plan_id', 'program_code', 'line_code')
    )
    op.create_index(op.f('ix_plan_program_pnd_line_code'), 'plan_program_pnd', ['line_code'], unique=False)
    op.create_table('plan_program_initiative',
    sa.Column('plan_id', _text(), nullable=False),
    sa.Column('program_code', _text(4), nullable=False),
    sa.Column('department_program_code', _text(4), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('plan_id', 'program_code', 'department_program_code')
    )
    op.create_table('pnd_line',
    sa.Column('code', _text(64), nullable=False),
    sa.Column('kind', _text(16), nullable=False),
    sa.Column('name', _text(300), nullable=False),
    sa.Column('basis', _text(300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('plan', _text(300), nullable=False),
    sa.Column('plan_basis', _text(300), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )


def downgrade() -> None:
    op.drop_table('pnd_line')
    op.drop_table('plan_program_initiative')
    op.drop_index(op.f('ix_plan_program_pnd_line_code'), table_name='plan_program_pnd')
    op.drop_table('plan_program_pnd')
