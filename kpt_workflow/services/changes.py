"""What every change to a plan does: lock it, let the access policy decide whether the actor may
make it, check the version the caller read, bump the version with an optimistic check, append the audit event in the same transaction, commit explicitly with
the outcome the caller will get (stored there with its Idempotency-Key, if it came with one)."""

from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy.exc import IntegrityError

from kpt_workflow.storage import event_log
from kpt_workflow.law import calendar

from kpt_workflow.audit import security_log
from kpt_workflow.services.access import Actor
from kpt_workflow.lifecycle.engine import workflow
from kpt_workflow.base.errors import Forbidden, InvalidInput, PlanVersionConflict
from kpt_workflow.storage.idempotency import Outcome
from kpt_workflow.storage.recorder import recorder
from kpt_workflow.lifecycle.aggregate import PlanRecord
from kpt_workflow.storage.repository import plan_record
from kpt_workflow.storage.unit_of_work import UnitOfWork


def now() -> datetime:
    return datetime.now(timezone.utc)


def check_legal_date(legal_date: date, what: str) -> None:
    """Deadlines count from legal dates, so one in the future is refused outright."""
    today = calendar.today_in_colombia()
    if legal_date > today:
        raise InvalidInput(f"La fecha legal de {what} ({calendar.written_date(legal_date)}) es posterior a hoy ({calendar.written_date(today)}): "
                           f"registre el acto con la fecha en que ocurrió.", field="fecha")


def conflict(plan_id: str, read: int | None, current: int) -> PlanVersionConflict:
    return PlanVersionConflict(
        f"El plan {plan_id} cambió: usted leyó la versión {read} y la vigente es la {current}. "
        f"Vuelva a consultar su estado.", current_version=current)


Authorize = Callable[[PlanRecord], None]
"""Raises unless the actor may make the change to this plan (kpt_workflow.services.access)."""


def checked(uow: UnitOfWork, actor: Actor, subject: str, check: Callable[[], None]) -> None:
    """Run an access `check` for a change to `subject` (a plan, an entity). A refusal for the actor's
    role is kept in the security log, committed, then raised: the plan's chain records what happens
    to the plan, and a refused role changes nothing there."""
    try:
        check()
    except Forbidden as refusal:
        security_log.record(uow.connection, "change_forbidden", actor.username, detail=f"{subject}: {refusal.message}")
        uow.commit(refusal)
        raise


def open_change(uow: UnitOfWork, plan_id: str, expected_version: int | None, actor: Actor,
                authorize: Authorize) -> PlanRecord:
    """Load the plan for a change: locked, allowed to the actor, at the version the caller read, and
    still open. Nothing is written to the plan before `authorize` has passed (see `checked`)."""
    plan = plan_record(uow.connection, plan_id, for_update=True)
    checked(uow, actor, plan.id, lambda: authorize(plan))
    if expected_version is not None and expected_version != plan.version:
        raise conflict(plan.id, expected_version, plan.version)
    if workflow(plan.definition_name, plan.definition_version).state(plan.state).terminal:
        raise InvalidInput(f"El plan {plan.id} ya terminó su trámite ({plan.state}); no admite más cambios.")
    return plan


def event(event_type: str, actor: str, action: str, legal_date: date, payload: dict[str, object],
          recorded_at: datetime | None = None, **fields: Any) -> event_log.NewEvent:
    """A change described by a use-case; `record` fills in the plan and its new version."""
    return event_log.NewEvent(plan_id="", plan_version=0, event_type=event_type, actor=actor, action=action,
                          recorded_at=recorded_at or now(), legal_date=legal_date, payload=payload, **fields)


def record(uow: UnitOfWork, plan: PlanRecord, change: event_log.NewEvent, **plan_fields: object) -> PlanRecord:
    """Bump the plan's version (only if it is still the one read), update `plan_fields`, and
    append the event that records the change: the plan's event at that version. The caller commits."""
    version = plan.version + 1
    if not recorder(uow.connection).bump(plan.id, plan.version, version, plan_fields):
        raise conflict(plan.id, plan.version, plan.version + 1)
    event_log.append(uow.connection, change._replace(plan_id=plan.id, plan_version=version))
    return plan._replace(version=version, **plan_fields)


def commit(uow: UnitOfWork, plan_id: str, outcome: Outcome) -> None:
    """`outcome`: the result the use-case returns, or the refusal it raises after committing.
    UNIQUE(plan_id, plan_version) is the last guard against a concurrent change."""
    try:
        uow.commit(outcome)
    except IntegrityError as exc:
        raise PlanVersionConflict(f"Otro cambio al plan {plan_id} se registró al mismo tiempo; nada se escribió. "
                                  f"Vuelva a intentarlo.") from exc
