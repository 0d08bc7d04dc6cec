"""The hash chain catches every kind of tampering inside the log, and replay rebuilds the tables."""

from collections.abc import Callable
from datetime import date, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

import pytest
from sqlalchemy import Engine, delete, select, update

from kpt_workflow.audit.verify import VerifyReport, verify
from kpt_workflow.storage.event_encoding import compute_hash
from kpt_workflow.storage import event_log
from kpt_workflow.audit import replay
from kpt_workflow.base.canonical import canonical_json, sha256_hex
from kpt_workflow.base.errors import GuardFailed
from kpt_workflow.storage.tables import AuditEvent, BlockedRuleDay, Plan
from kpt_workflow.storage.unit_of_work import UnitOfWork
from kpt_workflow.services.sample import DOCUMENTS_2024 as CYCLE_2024, STEPS_2024


def _verify(engine: Engine) -> VerifyReport:
    with UnitOfWork(engine) as uow:
        return verify(uow.connection)


def _rows(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(AuditEvent.__table__).order_by(AuditEvent.seq))]


def _rewrite(engine: Engine, rows: list[dict[str, object]]) -> None:
    """Replace the whole log with `rows`, as someone with database access could."""
    with engine.begin() as conn:
        conn.execute(delete(AuditEvent.__table__))
        if rows:
            conn.execute(AuditEvent.__table__.insert(), rows)


def _edit(column: str, value: object) -> Callable[[list[dict[str, object]]], list[dict[str, object]]]:
    def tamper(rows: list[dict[str, object]]) -> list[dict[str, object]]:
        rows[2][column] = value(rows[2][column]) if callable(value) else value
        return rows

    return tamper


def _delete_third(rows):  # type: ignore[no-untyped-def]
    return rows[:2] + rows[3:]


def _delete_first(rows):  # type: ignore[no-untyped-def]
    return rows[1:]


def _swap_third_and_fourth(rows):  # type: ignore[no-untyped-def]
    third, fourth = dict(rows[2]), dict(rows[3])
    third["seq"], fourth["seq"] = fourth["seq"], third["seq"]
    return rows[:2] + [fourth, third] + rows[4:]


def _insert_forged_after_second(rows):  # type: ignore[no-untyped-def]
    """A well-formed forged event, hashed correctly, linked to its predecessor and relinked from its
    successor (a second link to the same predecessor would be a fork, which verify reports too)."""
    forged = {**rows[1], "seq": 3, "plan_version": 99, "action": "aprobar", "prev_hash": rows[1]["hash"]}
    forged["hash"] = compute_hash(forged)
    rest = [{**r, "seq": r["seq"] + 1} for r in rows[2:]]
    rest[0]["prev_hash"] = forged["hash"]
    return rows[:2] + [forged] + rest


TAMPERINGS = {
    "payload": (_edit("payload", '{"trigger":"aprobar"}'), 3),
    "outcomes": (_edit("outcomes", '[{"passed":true}]'), 3),
    "recorded_at": (_edit("recorded_at", lambda t: t + timedelta(seconds=1)), 3),
    "legal_date": (_edit("legal_date", date(2024, 1, 2)), 3),
    "actor": (_edit("actor", "otra persona"), 3),
    "to_state": (_edit("to_state", "aprobado"), 3),
    "delete_middle": (_delete_third, 4),
    "delete_first": (_delete_first, 2),
    "swap": (_swap_third_and_fourth, 3),
    "insert": (_insert_forged_after_second, 4),
}


@pytest.mark.parametrize("kind", TAMPERINGS)
def test_verify_names_the_first_tampered_event(engine, new_plan, file_doc, kind):
    plan_id = new_plan()
    for doc_type in ("programa_gobierno", "acta_informe_gestion", "formato_empalme_01", "formato_empalme_02"):
        file_doc(plan_id, doc_type)
    assert _verify(engine).ok
    tamper, first_bad = TAMPERINGS[kind]
    _rewrite(engine, tamper(_rows(engine)))
    report = _verify(engine)
    assert not report.ok
    assert report.first_bad_seq == first_bad
    assert str(first_bad) in (report.problem or "")


def test_intact_log_verifies_and_replays(engine, plan_in_council):
    report = _verify(engine)
    assert report.ok and report.events == 1 + len(CYCLE_2024) + 2 + len(STEPS_2024)  # + strategy, investments
    with UnitOfWork(engine) as uow:
        assert replay.differences(uow.connection) == []


def test_replay_detects_a_table_edited_behind_the_events(engine, plan_in_council):
    with engine.begin() as conn:
        conn.execute(update(Plan.__table__).where(Plan.__table__.c.id == plan_in_council).values(state="aprobado"))
    with UnitOfWork(engine) as uow:
        found = replay.differences(uow.connection)
    step = max(r["seq"] for r in _rows(engine) if r["event_type"] == "transition_applied")
    assert found == [f"plan {plan_in_council}: state es 'aprobado' en la tabla y 'discusion_corporaciones' en los eventos "
                     f"(evento {step})"]


@pytest.fixture
def refused_twice(new_plan, advance) -> str:  # type: ignore[no-untyped-def]
    """A new plan whose first step was refused twice on 15 January and once on 16 January."""
    plan_id = new_plan()
    for day in (date(2024, 1, 15), date(2024, 1, 15), date(2024, 1, 16)):
        with pytest.raises(GuardFailed):
            advance(plan_id, "iniciar_construccion", day)
    return plan_id


