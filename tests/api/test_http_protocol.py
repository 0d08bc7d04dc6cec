"""`kpt serve`'s HTTP protocol sets TCP_NODELAY on connections accepted from a listening socket
that uvicorn bound itself (as it does with --workers), where asyncio leaves Nagle's algorithm on,
and sends what one turn of the event loop writes (an answer's head and body) in one write."""

import asyncio
import socket

import pytest
import uvicorn
from uvicorn.config import Config
from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.server import ServerState

from api.http_protocol import HTTP_PROTOCOL, NoDelayHTTPProtocol, TurnWrites
from cli import service


async def _nodelay_of_an_accepted_connection(protocol: type[asyncio.Protocol]) -> bool:
    config = Config(app=lambda scope, receive, send: None, log_level="warning")
    accepted: list[asyncio.Transport] = []

    class Probe(protocol):  # type: ignore[misc, valid-type]
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            accepted.append(transport)

    listener = socket.socket(family=socket.AF_INET)  # as uvicorn's Config.bind_socket: no protocol named
    listener.bind(("127.0.0.1", 0))
    server = await asyncio.get_running_loop().create_server(
        lambda: Probe(config=config, server_state=ServerState(), app_state={}), sock=listener)
    try:
        _, writer = await asyncio.open_connection(*listener.getsockname())
        for _ in range(100):
            if accepted:
                break
            await asyncio.sleep(0.01)
        writer.close()
        return bool(accepted[0].get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize(("protocol", "nodelay"), [(AutoHTTPProtocol, False), (NoDelayHTTPProtocol, True)])
def test_only_the_serve_protocol_turns_nagle_off_on_a_socket_uvicorn_bound(protocol, nodelay):
    assert asyncio.run(_nodelay_of_an_accepted_connection(protocol)) is nodelay


def test_kpt_serve_runs_uvicorn_with_this_protocol_and_access_log(monkeypatch, _sqlite_template):
    monkeypatch.setenv("KPT_DATABASE_URL", f"sqlite:///{_sqlite_template}")  # serve checks its schema first
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    service.serve(workers=2)
    (app,), options = calls[0]
    assert app == "api.app:create_app" and options["factory"] and options["workers"] == 2
    assert options["http"] == HTTP_PROTOCOL
    assert options["log_config"]["handlers"]["access"]["()"] == "api.access_log.TurnLines"


class _CountedWrites:
    """The connection's real transport, counting the writes that reach it."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        self.transport.write(data)

    def __getattr__(self, name: str):
        return getattr(self.transport, name)


async def _two_answers(app, protocol: type[asyncio.Protocol]) -> tuple[bytes, list[list[bytes]]]:
    """Two requests on one keep-alive connection to `app` served with `protocol`: what the client
    read, and the writes each accepted connection's transport received."""
    config = Config(app=app, log_level="warning")
    config.load()
    counted: list[_CountedWrites] = []

    class Probe(protocol):  # type: ignore[misc, valid-type]
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            counted.append(_CountedWrites(transport))
            super().connection_made(counted[-1])

    server = await asyncio.get_running_loop().create_server(
        lambda: Probe(config=config, server_state=ServerState(), app_state={}), "127.0.0.1", 0)
    try:
        reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname()[:2])
        writer.write(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        read = await asyncio.wait_for(reader.read(), timeout=10)
        writer.close()
        return read, [c.writes for c in counted]
    finally:
        server.close()
        await server.wait_closed()


async def _plain_answer(scope, receive, send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": scope["path"][1:].encode() * 2})


async def _streamed_answer(scope, receive, send) -> None:
    """A head, then a body in two parts, each sent in a later turn of the event loop than the last."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await asyncio.sleep(0)
    await send({"type": "http.response.body", "body": b"uno-", "more_body": True})
    await asyncio.sleep(0)
    await send({"type": "http.response.body", "body": b"dos"})


@pytest.mark.parametrize(("protocol", "writes_per_answer"), [(AutoHTTPProtocol, 2), (NoDelayHTTPProtocol, 1)])
def test_an_answer_s_head_and_body_leave_in_one_write(protocol, writes_per_answer):
    read, writes = asyncio.run(_two_answers(_plain_answer, protocol))
    assert read.count(b"HTTP/1.1 200 OK") == 2 and b"\r\n\r\naa" in read and read.endswith(b"\r\n\r\nbb")
    assert len(writes) == 1 and len(writes[0]) == 2 * writes_per_answer


def test_a_streamed_answer_arrives_whole_and_in_order():
    read, writes = asyncio.run(_two_answers(_streamed_answer, NoDelayHTTPProtocol))
    assert read.count(b"4\r\nuno-\r\n3\r\ndos\r\n0\r\n\r\n") == 2
    assert len(writes[0]) == 6  # each turn's part left when its turn ended, the head first
    assert all(b"HTTP/1.1 200 OK" in writes[0][i] and b"uno-" not in writes[0][i] for i in (0, 3))


def test_writes_wait_for_the_turn_s_end_and_a_close_sends_them_first():
    class Transport:
        def __init__(self) -> None:
            self.events: list[object] = []
            self.closing = False

        def write(self, data: bytes) -> None:
            self.events.append(data)

        def close(self) -> None:
            self.events.append("close")
            self.closing = True

        def is_closing(self) -> bool:
            return self.closing

    async def scenario() -> list[object]:
        transport = Transport()
        turn = TurnWrites(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
        turn.write(b"head ")
        turn.write(b"body")
        assert transport.events == []
        await asyncio.sleep(0)
        turn.write(b"next")
        turn.close()
        turn.write(b"late")  # the connection is closing: nothing more leaves
        await asyncio.sleep(0)
        return transport.events

    assert asyncio.run(scenario()) == [b"head body", b"next", "close"]
