"""An app per test on the test database, and signed-in clients for every role, for an own
entity (Medellín, 05001, in Antioquia) and a foreign one (Bogotá, 11001)."""

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from api.app import create_app
from kpt_workflow.services.accounts import create_user
from kpt_workflow.base.config import Settings
from kpt_workflow.storage.unit_of_work import UnitOfWork

OWN, FOREIGN = "05001", "11001"
# role -> (own entity, foreign entity) each user of that role belongs to
ROLE_ENTITIES = {"planeacion": (OWN, FOREIGN), "corporacion": (OWN, FOREIGN), "departamento": ("05", "25"),
                 "dnp": (None, None), "admin": (None, None)}


@pytest.fixture
def app(engine: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False), data_dir=tmp_path / "data",
                        max_document_bytes=1024 * 1024)
    return create_app(settings)


@pytest.fixture
def tokens(engine: Engine) -> dict[tuple[str, str], str]:
    """(role, 'own'|'foreign') -> bearer token. The users have no password: the API takes tokens,
    and hashing ten passwords with argon2 cost each test about two seconds."""
    found = {}
    with UnitOfWork(engine, write=True) as uow:
        for role, entities in ROLE_ENTITIES.items():
            for side, entity in zip(("own", "foreign"), entities):
                _, token = create_user(uow.session, username=f"{role}-{side}", role=role, entity_code=entity)
                found[role, side] = token
        uow.commit()
    return found


@pytest.fixture
def client(app) -> TestClient:  # type: ignore[no-untyped-def]
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def as_user(client: TestClient, tokens) -> Callable[[str, str], dict[str, str]]:  # type: ignore[no-untyped-def]
    """Headers for a role on one side: as_user("planeacion") -> own planning office."""

    def headers(role: str, side: str = "own") -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role, side]}"}

    return headers


PASSWORD = "contraseña-de-prueba"


@pytest.fixture
def with_password(engine: Engine) -> Callable[..., str]:
    """Create a user who can log in through the pages (one argon2 hash: only where a test needs it)."""

    def create(username: str, role: str = "dnp", entity: str | None = None) -> str:
        with UnitOfWork(engine, write=True) as uow:
            _, token = create_user(uow.session, username=username, role=role, entity_code=entity, password=PASSWORD)
            uow.commit()
        return token

    return create


@pytest.fixture
def log_in() -> Callable[..., Response]:
    """Post the login form as a browser does, with the CSRF token of the page it got first."""

    def post(client: TestClient, username: str, password: str = PASSWORD) -> Response:
        form = client.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf is not None, form.text
        return client.post("/login", data={"username": username, "password": password, "next": "/",
                                           "csrf_token": csrf.group(1)}, follow_redirects=False)

    return post


@pytest.fixture
def page_of(app, with_password, log_in) -> Iterator[Callable[[str, str], TestClient]]:  # type: ignore[no-untyped-def]
    """A signed-in browser session for a role of entity 05001 (the DNP: none)."""
    clients: list[TestClient] = []

    def open_as(username: str, role: str) -> TestClient:
        with_password(username, role=role, entity=None if role == "dnp" else ("05" if role == "departamento" else "05001"))
        client = TestClient(app)
        clients.append(client.__enter__())
        assert log_in(client, username).status_code == 303
        return client

    yield open_as
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def office_page(client: TestClient, with_password, log_in) -> TestClient:  # type: ignore[no-untyped-def]
    """The test client signed in to the pages as 'ana', Medellín's planning office."""
    with_password("ana", role="planeacion", entity=OWN)
    assert log_in(client, "ana").status_code == 303
    return client
