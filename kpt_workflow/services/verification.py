"""`GET /api/v1/audit/verify`: the chain verified on request, under rate limits, from where it
was last found intact (kpt_workflow.audit.mark)."""

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from kpt_workflow.audit.mark import Verification, check, remember, stored
from kpt_workflow.services.access import Actor, require_audit_reader
from kpt_workflow.services.throttle import Guards
from kpt_workflow.storage.unit_of_work import UnitOfWork


def verify_on_request(engine: Engine, guards: Guards, actor: Actor, *, whole: bool) -> Verification:
    """Verify for `actor` (the DNP or the administration), under the rate limits: a whole walk
    (asked for, or the first, with no mark yet) per the process's limit, an incremental one per
    the user's. Raises TooManyAttempts past either. An intact walk moves the mark."""
    require_audit_reader(actor)
    with UnitOfWork(engine) as uow:
        mark = stored(uow.connection)
        whole = whole or mark is None
        if whole:
            guards.full_verification.admit("", "Ya se hizo una verificación completa de la cadena hace poco.")
        else:
            guards.verification.admit(actor.username, "Demasiadas verificaciones de la cadena seguidas.")
        report = check(uow.connection, mark, whole=whole)
    if report.ok:
        try:
            with UnitOfWork(engine, write=True) as uow:
                remember(uow.connection, report)
                uow.commit()
        except IntegrityError:
            pass  # another verification stored the first mark meanwhile: the next one moves it
    return Verification(report, whole, 0 if whole or mark is None else mark.seq)
