"""The HTTP protocol `kpt serve` gives uvicorn: the one uvicorn would pick (httptools if installed,
else h11), with TCP_NODELAY set on every connection.

asyncio sets TCP_NODELAY only on sockets it opened itself as TCP. With `--workers` uvicorn binds the
listening socket without naming its protocol, so the connections its workers accept keep Nagle's
algorithm, and an answer whose head and body leave in two writes waits for the client's delayed
ACK: about 40 ms each (uvicorn issue #3149; uvicorn 0.54 does not set it either).
"""

import asyncio
import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol

_TCP = (socket.AF_INET, socket.AF_INET6)


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in _TCP:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


HTTP_PROTOCOL = f"{__name__}:{NoDelayHTTPProtocol.__name__}"  # as uvicorn's `http` option takes it
