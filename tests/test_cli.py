"""The `kpt` command as a planning office meets it: JSON everywhere, Spanish refusals, no tracebacks."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kpt_workflow.services.sample import PDF

from in_process import run_kpt

STATUS_KEYS = {"id", "entity", "period", "state", "version", "definition", "next", "deadlines"}


@pytest.fixture
def kpt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], _sqlite_template: Path):
    """Run `kpt ARGS…` in-process on a fresh database; returns (exit code, stdout, stderr)."""
    shutil.copy(_sqlite_template, tmp_path / "kpt.db")
    monkeypatch.setenv("KPT_DATABASE_URL", f"sqlite:///{tmp_path / 'kpt.db'}")
    monkeypatch.setenv("KPT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str, str]:
        code, out, err = run_kpt(capsys, args)
        return code, out, err

    return run


def test_status_json_has_the_agreed_shape(kpt):
    code, out, _ = kpt("plan", "create", "05001", "--period", "2024", "--json")
    plan_id = json.loads(out)["id"]
    code, out, _ = kpt("plan", "status", plan_id, "--hoy", "2024-02-01", "--json")
    status = json.loads(out)
    assert code == 0 and STATUS_KEYS <= set(status)
    assert set(status["entity"]) >= {"code", "name", "kind"}
    assert set(status["next"][0]) >= {"trigger", "to", "allowed", "checklist"}
    assert set(status["next"][0]["checklist"][0]) >= {"rule", "passed", "message", "remedy", "basis"}
    deadline = next(d for d in status["deadlines"] if d["code"] == "radicacion_ctp")
    assert (deadline["date"], deadline["days_left"], deadline["late"]) == ("2024-02-29", 28, False)
    assert set(deadline) >= {"code", "label", "date", "days_left", "late", "basis", "reading"}


def test_refused_advance_exits_non_zero_with_the_failing_rules(kpt):
    kpt("plan", "create", "05001", "--period", "2024")
    kpt("user", "create", "ana", "--rol", "planeacion", "--entidad", "05001")
    code, out, err = kpt("plan", "advance", "05001-2024", "iniciar_construccion", "--as", "ana", "--fecha", "2024-01-20",
                         "--json")
    assert code == 1
    refusal = json.loads(out)
    assert refusal["code"] == "guard_failed"
    assert [c["rule"] for c in refusal["checklist"] if not c["passed"]][0] == "empalme_cerrado"
    assert "Rechazado" in err and "Empalme cerrado (los 10 formatos)" in err and "empalme_cerrado" not in err
    code, out, _ = kpt("audit", "log", "05001-2024", "--json")
    assert [e["event_type"] for e in json.loads(out)] == ["plan_created", "transition_blocked"]
    assert json.loads(out)[1]["actor"] == "ana"
    code, out, _ = kpt("audit", "log", "05001-2024")  # plain: the history as its page reads it
    assert "Plan creado en «Alistamiento»" in out and "Intento rechazado: «Iniciar la construcción articulada»" in out
    assert not any(code in out for code in ("transition_blocked", "plan_created", "+00:00"))


def test_as_names_an_existing_user_whose_role_and_entity_the_service_checks(kpt):
    """--as is not a free-form name: an unknown user is refused, and a known one may take only the
    steps its role is declared for, on its own entity's plans; nothing is written by a refusal."""
    kpt("plan", "create", "05001", "--period", "2024")
    kpt("user", "create", "concejo-medellin", "--rol", "corporacion", "--entidad", "05001")
    kpt("user", "create", "ana-bogota", "--rol", "planeacion", "--entidad", "11001")
    kpt("user", "create", "observador", "--rol", "dnp")
    refusals = {
        ("nadie", "iniciar_construccion"): "not_found",
        ("concejo-medellin", "iniciar_construccion"): "forbidden",  # the office's step
        ("observador", "iniciar_construccion"): "forbidden",  # the DNP reads, never acts
        ("ana-bogota", "iniciar_construccion"): "not_found",  # another entity's plan does not exist for it
    }
    for (who, trigger), expected in refusals.items():
        code, out, err = kpt("plan", "advance", "05001-2024", trigger, "--as", who, "--fecha", "2024-01-20", "--json")
        assert (code, json.loads(out)["code"]) == (1, expected), (who, trigger, out)
        assert err.startswith("Error [") and "Traceback" not in err
    code, out, _ = kpt("doc", "justify", "05001-2024", "formato_empalme_01", "--motivo", "No lo entregaron",
                       "--as", "concejo-medellin", "--json")
    assert (code, json.loads(out)["code"]) == (1, "forbidden")
    code, out, _ = kpt("plan", "create", "05001", "--period", "2028", "--as", "concejo-medellin", "--json")
    assert (code, json.loads(out)["code"]) == (1, "forbidden")
    code, out, _ = kpt("audit", "log", "05001-2024", "--json")
    assert [e["event_type"] for e in json.loads(out)] == ["plan_created"]
    code, out, _ = kpt("audit", "security", "--json")
    assert [(e["kind"], e["username"]) for e in json.loads(out)] == [
        ("change_forbidden", "concejo-medellin"), ("change_forbidden", "observador"),
        ("change_forbidden", "concejo-medellin"), ("change_forbidden", "concejo-medellin")]
    code, out, _ = kpt("audit", "security", "--usuario", "observador")
    assert "Cambio denegado (el rol no puede hacerlo): observador — 05001-2024: Su rol (DNP) no puede tomar el paso «Iniciar la construcción articulada»" in out


