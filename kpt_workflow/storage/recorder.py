"""The statements of a guarded step: read the plan and its documents, bump its version, place the
event after the chain's head. They go straight to the driver's cursor, on the unit of work's
connection and transaction, in each database's own SQL (`DriverDialect`): for statements this
small, SQLAlchemy's layers cost more than the database (on PostgreSQL about as much as the round
trip). The whole test suite runs on both databases.
"""

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from functools import lru_cache
from hashlib import sha256
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, event, select
from sqlalchemy.exc import IntegrityError

from kpt_workflow.storage.event_encoding import GENESIS_HASH, Unlinked
from kpt_workflow.base.canonical import utc_text

from kpt_workflow.law.facts import DocumentFacts, latest_per_type
from kpt_workflow.lifecycle.aggregate import PlanRecord
from kpt_workflow.storage.tables import AuditEvent, Document, Entity, Plan

PLAN, ENTITY, DOCUMENT, EVENTS = Plan.__table__, Entity.__table__, Document.__table__, AuditEvent.__table__
PLAN_COLUMNS = PlanRecord._fields
# Where each field of a plan's record comes from: the entity's words, the plan's own columns. One
# list for the step's statement (`step_sql`) and the repository's select (`PLAN_RECORD`).
_FROM_ENTITY = {"entity_name": "name", "entity_kind": "kind", "department_code": "department_code",
                "department_name": "department_name"}
_PLAN_SOURCES = tuple(ENTITY.c[_FROM_ENTITY[f]] if f in _FROM_ENTITY else PLAN.c[f] for f in PLAN_COLUMNS)
# pg_advisory_xact_lock key that serialises appends to the one chain on PostgreSQL.
CHAIN_LOCK_KEY = 0x6B7074  # "kpt"


PLAN_RECORD = (select(*(source.label(name) for source, name in zip(_PLAN_SOURCES, PLAN_COLUMNS)))
               .join(ENTITY, ENTITY.c.code == PLAN.c.entity_code))
FAR_FUTURE = date(9999, 12, 31)


class NewEventRow(NamedTuple):
    """An `audit_event` row as a use-case makes it: every column but the chain's (`LINK_COLUMNS`),
    which the recorder fills in when it places the event after the chain's head."""

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


PLAN_VERSION = PLAN_COLUMNS.index("version")  # its place in a plan's row as `plan_row` reads it
LINK_COLUMNS = ("seq", "prev_hash", "hash")
EVENT_COLUMNS = (*NewEventRow._fields, *LINK_COLUMNS)  # the order of `StepSql.insert_event`'s values
assert sorted(EVENT_COLUMNS) == sorted(c.name for c in EVENTS.columns), "EVENT_COLUMNS must be audit_event's"


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class DriverDialect:
    """What the recorder's statements need to know of a database and its driver."""

    name: str
    placeholder: str  # the driver's parameter marker
    documents_json: str  # the documents' rows as one JSON text: see `DriverRecorder.latest_documents`
    for_update: str  # how a read locks the plan's row until commit
    chain_lock: str | None  # run before reading the chain head: appends to the one chain take turns
    pipeline: bool  # the driver can send statements without waiting for each answer (a network between)
    stored: Callable[[Any], Any]  # a Python value in the form the driver should be handed it
    read_date: Callable[[Any], date]  # a DATE column's value as the driver returns it, as a date


@dataclass(frozen=True)
class StepSql:
    """The step's statements in one database's SQL."""

    plan: str
    plan_for_update: str
    documents: str  # one row: the documents' rows as a JSON array (see `DriverRecorder.latest_documents`)
    head: str
    amendments_head: str  # the legal amendments' chain head: asked by every step (`amendment_log`)
    insert_event: str  # an event with its link, values in the order of EVENT_COLUMNS
    link_event: str | None  # the database places and hashes the event itself: see `DriverRecorder.link_event`


