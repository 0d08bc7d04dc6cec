"""The fast walk behind `verify`: its body is the canonical JSON byte for byte, anything else
is left to the reference hash, and ranges walked in other processes report what one walk reports."""

import gc
import itertools
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, delete, select, text, update

from kpt_workflow.audit.verify import VerifyReport, verify
from kpt_workflow.storage.event_encoding import compute_hash, hashed_text
from kpt_workflow.storage import event_encoding
from kpt_workflow.storage import event_log
from kpt_workflow.audit import chain_walk
from kpt_workflow.base.canonical import utc_text
from cli import main
from kpt_workflow.storage.tables import AuditEvent
from kpt_workflow.services.sample import DOCUMENTS_2024
from kpt_workflow.storage.unit_of_work import UnitOfWork

EVENTS = AuditEvent.__table__
# Text a database stores (PostgreSQL refuses NUL); unicode, quotes and control characters included.
TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)))
MOMENTS = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1),
                       timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=-5))]))
DAYS = st.none() | st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1))


def _verify(engine: Engine, workers: int = 1) -> VerifyReport:
    with UnitOfWork(engine) as uow:
        return verify(uow.connection, workers=workers)


def _never(conn: Connection, seq: int) -> str:
    raise AssertionError(f"the fast walk needed the reference hash for event {seq}")


@given(numbers=st.tuples(st.integers(), st.integers(), st.integers()), moment=MOMENTS, legal=DAYS,
       texts=st.lists(st.text(), min_size=7, max_size=7),
       states=st.lists(st.none() | st.text(), min_size=2, max_size=2))
def test_fast_body_is_the_hashed_text_of_any_event(numbers, moment, legal, texts, states):
    """Arbitrary text in every column, the JSON ones too (raw control characters take the encoder's
    path), in any schema version (1 quotes the JSON columns, the others embed them)."""
    seq, plan_version, schema_version = numbers
    action, actor, event_type, plan_id, prev_hash, outcomes, payload = texts
    event: dict[str, Any] = {
        "seq": seq, "plan_id": plan_id, "plan_version": plan_version, "event_type": event_type,
        "schema_version": schema_version, "recorded_at": moment, "actor": actor, "action": action,
        "from_state": states[0], "to_state": states[1], "legal_date": legal, "outcomes": outcomes, "payload": payload,
        "prev_hash": prev_hash}
    as_read = {**event, "hash": "", "recorded_at": utc_text(moment), "legal_date": legal.isoformat() if legal else None,
               "outcomes": outcomes.encode(), "payload": payload.encode()}
    row = tuple(as_read[name] for name in event_encoding.COLUMNS)
    assert event_encoding.body(row) == hashed_text(event).encode()


@given(seq=st.integers(min_value=1), prev_hash=st.text("0123456789abcdef", min_size=64, max_size=64),
       schema_version=st.integers(min_value=2), moment=MOMENTS, legal=DAYS,
       texts=st.lists(st.text(), min_size=6, max_size=6), plan_version=st.integers(),
       states=st.lists(st.none() | st.text(), min_size=2, max_size=2))
def test_a_new_event_linked_where_the_chain_places_it_has_the_body_verify_reads(
        seq, prev_hash, schema_version, moment, legal, texts, states, plan_version):
    """What the database fills into `Unlinked` on PostgreSQL (the head's hex hash and the next seq's
    digits) makes the very body that verifying the stored event hashes."""
    action, actor, event_type, plan_id, outcomes, payload = texts
    row = (seq, prev_hash, "", action, actor, event_type, states[0], legal.isoformat() if legal else None,
           outcomes.encode(), payload.encode(), plan_id, plan_version, utc_text(moment), schema_version, states[1])
    unlinked = event_encoding.unlinked_body((None, None, None, *row[3:]))
    assert unlinked.linked(seq, prev_hash) == event_encoding.body(row)


@pytest.fixture
def plan(new_plan: Callable[..., str]) -> str:
    return new_plan()


_versions = itertools.count(1000)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moment=MOMENTS, legal=DAYS, words=st.lists(TEXT, min_size=4, max_size=4),
       states=st.tuples(st.none() | TEXT, st.none() | TEXT), payload=st.dictionaries(TEXT, TEXT | st.integers()))