def test_dated_filing_and_justified_absence(kpt, pdf):
    kpt("plan", "create", "05001", "--period", "2024")
    code, out, _ = kpt("doc", "file", "05001-2024", "radicado_ctp", str(pdf), "--fecha", "2024-02-15",
                       "--numero", "CTP-1", "--json")
    assert code == 0 and json.loads(out)["legal_date"] == "2024-02-15"
    code, out, _ = kpt("plan", "status", "05001-2024", "--hoy", "2024-02-20", "--json")
    ctp = next(d for d in json.loads(out)["deadlines"] if d["code"] == "concepto_ctp")
    assert ctp["date"] == "2024-03-15"
    code, _, err = kpt("doc", "justify", "05001-2024", "formato_empalme_03", "--motivo", "No entregado")
    assert code == 0
    code, _, err = kpt("doc", "justify", "05001-2024", "diagnostico", "--motivo", "x")
    assert code == 1 and "no admite ausencia justificada" in err


@pytest.mark.parametrize("args, message", [
    (("doc", "file", "05001-2024", "radicado_ctp", "PDF", "--fecha", "2099-01-01"), "posterior a hoy"),
    (("doc", "file", "05001-2024", "radicado_ctp", "PDF", "--fecha", "15/02/2024"), "AAAA-MM-DD"),
    (("doc", "file", "05001-2024", "no_existe", "PDF"), "Tipo de documento desconocido"),
    (("doc", "file", "05001-2024", "radicado_ctp", "no-such-file.pdf"), "No se encuentra el archivo"),
    (("plan", "create", "91405", "--period", "2024"), "AMAZONAS"),
    (("plan", "create", "05001", "--period", "dos mil"), "no es un número entero"),
    (("plan", "create", "05001", "--period", "2024²"), "solo con dígitos (0-9)"),
    (("plan", "advance", "05001-2024", "iniciar_construccion", "--version", "9" * 40), "debe estar entre 0 y"),
    (("plan", "status", "00000-2024"), "No existe el plan"),
    (("plan", "advance", "05001-2024", "volar"), "no existe desde el estado"),
    (("plan", "create"), "Falta el parámetro"),
    (("plan", "volar"), "Comando desconocido"),
    (("plan", "create", "05001", "--anio", "2024"), "Opción desconocida"),
], ids=["future-date", "bad-date", "unknown-doc-type", "missing-file", "anm", "bad-period", "superscript-period",
        "version-beyond-the-column", "unknown-plan",
        "unknown-step", "missing-arg", "unknown-command", "unknown-option"])
