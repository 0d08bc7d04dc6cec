"""Revocation: logout, deactivation, token rotation and expiry end access on the very next request,
for the pages' cookie and the API's token alike; the cookie names a server-side session, never a user."""

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select, update

from api.pages.web import session_secret

from kpt_workflow.storage.event_encoding import as_utc
from kpt_workflow.storage.tables import LoginSession
from kpt_workflow.audit.security_log import EVENTS as SECURITY_EVENTS
from kpt_workflow.storage.unit_of_work import UnitOfWork

API = "/api/v1"
SESSIONS = LoginSession.__table__


@pytest.fixture
def signed_in(client, with_password, log_in):  # type: ignore[no-untyped-def]
    """A DNP user logged in through the pages; returns its API token."""
    token = with_password("ana")
    assert log_in(client, "ana").status_code == 303
    assert client.get(f"{API}/me").json()["username"] == "ana"
    return token


def _kinds(engine, username: str) -> list[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return list(conn.execute(select(SECURITY_EVENTS.c.kind).where(SECURITY_EVENTS.c.username == username)
                                 .order_by(SECURITY_EVENTS.c.id)).scalars())


def _age_sessions(engine, **ago: timedelta) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(timezone.utc)
    with UnitOfWork(engine, write=True) as uow:
        uow.connection.execute(update(SESSIONS).values(**{column: now - delta for column, delta in ago.items()}))
        uow.commit()


def _last_seen(engine) -> datetime:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return as_utc(conn.execute(select(SESSIONS.c.last_seen_at)).scalar_one())


def test_logout_ends_the_session_on_the_server_so_a_copied_cookie_opens_nothing(client, signed_in, engine):
    copied = dict(client.cookies)
    page = client.get("/planes")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.update(copied)
    refused = client.get(f"{API}/me")
    assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"
    assert client.get("/planes", follow_redirects=False).headers["location"].startswith("/login")
    assert _kinds(engine, "ana") == ["login_ok", "logout"]


def test_a_deactivated_users_cookie_and_token_are_refused_on_the_next_request(client, signed_in, as_user, engine):
    token_headers = {"Authorization": f"Bearer {signed_in}"}
    assert client.get(f"{API}/me", headers=token_headers).status_code == 200
    done = client.post(f"{API}/users/ana/deactivate", headers=as_user("admin"))  # the token, not the cookie, acts
    assert done.status_code == 200 and done.json() == {"username": "ana", "active": False}
    assert client.get(f"{API}/me").status_code == 401
    assert client.get("/planes", follow_redirects=False).headers["location"].startswith("/login")
    assert client.get(f"{API}/me", headers=token_headers).status_code == 401
    assert _kinds(engine, "ana") == ["login_ok", "user_deactivated"]
    with engine.connect() as conn:
        assert conn.execute(select(SESSIONS.c.ended_at)).scalar_one() is not None


def test_token_rotation_by_an_administrator_stops_the_old_tokens(client, tokens, as_user, engine):
    old = {"Authorization": f"Bearer {tokens['dnp', 'own']}"}
    rotated = client.post(f"{API}/users/dnp-own/token", headers=as_user("admin"))
    assert rotated.status_code == 201 and rotated.json()["username"] == "dnp-own"
    assert client.get(f"{API}/me", headers=old).status_code == 401
    new = {"Authorization": f"Bearer {rotated.json()['token']}"}
    assert client.get(f"{API}/me", headers=new).json()["username"] == "dnp-own"
    with engine.connect() as conn:
        row = conn.execute(select(SECURITY_EVENTS.c.kind, SECURITY_EVENTS.c.actor)).one()
    assert tuple(row) == ("token_rotated", "admin-own")


@pytest.mark.parametrize("path", ["/users/nadie/deactivate", "/users/nadie/token"])
def test_revocation_is_for_administrators_and_names_an_existing_user(client, as_user, path):
    assert client.post(f"{API}{path}", headers=as_user("dnp")).status_code == 403
    missing = client.post(f"{API}{path}", headers=as_user("admin"))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert client.post(f"{API}/users/dnp-own/deactivate", headers=as_user("planeacion")).status_code == 403


@pytest.mark.parametrize("aged", [{"last_seen_at": timedelta(minutes=31)}, {"created_at": timedelta(hours=12, minutes=1)}],
                         ids=["idle", "absolute"])
def test_an_expired_session_is_refused_and_its_end_recorded_once(client, signed_in, engine, aged):
    _age_sessions(engine, **aged)
    refused = client.get(f"{API}/me")
    assert refused.status_code == 401 and refused.json()["code"] == "sesion_vencida"
    assert client.get(f"{API}/me").json()["code"] == "unauthorized"  # ended now: an ordinary refusal
    assert _kinds(engine, "ana") == ["login_ok", "session_expired"]


def test_an_expired_session_sends_the_pages_to_the_login_form_saying_why(client, signed_in, engine):
    _age_sessions(engine, last_seen_at=timedelta(hours=1))
    gone = client.get("/planes", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    assert "Su sesión venció" in client.get(gone.headers["location"]).text


def test_a_session_within_its_limits_is_kept_and_last_seen_is_written_at_most_once_a_minute(client, signed_in,
                                                                                              engine):
    _age_sessions(engine, last_seen_at=timedelta(seconds=30), created_at=timedelta(hours=11))
    before = _last_seen(engine)
    assert client.get(f"{API}/me").status_code == 200
    assert _last_seen(engine) == before
    _age_sessions(engine, last_seen_at=timedelta(minutes=2))
    assert client.get("/planes").status_code == 200
    assert _last_seen(engine) > datetime.now(timezone.utc) - timedelta(seconds=30)


def test_a_signed_cookie_naming_a_user_lets_nobody_in(client, tokens, app):
    """The cookie used to name its user: one forged with the app's own key (as a leaked key would
    allow) must name a live server-side session instead."""
    secret = session_secret(app.state.runtime.settings.data_dir, app.state.runtime.settings.session_secret)
    for payload in ({"username": "admin-own"}, {"sid": "inventado"}):
        data = base64.b64encode(json.dumps(payload).encode())
        client.cookies.set("kpt_sesion", TimestampSigner(secret).sign(data).decode())
        assert client.get(f"{API}/me").status_code == 401
        assert client.get("/planes", follow_redirects=False).status_code == 303


def test_the_cookie_holds_a_session_id_not_the_user(client, signed_in, app):
    secret = session_secret(app.state.runtime.settings.data_dir, app.state.runtime.settings.session_secret)
    cookie = TimestampSigner(secret).unsign(client.cookies["kpt_sesion"], max_age=60)
    held = json.loads(base64.b64decode(cookie))
    assert "ana" not in json.dumps(held) and len(held["sid"]) >= 40
