"""The bundle's verifier re-implements the canonical JSON and the event hash in a few lines of its
own (it may import nothing of kpt_workflow): over arbitrary events and values, its encoding is
kpt_workflow's byte for byte, so the two cannot drift apart."""

from datetime import date, datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from kpt_workflow.audit import verificar_paquete
from kpt_workflow.audit.evidence import bundle_record
from kpt_workflow.base.canonical import canonical_json
from kpt_workflow.storage.event_encoding import compute_hash, hashed_text

# Text as the application stores it: any character but lone surrogates (not UTF-8), controls included.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**18, 10**18) | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4), max_leaves=20)
HEX = st.text("0123456789abcdef", min_size=64, max_size=64)


@st.composite
def events(draw: st.DrawFn) -> dict[str, object]:
    """A stored event row, as the database hands it back (dates and aware datetimes; outcomes and
    payload as their canonical JSON text), in either schema version."""
    outcomes = draw(st.lists(st.dictionaries(TEXT, JSON_VALUES, max_size=4), max_size=3))
    payload = draw(st.dictionaries(TEXT, JSON_VALUES, max_size=5))
    return {
        "seq": draw(st.integers(1, 10**9)), "plan_id": draw(TEXT), "plan_version": draw(st.integers(1, 10**6)),
        "event_type": draw(TEXT), "schema_version": draw(st.sampled_from([1, 2])),
        "recorded_at": draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                                         timezones=st.just(timezone.utc))),
        "actor": draw(TEXT), "action": draw(TEXT), "from_state": draw(st.none() | TEXT), "to_state": draw(st.none() | TEXT),
        "legal_date": draw(st.none() | st.dates(date(1990, 1, 1), date(2100, 1, 1))),
        "outcomes": canonical_json(outcomes), "payload": canonical_json(payload), "prev_hash": draw(HEX),
        "hash": draw(HEX),
    }


@settings(max_examples=400)
@given(events())
def test_the_verifier_hashes_every_event_as_kpt_workflow_does(event):
    record = bundle_record(event)
    assert verificar_paquete.canonical({k: v for k, v in record.items() if k != "hash"}) == hashed_text(event)
    assert verificar_paquete.event_hash(record) == compute_hash(event)
    assert record["hash"] == event["hash"]


@settings(max_examples=400)
@given(JSON_VALUES)
def test_the_verifier_encodes_any_json_value_as_kpt_workflow_does(value):
    assert verificar_paquete.canonical(value) == canonical_json(value)