def test_bad_input_gets_a_spanish_message_and_non_zero_exit(kpt, pdf, args, message):
    kpt("plan", "create", "05001", "--period", "2024")
    code, _, err = kpt(*[str(pdf) if a == "PDF" else a for a in args])
    assert code != 0 and message in err


def test_verify_exits_non_zero_on_a_tampered_log(kpt, tmp_path):
    kpt("plan", "create", "05001", "--period", "2024")
    kpt("plan", "create", "11001", "--period", "2024")
    with sqlite3.connect(tmp_path / "kpt.db") as conn:
        conn.execute("DELETE FROM audit_event WHERE seq = 1")
    code, out, err = kpt("audit", "verify", "--json")
    assert code == 1 and json.loads(out)["first_bad_seq"] == 2


def test_audit_commands_and_diagram(kpt):
    kpt("plan", "create", "05001", "--period", "2024")
    assert kpt("audit", "verify")[0] == 0
    code, out, _ = kpt("audit", "replay", "--check", "--json")
    assert code == 0 and json.loads(out) == {"ok": True, "differences": []}
    code, out, _ = kpt("diagram")
    assert "stateDiagram-v2" in out and "discusion_corporaciones --> adoptado_por_decreto: adoptar_por_decreto" in out
    assert "mes_corporacion_vencido" in out
    assert "negado --> adoptado_por_decreto: adoptar_por_decreto [decreto_tras_negativa" in out
    assert "class negado,adoptado_por_decreto side" in out  # side states drawn apart


def test_replay_check_exits_non_zero_when_the_refusal_counts_were_edited(kpt, tmp_path):
    kpt("plan", "create", "05001", "--period", "2024")
    code, _, _ = kpt("plan", "advance", "05001-2024", "iniciar_construccion", "--fecha", "2024-01-20")
    assert code == 1 and kpt("audit", "replay", "--check")[0] == 0
    with sqlite3.connect(tmp_path / "kpt.db") as conn:
        conn.execute("UPDATE blocked_rule_day SET attempts = 5 WHERE rule = 'empalme_cerrado'")
    code, out, _ = kpt("audit", "replay", "--check", "--json")
    found = json.loads(out)
    assert code == 1 and not found["ok"]
    assert found["differences"] == ["intentos rechazados del plan 05001-2024 por empalme_cerrado el 2024-01-20: "
                                    "attempts es 5 en la tabla y 1 en los eventos (evento 2)"]


def test_commands_work_in_fresh_processes(tmp_path):
    """Each command as its own process, like a user's shell (no state left by other tests)."""
    env = {**os.environ, "KPT_DATABASE_URL": f"sqlite:///{tmp_path / 'kpt.db'}", "KPT_DATA_DIR": str(tmp_path / "data")}

    def kpt(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", "from cli import main; main()", *args],
                              env=env, capture_output=True, text=True, timeout=120)

    assert kpt("init").returncode == 0
    assert kpt("plan", "create", "05001", "--period", "2024").stdout.strip() == "05001-2024"
    refused = kpt("plan", "advance", "05001-2024", "iniciar_construccion", "--fecha", "2024-01-20")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    for command in (("audit", "verify"), ("audit", "replay", "--check"), ("plan", "status", "05001-2024", "--json")):
        result = kpt(*command)
        assert result.returncode == 0, result.stderr


