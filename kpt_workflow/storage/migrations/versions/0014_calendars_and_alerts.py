"""calendars_and_alerts: calendar feed tokens, the alerts outbox, and a user's mail address

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 18:00:00.000000

A calendar app subscribes to a feed by URL and sends no Authorization header, so each feed gets a
secret token of its own (`calendar_token`, stored as its SHA-256, revocable). Alerts of legal terms
are written once into `alert_outbox`, which an SMTP relay drains; `user.email` is where they go.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

DATES = ("deadline_date", "due_on")


def _date_checks() -> list[sa.CheckConstraint]:
    """On SQLite, the CHECK of revision 0010 on each date column: only an existing day written
    YYYY-MM-DD (a migration is frozen, so it keeps its own copy of the expression)."""
    if op.get_bind().dialect.name != "sqlite":
        return []
    return [sa.CheckConstraint(f"{c} IS NULL OR (typeof({c}) = 'text' AND {c} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-"
                               f"[0-9][0-9]' AND date({c}, '+0 days') = {c})", name=f"ck_alert_outbox_{c}")
            for c in DATES]


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True))
    op.create_table('calendar_token',
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('feed', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['username'], ['user.username'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('calendar_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_token_username'), ['username'], unique=False)
    op.create_table('alert_outbox',
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('to_address', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('deadline', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('deadline_date', sa.Date(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.ForeignKeyConstraint(['recipient'], ['user.username'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('recipient', 'plan_id', 'deadline', 'deadline_date', 'kind', name='uq_alert_outbox_once'),
    *_date_checks()
    )


def downgrade() -> None:
    op.drop_table('alert_outbox')
    with op.batch_alter_table('calendar_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_token_username'))
    op.drop_table('calendar_token')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('email')
