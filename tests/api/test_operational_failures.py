"""A database that fails under a running server — here its SQLite file taken away — is answered
with 503 and the Spanish code and hint of kpt_workflow.storage.failures on the API, and with the error page
on the pages: never a 500 or a traceback."""

import os

import pytest


def test_a_database_gone_while_serving_is_a_503_in_spanish(engine, app, client, as_user, with_password, log_in):
    if engine.dialect.name != "sqlite":
        pytest.skip("a file taken away (PostgreSQL down: tests/test_failures.py)")
    with_password("ana", "dnp")
    assert log_in(client, "ana").status_code == 303
    headers = as_user("dnp")
    app.state.runtime.engine.dispose()  # every pooled connection closed: the next one opens the file
    path = engine.url.database
    for suffix in ("", "-wal", "-shm"):
        try:
            os.rename(path + suffix, path + suffix + ".aparte")
        except FileNotFoundError:
            pass
    answer = client.get("/api/v1/plans", headers=headers)
    assert answer.status_code == 503, answer.text
    assert answer.json()["code"] == "base_inaccesible" and answer.json()["hint"]
    page = client.get("/")
    assert page.status_code == 503 and "No se pudo abrir la base" in page.text and "Traceback" not in page.text