@lru_cache(maxsize=None)
def step_sql(dialect: DriverDialect) -> StepSql:
    p = dialect.placeholder
    plan = (f"SELECT {', '.join(f'{c.table.name}.{c.name}' for c in _PLAN_SOURCES)} "
            f"FROM plan JOIN entity ON entity.code = plan.entity_code WHERE plan.id = {p}")
    return StepSql(
        plan=plan, plan_for_update=plan + dialect.for_update,
        documents=f"SELECT {dialect.documents_json} FROM document WHERE plan_id = {p} AND legal_date <= {p}",
        head=HEAD,
        amendments_head="SELECT seq, hash FROM amendment_event ORDER BY seq DESC LIMIT 1",
        insert_event=(f"INSERT INTO audit_event ({', '.join(EVENT_COLUMNS)}) "
                      f"VALUES ({', '.join(p for _ in EVENT_COLUMNS)})"),
        link_event=None if dialect.chain_lock is None else _LINK_EVENT.format(
            columns=", ".join(EVENT_COLUMNS), values=", ".join(p for _ in NewEventRow._fields), p=p))


HEAD = "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1"
# PostgreSQL: the head, the link and the hash, in the statement's own snapshot, taken once the
# chain's lock (sent before it) is granted. The hash is sha256 of the body's pieces around the link
# (event_encoding.Unlinked), with the previous hash's hex digits and the seq's decimal digits between.
_LINK_EVENT = (
    "WITH head AS (" + HEAD + "), "
    "link AS (SELECT coalesce((SELECT seq FROM head), 0) + 1 AS seq, coalesce((SELECT hash FROM head), {p}) AS prev) "
    "INSERT INTO audit_event ({columns}) VALUES ({values}, (SELECT seq FROM link), (SELECT prev FROM link), "
    "(SELECT encode(sha256({p}::bytea || convert_to(prev, 'UTF8') || {p}::bytea || convert_to(seq::text, 'UTF8') "
    "|| {p}::bytea), 'hex') FROM link))")