def test_a_signed_checkpoint_catches_a_truncated_tail(kpt, tmp_path):
    kpt("plan", "create", "05001", "--period", "2024")
    kpt("plan", "create", "11001", "--period", "2024")
    assert kpt("audit", "keygen", "--out", str(tmp_path / "llaves"))[0] == 0
    code, out, _ = kpt("audit", "checkpoint", "--key", str(tmp_path / "llaves" / "kpt-checkpoint.key"), "--json")
    signed = tmp_path / "punto.json"
    signed.write_text(out, encoding="utf-8")
    check = ("audit", "verify", "--checkpoint", str(signed), "--public-key", str(tmp_path / "llaves" / "kpt-checkpoint.pub"))
    assert kpt(*check)[0] == 0
    kpt("plan", "create", "76001", "--period", "2024")
    assert kpt(*check)[0] == 0  # the log extends what was signed
    with sqlite3.connect(tmp_path / "kpt.db") as conn:
        conn.execute("DELETE FROM audit_event WHERE seq >= 2")  # truncation: the plain chain still verifies
    assert kpt("audit", "verify", "--sin-proyecciones")[0] == 0
    # The tables still hold the plans whose events went: only the projections and the checkpoint see it.
    code, out_now, _ = kpt("audit", "verify")
    assert code == 1 and "Tablas DISTINTAS" in out_now
    code, _, err = kpt(*check)
    assert code == 1 and "se truncó" in err + _
    forged = json.loads(out) | {"size": 1}
    signed.write_text(json.dumps(forged), encoding="utf-8")
    code, out2, _ = kpt(*check, "--json")
    assert code == 1 and "firma" in json.loads(out2)["checkpoint_problem"]


def test_demo_refuses_a_database_that_has_plans(kpt):
    kpt("plan", "create", "05001", "--period", "2024")
    code, _, err = kpt("demo")
    assert code == 1 and "ya tiene planes" in err


def test_report_prints_the_bottlenecks_and_their_json(kpt):
    for code in ("05001", "05021", "08001"):
        kpt("plan", "create", code, "--period", "2024", "--fecha", "2024-01-02")
    code, out, _ = kpt("report", "--hoy", "2024-03-15", "--json")
    report = json.loads(out)
    assert code == 0 and report["plans"] == 3 and report["synthetic"] is False
    assert [(g["code"], g["plans"]) for g in report["by_department"]] == [("05", 2), ("08", 1)]
    late = {d["code"]: d["late_plans"] for d in report["past_deadlines"]}
    assert late["radicacion_ctp"] == 3  # none filed with the CTP by the end of February
    code, out, _ = kpt("report", "--departamento", "05", "--hoy", "2024-03-15")
    assert code == 0 and out.startswith("Cuellos de botella al 2024-03-15 — departamento 05: 2 planes de 126 entidades")
    assert "  ANTIOQUIA (05): 2 — Alistamiento 2" in out and "SINTÉTICOS" not in out


def test_report_refuses_bad_filters_in_spanish(kpt):
    code, _, err = kpt("report", "--hoy", "15/03/2024")
    assert code == 1 and "--hoy: fecha inválida '15/03/2024': use el formato AAAA-MM-DD" in err
    code, out, err = kpt("report", "--categoria", "7", "--json")
    assert code == 1 and json.loads(out)["code"] == "invalid_input" and "Categoría '7' inválida" in err


def test_an_investment_csv_with_an_exponent_is_refused_at_once(kpt, tmp_path):
    kpt("plan", "create", "05001", "--period", "2024")
    csv_file = tmp_path / "ppi.csv"
    csv_file.write_text("programa,anio,fuente,valor\n2201,2024,sgp,1e9999999\n", encoding="utf-8")
    code, _, err = kpt("investments", "set", "05001-2024", str(csv_file))
    assert code != 0 and "lineas[0].valor" in err and "sin exponente" in err


def _token_works(tmp_path: Path, token: str) -> bool:
    """Whether the API would let `token` in: the access read every request makes."""
    from kpt_workflow.services.accounts import actor_for_token
    from kpt_workflow.storage.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'kpt.db'}")
    try:
        with engine.connect() as conn:
            return actor_for_token(conn, token) is not None
    finally:
        engine.dispose()


