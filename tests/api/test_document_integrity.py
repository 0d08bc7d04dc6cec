"""A download proves its file first: an altered blob is refused with 409 documento_alterado, a
missing one with 410 documento_ausente (never a 5xx, never the altered bytes), each recorded in the
security log without touching the plan's version; filing the same bytes again repairs it."""

import pytest
from sqlalchemy import Engine

from kpt_workflow.audit import security_log
from kpt_workflow.storage.repository import plan_record
from kpt_workflow.services.sample import PDF
from kpt_workflow.storage.unit_of_work import UnitOfWork

API = "/api/v1"
DOC_TYPE, LEGAL_DATE = "formato_empalme_01", "2023-12-15"


@pytest.fixture
def filed(client, as_user, new_plan) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    plan_id = new_plan("05001")
    answer = client.post(f"{API}/plans/{plan_id}/documents", headers=as_user("planeacion"),
                         data={"doc_type": DOC_TYPE, "fecha": LEGAL_DATE},
                         files={"file": ("acta.pdf", PDF, "application/pdf")})
    assert answer.status_code == 201 and answer.json()["blob_reparado"] is False
    return plan_id, answer.json()["sha256"]


def _content(plan_id: str) -> str:
    return f"{API}/plans/{plan_id}/documents/{DOC_TYPE}/versions/1/content"


def _refusals(engine: Engine) -> list[dict[str, object]]:
    with UnitOfWork(engine) as uow:
        return [e for e in security_log.recent(uow.connection) if e["kind"].startswith("documento_")]


def _version(engine: Engine, plan_id: str) -> int:
    with UnitOfWork(engine) as uow:
        return plan_record(uow.connection, plan_id).version


def test_an_intact_file_is_sent_whole(client, as_user, filed):
    answer = client.get(_content(filed[0]), headers=as_user("dnp"))
    assert answer.status_code == 200 and answer.content == PDF
    assert answer.headers["content-length"] == str(len(PDF))
    assert answer.headers["content-type"] == "application/pdf"


def test_an_altered_file_is_refused_with_409_and_recorded(client, as_user, filed, app, engine):
    plan_id, sha = filed
    path = app.state.runtime.blobs.path_for(sha)
    altered = PDF.replace(b"%%EOF", b"%%EOX")
    path.write_bytes(altered)
    version = _version(engine, plan_id)
    answer = client.get(_content(plan_id), headers=as_user("dnp"))
    assert answer.status_code == 409 and answer.json()["code"] == "documento_alterado"
    assert "alterado" in answer.json()["detail"] and altered not in answer.content
    [record] = _refusals(engine)
    assert (record["kind"], record["username"]) == ("documento_alterado", "dnp-own")
    assert plan_id in str(record["detail"]) and DOC_TYPE in str(record["detail"]) and sha in str(record["detail"])
    assert _version(engine, plan_id) == version  # a read bumps nothing


def test_a_missing_file_is_refused_with_410_and_recorded(client, as_user, filed, app, engine):
    plan_id, sha = filed
    app.state.runtime.blobs.path_for(sha).unlink()
    version = _version(engine, plan_id)
    answer = client.get(_content(plan_id), headers=as_user("planeacion"))
    assert answer.status_code == 410 and answer.json()["code"] == "documento_ausente"
    assert "no está en el almacén de documentos" in answer.json()["detail"]
    assert [r["kind"] for r in _refusals(engine)] == ["documento_ausente"]
    assert _version(engine, plan_id) == version


@pytest.mark.parametrize("damage", ["altered", "missing"])
def test_filing_the_same_bytes_again_repairs_the_download(client, as_user, filed, app, damage):
    plan_id, sha = filed
    path = app.state.runtime.blobs.path_for(sha)
    if damage == "altered":
        path.write_bytes(b"otra cosa")
    else:
        path.unlink()
    again = client.post(f"{API}/plans/{plan_id}/documents", headers=as_user("planeacion"),
                        data={"doc_type": DOC_TYPE, "fecha": LEGAL_DATE},
                        files={"file": ("acta.pdf", PDF, "application/pdf")})
    assert again.status_code == 201 and again.json()["blob_reparado"] is True
    answer = client.get(_content(plan_id), headers=as_user("dnp"))
    assert answer.status_code == 200 and answer.content == PDF