def test_every_event_append_writes_holds_on_the_fast_walk(engine, plan, moment, legal, words, states, payload):
    """Through each database and back, times and dates included, without the reference hash."""
    action, actor, event_type, rule = words
    new = event_log.NewEvent(plan_id=plan, plan_version=next(_versions), event_type=f"prueba {event_type}", actor=actor,
                         action=action, recorded_at=moment, payload=payload, from_state=states[0],
                         to_state=states[1], legal_date=legal, outcomes=[{"rule": rule, "passed": False}])
    with UnitOfWork(engine, write=True) as uow:
        event_log.append(uow.connection, new)
        uow.commit()
    with UnitOfWork(engine) as uow:
        stretch = chain_walk.scan(uow.connection, chain_walk.LOWEST, chain_walk.HIGHEST, _never)
    assert stretch.flaw is None and stretch.intact == stretch.next_seq - 1


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(schema_version=st.sampled_from([1, 2, 3]), moment=MOMENTS, legal=DAYS,
       words=st.lists(TEXT, min_size=5, max_size=5), states=st.tuples(st.none() | TEXT, st.none() | TEXT))
def test_any_text_stored_in_any_schema_version_holds_on_the_fast_walk(engine, plan, schema_version, moment, legal,
                                                                      words, states):
    """A row written straight to the table, its hash by `compute_hash`: PostgreSQL's own body (to_json
    and to_char in SQL) and SQLite's (this process) are its hashed text byte for byte, in every
    schema version, for any text in any column (the two JSON ones need not even be JSON)."""
    action, actor, event_type, outcomes, payload = words
    last = _last(engine)
    event = {"seq": last["seq"] + 1, "plan_id": plan, "plan_version": next(_versions), "event_type": event_type,
             "schema_version": schema_version, "recorded_at": moment.astimezone(timezone.utc), "actor": actor,
             "action": action, "from_state": states[0], "to_state": states[1], "legal_date": legal,
             "outcomes": outcomes, "payload": payload, "prev_hash": last["hash"]}
    with engine.begin() as conn:
        conn.execute(EVENTS.insert(), [{**event, "hash": compute_hash(event)}])
    with UnitOfWork(engine) as uow:
        stretch = chain_walk.scan(uow.connection, last["seq"], chain_walk.HIGHEST, _never)
    assert (stretch.intact, stretch.flaw) == (1, None)


def test_the_walk_asks_the_reference_for_each_event_whose_fast_hash_disagrees_and_goes_on(engine, eight_events):
    """On either database, an edited event is only marked; whether it holds is the reference's call."""
    edited = [dict(row) for row in eight_events]
    for i in (2, 4):
        edited[i]["actor"] = "otra persona"
    _rewrite(engine, edited)
    asked: list[int] = []

    def lenient(conn: Connection, seq: int) -> str:
        asked.append(seq)
        return str(edited[seq - 1]["hash"])

    with UnitOfWork(engine) as uow:
        stretch = chain_walk.scan(uow.connection, chain_walk.LOWEST, chain_walk.HIGHEST, lenient)
    assert asked == [3, 5] and (stretch.intact, stretch.next_seq, stretch.flaw) == (8, 9, None)
    assert stretch.head_hash == eight_events[-1]["hash"]
    report = _verify(engine)
    assert (report.ok, report.first_bad_seq, report.events) == (False, 3, 2)


def test_a_walk_stopped_by_its_reference_leaves_the_connection_ready_for_the_next(engine, eight_events):
    """Whatever stops a walk, it ends its read there (on PostgreSQL, a server-side cursor that would
    otherwise still be open, or be closed by the garbage collector in the middle of something else)."""
    _rewrite(engine, _edit_payload(eight_events, 3))
    kept = []  # the errors, kept as a caller that logs them keeps their tracebacks, and the walks in them
    with UnitOfWork(engine) as uow:
        for _ in range(2):
            with pytest.raises(AssertionError, match="event 4") as stopped:
                chain_walk.scan(uow.connection, chain_walk.LOWEST, chain_walk.HIGHEST, _never)
            kept.append(stopped)
        assert verify(uow.connection).first_bad_seq == 4


