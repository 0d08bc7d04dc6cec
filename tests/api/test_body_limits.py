"""Bodies past the limits are refused with 413 before they are read: a declared length at once,
a chunked body the moment its count passes the limit; no route, dependency or database work
runs, nothing is spooled, and the client gets exactly one response."""

import asyncio
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event
from starlette.responses import StreamingResponse

from live import served
from api.edge.headers import SecurityHeaders
from api.edge.limits import FORM_FIELDS_ALLOWANCE, BodyLimits

API = "/api/v1"
DOCUMENT_LIMIT = 1024 * 1024  # the app fixture's max_document_bytes
JSON_LIMIT = 1024 * 1024  # the default max_json_bytes
MULTIPART = "multipart/form-data; boundary=limite"
CHUNK = 64 * 1024


class Exchange:
    """One raw ASGI request: the body handed out chunk by chunk, counting what the app pulled,
    and every message the app sent back."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks, self.pulled, self.sent = chunks, 0, []

    async def receive(self) -> dict[str, object]:
        if self.pulled == len(self.chunks):
            return {"type": "http.disconnect"}
        self.pulled += 1
        return {"type": "http.request", "body": self.chunks[self.pulled - 1], "more_body": self.pulled < len(self.chunks)}

    async def send(self, message: dict[str, object]) -> None:
        self.sent.append(message)

    @property
    def starts(self) -> list[dict[str, object]]:
        return [m for m in self.sent if m["type"] == "http.response.start"]

    @property
    def status(self) -> int:
        [start] = self.starts  # exactly one response
        return start["status"]  # type: ignore[return-value]

    @property
    def headers(self) -> dict[str, str]:
        return {k.decode(): v.decode() for k, v in self.starts[0]["headers"]}  # type: ignore[union-attr]

    @property
    def body(self) -> dict[str, str]:
        return json.loads(b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body"))


def request(app, path: str, headers: dict[str, str] | list[tuple[str, str]], chunks: list[bytes]) -> Exchange:  # type: ignore[no-untyped-def]
    """POST `chunks` to `path`; `headers` as a list when a name repeats."""
    exchange = Exchange(chunks)
    pairs = [("host", "testserver"), *(headers.items() if isinstance(headers, dict) else headers)]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in pairs],
             "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}
    asyncio.run(app(scope, exchange.receive, exchange.send))
    return exchange


@contextmanager
def watched(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Counts the statements the app sends its database and the files its form parser spools."""
    seen = {"statements": 0, "spooled": 0}

    def statement(*_: object) -> None:
        seen["statements"] += 1

    import starlette.formparsers as formparsers
    real = formparsers.SpooledTemporaryFile

    def spool(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen["spooled"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(formparsers, "SpooledTemporaryFile", spool)
    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)


def multipart_chunks(total: int) -> list[bytes]:
    head = (b'--limite\r\nContent-Disposition: form-data; name="file"; filename="informe.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n%PDF-")
    body = head + b"%" * (total - len(head))
    return [body[i:i + CHUNK] for i in range(0, len(body), CHUNK)]


@pytest.fixture
def office(tokens) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A valid bearer token: had the request reached authentication, the database would have been read."""
    return {"authorization": f"Bearer {tokens['planeacion', 'own']}"}


@pytest.fixture
def plan_path(new_plan) -> str:  # type: ignore[no-untyped-def]
    return f"{API}/plans/{new_plan('05001')}/documents"


@pytest.mark.parametrize("content_type, limit, code", [(MULTIPART, DOCUMENT_LIMIT + FORM_FIELDS_ALLOWANCE, "archivo_muy_grande"),
                                                       ("application/json", JSON_LIMIT, "cuerpo_muy_grande"),
                                                       ("application/x-www-form-urlencoded", JSON_LIMIT, "cuerpo_muy_grande")])
def test_a_declared_length_past_the_limit_is_refused_before_a_byte_is_read(
        content_type, limit, code, app, office, plan_path, monkeypatch):
    with watched(app.state.runtime.engine, monkeypatch) as seen:
        exchange = request(app, plan_path, {**office, "content-type": content_type, "content-length": str(limit + 1)},
                           multipart_chunks(limit + 1))
    assert exchange.status == 413 and exchange.body["code"] == code and "MB" in exchange.body["detail"]
    assert exchange.headers["connection"] == "close"
    assert exchange.pulled == 0 and seen == {"statements": 0, "spooled": 0}


def test_a_64_mib_upload_is_answered_before_its_body_is_sent(app, office, plan_path):
    """Through a real server: the client sends the head only, and has its 413 anyway."""
    with served(app, lifespan="off") as url, socket.create_connection(_address(url), timeout=10) as client:
        client.sendall(f"POST {plan_path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: {office['authorization']}\r\n"
                       f"Content-Type: {MULTIPART}\r\nContent-Length: {64 * 1024 * 1024}\r\n\r\n".encode())
        answer = b""
        while chunk := client.recv(65536):  # the server closes the connection after its answer
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413") and b"connection: close" in head.lower()
    assert json.loads(body)["code"] == "archivo_muy_grande"


@pytest.mark.parametrize("content_type, limit, code", [(MULTIPART, DOCUMENT_LIMIT + FORM_FIELDS_ALLOWANCE, "archivo_muy_grande"),
                                                       ("application/json", JSON_LIMIT, "cuerpo_muy_grande")])
def test_a_chunked_body_is_refused_the_moment_it_passes_the_limit(
        content_type, limit, code, app, office, plan_path, monkeypatch):
    """Each to a route that reads that kind of body: a document's filing, a plan's creation."""
    chunks = multipart_chunks(4 * limit)
    path = plan_path if content_type == MULTIPART else f"{API}/plans"
    with watched(app.state.runtime.engine, monkeypatch) as seen:
        exchange = request(app, path, {**office, "content-type": content_type}, chunks)
    assert exchange.status == 413 and exchange.body["code"] == code  # one response: the app's own answer was dropped
    assert exchange.headers["connection"] == "close"
    assert exchange.pulled == limit // CHUNK + 1 < len(chunks)  # the chunk that passed the limit, none after it
    assert seen["statements"] == 0  # neither authentication nor the route ran


@pytest.mark.parametrize("declared", [["-1"], ["abc"], ["1e3"], [" "], ["10", "20"], ["99999999999999999999"]])
def test_a_malformed_content_length_is_a_bad_request(declared, app, plan_path):
    exchange = request(app, plan_path, [("content-type", "application/json"), *(("content-length", v) for v in declared)],
                       [b"{}"])
    assert exchange.status == 400 and exchange.body["code"] == "longitud_invalida" and exchange.pulled == 0


def test_a_body_of_exactly_the_limit_reaches_the_route(client, as_user):
    plan = json.dumps({"entity_code": "05001", "period": 2024}).encode()
    response = client.post(f"{API}/plans", headers={**as_user("planeacion"), "content-type": "application/json"},
                           content=plan + b" " * (JSON_LIMIT - len(plan)))  # blanks are valid JSON padding
    assert response.status_code == 201, response.json()["code"]


def test_a_streamed_response_passes_through_piece_by_piece():
    """The edge never buffers: each piece the app sends leaves before the app makes the next."""
    pieces: list[bytes] = []
    order: list[str] = []

    async def numbers():  # type: ignore[no-untyped-def]
        for n in range(3):
            order.append(f"made {n}")
            yield f"{n}\n".encode()

    async def stream_app(scope, receive, send):  # type: ignore[no-untyped-def]
        await StreamingResponse(numbers())(scope, receive, send)

    edge = SecurityHeaders(BodyLimits(stream_app, document_bytes=10, json_bytes=10), https_always=False, policies={})

    async def send(message):  # type: ignore[no-untyped-def]
        if message["type"] == "http.response.body" and message.get("body"):
            pieces.append(message["body"])
            order.append(f"sent {message['body'].decode().strip()}")

    async def receive():  # type: ignore[no-untyped-def]
        await asyncio.Event().wait()  # the client stays connected

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "scheme": "http", "query_string": b""}
    asyncio.run(edge(scope, receive, send))
    assert pieces == [b"0\n", b"1\n", b"2\n"]
    assert order == ["made 0", "sent 0", "made 1", "sent 1", "made 2", "sent 2"]


def test_the_limits_are_stated_in_the_docs(client):
    schema = client.get("/openapi.json").json()
    stated = "1 MB por documento"  # the app fixture's limits
    assert stated in schema["info"]["description"]
    upload = schema["paths"][f"{API}/plans/{{plan_id}}/documents"]["post"]["responses"]["413"]["description"]
    assert stated in upload and "cuerpo_muy_grande" in upload


def _address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)
