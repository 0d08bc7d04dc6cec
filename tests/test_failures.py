"""Every operational failure reaches the user in Spanish, with a stable code, a hint and a non-zero
exit, never a traceback: a database missing, locked or read-only, PostgreSQL down or refusing the
credentials, a key file missing or wrong, a damaged log (a full disk: tests/faults/test_disk_full.py).
Nothing acknowledged before the failure is lost, and the failed command leaves nothing half-written.
The server answers the same failures with 503 and the same code."""

import os
import sqlite3

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from kpt_workflow.services.accounts import create_user
from kpt_workflow.base.config import Settings
from kpt_workflow.storage.unit_of_work import UnitOfWork

PG_URL = os.environ.get("KPT_TEST_DATABASE_URL")


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _read_only(engine: Engine) -> str:
    """The same database, opened so that every write is refused by the database itself."""
    if engine.dialect.name == "sqlite":
        return f"sqlite:///file:{engine.url.database}?mode=ro&uri=true"
    return engine.url.update_query_dict({"options": "-cdefault_transaction_read_only=on"}).render_as_string(
        hide_password=False)


def _plans(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM plan")).scalar_one()


def test_a_read_only_database_is_named_and_nothing_is_written(engine, kpt_on):
    code, said = kpt_on(_read_only(engine), "plan", "create", "05001", "--period", "2024")
    assert code == 3 and "[base_solo_lectura]" in said and "es de solo lectura" in said and "→ " in said
    assert _plans(engine) == 0


def test_a_locked_sqlite_database_is_refused_after_the_busy_timeout(engine, kpt_on):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's file lock (PostgreSQL locks rows, and waits)")
    holder = sqlite3.connect(engine.url.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        code, said = kpt_on(_url(engine), "plan", "create", "05001", "--period", "2024",
                            KPT_SQLITE_BUSY_TIMEOUT_MS="100")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 3 and "[base_bloqueada]" in said and "nada se registró" in said
    assert _plans(engine) == 0


def test_postgresql_down_is_named_with_its_address(kpt_on):
    code, said = kpt_on("postgresql+psycopg://kpt:secreta@127.0.0.1:9/kpt", "plan", "list")
    assert code == 3 and "[postgres_no_responde]" in said and "PostgreSQL no responde en" in said
    assert "secreta" not in said  # the password is never printed


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="KPT_TEST_DATABASE_URL no está definido")
def test_postgresql_refusing_the_role_or_the_database_is_named(kpt_on):
    unknown_role = str(PG_URL).replace("://postgres@", "://no_existe_este_rol:x@")
    code, said = kpt_on(unknown_role, "plan", "list")
    assert code == 3 and "[postgres_rechaza_credenciales]" in said and "x@" not in said
    missing = PG_URL.rsplit("/", 1)[0] + "/kpt_no_existe_esta_base"
    code, said = kpt_on(missing, "plan", "list")
    assert code == 3 and "[base_inexistente]" in said and "createdb" in said


def test_a_missing_or_wrong_key_file_is_named(engine, kpt_on, tmp_path):
    url = _url(engine)
    code, said = kpt_on(url, "audit", "checkpoint", "--key", str(tmp_path / "no-hay.key"))
    assert code == 1 and "No existe la llave privada" in said and "kpt audit keygen" in said
    assert kpt_on(url, "audit", "keygen", "--out", str(tmp_path / "llaves"))[0] == 0
    private, public = tmp_path / "llaves" / "kpt-checkpoint.key", tmp_path / "llaves" / "kpt-checkpoint.pub"
    code, said = kpt_on(url, "audit", "checkpoint", "--key", str(public))
    assert code == 1 and "no es una llave privada en formato PEM" in said
    signed = tmp_path / "punto.json"
    code, said = kpt_on(url, "audit", "checkpoint", "--key", str(private))
    assert code == 0, said
    signed.write_text(said.strip().splitlines()[-1], encoding="utf-8")
    code, said = kpt_on(url, "audit", "verify", "--checkpoint", str(signed), "--public-key", str(private))
    assert code == 1 and "no es una llave pública en formato PEM" in said
    assert kpt_on(url, "audit", "keygen", "--out", str(tmp_path / "otras"))[0] == 0
    code, said = kpt_on(url, "audit", "verify", "--checkpoint", str(signed), "--public-key",
                        str(tmp_path / "otras" / "kpt-checkpoint.pub"))
    assert code == 1 and "la firma del punto de control no es válida" in said


def test_replay_names_the_event_of_a_plan_whose_creation_was_deleted(engine, new_plan, file_doc, kpt_on):
    plan_id = new_plan("05001")
    file_doc(plan_id, "acta_informe_gestion")
    new_plan("08001")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE plan_id = :p AND event_type = 'plan_created'"), {"p": plan_id})
        later = conn.execute(text("SELECT min(seq) FROM audit_event WHERE plan_id = :p"), {"p": plan_id}).scalar()
    code, said = kpt_on(_url(engine), "audit", "replay", "--check")
    assert code == 1 and "[registro_danado]" in said
    assert f"El evento {later} " in said and plan_id in said and "plan_created" in said and "kpt audit verify" in said


def test_the_server_answers_a_read_only_database_with_503_in_spanish(engine, tmp_path):
    with UnitOfWork(engine, write=True) as uow:
        _, token = create_user(uow.session, username="ana", role="planeacion", entity_code="05001")
        uow.commit()
    app = create_app(Settings(database_url=_read_only(engine), data_dir=tmp_path / "data"))
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.post("/api/v1/plans", json={"entity_code": "05001", "period": 2024},
                             headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 503, answer.text
    body = answer.json()
    assert body["code"] == "base_solo_lectura" and "solo lectura" in body["detail"] and body["hint"]
    assert "cause" not in body  # the driver's text may name files and hosts: it goes to the log
    assert _plans(engine) == 0
