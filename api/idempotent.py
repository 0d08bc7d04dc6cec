"""Run a state-changing use-case once per Idempotency-Key (Stripe's design)."""

from collections.abc import Callable
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from api.errors import error_body, status_for
from api.runtime import Runtime
from kpt_workflow.access import Actor
from kpt_workflow.canonical import canonical_json, sha256_hex
from kpt_workflow.errors import KptError, PlanVersionConflict
from kpt_workflow.idempotency import Claim, attach_response, previous
from kpt_workflow.unit_of_work import UnitOfWork


def run_once(rt: Runtime, actor: Actor, key: str | None, request: dict[str, Any],
             use_case: Callable[[UnitOfWork], dict[str, Any]], status_code: int = 200) -> JSONResponse:
    """`request` is what identifies the call (path and parsed body): the same key with another
    request is refused; with the same one, the first response comes back and nothing is written."""
    claim = Claim(actor.username, key, sha256_hex(canonical_json(request))) if key else None
    if claim is not None:
        with UnitOfWork(rt.engine) as uow:
            stored = previous(uow.connection, claim)
        if stored is not None:
            if stored.status_code is None:
                raise PlanVersionConflict("Esta solicitud ya se aplicó, pero su respuesta no quedó guardada: "
                                          "consulte el estado del plan.", idempotency_key=key)
            return JSONResponse(stored.body, status_code=stored.status_code, headers={"Idempotent-Replayed": "true"})
    uow = UnitOfWork(rt.engine, write=True, claim=claim)
    try:
        with uow:
            body = jsonable_encoder(use_case(uow))
    except KptError as error:
        if claim is not None and uow.claim is None:  # the change (e.g. a refused step) was committed
            attach_response(rt.engine, claim, status_for(error), error_body(error))
        raise
    if claim is not None:
        attach_response(rt.engine, claim, status_code, body)
    return JSONResponse(body, status_code=status_code)