def _blocked_rows(engine: Engine) -> dict[tuple[str, date], int]:
    table = BlockedRuleDay.__table__
    with engine.connect() as conn:
        return {(r.rule, r.legal_date): r.attempts for r in conn.execute(select(table))}


def test_refused_steps_are_counted_per_rule_and_day_in_their_transaction(engine, refused_twice):
    rows = _blocked_rows(engine)
    rules = {rule for rule, _ in rows}
    assert "documento_acta_informe_gestion" in rules and "empalme_cerrado" in rules
    assert {day: n for (rule, day), n in rows.items() if rule == "empalme_cerrado"} == {
        date(2024, 1, 15): 2, date(2024, 1, 16): 1}
    with UnitOfWork(engine) as uow:
        assert replay.differences(uow.connection) == []


@pytest.mark.parametrize("tamper", ["edit", "delete", "insert"])
def test_replay_detects_refusal_counts_edited_behind_the_events(engine, refused_twice, tamper):
    table = BlockedRuleDay.__table__
    key = (table.c.plan_id == refused_twice, table.c.rule == "empalme_cerrado")
    with engine.begin() as conn:
        if tamper == "edit":
            conn.execute(update(table).where(*key, table.c.legal_date == date(2024, 1, 15)).values(attempts=1))
        elif tamper == "delete":
            conn.execute(delete(table).where(*key, table.c.legal_date == date(2024, 1, 16)))
        else:
            conn.execute(table.insert().values(plan_id=refused_twice, rule="empalme_cerrado",
                                               legal_date=date(2024, 1, 17), attempts=3, basis="inventada"))
    with UnitOfWork(engine) as uow:
        found = replay.differences(uow.connection)
    row = f"intentos rechazados del plan {refused_twice} por empalme_cerrado el"
    refused = [r["seq"] for r in _rows(engine) if r["event_type"] == "transition_blocked"]  # the 15th twice, the 16th
    expected = {
        "edit": f"{row} 2024-01-15: attempts es 1 en la tabla y 2 en los eventos (evento {refused[1]})",
        "delete": f"{row} 2024-01-16: falta en la tabla (evento {refused[2]})",
        "insert": f"{row} 2024-01-17: está en la tabla y ningún evento la produce",
    }[tamper]
    assert found == [expected]


def test_events_survive_the_round_trip_with_identical_hashes(engine, plan_in_council):
    """Canonical JSON + UTC times: the hash computed when appending equals the one recomputed on read."""
    with UnitOfWork(engine) as uow:
        assert all(compute_hash(e) == e["hash"] for e in event_log.iter_events(uow.connection))


@given(moment=st.datetimes(timezones=st.just(timezone.utc)), legal=st.none() | st.dates(),
       text=st.text(), number=st.integers(min_value=0, max_value=10**12))
def test_event_hash_equals_the_canonical_json_of_the_plain_event(moment, legal, text, number):
    """The hash's fast path (pre-encoded times) is byte for byte the canonical JSON of the event."""
    event = {"seq": number, "plan_id": text, "plan_version": number, "event_type": text, "schema_version": 1,
             "recorded_at": moment, "actor": text, "action": text, "from_state": None, "to_state": text,
             "legal_date": legal, "outcomes": "[]", "payload": canonical_json({"t": text}), "prev_hash": text}
    assert compute_hash(event) == sha256_hex(canonical_json(event))


@given(moment=st.datetimes(timezones=st.just(timezone.utc)), legal=st.none() | st.dates(), text=st.text(),
       number=st.integers(min_value=0, max_value=10**12),
       outcomes=st.lists(st.dictionaries(st.text(), st.text() | st.booleans() | st.none())),
       payload=st.dictionaries(st.text(), st.text() | st.integers() | st.lists(st.text())))
def test_version_2_hash_is_the_canonical_json_with_the_json_columns_embedded(moment, legal, text, number, outcomes,
                                                                             payload):
    """Version 2 hashes the same object with `outcomes` and `payload` as JSON values, not strings."""
    event = {"seq": number, "plan_id": text, "plan_version": number, "event_type": text, "schema_version": 2,
             "recorded_at": moment, "actor": text, "action": text, "from_state": text, "to_state": None,
             "legal_date": legal, "outcomes": canonical_json(outcomes), "payload": canonical_json(payload),
             "prev_hash": text}
    assert compute_hash(event) == sha256_hex(canonical_json({**event, "outcomes": outcomes, "payload": payload}))


def test_events_of_version_1_still_verify_beside_version_2(engine, plan_in_council):
    """A log written before version 2 keeps verifying: each event is hashed in its own version."""
    events = AuditEvent.__table__
    with UnitOfWork(engine, write=True) as uow:
        first = uow.connection.execute(select(events).order_by(events.c.seq).limit(1)).mappings().one()
        as_v1 = {**first, "schema_version": 1}
        uow.connection.execute(update(events).where(events.c.seq == first["seq"])
                               .values(schema_version=1, hash=compute_hash(as_v1)))
        rest = uow.connection.execute(select(events).where(events.c.seq > first["seq"]).order_by(events.c.seq))
        previous = compute_hash(as_v1)
        for event in rest.mappings().all():  # relink the chain after the rewritten first event
            relinked = {**event, "prev_hash": previous}
            previous = compute_hash(relinked)
            uow.connection.execute(update(events).where(events.c.seq == event["seq"])
                                   .values(prev_hash=relinked["prev_hash"], hash=previous))
        uow.commit()
    with UnitOfWork(engine) as uow:
        assert verify(uow.connection).ok
        versions = {e["schema_version"] for e in event_log.iter_events(uow.connection)}
    assert versions == {1, 2}