class DriverRecorder:
    """The step's statements straight to the driver's cursor (see the module's docstring). Values
    go in and come back in the forms SQLAlchemy uses on that database (on SQLite ISO dates and
    'YYYY-MM-DD HH:MM:SS.ffffff' UTC datetimes), so either layer reads what the other wrote.

    Where the driver pipelines (PostgreSQL), the plan's version bump (when its row is locked),
    the chain's lock and the event's insert are held back and sent with the next statement on the
    connection, so that a unit of work's commit sends them together with the COMMIT
    (`one_round_trip`): the lock is held for no round trip at all. Nothing can read around them:
    every statement on the connection sends them first, whether from here or through SQLAlchemy
    (`_hook`, an engine hook), and so does a COMMIT; a ROLLBACK drops them. Measured on PostgreSQL:
    428 guarded steps/s from 16 callers with it against 371 without (`send_at_once`), the median
    round 85 % (`python bench/mechanisms.py --url postgresql+psycopg://… --seconds 30 --rounds 10`,
    2 cores at load average 6.5-11, 2026-12-07).
    """

    def __init__(self, conn: Connection, dialect: DriverDialect, *, remembers: bool = True) -> None:
        """`remembers`: keep what the transaction has read or placed (`plan_row`, `link_event`),
        under the engine hooks that make it forget (`make_way`, `discard`)."""
        self.cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        self.dialect = dialect
        self.sql = step_sql(dialect)
        self.remembers = remembers
        self._integrity_error: type[Exception] = conn.dialect.dbapi.IntegrityError  # type: ignore[union-attr]
        self._texts: dict[str, str] = {}
        self._held_back: list[tuple[str, Sequence[Any]]] = []
        self._locked: dict[str, tuple[Any, ...]] = {}  # see `plan_row`
        self._heads: dict[str, tuple[int, str] | None] = {}  # a chain's head by the SQL that reads it: `_chain_head`
        if remembers:
            _hook(conn.engine)

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """Every row of `sql` ({p} marks its parameters, or the driver's own marker where `sql`
        is for one database only), so the statement is finished: a half-read one would hold its
        read snapshot (and on SQLite block WAL checkpoints) while the pooled connection sits idle."""
        return self._rows(self._text(sql), parameters)

    def execute(self, sql: str, parameters: Sequence[Any] = (), *, changes_kept: bool = True) -> int:
        """Run `sql` ({p} marks its parameters); the rows it changed. A constraint it breaks raises
        SQLAlchemy's IntegrityError, as the same statement through SQLAlchemy would. What the
        recorder kept is forgotten, unless the caller knows `sql` writes neither a plan nor a
        chain (`changes_kept=False`: an Idempotency-Key's answer)."""
        if changes_kept:
            self._forget()
        return self._execute(self._text(sql), parameters)

    @contextmanager
    def one_round_trip(self) -> Iterator[None]:
        """On PostgreSQL, what is held back and the statements run inside go to the server
        together, with a COMMIT among them, and are answered together (psycopg's pipeline mode;
        an error surfaces at the COMMIT). On SQLite, with no network between, they simply run."""
        if not self.dialect.pipeline:
            yield
            return
        with self.cursor.connection.pipeline():
            self.send_held_back()
            yield

    def send_held_back(self) -> None:
        """Before any other statement (see the class's docstring), in the order held back."""
        if not self._held_back:
            return
        held_back, self._held_back = self._held_back, []
        for sql, parameters in held_back:
            self._execute(sql, parameters)

    def make_way(self) -> None:
        """Another statement, or the COMMIT, comes next (an engine hook): send what is held back;
        what it may change is read anew."""
        self.send_held_back()
        self._forget()

    def discard(self) -> None:
        """On ROLLBACK (an engine hook), or a unit's savepoint rolled back: what was held back
        never existed, and what was read or placed may be gone."""
        self._held_back = []
        self._forget()

    def _forget(self) -> None:
        self._locked.clear()
        self._heads.clear()

    def _text(self, sql: str) -> str:
        text = self._texts.get(sql)
        if text is None:
            text = self._texts[sql] = sql.format(p=self.dialect.placeholder)
        return text

    def _rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        self.send_held_back()
        return self.cursor.execute(sql, parameters).fetchall()

    def _execute(self, sql: str, parameters: Sequence[Any]) -> int:
        self.send_held_back()
        self._locked.clear()
        try:
            return self.cursor.execute(sql, parameters).rowcount
        except self._integrity_error as error:
            raise IntegrityError(sql, parameters, error) from error

    def plan_row(self, plan_id: str, for_update: bool) -> tuple[Any, ...] | None:
        """A row read for update is remembered (`_locked`) until the transaction ends or runs any
        other statement than this recorder's reads: while its lock holds (PostgreSQL's on the row,
        SQLite's on the whole file) nobody else can change it, so reading it again (the caller's
        access, then the change) costs no second statement: on SQLite one of the 14 a step's
        request ran, on PostgreSQL a round trip."""
        if for_update and (locked := self._locked.get(plan_id)) is not None:
            return locked
        rows = self._rows(self.sql.plan_for_update if for_update else self.sql.plan, (plan_id,))
        if not rows:
            return None
        plan = self._plan(rows[0])
        if for_update and self.remembers:
            self._locked[plan_id] = plan
        return plan

    def _plan(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return (*row[:8], self.dialect.read_date(row[8]), *row[9:])

    def latest_documents(self, plan_id: str, as_of: date | None = None) -> DocumentFacts:
        """One row, the plan's document rows as a JSON array: fetched one by one, each row would
        hand the GIL back and forth (the driver releases it around every step or network wait)
        and, under load, the event loop's thread takes it each time."""
        [(rows,)] = self._rows(*self._documents_read(plan_id, as_of))
        return _folded_documents(rows)

    def amendments_head(self) -> tuple[int, str] | None:
        """The legal amendments' chain head (seq, hash), or None before the first amendment. Every
        step asks; on SQLite the write lock keeps it current until the recorder forgets, so the
        steps of a commit group read it once (`_chain_head`)."""
        return self._chain_head(self.sql.amendments_head)

    def _documents_read(self, plan_id: str, as_of: date | None) -> tuple[str, tuple[Any, ...]]:
        return self.sql.documents, (plan_id, self.dialect.stored(as_of or FAR_FUTURE))

    def bump(self, plan_id: str, read_version: int, new_version: int, fields: Mapping[str, Any]) -> bool:
        """Set the plan's version from `read_version` to `new_version`, and `fields`; False if the
        plan is no longer at `read_version`. On PostgreSQL, a plan this transaction read FOR UPDATE
        at `read_version` (`_locked`) can only be there still, so the UPDATE is held back (see the
        class's docstring) and goes to the server with the event and the COMMIT."""
        stored = self.dialect.stored
        values = (new_version, *(stored(v) for v in fields.values()), plan_id, read_version)
        sql = _bump_sql(self.dialect.placeholder, tuple(fields))
        locked = self._locked.pop(plan_id, None)  # read again after this, it would be stale
        if self.dialect.pipeline and locked is not None and locked[PLAN_VERSION] == read_version:
            self._held_back.append((sql, values))
            return True
        return self._execute(sql, values) == 1

    def link_event(self, event: NewEventRow, body: Unlinked) -> None:
        """Place `event` after the chain's head: its seq, its link (the head's hash) and its hash
        (of `body` so linked). On SQLite the transaction holds the write lock since BEGIN IMMEDIATE:
        read the head, hash, insert; the event placed is the head the next one links to, so the
        steps of a commit group read the head once (`_chain_head`, forgotten as `_locked` is, and when a
        unit's savepoint rolls back). On PostgreSQL the chain's advisory lock and one statement that
        does it all in the database are held back (see the class's docstring): appends to the one
        chain take turns for as long as the server takes to run it and commit, not for round trips."""
        stored = self.dialect.stored
        values = event._replace(recorded_at=stored(event.recorded_at), legal_date=stored(event.legal_date))
        if self.sql.link_event is not None:
            assert self.dialect.chain_lock is not None
            statements = [(self.dialect.chain_lock, ()), (self.sql.link_event, (GENESIS_HASH, *values, *body))]
            if self.dialect.pipeline:
                self._held_back += statements
            else:  # sent at once (`send_at_once`)
                for sql, parameters in statements:
                    self._execute(sql, parameters)
            return
        head = self._chain_head(self.sql.head)
        seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
        event_hash = sha256(body.linked(seq, prev_hash)).hexdigest()
        self._execute(self.sql.insert_event, (*values, seq, prev_hash, event_hash))
        if self.remembers:
            self._heads[self.sql.head] = (seq, event_hash)

    def _chain_head(self, sql: str) -> tuple[int, str] | None:
        """(seq, hash) of a chain's last link, as `sql` reads it; None for an empty chain. Kept
        (`_heads`) until the recorder forgets, when it `remembers`."""
        if sql in self._heads:
            return self._heads[sql]
        rows = self._rows(sql)
        head = (rows[0][0], rows[0][1]) if rows else None
        if self.remembers:
            self._heads[sql] = head
        return head


@lru_cache(maxsize=64)
def _bump_sql(p: str, fields: tuple[str, ...]) -> str:
    """The version bump, setting `fields` too: a step sets the same few every time."""
    names = ("version", *fields)
    return f"UPDATE plan SET {', '.join(f'{n} = {p}' for n in names)} WHERE id = {p} AND version = {p}"


@lru_cache(maxsize=4096)
def _folded_documents(rows: str) -> DocumentFacts:
    """The facts of a plan's document rows, given as a JSON array of rows (dates as ISO text, in
    no promised order). A step reads the same rows as the step before it, so the fold is kept by
    the rows' text itself: a pure function of its key, it can never answer for other rows."""
    return latest_per_type((doc_type, version, status, date.fromisoformat(legal) if legal else None, number)
                           for doc_type, version, status, legal, number in sorted(map(tuple, json.loads(rows))))


def sqlite_value(value: Any) -> Any:
    """A value as SQLAlchemy stores it in SQLite: a datetime as UTC 'YYYY-MM-DD HH:MM:SS.ffffff', a date as ISO."""
    if isinstance(value, datetime):
        text = utc_text(value.astimezone(timezone.utc))  # 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (strftime is slower)
        return f"{text[:10]} {text[11:26]}"
    if isinstance(value, date):
        return value.isoformat()
    return value


SQLITE = DriverDialect(
    name="sqlite", placeholder="?",
    documents_json="json_group_array(json_array(doc_type, version, status, legal_date, number))",
    for_update="",  # SQLite's write transaction holds the whole file already
    chain_lock=None,  # likewise
    pipeline=False, stored=sqlite_value, read_date=date.fromisoformat)
POSTGRESQL = DriverDialect(
    name="postgresql", placeholder="%s",
    documents_json="coalesce(json_agg(json_build_array(doc_type, version, status, legal_date, number))::text, '[]')",
    for_update=" FOR UPDATE OF plan", chain_lock=f"SELECT pg_advisory_xact_lock({CHAIN_LOCK_KEY})",
    pipeline=True, stored=_same, read_date=_same)
DIALECTS = {dialect.name: dialect for dialect in (SQLITE, POSTGRESQL)}


_RECORDER = "kpt_recorder"
_HOOKED = "_kpt_recorder_hooks"  # an attribute of the engine: hooked once


def _hook(engine: Engine) -> None:
    """Hook `engine` so that a recorder makes way (`DriverRecorder.make_way`) before any statement
    SQLAlchemy runs on its connection and before its COMMIT, and discards on ROLLBACK: what makes
    holding back (`DriverRecorder`) and remembering (`plan_row`, `link_event`) safe."""
    if getattr(engine, _HOOKED, False):
        return
    setattr(engine, _HOOKED, True)

    def make_way(conn: Connection, *_: object) -> None:
        store = conn.info.get(_RECORDER)
        if store is not None:
            store.make_way()

    def discard(conn: Connection) -> None:
        store = conn.info.get(_RECORDER)
        if store is not None:
            store.discard()

    event.listen(engine, "before_cursor_execute", make_way)
    event.listen(engine, "commit", make_way)
    event.listen(engine, "rollback", discard)


_AT_ONCE = "_kpt_recorder_at_once"  # an attribute of the engine: see `send_at_once`


def send_at_once(engine: Engine) -> None:
    """For bench/mechanisms.py alone: the recorders of `engine`'s connections made from now on
    hold nothing back and remember nothing (the database's dialect without `pipeline`: no engine
    hooks, no row kept locked, no chain head kept), so that the benchmark measures what holding
    back gains."""
    setattr(engine, _AT_ONCE, True)


def recorder(conn: Connection) -> DriverRecorder:
    """One recorder (with its cursor) per DB-API connection, kept in the connection's `info`,
    which lives as long as that connection does in the pool."""
    store = conn.info.get(_RECORDER)
    if store is None:
        dialect, at_once = DIALECTS[conn.dialect.name], getattr(conn.engine, _AT_ONCE, False)
        if at_once:
            dialect = replace(dialect, pipeline=False)
        store = conn.info[_RECORDER] = DriverRecorder(conn, dialect, remembers=not at_once)
    return store


def forget_undone(conn: Connection) -> None:
    """A unit's savepoint rolled back (kpt_workflow.storage.commit_group): what the connection's
    recorder kept from inside it may be undone."""
    store = conn.info.get(_RECORDER)
    if store is not None:
        store.discard()
