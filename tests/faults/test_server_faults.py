"""The service as it runs in production: several uvicorn worker processes on one database, and a
server killed with SIGKILL in the middle of a load. Nothing acknowledged is lost, nothing is
half-written, and the audit chain and its replay still hold."""

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select

from kpt_workflow.audit.verify import verify
from kpt_workflow.storage import event_log
from kpt_workflow.audit import replay
from kpt_workflow.services.accounts import create_user
from kpt_workflow.storage.recorder import DOCUMENT
from kpt_workflow.storage.repository import plan_record
from kpt_workflow.services.sample import PDF
from kpt_workflow.storage.unit_of_work import UnitOfWork

API = "/api/v1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(engine: Engine, data_dir: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KPT_DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "KPT_DATA_DIR": str(data_dir), "KPT_SESSION_SECRET": "pruebas"}
    server = subprocess.Popen(
        [sys.executable, "-c", "from cli import main; main()", "serve", "--port", str(port),
         "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    deadline = time.monotonic() + 90  # four workers importing the app on a loaded machine
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{API}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise AssertionError("el servidor no arrancó")


def _stop(server: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    os.killpg(server.pid, sig)
    server.wait(timeout=30)


@pytest.fixture
def tokens(engine: Engine) -> dict[str, str]:
    with UnitOfWork(engine, write=True) as uow:
        found = {username: create_user(uow.session, username=username, role=role, entity_code="05001")[1]
                 for username, role in (("oficina", "planeacion"), ("concejo", "corporacion"))}
        uow.commit()
    return found


def _chain_holds(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        assert verify(uow.connection).ok
        assert replay.differences(uow.connection) == []


def test_conflicting_steps_across_four_workers_apply_once(engine, plan_to_return, tokens, tmp_path):
    with UnitOfWork(engine) as uow:
        version = plan_record(uow.connection, plan_to_return).version
    port = _free_port()
    server = _start(engine, tmp_path / "data", port, workers=4)
    headers = {"Authorization": f"Bearer {tokens['concejo']}", "If-Match": f'"{version}"'}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client, ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(lambda _: client.post(
                f"{API}/plans/{plan_to_return}/transitions", headers=headers,
                json={"trigger": "devolver_para_ajustes", "fecha": "2024-05-10"}).status_code, range(100)))
    finally:
        _stop(server)
    assert statuses.count(200) == 1 and statuses.count(409) == 99
    with UnitOfWork(engine) as uow:
        plan = plan_record(uow.connection, plan_to_return)
        assert plan.version == version + 1
        assert len(event_log.plan_events(uow.connection, plan_to_return)) == plan.version
    _chain_holds(engine)


def test_a_killed_server_loses_no_acknowledged_change(engine, new_plan, tokens, tmp_path):
    plan_id = new_plan("05001")
    port = _free_port()
    server = _start(engine, tmp_path / "data", port, workers=2)
    acknowledged: list[int] = []

    def file_one(number: int) -> None:
        try:
            response = httpx.post(f"http://127.0.0.1:{port}{API}/plans/{plan_id}/documents", timeout=30,
                                  headers={"Authorization": f"Bearer {tokens['oficina']}"},
                                  data={"doc_type": "diagnostico", "fecha": "2024-02-05"},
                                  files={"file": (f"d{number}.pdf", PDF + str(number).encode(), "application/pdf")})
        except httpx.HTTPError:
            return  # cut off by the kill: not acknowledged, may or may not have committed
        if response.status_code == 201:
            acknowledged.append(response.json()["version"])

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(file_one, n) for n in range(400)]
        while len(acknowledged) < 40:
            time.sleep(0.01)
        _stop(server, signal.SIGKILL)
        for future in futures:
            future.result()
    assert 40 <= len(acknowledged) < 400
    with UnitOfWork(engine) as uow:
        stored = set(uow.connection.scalars(select(DOCUMENT.c.version).where(DOCUMENT.c.plan_id == plan_id)))
        events = uow.connection.scalar(select(func.count()).select_from(event_log.EVENTS)
                                       .where(event_log.EVENTS.c.plan_id == plan_id))
        plan = plan_record(uow.connection, plan_id)
    assert set(acknowledged) <= stored  # every acknowledged filing survived the kill
    assert plan.version == events == 1 + len(stored)  # and nothing is half-written
    _chain_holds(engine)
    restarted = _start(engine, tmp_path / "data", port, workers=1)  # the service comes back on the same data
    try:
        status = httpx.get(f"http://127.0.0.1:{port}{API}/plans/{plan_id}",
                           headers={"Authorization": f"Bearer {tokens['oficina']}"}, timeout=30)
        assert status.status_code == 200 and status.json()["version"] == plan.version
    finally:
        _stop(restarted)
