"""The threads async routes hand their database work to (kpt_workflow/storage/db_threads.py), and the step route
that uses them: on SQLite one thread, in arrival order; the access read and the change in one
hand-off and one transaction;
errors reach the request as they were raised."""

import asyncio
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from api import deps
from kpt_workflow.storage.db_threads import POSTGRES_THREADS, DatabaseThreads
from api.routes import plans as plan_routes
from kpt_workflow.base.errors import PlanVersionConflict
from waiting import hand_off_behind_a_held_thread

API = "/api/v1"


def _run_all(threads: DatabaseThreads, jobs: list[Callable[[], object]]) -> list[object]:
    """Hand all `jobs` off at once from one event loop; their results (or errors) in order."""
    async def together() -> list[object]:
        return list(await asyncio.gather(*(threads.run(job) for job in jobs), return_exceptions=True))

    try:
        return asyncio.run(together())
    finally:
        threads.shutdown()


def test_one_thread_runs_the_work_one_at_a_time_in_arrival_order():
    """The jobs wait together behind a first one, and each sees which of the threads runs."""
    threads, ran, inside = DatabaseThreads(1, name="un-hilo"), [], []

    def job(n: int) -> Callable[[], int]:
        def work() -> int:
            inside.append(n)
            assert len(inside) == 1, "two jobs at once"
            running = [thread.name for thread in threading.enumerate() if thread.name.startswith("un-hilo")]
            ran.append((n, threading.current_thread().name, running))
            inside.remove(n)
            return n * n
        return work

    assert hand_off_behind_a_held_thread(threads, [job(n) for n in range(20)]) == [n * n for n in range(20)]
    assert [n for n, _, _ in ran] == list(range(20))
    assert {name for _, name, _ in ran} == {"un-hilo-0"}
    assert all(running == ["un-hilo-0"] for _, _, running in ran)


def test_an_error_in_the_work_reaches_the_awaiting_request_and_the_thread_goes_on():
    threads = DatabaseThreads(1)
    refusal = PlanVersionConflict("El plan cambió.", current_version=3)

    def fails() -> None:
        raise refusal

    assert _run_all(threads, [fails, lambda: "sigue"]) == [refusal, "sigue"]


def test_several_threads_work_at_once_and_start_again_after_shutdown():
    threads = DatabaseThreads(3)
    meet = threading.Barrier(3, timeout=5)  # passes only if three jobs run at the same time
    assert sorted(_run_all(threads, [meet.wait] * 3)) == [0, 1, 2]
    [name] = _run_all(threads, [lambda: threading.current_thread().name])  # after the shutdown above
    assert name.startswith("kpt-db-")


def test_sqlite_gets_one_thread_and_postgresql_one_per_pooled_connection(engine: Engine):
    expected = 1 if engine.dialect.name == "sqlite" else POSTGRES_THREADS
    assert DatabaseThreads.for_engine(engine).threads == expected


def test_a_step_reads_its_access_and_changes_the_plan_in_one_hand_off_and_one_transaction(
        client, as_user, plan_to_return, monkeypatch):  # type: ignore[no-untyped-def]
    seen: dict[str, tuple[str, object]] = {}

    def spy(name: str, function):  # type: ignore[no-untyped-def]
        def recorded(*args, **kwargs):  # type: ignore[no-untyped-def]
            connection = args[0] if name == "access" else args[0].connection  # a Connection per transaction
            seen[name] = (threading.current_thread().name, connection)
            return function(*args, **kwargs)
        return recorded

    monkeypatch.setattr(deps, "actor_for_token", spy("access", deps.actor_for_token))
    monkeypatch.setattr(plan_routes.services, "advance", spy("change", plan_routes.services.advance))

    response = client.post(f"{API}/plans/{plan_to_return}/transitions", headers=as_user("corporacion"),
                           json={"trigger": "devolver_para_ajustes", "fecha": "2024-05-10"})

    assert response.status_code == 200, response.text
    assert seen["access"][0].startswith("kpt-db-")
    assert seen["access"][0] == seen["change"][0] and seen["access"][1] is seen["change"][1]


def test_a_request_presenting_no_credentials_is_refused_before_its_body_is_validated(client, plan_in_council):
    response = client.post(f"{API}/plans/{plan_in_council}/transitions", json={"trigger": ""})
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("headers", [{"Authorization": "Bearer no-es-un-token"}, {"Authorization": "Basic eDp5"}])
def test_a_step_with_bad_credentials_is_unauthorized_and_writes_nothing(client, as_user, plan_in_council, headers):
    before = client.get(f"{API}/plans/{plan_in_council}/history", headers=as_user("dnp")).json()
    response = client.post(f"{API}/plans/{plan_in_council}/transitions", headers=headers,
                           json={"trigger": "devolver_para_ajustes", "fecha": "2024-05-10"})
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"
    assert client.get(f"{API}/plans/{plan_in_council}/history", headers=as_user("dnp")).json() == before