def test_token_rotate_prints_a_new_token_once_and_the_old_one_stops_working(kpt, tmp_path):
    code, out, _ = kpt("user", "create", "ana", "--rol", "dnp", "--json")
    old = json.loads(out)["token"]
    kpt("user", "create", "soporte", "--rol", "admin")
    code, out, _ = kpt("user", "token", "rotate", "ana", "--as", "soporte", "--json")
    new = json.loads(out)["token"]
    assert code == 0 and new != old
    assert _token_works(tmp_path, new) and not _token_works(tmp_path, old)
    code, out, _ = kpt("user", "token", "rotate", "ana")
    assert code == 0 and "no se vuelve a mostrar" in out and new not in out
    assert not _token_works(tmp_path, new)


def test_deactivate_refuses_the_users_token_and_is_in_the_security_log(kpt, tmp_path):
    _, out, _ = kpt("user", "create", "ana", "--rol", "dnp", "--json")
    token = json.loads(out)["token"]
    assert kpt("user", "deactivate", "ana", "--as", "ana")[0] == 1  # a DNP user manages no users
    kpt("user", "create", "soporte", "--rol", "admin")
    code, out, _ = kpt("user", "deactivate", "ana", "--as", "soporte")
    assert code == 0 and "desactivado" in out
    assert not _token_works(tmp_path, token)
    code, out, _ = kpt("audit", "security", "--json")
    assert code == 0 and [(e["kind"], e["username"], e["actor"]) for e in json.loads(out)] == [
        ("user_deactivated", "ana", "soporte")]
    code, out, _ = kpt("audit", "security")
    assert "Usuario desactivado: ana por soporte" in out


def test_user_commands_refuse_an_unknown_user_in_spanish(kpt):
    for args in (("user", "deactivate", "nadie"), ("user", "token", "rotate", "nadie")):
        code, _, err = kpt(*args)
        assert code != 0 and "No existe el usuario 'nadie'" in err


def test_security_log_prints_times_in_colombia(kpt, tmp_path):
    from datetime import datetime, timezone

    from kpt_workflow.audit import security_log
    from kpt_workflow.storage.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'kpt.db'}")
    with engine.begin() as conn:
        security_log.record(conn, "login_failed", "ana", client_address="10.0.0.7",
                            at=datetime(2026, 12, 6, 3, 15, tzinfo=timezone.utc))
    engine.dispose()
    code, out, _ = kpt("audit", "security", "--usuario", "ana")
    assert code == 0 and out.strip() == "2026-12-05 22:15:00  Ingreso fallido: ana desde 10.0.0.7"
    assert kpt("audit", "security", "--usuario", "otro")[1].strip() == "Sin eventos de seguridad."


@pytest.mark.parametrize("command", [[], ["plan"], ["plan", "create"], ["user", "create"], ["report"]])
def test_help_is_in_spanish_typers_own_words_too(kpt_on, engine, command):
    code, said = kpt_on(engine.url.render_as_string(hide_password=False), *command, "--help")
    assert code == 0 and "Uso: kpt" in said and "Muestra esta ayuda y termina." in said
    assert "Opciones" in said and not any(word in said for word in ("Show this message", "Usage:", "[required]",
                                                                      "╭─ Options", "╭─ Commands", "╭─ Arguments"))


def test_filing_speaks_of_documents_and_terms_by_their_labels(kpt_on, engine, tmp_path):
    url = engine.url.render_as_string(hide_password=False)
    pdf = tmp_path / "radicado.pdf"
    pdf.write_bytes(PDF)
    assert kpt_on(url, "plan", "create", "05001", "--period", "2024")[0] == 0
    code, said = kpt_on(url, "doc", "file", "05001-2024", "radicado_ctp", str(pdf), "--fecha", "2024-03-05")
    assert code == 0 and "«Radicado del proyecto ante el Consejo Territorial de Planeación" in said
    assert "Radicado TARDE: el plazo «" in said and "radicado_ctp" not in said.replace("05001-2024", "")
    code, said = kpt_on(url, "doc", "file", "05001-2024", "radicado_ctp", str(pdf), "--fecha", "2099-01-01")
    assert code == 1 and "La fecha legal de «Radicado del proyecto" in said and "'radicado_ctp'" not in said
