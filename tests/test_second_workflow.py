"""A second workflow, declared by dropping a YAML file into KPT_DEFINITIONS_DIR, is listed, drawn,
created beside the entity's PDT for the same period and driven to its end through the CLI, with its
audit trail verified and replayed; the reports keep counting PDTs only. On SQLite and PostgreSQL."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine


PLAN = "05001-2024-tramite_corto"


@pytest.fixture
def kpt(engine: Engine, kpt_on, second_workflow: Path) -> Callable[..., tuple[int, str]]:  # type: ignore[no-untyped-def]
    """`kpt ARGS…` on the test database, with the second workflow's folder as KPT_DEFINITIONS_DIR."""
    url = engine.url.render_as_string(hide_password=False)
    return lambda *args: kpt_on(url, *args, KPT_DEFINITIONS_DIR=str(second_workflow))


def test_kpt_workflows_lists_each_workflow_with_its_version_and_states(kpt):
    code, out = kpt("workflows", "--json")
    assert code == 0
    listed = {w["name"]: w for w in json.loads(out)}
    assert list(listed) == ["pdt", "tramite_corto"]  # the default first
    assert listed["pdt"]["default"] and not listed["tramite_corto"]["default"]
    assert listed["tramite_corto"]["version"] == 1 and listed["tramite_corto"]["file"] == "tramite_corto.yaml"
    assert [s["name"] for s in listed["tramite_corto"]["states"]] == ["borrador", "en_revision", "cerrado"]
    code, out = kpt("workflows")
    assert code == 0 and "tramite_corto v1 — Trámite corto de prueba" in out
    assert "estados: Borrador → En revisión → Cerrado" in out  # labels, not codes


def test_kpt_diagram_draws_the_workflow_named_and_refuses_an_unknown_one(kpt):
    code, out = kpt("diagram", "--flujo", "tramite_corto")
    assert code == 0 and "borrador --> en_revision: enviar_a_revision [documento_programa_gobierno]" in out
    code, out = kpt("diagram", "--flujo", "inventado")
    assert code == 1 and "No hay un flujo llamado 'inventado'; los que hay: pdt, tramite_corto." in out


def test_a_second_workflows_plan_is_created_beside_the_pdt_and_driven_to_its_end(kpt, pdf):
    assert kpt("plan", "create", "05001", "--period", "2024") == (0, "05001-2024\n")
    assert kpt("plan", "create", "05001", "--period", "2024", "--flujo", "tramite_corto") == (0, f"{PLAN}\n")
    code, out = kpt("plan", "create", "05001", "--period", "2024", "--flujo", "tramite_corto")
    assert code == 1 and f"ya tiene un plan del flujo 'tramite_corto' para el período 2024: {PLAN}" in out
    code, out = kpt("plan", "create", "05001", "--period", "2024", "--flujo", "inventado", "--json")
    assert code == 1 and '"code": "invalid_input"' in out and '"field": "flujo"' in out

    status = json.loads(kpt("plan", "status", PLAN, "--json")[1])
    assert (status["state"], status["definition"]) == ("borrador", {"name": "tramite_corto", "version": 1, "title": "Trámite corto de prueba"})
    assert [(s["trigger"], s["allowed"]) for s in status["next"]] == [("enviar_a_revision", False)]
    code, out = kpt("plan", "advance", PLAN, "enviar_a_revision", "--fecha", "2024-01-20")
    assert code == 1 and "Documento: Programa de gobierno inscrito" in out
    assert kpt("doc", "file", PLAN, "programa_gobierno", str(pdf), "--fecha", "2024-01-15")[0] == 0
    code, out = kpt("plan", "advance", PLAN, "enviar_a_revision", "--fecha", "2024-01-20")
    assert code == 0 and "El plan pasó de «Borrador» a «En revisión»" in out  # labels, not codes
    assert kpt("doc", "file", PLAN, "acta_informe_gestion", str(pdf), "--fecha", "2024-01-25")[0] == 0
    assert kpt("plan", "advance", PLAN, "cerrar", "--fecha", "2024-02-01")[0] == 0
    status = json.loads(kpt("plan", "status", PLAN, "--json")[1])
    assert (status["state"], status["state_label"], status["terminal"]) == ("cerrado", "Cerrado", True)

    history = json.loads(kpt("audit", "log", PLAN, "--json")[1])
    assert [e["event_type"] for e in history] == ["plan_created", "transition_blocked", "document_filed",
                                                  "transition_applied", "document_filed", "transition_applied"]
    assert kpt("audit", "verify")[0] == 0
    code, out = kpt("audit", "replay", "--check", "--json")
    assert code == 0 and json.loads(out) == {"ok": True, "differences": []}
    listed = {row["id"]: row for row in json.loads(kpt("plan", "list", "--json")[1])}
    assert (listed[PLAN]["workflow"], listed[PLAN]["state_label"]) == ("tramite_corto", "Cerrado")
    assert listed["05001-2024"]["workflow"] == "pdt"


def test_the_report_counts_one_workflows_plans_the_pdts_unless_another_is_named(kpt):
    kpt("plan", "create", "05001", "--period", "2024")
    kpt("plan", "create", "05001", "--period", "2024", "--flujo", "tramite_corto")
    kpt("plan", "create", "08001", "--period", "2024", "--flujo", "tramite_corto")
    pdts = json.loads(kpt("report", "--hoy", "2024-03-01", "--json")[1])
    assert pdts["filters"]["workflow"] == "pdt" and pdts["plans"] == 1
    assert [r["id"] for r in pdts["plan_rows"]] == ["05001-2024"]
    assert {s["state"]: s["count"] for s in pdts["plans_by_state"]}["alistamiento"] == 1
    short = json.loads(kpt("report", "--hoy", "2024-03-01", "--flujo", "tramite_corto", "--json")[1])
    assert short["plans"] == 2 and [r["id"] for r in short["plan_rows"]] == [PLAN, "08001-2024-tramite_corto"]
    assert [(s["state"], s["count"]) for s in short["plans_by_state"]] == [("borrador", 2), ("en_revision", 0),
                                                                          ("cerrado", 0)]
    assert short["past_deadlines"] == [] and [s["state"] for s in short["dwell_by_state"]] == ["borrador",
                                                                                              "en_revision"]
    code, out = kpt("report", "--flujo", "inventado")
    assert code == 1 and "los que hay: pdt, tramite_corto" in out
