"""The hash chain catches every kind of tampering inside the log, and replay rebuilds the tables."""

from collections.abc import Callable
from datetime import date, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

import pytest
from sqlalchemy import Engine, delete, select, update

from kpt_workflow import audit, replay
from kpt_workflow.canonical import canonical_json, sha256_hex
from kpt_workflow.models import AuditEvent, Plan
from kpt_workflow.unit_of_work import UnitOfWork
from kpt_workflow.sample import DOCUMENTS_2024 as CYCLE_2024, STEPS_2024


def _verify(engine: Engine) -> audit.VerifyReport:
    with UnitOfWork(engine) as uow:
        return audit.verify(uow.connection)


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
    successor (UNIQUE(prev_hash) refuses a second link to the same predecessor)."""
    forged = {**rows[1], "seq": 3, "plan_version": 99, "action": "aprobar", "prev_hash": rows[1]["hash"]}
    forged["hash"] = audit.compute_hash(forged)
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
    assert found == [f"plan {plan_in_council}: state es 'aprobado' en la tabla y 'discusion_corporaciones' en los eventos"]


def test_events_survive_the_round_trip_with_identical_hashes(engine, plan_in_council):
    """Canonical JSON + UTC times: the hash computed when appending equals the one recomputed on read."""
    with UnitOfWork(engine) as uow:
        assert all(audit.compute_hash(e) == e["hash"] for e in audit.iter_events(uow.connection))


@given(moment=st.datetimes(timezones=st.just(timezone.utc)), legal=st.none() | st.dates(),
       text=st.text(), number=st.integers(min_value=0, max_value=10**12))
def test_event_hash_equals_the_canonical_json_of_the_plain_event(moment, legal, text, number):
    """The hash's fast path (pre-encoded times) is byte for byte the canonical JSON of the event."""
    event = {"seq": number, "plan_id": text, "plan_version": number, "event_type": text, "schema_version": 1,
             "recorded_at": moment, "actor": text, "action": text, "from_state": None, "to_state": text,
             "legal_date": legal, "outcomes": "[]", "payload": canonical_json({"t": text}), "prev_hash": text}
    assert audit.compute_hash(event) == sha256_hex(canonical_json(event))
