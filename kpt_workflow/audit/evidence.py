"""A plan's events with the stretch of the global chain that links them to a signed head, as an
evidence bundle carries them (`verificar_paquete.py`, beside this module, checks them offline).

The chain is global: a plan's events sit among other plans' events, and each link's hash covers
the whole body of the event before it. So the stretch runs from the plan's first event to the
signed head (or to its last event, if that is later), every event in it whole: a link can only be
recomputed from the body it hashes.
"""

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from kpt_workflow.base.canonical import canonical_json
from kpt_workflow.base.errors import NotFound
from kpt_workflow.storage.event_encoding import hashed_text
from kpt_workflow.storage.event_log import EVENTS


def bundle_record(event: Mapping[str, Any]) -> dict[str, Any]:
    """An event as the bundle writes it: the body its hash covers (`event_encoding.hashed_text`)
    as the JSON values it holds, and the hash. The canonical JSON of the record without its hash
    is the hashed text again, which is all the verifier recomputes (tests/test_evidence_encoding.py
    holds the two encoders equal)."""
    return {**json.loads(hashed_text(event)), "hash": event["hash"]}


@dataclass(frozen=True)
class Stretch:
    """The seqs the bundle carries: from the plan's first event to `last`, the later of the plan's
    last event and the signed head (when that head is not before the plan began)."""

    first: int
    last: int
    plan_first: int
    plan_last: int

    def lines(self, conn: Connection) -> Iterator[bytes]:
        """One canonical JSON line per event (`bundle_record`), in chain order, streamed."""
        query = select(EVENTS).where(EVENTS.c.seq.between(self.first, self.last)).order_by(EVENTS.c.seq)
        for event in conn.execute(query.execution_options(yield_per=2000)).mappings():
            yield canonical_json(bundle_record(event)).encode() + b"\n"


def stretch(conn: Connection, plan_id: str, signed_size: int) -> Stretch:
    """Where the plan's events lie in the chain, and how far the bundle must carry it to reach the
    head signed at `signed_size` (0: no checkpoint)."""
    first, last = conn.execute(select(func.min(EVENTS.c.seq), func.max(EVENTS.c.seq))
                               .where(EVENTS.c.plan_id == plan_id)).one()
    if first is None:
        raise NotFound(f"El plan {plan_id} no tiene eventos.", plan=plan_id)
    return Stretch(first, max(last, signed_size) if signed_size >= first else last, first, last)