def test_a_hash_nulled_in_an_altered_table_is_a_flaw_not_a_pass(engine, eight_events):
    """Whoever can drop the table's NOT NULL and blank a hash and the next link still breaks the chain
    (on PostgreSQL a comparison with NULL is NULL, which must mark the event, not let it through)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite cannot drop a column's NOT NULL in place")
    with engine.connect() as conn, conn.begin() as altered:
        conn.execute(text("ALTER TABLE audit_event ALTER COLUMN hash DROP NOT NULL, "
                          "ALTER COLUMN prev_hash DROP NOT NULL"))
        conn.execute(update(EVENTS).where(EVENTS.c.seq == 4).values(hash=None))
        conn.execute(update(EVENTS).where(EVENTS.c.seq == 5).values(prev_hash=None))
        report = verify(conn)
        altered.rollback()  # the ALTER too
    assert (report.ok, report.first_bad_seq) == (False, 4) and "editado" in (report.problem or "")


@pytest.fixture
def sqlite_db(engine: Engine, plan: str) -> Iterator[sqlite3.Connection]:
    """The plain driver on the test's SQLite file, as another tool would write it."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite keeps whatever form a tool writes; PostgreSQL's types normalise it")
    conn = sqlite3.connect(engine.url.database or "")
    yield conn
    conn.close()


def _last(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return dict(conn.execute(select(EVENTS).order_by(EVENTS.c.seq.desc()).limit(1)).mappings().one())


def test_a_time_stored_in_another_iso_form_verifies_through_the_reference(engine, sqlite_db):
    seq = _last(engine)["seq"]
    sqlite_db.execute("UPDATE audit_event SET recorded_at = replace(recorded_at, ' ', 'T') || '+00:00' "
                      "WHERE seq = ?", (seq,))
    sqlite_db.commit()
    with UnitOfWork(engine) as uow:
        row = list(chain_walk.rows(uow.connection))[-1]
    assert event_encoding.fast_hash(row) != row[2]  # the fast body does not hold…
    assert _verify(engine).ok  # …the reference does


def test_a_value_of_another_type_is_judged_by_the_reference(engine, sqlite_db):
    """SQLite keeps text in an integer column; its hash, recomputed by `compute_hash`, still verifies."""
    last = _last(engine)
    sqlite_db.execute("UPDATE audit_event SET plan_version = 'siete', hash = ? WHERE seq = ?",
                      (compute_hash({**last, "plan_version": "siete"}), last["seq"]))
    sqlite_db.commit()
    assert _verify(engine).ok
    sqlite_db.execute("UPDATE audit_event SET plan_version = 'ocho' WHERE seq = ?", (last["seq"],))
    sqlite_db.commit()
    report = _verify(engine)
    assert (report.ok, report.first_bad_seq) == (False, last["seq"]) and "editado" in (report.problem or "")


def test_a_row_the_template_cannot_write_goes_to_the_reference(engine, sqlite_db):
    last = _last(engine)
    sqlite_db.execute("UPDATE audit_event SET actor = X'41', outcomes = CAST(X'ff0a' AS TEXT) WHERE seq = ?",
                      (last["seq"],))
    sqlite_db.commit()
    with UnitOfWork(engine) as uow:
        row = list(chain_walk.rows(uow.connection))[-1]
        with pytest.raises(TypeError):
            event_encoding.body(row)
        with pytest.raises(ValueError):  # version 1 escapes outcomes: not UTF-8, and a newline
            event_encoding.body((*row[:4], "otra persona", *row[5:13], 1, row[14]))
        asked = []

        def reference(conn: Connection, seq: int) -> str:
            asked.append(seq)
            return str(last["hash"])

        stretch = chain_walk.scan(uow.connection, last["seq"] - 1, last["seq"], reference)
    assert asked == [last["seq"]] and (stretch.intact, stretch.flaw) == (1, None)


def test_the_sqlite_walk_streams_its_rows_and_keeps_none_alive(engine, sqlite_db):
    """Read in batches of thousands, the rows stayed alive long enough for the garbage collector to
    walk them over and over (verify of a million events was 16 % slower for it): streamed, each
    row dies before the next is read, and a walk of 8.000 events starts no collection."""
    last = _last(engine)
    events = []
    for seq in range(last["seq"] + 1, last["seq"] + 8_001):
        event = {**last, "seq": seq, "plan_version": last["plan_version"] + seq,
                 "prev_hash": (events[-1] if events else last)["hash"]}
        events.append({**event, "hash": compute_hash(event)})
    with engine.begin() as conn:
        conn.execute(EVENTS.insert(), events)
    gc.collect()
    collections = gc.get_stats()[0]["collections"]
    with UnitOfWork(engine) as uow:
        stretch = chain_walk.scan(uow.connection, last["seq"], chain_walk.HIGHEST, _never)
    assert (stretch.intact, stretch.flaw) == (8_000, None)
    assert gc.get_stats()[0]["collections"] - collections <= 2


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Split even a test's short chain over processes."""
    monkeypatch.setattr(chain_walk, "MIN_EVENTS_PER_WORKER", 1)


@pytest.fixture
def eight_events(engine: Engine, plan: str, file_doc: Callable[..., object], parallel: None) -> list[dict[str, Any]]:
    for doc_type in list(DOCUMENTS_2024)[:7]:
        file_doc(plan, doc_type)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(EVENTS).order_by(EVENTS.c.seq)).mappings()]


