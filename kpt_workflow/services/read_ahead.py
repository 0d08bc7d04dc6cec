"""A guarded step's reads on PostgreSQL, in one statement instead of four.

Before it decides, the step route reads the token's user, the plan (locking its row), the
Idempotency-Key's stored answer and the plan's documents: on PostgreSQL four round trips, each
costing the driver more CPU than the database. Here one statement reads them all and tells the
recorder their rows (`DriverRecorder.remember`); the code that reads them anyway (the access
check, the key's lookup, the step's facts) then gets them without a statement. On SQLite, with
no network between, there is nothing to save.

One statement sees one snapshot, taken before it waited for the plan's lock: the key's answer and
the documents it read are as they were before a change it waited for. Filing a document bumps the
plan's version, and so does every step on the plan answered under a key, refused or not; so when
the locked row's version is newer than the snapshot's, those two are not remembered and are read
after the lock, as without this read. (The same key used at once on another plan was never kept
out by this plan's lock: its primary key refuses the second at commit, see kpt_workflow.storage.idempotency.)
"""

from datetime import date

from sqlalchemy import Connection

from kpt_workflow.services.accounts import ACTOR_BY_TOKEN_SQL, token_hash
from kpt_workflow.storage.idempotency import LOOKUP_SQL
from kpt_workflow.storage.recorder import PLAN_COLUMNS, PLAN_VERSION, POSTGRESQL, recorder, step_sql

_SQL = step_sql(POSTGRESQL)
_READ = (
    "SELECT actor.*, locked.*, (SELECT version FROM plan WHERE plan.id = locked.id), "
    "stored.request_hash, stored.status_code, stored.response_body, documents.* "
    f"FROM ({ACTOR_BY_TOKEN_SQL.format(p='%s')}) actor "
    f"LEFT JOIN LATERAL ({_SQL.plan_for_update}) locked ON true "
    "LEFT JOIN idempotency_record stored ON stored.username = actor.username AND stored.key = %s "
    f"LEFT JOIN LATERAL ({_SQL.documents}) documents ON true"
)
_ACTOR = slice(0, 3)  # ACTOR_BY_TOKEN_SQL's columns: username, role, entity_code
_PLAN = slice(_ACTOR.stop, _ACTOR.stop + len(PLAN_COLUMNS))


def read_step_ahead(conn: Connection, token: str, plan_id: str, key: str | None, legal_date: date) -> None:
    """On PostgreSQL, what the step of `plan_id` by the holder of `token` under `key`, dated
    `legal_date`, is about to read, read now in one statement (see the module's docstring)."""
    store = recorder(conn)
    if store.dialect is not POSTGRESQL:
        return
    hashed = token_hash(token)
    rows = store.rows(_READ, (hashed, plan_id, key, plan_id, legal_date))
    if not rows:
        return  # no such user: the access check reads again, and refuses
    row = rows[0]
    username, plan = row[0], row[_PLAN]
    snapshot_version, request_hash, status_code, body, documents = row[_PLAN.stop:]
    store.remember(ACTOR_BY_TOKEN_SQL, (hashed,), [row[_ACTOR]])
    if plan[0] is None:
        return  # no such plan: read again, and not found
    store.remember_plan(plan)
    if snapshot_version != plan[PLAN_VERSION]:
        return  # changed while this waited for the lock: the rest is read after it
    if key is not None:
        store.remember(LOOKUP_SQL, (username, key), [] if request_hash is None else [(request_hash, status_code, body)])
    store.remember_documents(plan_id, legal_date, documents)
