"""`kpt serve`'s HTTP protocol sets TCP_NODELAY on connections accepted from a listening socket
that uvicorn bound itself (as it does with --workers), where asyncio leaves Nagle's algorithm on."""

import asyncio
import socket

import pytest
import uvicorn
from uvicorn.config import Config
from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.server import ServerState

from api.http_protocol import HTTP_PROTOCOL, NoDelayHTTPProtocol
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


def test_kpt_serve_runs_uvicorn_with_this_protocol(monkeypatch, _sqlite_template):
    monkeypatch.setenv("KPT_DATABASE_URL", f"sqlite:///{_sqlite_template}")  # serve checks its schema first
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    service.serve(workers=2)
    assert calls[0]["http"] == HTTP_PROTOCOL and calls[0]["workers"] == 2
