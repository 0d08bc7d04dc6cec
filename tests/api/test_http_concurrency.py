"""Fifty clients fire the same step at the same version through a real server (uvicorn on a socket,
its worker threads, the app's own engine): one applies, the others learn the plan changed, and the
audit chain neither forks nor loses nor repeats an event."""

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import Engine, func, select

from live import served
from kpt_workflow.audit.verify import verify
from kpt_workflow.storage import event_log
from kpt_workflow.audit import replay
from kpt_workflow.storage.recorder import PLAN
from kpt_workflow.services.sample import PDF

API = "/api/v1"
CLIENTS = 50


@pytest.fixture
def server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app served by uvicorn on 127.0.0.1, with room in the backlog for every client at once."""
    with served(app, backlog=CLIENTS * 2) as url:
        yield url


def _fire_together(url: str, headers: dict[str, str], body: dict[str, object]) -> list[httpx.Response]:
    """CLIENTS requests, each on its own connection, released at the same instant."""
    start = threading.Barrier(CLIENTS)

    def fire(_: int) -> httpx.Response:
        with httpx.Client(timeout=60) as client:
            start.wait()
            return client.post(url, headers=headers, json=body)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        return list(pool.map(fire, range(CLIENTS)))


def test_fifty_concurrent_identical_steps_apply_once_and_the_chain_stays_whole(
        server, engine: Engine, tokens, plan_to_return):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        version = conn.execute(select(PLAN.c.version).where(PLAN.c.id == plan_to_return)).scalar_one()
        events_before = verify(conn).events
    headers = {"Authorization": f"Bearer {tokens['corporacion', 'own']}", "If-Match": f'"{version}"'}

    responses = _fire_together(f"{server}{API}/plans/{plan_to_return}/transitions", headers,
                               {"trigger": "devolver_para_ajustes", "fecha": "2024-05-10"})

    outcomes = Counter((r.status_code, r.json().get("code")) for r in responses)
    assert outcomes == {(200, None): 1, (409, "plan_version_conflict"): CLIENTS - 1}, outcomes
    [applied] = [r.json() for r in responses if r.status_code == 200]
    assert applied["version"] == version + 1 and applied["to"] == "tramite_ambiental_y_planeacion"
    with engine.connect() as conn:
        report = verify(conn)
        assert report.ok, report.problem
        assert report.events == events_before + 1
        assert replay.differences(conn) == []
        plan_version = conn.execute(select(PLAN.c.version).where(PLAN.c.id == plan_to_return)).scalar_one()
        versions = [e["plan_version"] for e in event_log.plan_events(conn, plan_to_return)]
        assert plan_version == version + 1
        assert versions == list(range(1, plan_version + 1))  # one event per version: none lost, none repeated
        assert conn.execute(select(func.count()).select_from(event_log.EVENTS)
                            .where(event_log.EVENTS.c.action == "devolver_para_ajustes")).scalar_one() == 1


def test_fifty_concurrent_retries_under_one_key_apply_once_and_agree_on_the_answer(
        server, engine: Engine, tokens, plan_to_return):  # type: ignore[no-untyped-def]
    """A client that retries while its first attempt is still running: one change is applied; the
    others get its answer back (or, on PostgreSQL, a retry that raced past the key's lookup is
    refused by the plan's version), never a second change."""
    with engine.connect() as conn:
        version = conn.execute(select(PLAN.c.version).where(PLAN.c.id == plan_to_return)).scalar_one()
        events_before = verify(conn).events
    headers = {"Authorization": f"Bearer {tokens['corporacion', 'own']}", "If-Match": f'"{version}"',
               "Idempotency-Key": "reintento-concurrente"}

    responses = _fire_together(f"{server}{API}/plans/{plan_to_return}/transitions", headers,
                               {"trigger": "devolver_para_ajustes", "fecha": "2024-05-10"})

    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {200, 409}, statuses
    assert all(r.json()["code"] == "plan_version_conflict" for r in responses if r.status_code == 409)
    answered = [r for r in responses if r.status_code == 200]
    assert len({r.content for r in answered}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in answered) == len(answered) - 1
    if engine.dialect.name == "sqlite":  # the key is looked up under the write lock: every retry finds it
        assert statuses == {200: CLIENTS}
    with engine.connect() as conn:
        assert verify(conn).events == events_before + 1
        assert replay.differences(conn) == []


def test_steps_on_the_database_thread_and_filings_in_the_thread_pool_write_one_at_a_time(
        server, engine: Engine, tokens, new_plan):  # type: ignore[no-untyped-def]
    """The step route hands its work to the app's database thread; a filing still runs in AnyIO's
    pool. Both write the same plan at once: each change gets its own version and event, in one
    unbroken chain (on SQLite the process's writer lock lets one in at a time)."""
    plan_id = new_plan("05001")
    office = {"Authorization": f"Bearer {tokens['planeacion', 'own']}"}
    url = f"{server}{API}/plans/{plan_id}"

    def step(_: int) -> httpx.Response:  # refused by its checklist, so recorded, whatever came first
        return httpx.post(f"{url}/transitions", headers=office, timeout=60,
                          json={"trigger": "iniciar_construccion", "fecha": "2024-01-20"})

    def filing(number: int) -> httpx.Response:
        return httpx.post(f"{url}/documents", headers=office, timeout=60,
                          data={"doc_type": "diagnostico", "fecha": "2024-02-05"},
                          files={"file": (f"d{number}.pdf", PDF + str(number).encode(), "application/pdf")})

    with ThreadPoolExecutor(max_workers=16) as pool:
        steps = [pool.submit(step, n) for n in range(20)]
        filings = [pool.submit(filing, n) for n in range(20)]
        answers = Counter((f.result().status_code, f.result().json().get("code")) for f in steps + filings)

    assert answers == {(422, "guard_failed"): 20, (201, None): 20}, answers
    with engine.connect() as conn:
        report = verify(conn)
        assert report.ok, report.problem
        assert replay.differences(conn) == []
        versions = [e["plan_version"] for e in event_log.plan_events(conn, plan_id)]
        assert versions == list(range(1, 42))  # created, then 40 changes: none lost, none repeated