def _rewrite(engine: Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        conn.execute(delete(EVENTS))
        if rows:
            conn.execute(EVENTS.insert(), rows)


def _edit_payload(rows: list[dict[str, Any]], i: int) -> list[dict[str, Any]]:
    return [*rows[:i], {**rows[i], "payload": '{"trigger":"aprobar"}'}, *rows[i + 1:]]


def _edit_time(rows: list[dict[str, Any]], i: int) -> list[dict[str, Any]]:
    return [*rows[:i], {**rows[i], "recorded_at": rows[i]["recorded_at"] + timedelta(seconds=1)}, *rows[i + 1:]]


def _delete(rows: list[dict[str, Any]], i: int) -> list[dict[str, Any]]:
    return rows[:i] + rows[i + 1:]


def _swap_with_next(rows: list[dict[str, Any]], i: int) -> list[dict[str, Any]]:
    if i + 1 == len(rows):
        return rows
    return [*rows[:i], {**rows[i + 1], "seq": rows[i]["seq"]}, {**rows[i], "seq": rows[i + 1]["seq"]}, *rows[i + 2:]]


def _insert_forged_after(rows: list[dict[str, Any]], i: int) -> list[dict[str, Any]]:
    forged = {**rows[i], "seq": rows[i]["seq"] + 1, "plan_version": 99, "prev_hash": rows[i]["hash"]}
    forged["hash"] = compute_hash(forged)
    rest = [{**r, "seq": r["seq"] + 1} for r in rows[i + 1:]]
    if rest:
        rest[0]["prev_hash"] = forged["hash"]
    return [*rows[:i + 1], forged, *rest]


POSITIONAL = {"payload": _edit_payload, "recorded_at": _edit_time, "delete": _delete, "swap": _swap_with_next,
              "insert": _insert_forged_after}


@pytest.mark.parametrize("kind", POSITIONAL)
def test_ranges_walked_in_processes_report_what_one_walk_reports(engine, eight_events, kind):
    """Every position of the tampered event, so it falls inside a range, on its first event and on
    its last, for two to four ranges."""
    assert all(_verify(engine, workers) == _verify(engine) for workers in (2, 3, 4))
    for i in range(len(eight_events)):
        _rewrite(engine, POSITIONAL[kind](eight_events, i))
        one_walk = _verify(engine)
        assert all(_verify(engine, workers) == one_walk for workers in (2, 3, 4)), (kind, i)


def test_the_first_tampered_event_is_reported_whichever_range_holds_it(engine, eight_events):
    second_range = _edit_payload(eight_events, 6)  # seq 7; two ranges split after seq 4
    _rewrite(engine, second_range)
    assert _verify(engine, 2).first_bad_seq == 7
    _rewrite(engine, _edit_time(second_range, 1))  # and seq 2, in the first range
    report = _verify(engine, 2)
    assert (report.first_bad_seq, report.events, report.head_hash) == (2, 1, eight_events[0]["hash"])


def test_cli_verify_splits_the_log_over_workers(engine, eight_events, monkeypatch, capsys):
    if engine.dialect.name != "sqlite":
        pytest.skip("the command line test runs on the SQLite file")
    monkeypatch.setenv("KPT_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    _rewrite(engine, _delete(eight_events, 5))
    with pytest.raises(SystemExit) as exit_:
        main(["audit", "verify", "--workers", "2"])
    assert exit_.value.code == 1 and "falta el evento 6: la secuencia salta al 7" in capsys.readouterr().out
