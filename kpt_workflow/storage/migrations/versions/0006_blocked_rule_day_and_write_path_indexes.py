"""blocked_rule_day projection; audit_event indexes for the write path and the reports

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 16:30:00.000000

- `blocked_rule_day`: refused attempts per failed rule, plan and legal day, backfilled here from
  the outcomes of every `transition_blocked` event (the JSON is unpacked in SQL once). Its key
  leads with the rule, the reports' grouping; on SQLite it is a WITHOUT ROWID table.
- Dropped, each costing every append a B-tree write: `ix_audit_event_plan_id` (UNIQUE(plan_id,
  plan_version) serves lookups by plan), `ix_audit_event_event_type` (the reports read steps
  through the partial index below and refusals from `blocked_rule_day`), `ix_plan_state` (a
  plan table of ~1,100 rows is scanned faster than it is indexed), and the UNIQUE constraints on
  `audit_event.hash` and `audit_event.prev_hash` (random-page writes; the chain cannot fork
  because `seq` is the primary key and each append reads the head's `seq` and `hash` together
  under the write lock). SQLite drops an unnamed UNIQUE constraint only by rebuilding the table.
- `ix_audit_event_created` and `ix_audit_event_step`: partial indexes of the `plan_created` and
  `transition_applied` events only, covering what the reports read of them (a few entries per
  plan, however many refused attempts the log holds; without statistics, SQLite would otherwise
  scan the whole log to find the plans' creations).
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

MOVE_INDEXES = {"plan_created": "ix_audit_event_created", "transition_applied": "ix_audit_event_step"}
# SQLite's unnamed UNIQUE constraints get these names for the rebuild (Alembic's batch recipe).
SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
# PostgreSQL's names for the unnamed constraints 0001 created.
PG_UNIQUE = {"hash": "audit_event_hash_key", "prev_hash": "audit_event_prev_hash_key"}

BACKFILL_SQLITE = """
INSERT INTO blocked_rule_day (rule, plan_id, legal_date, attempts, basis)
SELECT json_extract(o.value, '$.rule'), e.plan_id, e.legal_date, count(*), max(json_extract(o.value, '$.basis'))
FROM audit_event AS e, json_each(e.outcomes) AS o
WHERE e.event_type = 'transition_blocked' AND e.legal_date IS NOT NULL AND json_extract(o.value, '$.passed') = 0
GROUP BY json_extract(o.value, '$.rule'), e.plan_id, e.legal_date
"""
BACKFILL_POSTGRESQL = """
INSERT INTO blocked_rule_day (rule, plan_id, legal_date, attempts, basis)
SELECT o.value ->> 'rule', e.plan_id, e.legal_date, count(*), max(o.value ->> 'basis')
FROM audit_event AS e, json_array_elements(CAST(e.outcomes AS JSON)) AS o
WHERE e.event_type = 'transition_blocked' AND e.legal_date IS NOT NULL AND (o.value ->> 'passed') = 'false'
GROUP BY o.value ->> 'rule', e.plan_id, e.legal_date
"""


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.create_table('blocked_rule_day',
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('legal_date', sa.Date(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('basis', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('rule', 'plan_id', 'legal_date'),
    sqlite_with_rowid=False
    )
    op.execute(BACKFILL_SQLITE if _sqlite() else BACKFILL_POSTGRESQL)

    sqlite = _sqlite()
    with op.batch_alter_table('audit_event', schema=None, naming_convention=SQLITE_NAMES if sqlite else None) \
            as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_event_type'))
        batch_op.drop_index(batch_op.f('ix_audit_event_plan_id'))
        for column, pg_name in PG_UNIQUE.items():
            batch_op.drop_constraint(f"uq_audit_event_{column}" if sqlite else pg_name, type_="unique")
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        for event_type, name in MOVE_INDEXES.items():
            where = sa.text(f"event_type = '{event_type}'")
            batch_op.create_index(name, ['plan_id', 'seq', 'to_state', 'legal_date'], unique=False,
                                  sqlite_where=where, postgresql_where=where)

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_state'))


def downgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_state'), ['state'], unique=False)

    sqlite = _sqlite()
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        for name in MOVE_INDEXES.values():
            batch_op.drop_index(name)
        for column, pg_name in PG_UNIQUE.items():
            batch_op.create_unique_constraint(f"uq_audit_event_{column}" if sqlite else pg_name, [column])
        batch_op.create_index(batch_op.f('ix_audit_event_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_event_type'), ['event_type'], unique=False)

    op.drop_table('blocked_rule_day')
