"""The statements of a guarded step, one implementation per database (as eventsourcing's
recorders): read the plan and its documents, bump its version, read the chain head, insert the
event. PostgreSQL (and any other database) runs them as prepared SQLAlchemy Core statements; on
SQLite they go straight to the driver's cursor on the same connection and transaction, because
there the statements cost more in the layers above the driver than in the database.

Both implementations pass the same test suite (the tests run on each backend).
"""

from collections.abc import Mapping
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Connection, bindparam, select, text, update

from kpt_workflow.canonical import utc_text
from kpt_workflow.facts import DocumentFacts, latest_per_type
from kpt_workflow.models import AuditEvent, Document, Entity, Plan

PLAN, ENTITY, DOCUMENT, EVENTS = Plan.__table__, Entity.__table__, Document.__table__, AuditEvent.__table__
PLAN_COLUMNS = ("id", "entity_code", "entity_name", "entity_kind", "department_code", "department_name", "period",
                "state", "state_entered_on", "version", "definition_name", "definition_version",
                "declared_investment_total")
# pg_advisory_xact_lock key that serialises appends to the one chain on PostgreSQL.
CHAIN_LOCK_KEY = 0x6B7074  # "kpt"


class Recorder(Protocol):
    def plan_row(self, plan_id: str, for_update: bool) -> tuple[Any, ...] | None: ...
    def latest_documents(self, plan_id: str, as_of: date | None = None) -> DocumentFacts: ...
    def bump(self, plan_id: str, read_version: int, new_version: int, fields: Mapping[str, Any]) -> bool: ...
    def chain_head(self) -> tuple[int, str] | None: ...
    def insert_event(self, row: "EventRow") -> None: ...


PLAN_RECORD = (
    select(PLAN.c.id, PLAN.c.entity_code, ENTITY.c.name, ENTITY.c.kind, ENTITY.c.department_code,
           ENTITY.c.department_name, PLAN.c.period, PLAN.c.state, PLAN.c.state_entered_on, PLAN.c.version,
           PLAN.c.definition_name, PLAN.c.definition_version, PLAN.c.declared_investment_total)
    .join(ENTITY, ENTITY.c.code == PLAN.c.entity_code)
)
_PLAN_BY_ID = PLAN_RECORD.where(PLAN.c.id == bindparam("plan_id"))
_PLAN_BY_ID_FOR_UPDATE = _PLAN_BY_ID.with_for_update(of=PLAN)
_LATEST_DOCUMENTS = (
    select(DOCUMENT.c.doc_type, DOCUMENT.c.version, DOCUMENT.c.status, DOCUMENT.c.legal_date, DOCUMENT.c.number)
    .where(DOCUMENT.c.plan_id == bindparam("plan_id"), DOCUMENT.c.legal_date <= bindparam("as_of"))
    .order_by(DOCUMENT.c.doc_type, DOCUMENT.c.version)
)
FAR_FUTURE = date(9999, 12, 31)
_BUMP = (update(PLAN).where(PLAN.c.id == bindparam("plan_id"), PLAN.c.version == bindparam("read_version"))
         .values(version=bindparam("new_version")))
_HEAD = select(EVENTS.c.seq, EVENTS.c.hash).order_by(EVENTS.c.seq.desc()).limit(1)
_CHAIN_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


class EventRow(NamedTuple):
    """An `audit_event` row, its columns in the table's order."""

    seq: int
    plan_id: str
    plan_version: int
    event_type: str
    schema_version: int
    recorded_at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    legal_date: date | None
    outcomes: str
    payload: str
    prev_hash: str
    hash: str


assert EventRow._fields == tuple(c.name for c in EVENTS.columns), "EventRow must follow audit_event's columns"


class CoreRecorder:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def plan_row(self, plan_id: str, for_update: bool) -> tuple[Any, ...] | None:
        lock = for_update and self.conn.dialect.name == "postgresql"
        row = self.conn.execute(_PLAN_BY_ID_FOR_UPDATE if lock else _PLAN_BY_ID, {"plan_id": plan_id}).first()
        return None if row is None else tuple(row)

    def latest_documents(self, plan_id: str, as_of: date | None = None) -> DocumentFacts:
        rows = self.conn.execute(_LATEST_DOCUMENTS, {"plan_id": plan_id, "as_of": as_of or FAR_FUTURE})
        return latest_per_type(tuple(row) for row in rows)

    def bump(self, plan_id: str, read_version: int, new_version: int, fields: Mapping[str, Any]) -> bool:
        statement = _BUMP.values(**{name: bindparam(name) for name in fields}) if fields else _BUMP
        result = self.conn.execute(statement, {"plan_id": plan_id, "read_version": read_version,
                                               "new_version": new_version, **fields})
        return result.rowcount == 1

    def chain_head(self) -> tuple[int, str] | None:
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(_CHAIN_LOCK, {"key": CHAIN_LOCK_KEY})
        head = self.conn.execute(_HEAD).first()
        return None if head is None else (head.seq, head.hash)

    def insert_event(self, row: EventRow) -> None:
        self.conn.execute(EVENTS.insert(), row._asdict())


