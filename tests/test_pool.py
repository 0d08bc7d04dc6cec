"""PostgreSQL's pool checks a connection before handing it out only when it sat idle for a while:
one the server closed meanwhile is replaced, and one back from use moments ago costs no round trip."""


import pytest
from sqlalchemy import Engine

from kpt_workflow.storage import db
def _backend(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def test_a_connection_the_server_closed_while_it_sat_idle_is_replaced(
        pg_engine: Engine, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    closed = _backend(pg_engine)
    with engine.connect() as other:
        assert other.exec_driver_sql(f"SELECT pg_terminate_backend({closed})").scalar_one()
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # any time in the pool counts as idle

    assert _backend(pg_engine) != closed  # and no error reached the caller


def test_a_connection_back_from_use_moments_ago_is_not_checked_again(
        pg_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    pings = []
    ping = pg_engine.dialect.do_ping
    monkeypatch.setattr(pg_engine.dialect, "do_ping", lambda connection: pings.append(1) or ping(connection))

    first = _backend(pg_engine)
    assert _backend(pg_engine) == first
    assert len(pings) == 1  # the new connection's first checkout; not the second, moments later

    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)
    assert _backend(pg_engine) == first
    assert len(pings) == 2
