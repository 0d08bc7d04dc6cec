"""/api/v1/audit/verify is not a free denial of service: DNP and administrators only, incremental
from where the chain was last found intact (a rewritten mark breaks the chain there), a whole walk
only when asked, and both rate limited (429 with Retry-After and a Spanish detail)."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from api.app import create_app

from kpt_workflow.storage.event_log import EVENTS
from kpt_workflow.base.config import Settings
from kpt_workflow.storage.unit_of_work import UnitOfWork

VERIFY = "/api/v1/audit/verify"
PER_USER, WHOLE_PER_MINUTE = 3, 2


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> TestClient:  # type: ignore[override]
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False), data_dir=tmp_path / "data",
                        audit_verifications_per_minute=PER_USER,
                        audit_full_verifications_per_minute=WHOLE_PER_MINUTE)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _edit(engine: Engine, seq: int, **values: object) -> None:
    with UnitOfWork(engine, write=True) as uow:
        uow.connection.execute(update(EVENTS).where(EVENTS.c.seq == seq).values(**values))
        uow.commit()


@pytest.mark.parametrize("role", ["planeacion", "corporacion", "departamento"])
def test_only_the_dnp_and_administrators_may_verify(client, as_user, new_plan, role):
    new_plan("05001")
    refused = client.get(VERIFY, headers=as_user(role))
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert client.get(VERIFY, headers=as_user("dnp")).status_code == 200


def test_verification_starts_after_the_last_intact_position(client, as_user, new_plan):
    new_plan("05001")
    new_plan("11001")
    first = client.get(VERIFY, headers=as_user("dnp")).json()
    assert first["ok"] and first["events"] == 2 and first["completa"] and first["desde_seq"] == 0
    new_plan("08")
    second = client.get(VERIFY, headers=as_user("dnp")).json()
    assert second["ok"] and second["events"] == 3 and not second["completa"] and second["desde_seq"] == 2
    assert second["head_hash"] != first["head_hash"]


def test_an_edit_behind_the_mark_is_found_by_the_whole_walk_only(client, as_user, new_plan, engine):
    for code in ("05001", "11001", "08"):
        new_plan(code)
    assert client.get(VERIFY, headers=as_user("dnp")).json()["ok"]
    _edit(engine, 2, actor="otra persona")
    assert client.get(VERIFY, headers=as_user("dnp")).json()["ok"]  # incremental: nothing new to walk
    whole = client.get(VERIFY, params={"completa": "true"}, headers=as_user("admin"))
    assert whole.status_code == 200
    assert whole.json()["ok"] is False and whole.json()["first_bad_seq"] == 2


def test_a_mark_the_chain_no_longer_holds_breaks_the_chain_there(client, as_user, new_plan, engine):
    for code in ("05001", "11001", "08"):
        new_plan(code)
    assert client.get(VERIFY, headers=as_user("dnp")).json()["events"] == 3
    _edit(engine, 3, hash="f" * 64)  # a rewrite that hashes consistently would change it the same way
    report = client.get(VERIFY, headers=as_user("dnp")).json()
    assert report["ok"] is False and report["first_bad_seq"] == 3 and report["events"] == 2
    assert "el evento 3 ya no es el que se verificó" in report["problem"]


def test_whole_walks_are_limited_per_minute_per_process(client, as_user, new_plan):
    new_plan("05001")
    for role in ("dnp", "admin"):  # the first, with no mark yet, is a whole walk too
        assert client.get(VERIFY, params={"completa": "true"}, headers=as_user(role)).status_code == 200
    refused = client.get(VERIFY, params={"completa": "true"}, headers=as_user("admin"))
    assert refused.status_code == 429 and refused.json()["code"] == "demasiados_intentos"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["detail"].startswith("Ya se hizo una verificación completa de la cadena hace poco. Espere")
    assert client.get(VERIFY, headers=as_user("admin")).status_code == 200  # incremental: its own limit


def test_incremental_verifications_are_limited_per_user(client, as_user, new_plan):
    new_plan("05001")
    client.get(VERIFY, headers=as_user("dnp"))  # the first is a whole walk: there is no mark yet
    for _ in range(PER_USER):
        assert client.get(VERIFY, headers=as_user("dnp")).status_code == 200
    refused = client.get(VERIFY, headers=as_user("dnp"))
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "Demasiadas verificaciones" in refused.json()["detail"]
    assert client.get(VERIFY, headers=as_user("dnp", "foreign")).status_code == 200  # another user's own count
