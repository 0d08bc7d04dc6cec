"""Optimistic locking: of many requests firing the same step from the same version, one applies."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date

from kpt_workflow.audit.verify import verify
from kpt_workflow.storage import event_log
from kpt_workflow.audit import replay

from kpt_workflow import services
from kpt_workflow.services.access import operator
from kpt_workflow.base.errors import PlanVersionConflict
from kpt_workflow.storage.repository import plan_record
from kpt_workflow.storage.unit_of_work import UnitOfWork

ATTEMPTS = 12


def test_same_step_from_same_version_applies_exactly_once(engine, plan_to_return):
    with UnitOfWork(engine) as uow:
        version = plan_record(uow.connection, plan_to_return).version

    def attempt(_: int) -> str:
        try:
            with UnitOfWork(engine, write=True) as uow:
                services.advance(uow, plan_id=plan_to_return, trigger="devolver_para_ajustes", actor=operator("concejo"),
                                 legal_date=date(2024, 5, 10), expected_version=version)
            return "applied"
        except PlanVersionConflict:
            return "conflict"

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(attempt, range(ATTEMPTS)))
    assert results.count("applied") == 1 and results.count("conflict") == ATTEMPTS - 1
    with UnitOfWork(engine) as uow:
        plan = plan_record(uow.connection, plan_to_return)
        assert (plan.state, plan.version) == ("tramite_ambiental_y_planeacion", version + 1)
        assert verify(uow.connection).ok
        assert replay.differences(uow.connection) == []
        assert len(event_log.plan_events(uow.connection, plan_to_return)) == plan.version
