"""Run a state-changing use-case once per Idempotency-Key (Stripe's design)."""

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response

from api.errors import error_body, status_for
from api.runtime import Runtime
from kpt_workflow.services.access import Actor
from kpt_workflow.base.canonical import canonical_json, sha256_hex
from kpt_workflow.base.errors import KptError, PlanVersionConflict
from kpt_workflow.storage.idempotency import Answer, Claim, Outcome, previous
from kpt_workflow.storage.unit_of_work import UnitOfWork

JSON = "application/json"


def run_once(rt: Runtime, actor: Actor, key: str | None, request: dict[str, Any],
             use_case: Callable[[UnitOfWork], dict[str, Any]], status_code: int = 200) -> Response:
    """`once` in a write unit of work of its own."""
    with UnitOfWork(rt.engine, write=True) as uow:
        return once(uow, actor, key, request, use_case, status_code)


def once(uow: UnitOfWork, actor: Actor, key: str | None, request: dict[str, Any],
         use_case: Callable[[UnitOfWork], dict[str, Any]], status_code: int = 200) -> Response:
    """`request` is what identifies the call (path and parsed body): the same key with another
    request is refused; with the same one, the first answer comes back and nothing is written.

    One write transaction, `uow`'s, does it all: the key's lookup, the change, and the key stored
    with the answer (see kpt_workflow.storage.idempotency); a refusal the use-case committed (a blocked
    step) is stored by the unit of work and then raised, for the app's error handler to answer
    alike. `uow` may have read already (the caller's access), never written."""
    answer = partial(_answer, status_code)
    if key:
        uow.claim = Claim(actor.username, key, sha256_hex(canonical_json(request)), answer)
        stored = previous(uow.connection, uow.claim)
        if stored is not None:
            return _replayed(stored, key)
    result = use_case(uow)
    sent = uow.answer or answer(result)
    return Response(sent.body, status_code=sent.status_code, media_type=JSON)


def _answer(status_code: int, outcome: Outcome) -> Answer:
    if isinstance(outcome, KptError):
        return Answer(status_for(outcome), json_text(error_body(outcome)))
    return Answer(status_code, json_text(outcome))


def json_text(content: object) -> str:
    """As Starlette's JSONResponse renders, but without a pass of `jsonable_encoder` over content
    that is plain JSON already (use-cases return dicts of str, int and lists): it is called only
    for the odd value JSON has no type for (a date)."""
    return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=jsonable_encoder)


def _replayed(stored: Answer, key: str | None) -> Response:
    if stored.status_code is None:
        raise PlanVersionConflict("Esta solicitud ya se aplicó, pero su respuesta no quedó guardada: "
                                  "consulte el estado del plan.", idempotency_key=key)
    return Response(stored.body, status_code=stored.status_code, media_type=JSON,
                    headers={"Idempotent-Replayed": "true"})
