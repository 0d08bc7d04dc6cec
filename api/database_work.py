"""The one executor for the server's database work: the app's DatabaseThreads
(kpt_workflow/storage/db_threads.py; on SQLite one thread for the writes, whose jobs waiting
together commit as one group, and a lane of reader threads beside it). A plain `def` route or
dependency would run in AnyIO's thread pool instead, a second executor whose threads contend
with the database thread for SQLite's one write lock and the GIL.

`on_database` turns a plain function into the `async def` FastAPI awaits: it hands the call,
whole, to the runtime's database threads; `reads_database` to their reading lane (a route that
only reads: on SQLite a long report or verification then never holds up the steps, nor they it).
A route states its database work as plain `def` code and puts one of them on it; nothing else
changes. The pages' login hashes its password with
argon2, CPU work of tens of milliseconds that would hold every other request's database work
behind it on SQLite's one thread: it stays in AnyIO's pool (api/pages/auth.py).
"""

import inspect
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, ParamSpec, TypeVar

from fastapi import Request

from kpt_workflow.storage.db_threads import DatabaseThreads

P = ParamSpec("P")
T = TypeVar("T")
_REQUEST = "database_work_request"  # the parameter added where the function takes no Request of its own


async def writing(request: Request, work: Callable[[], T]) -> T:
    """`work` on the writer's lane, from an `async def` route that first prepared its input
    elsewhere (an upload read and judged in AnyIO's pool: CPU work no other request should wait on)."""
    return await _run(request, "db_threads", work)


async def reading(request: Request, work: Callable[[], T]) -> T:
    """`work`, which only reads, on the reading lane, from an `async def` (an error page's reader)."""
    return await _run(request, "read_threads", work)


async def _run(request: Request, lane: str, work: Callable[[], T]) -> T:
    threads: DatabaseThreads = getattr(request.app.state.runtime, lane)
    return await threads.run(work)


def on_database(work: Callable[P, T]) -> Callable[..., Awaitable[T]]:
    """`work`, which may write, run on the app's database threads when FastAPI calls it."""
    return _handed(work, "db_threads")


def reads_database(work: Callable[P, T]) -> Callable[..., Awaitable[T]]:
    """`work`, which only reads, run on the database threads' reading lane."""
    return _handed(work, "read_threads")


def _handed(work: Callable[P, T], lane: str) -> Callable[..., Awaitable[T]]:
    """`work` as a coroutine that runs it on the runtime's `lane`. Its signature is the one
    FastAPI reads (plus the request, to find the app's threads), so its parameters, dependencies
    and OpenAPI description are `work`'s own; no `__wrapped__`, which FastAPI would follow to
    `work` and call in its thread pool."""
    signature = inspect.signature(work)
    own = next((name for name, parameter in signature.parameters.items() if parameter.annotation is Request), None)
    name = own or _REQUEST

    async def on_threads(**arguments: Any) -> T:
        request: Request = arguments[name] if own is not None else arguments.pop(name)
        return await _run(request, lane, partial(work, **arguments))

    parameters = list(signature.parameters.values())
    if own is None:
        parameters.append(inspect.Parameter(_REQUEST, inspect.Parameter.KEYWORD_ONLY, annotation=Request))
    on_threads.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(on_threads, attribute, getattr(work, attribute))
    return on_threads
