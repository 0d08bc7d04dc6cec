"""Login under attack: failed logins are throttled per user name and per client address (429 with
Retry-After), every attempt is in the security log without its password, and password hashing
waits for one of a few slots, within a bounded wait (503)."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from api.app import create_app
from kpt_workflow.services import accounts
from kpt_workflow.base.config import Settings
from kpt_workflow.audit.security_log import EVENTS

PER_USER, PER_ADDRESS = 3, 5


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> TestClient:  # type: ignore[override]
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False), data_dir=tmp_path / "data",
                        login_failures_per_user=PER_USER, login_failures_per_address=PER_ADDRESS,
                        login_hash_wait_seconds=0.05)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _log(engine: Engine) -> list[tuple[str, str, str | None]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(
            select(EVENTS.c.kind, EVENTS.c.username, EVENTS.c.client_address).order_by(EVENTS.c.id))]


def test_failed_logins_past_the_users_limit_are_refused_with_retry_after_even_with_the_right_password(
        client, with_password, log_in, engine):
    with_password("ana")
    for _ in range(PER_USER):
        failed = log_in(client, "ana", "no-es-la-clave")
        assert failed.status_code == 401 and "Usuario o contraseña incorrectos." in failed.text
    for password in ("no-es-la-clave", None):
        refused = log_in(client, "ana", *([password] if password else []))
        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
        assert "Demasiados intentos fallidos de ingreso. Espere 15 minutos" in refused.text
    assert client.get("/api/v1/me").status_code == 401  # no session was opened
    assert _log(engine) == [("login_failed", "ana", "testclient")] * PER_USER + [
        ("login_throttled", "ana", "testclient")]  # a throttled flood is logged once per window


def test_one_address_guessing_many_names_is_throttled(client, log_in, with_password):
    with_password("ana")
    for n in range(PER_ADDRESS):
        assert log_in(client, f"nadie-{n}", "x").status_code == 401
    assert log_in(client, "ana").status_code == 429


def test_a_successful_login_forgets_its_names_failures(client, with_password, log_in):
    with_password("ana")
    for _ in range(PER_USER - 1):
        log_in(client, "ana", "no-es-la-clave")
    assert log_in(client, "ana").status_code == 303
    for _ in range(PER_USER - 1):
        assert log_in(client, "ana", "no-es-la-clave").status_code == 401
    assert log_in(client, "ana").status_code == 303


def test_the_security_log_never_holds_the_password(client, with_password, log_in, engine):
    with_password("ana")
    log_in(client, "ana", "secreto-equivocado-123")
    log_in(client, "ana")
    with engine.connect() as conn:
        stored = [str(value) for row in conn.execute(select(EVENTS)) for value in row]
    assert not [value for value in stored if "secreto" in value or "contraseña" in value]
    assert [kind for kind, _, _ in _log(engine)] == ["login_failed", "login_ok"]


@pytest.mark.parametrize("username", ["ana", "nadie"], ids=["known", "unknown"])
def test_a_login_that_finds_every_hashing_slot_taken_past_its_wait_gets_503(client, with_password, log_in,
                                                                             username):
    """The slots are held here, as two slow hashes would hold them: the login waits its 0.05 s
    and answers 503, for an unknown name (whose dummy hash takes a slot too) as for a known one."""
    with_password("ana")
    taken = [accounts._hashing.acquire(timeout=5) for _ in range(accounts.HASHING_SLOTS)]
    try:
        assert all(taken)
        busy = log_in(client, username)
    finally:
        for _ in taken:
            accounts._hashing.release()
    assert busy.status_code == 503 and "Retry-After" in busy.headers
    assert "muchos ingresos a la vez" in busy.text
    assert log_in(client, "ana").status_code == 303  # slots free again: the login goes through
