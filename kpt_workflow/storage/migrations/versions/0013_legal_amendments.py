"""legal_amendments: amendments of terms for plans in flight, with their own hash chain

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 13:00:00.000000

A norm may move a deadline of plans already started (Decreto Legislativo 683 de 2020): the
amendment is recorded as an event of its own chain (`amendment_event`: it reaches plans that may
not exist yet, so it is no event of a plan) and projected into `legal_amendment`, which the
plans' deadlines read.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

DATES = ("norm_date", "in_force_from", "new_date")


def _date_checks() -> list[sa.CheckConstraint]:
    """On SQLite, the CHECK of revision 0010 on each date column: only an existing day written
    YYYY-MM-DD (a migration is frozen, so it keeps its own copy of the expression)."""
    if op.get_bind().dialect.name != "sqlite":
        return []
    return [sa.CheckConstraint(f"{c} IS NULL OR (typeof({c}) = 'text' AND {c} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-"
                               f"[0-9][0-9]' AND date({c}, '+0 days') = {c})", name=f"ck_legal_amendment_{c}")
            for c in DATES]


def upgrade() -> None:
    op.create_table('amendment_event',
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_table('legal_amendment',
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('norm', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('article', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('norm_date', sa.Date(), nullable=False),
    sa.Column('in_force_from', sa.Date(), nullable=False),
    sa.Column('periods', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('scope_values', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('deadline', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('new_date', sa.Date(), nullable=True),
    sa.Column('from_act', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('months', sa.Integer(), nullable=True),
    sa.Column('working_days', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('number'),
    *_date_checks()
    )


def downgrade() -> None:
    op.drop_table('legal_amendment')
    op.drop_table('amendment_event')
