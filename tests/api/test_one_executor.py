"""One executor for the server's database work (api/database_work.py): no API route or dependency
runs in AnyIO's thread pool, and every unit of work a request opens runs on the app's database
threads (kpt_workflow/storage/db_threads.py)."""

import asyncio
import importlib
import inspect
import pkgutil
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute

import api.routes

from api.app import API_PREFIX
from kpt_workflow.services import documents
from kpt_workflow.services.sample import PDF
from kpt_workflow.storage.unit_of_work import UnitOfWork


def _calls(dependant: Any) -> Iterator[Callable[..., Any]]:
    yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def _awaited(call: Callable[..., Any]) -> bool:
    """Whether FastAPI awaits `call` on the event loop rather than sending it to its thread pool."""
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(getattr(type(call), "__call__", None))


def test_no_api_route_or_dependency_runs_in_the_thread_pool():
    modules = [importlib.import_module(f"api.routes.{m.name}") for m in pkgutil.iter_modules(api.routes.__path__)]
    routes = [route for module in modules for route in module.router.routes if isinstance(route, APIRoute)]
    assert len(routes) > 20
    sync = [(route.path, getattr(call, "__name__", call)) for route in routes for call in _calls(route.dependant)
            if not _awaited(call)]
    assert sync == []


def test_every_unit_of_work_of_a_request_runs_on_the_database_threads(
        client, as_user, plan_to_return, monkeypatch, engine):  # type: ignore[no-untyped-def]
    """Reads on the reading lane, writes on the writer's; on PostgreSQL the two are one."""
    threads: list[tuple[str, bool]] = []
    opened = UnitOfWork.__init__

    def recorded(self: UnitOfWork, *args: Any, **kwargs: Any) -> None:
        threads.append((threading.current_thread().name, bool(kwargs.get("write"))))
        opened(self, *args, **kwargs)

    monkeypatch.setattr(UnitOfWork, "__init__", recorded)
    plan = f"{API_PREFIX}/plans/{plan_to_return}"
    for path in (f"{API_PREFIX}/plans", plan, f"{plan}/history", f"{plan}/documents", f"{plan}/strategy",
                 f"{plan}/investments", f"{API_PREFIX}/entities/05001"):
        assert client.get(path, headers=as_user("corporacion")).status_code == 200, path
    assert client.get(f"{API_PREFIX}/reports/bottlenecks", headers=as_user("dnp")).status_code == 200
    step = client.post(f"{plan}/transitions", headers=as_user("corporacion"),
                       json={"trigger": "devolver_para_ajustes", "fecha": "2024-05-10"})
    assert step.status_code == 200, step.text

    assert len(threads) >= 9  # one at least for each request
    lanes = {write: {name.rsplit("-", 1)[0] for name, wrote in threads if wrote == write} for write in (False, True)}
    if engine.dialect.name == "sqlite":
        assert lanes == {False: {"kpt-db-read"}, True: {"kpt-db"}}, threads
    else:
        assert lanes == {False: {"kpt-db"}, True: {"kpt-db"}}, threads


def test_a_read_is_answered_while_the_writer_is_busy(app, client, as_user, plan_in_council, engine):  # type: ignore[no-untyped-def]
    """On SQLite a long write job (a step, a filing) holds the writer's one thread; a report, a
    status or a verification read meanwhile goes on its own lane and is answered."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's threads take reads and writes alike")
    runtime = app.state.runtime
    holding, release, answered = threading.Event(), threading.Event(), threading.Event()
    statuses: list[int] = []

    def busy_writer() -> None:
        holding.set()
        release.wait(60)

    def read() -> None:
        statuses.append(client.get(f"{API_PREFIX}/plans/{plan_in_council}", headers=as_user("corporacion")).status_code)
        answered.set()

    blocker = threading.Thread(target=lambda: asyncio.run(runtime.db_threads.run(busy_writer)))
    blocker.start()
    reader = threading.Thread(target=read)
    try:
        assert holding.wait(30)
        reader.start()
        assert answered.wait(30), "the read waited behind the writer's job"
        assert statuses == [200]
    finally:
        release.set()
        blocker.join(60)
        reader.join(60)


def test_an_upload_is_judged_before_it_reaches_the_writer(client, as_user, new_plan, monkeypatch):  # type: ignore[no-untyped-def]
    """Reading a PDF's pages is CPU work (a second for thousands of pages): the API and the page
    judge the bytes in AnyIO's pool, so the writer's thread, which every step waits on, never does."""
    judged: list[str] = []
    judge = documents.check

    def recorded(content: bytes, formats: Any) -> str:
        judged.append(threading.current_thread().name)
        return judge(content, formats)

    monkeypatch.setattr(documents, "check", recorded)
    plan_id = new_plan("05001")
    filed = client.post(f"{API_PREFIX}/plans/{plan_id}/documents", headers=as_user("planeacion"),
                        data={"doc_type": "programa_gobierno", "fecha": "2023-07-28"},
                        files={"file": ("programa.pdf", PDF, "application/pdf")})
    assert filed.status_code == 201, filed.text
    assert len(judged) == 1 and not judged[0].startswith("kpt-db"), judged