class SqliteRecorder:
    """The same statements in SQLite's own SQL, with values in the text forms SQLAlchemy stores
    (ISO dates, 'YYYY-MM-DD HH:MM:SS.ffffff' UTC datetimes), so either layer reads what the other wrote."""

    _PLAN_SQL = ("SELECT plan.id, plan.entity_code, entity.name, entity.kind, entity.department_code, "
                 "entity.department_name, plan.period, plan.state, plan.state_entered_on, plan.version, "
                 "plan.definition_name, plan.definition_version, plan.declared_investment_total "
                 "FROM plan JOIN entity ON entity.code = plan.entity_code WHERE plan.id = ?")
    _DOCUMENTS_SQL = ("SELECT doc_type, version, status, legal_date, number FROM document "
                      "WHERE plan_id = ? AND legal_date <= ? ORDER BY doc_type, version")
    _HEAD_SQL = "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1"
    _EVENT_COLUMNS = tuple(c.name for c in EVENTS.columns)
    _INSERT_SQL = (f"INSERT INTO audit_event ({', '.join(_EVENT_COLUMNS)}) "
                   f"VALUES ({', '.join('?' for _ in _EVENT_COLUMNS)})")

    def __init__(self, conn: Connection) -> None:
        self.cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]

    def _rows(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[Any]:
        """Every row, so the statement is finished: a half-read one would hold its read snapshot
        (and block WAL checkpoints) while the pooled connection sits idle."""
        return self.cursor.execute(sql, parameters).fetchall()

    def plan_row(self, plan_id: str, for_update: bool) -> tuple[Any, ...] | None:
        rows = self._rows(self._PLAN_SQL, (plan_id,))
        if not rows:
            return None
        row = rows[0]
        return (*row[:8], date.fromisoformat(row[8]), *row[9:])

    def latest_documents(self, plan_id: str, as_of: date | None = None) -> DocumentFacts:
        return _folded_sqlite_documents(tuple(self._rows(self._DOCUMENTS_SQL,
                                                         (plan_id, (as_of or FAR_FUTURE).isoformat()))))

    def bump(self, plan_id: str, read_version: int, new_version: int, fields: Mapping[str, Any]) -> bool:
        names = ["version", *fields]
        sql = f"UPDATE plan SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ? AND version = ?"
        values = [new_version, *(sqlite_value(v) for v in fields.values()), plan_id, read_version]
        return self.cursor.execute(sql, values).rowcount == 1

    def chain_head(self) -> tuple[int, str] | None:
        rows = self._rows(self._HEAD_SQL)
        return rows[0] if rows else None

    def insert_event(self, row: EventRow) -> None:
        self.cursor.execute(self._INSERT_SQL, row._replace(recorded_at=sqlite_value(row.recorded_at),
                                                           legal_date=sqlite_value(row.legal_date)))


@lru_cache(maxsize=4096)
def _folded_sqlite_documents(rows: tuple[tuple[str, int, str, str | None, str | None], ...]) -> DocumentFacts:
    """The facts of a plan's document rows as SQLite stores them (dates as ISO text). A step reads
    the same rows as the step before it, so the fold is kept by the rows themselves: a pure
    function of its key, it can never answer for other rows."""
    return latest_per_type((doc_type, version, status, date.fromisoformat(legal) if legal else None, number)
                           for doc_type, version, status, legal, number in rows)


def sqlite_value(value: Any) -> Any:
    """A value as SQLAlchemy stores it in SQLite: a datetime as UTC 'YYYY-MM-DD HH:MM:SS.ffffff', a date as ISO."""
    if isinstance(value, datetime):
        text = utc_text(value.astimezone(timezone.utc))  # 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (strftime is slower)
        return f"{text[:10]} {text[11:26]}"
    if isinstance(value, date):
        return value.isoformat()
    return value


_SQLITE_RECORDER = "kpt_sqlite_recorder"


def recorder(conn: Connection) -> Recorder:
    """On SQLite, one recorder (with its cursor) per DB-API connection, kept in the connection's
    `info`, which lives as long as that connection does in the pool."""
    if conn.dialect.name != "sqlite":
        return CoreRecorder(conn)
    store = conn.info.get(_SQLITE_RECORDER)
    if store is None:
        store = conn.info[_SQLITE_RECORDER] = SqliteRecorder(conn)
    return store
