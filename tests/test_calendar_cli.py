"""`kpt calendar …` and `kpt alerts …` on either database: links created, listed and revoked as a
user; the outbox filled once however often the command runs; refusals in Spanish, exit code 1."""

import json
from pathlib import Path

from icalendar import Calendar


def test_calendar_links_are_created_listed_and_revoked_as_a_user(engine, kpt_on, new_plan):
    url = engine.url.render_as_string(hide_password=False)
    plan_id = new_plan()
    assert kpt_on(url, "user", "create", "ana", "--rol", "planeacion", "--entidad", "05001")[0] == 0
    code, said = kpt_on(url, "calendar", "token", "create", "--plan", plan_id)
    assert code == 1 and "pertenece a un usuario" in said and "Traceback" not in said
    code, said = kpt_on(url, "calendar", "token", "create", "--plan", "11001-2024", "--as", "ana")
    assert code == 1 and "No existe el plan" in said
    code, said = kpt_on(url, "calendar", "token", "create", "--plan", plan_id, "--as", "ana", "--url-base",
                        "https://kpt.example.gov.co", "--json")
    created = json.loads(said)
    assert code == 0 and created["url"] == (f"https://kpt.example.gov.co/api/v1/plans/{plan_id}/calendar.ics"
                                            f"?token={created['token']}")
    code, said = kpt_on(url, "calendar", "token", "list", "--as", "ana")
    assert code == 0 and f"{created['id']}  ana  calendario del plan {plan_id}" in said and "vigente" in said
    code, said = kpt_on(url, "calendar", "token", "revoke", created["id"], "--as", "ana")
    assert code == 0 and "revocado" in said
    [listed] = json.loads(kpt_on(url, "calendar", "token", "list", "--json")[1])
    assert listed["active"] is False and "token" not in listed


def test_the_calendar_file_is_written_for_a_plan(engine, kpt_on, new_plan, tmp_path: Path):
    url = engine.url.render_as_string(hide_password=False)
    plan_id = new_plan()
    out = tmp_path / "plazos.ics"
    code, said = kpt_on(url, "calendar", "ics", "--plan", plan_id, "--hoy", "2024-02-01", "--out", str(out))
    assert code == 0 and "plazos" in said
    uids = {str(e["UID"]) for e in Calendar.from_ical(out.read_bytes()).walk("VEVENT")}
    assert f"{plan_id}.radicacion_ctp@kpt-workflow" in uids


def test_alerts_are_queued_once_as_of_the_day_given(engine, kpt_on, new_plan):
    url = engine.url.render_as_string(hide_password=False)
    plan_id = new_plan()
    kpt_on(url, "user", "create", "ana", "--rol", "planeacion", "--entidad", "05001", "--correo", "ana@medellin.gov.co")
    code, said = kpt_on(url, "alerts", "queue", "--hoy", "2024-02-22")
    assert code == 0 and "1 correo nuevo en la bandeja de salida" in said
    code, said = kpt_on(url, "alerts", "queue", "--hoy", "2024-02-22", "--json")
    assert code == 0 and (json.loads(said)["queued"], json.loads(said)["already_queued"]) == (0, 1)
    code, said = kpt_on(url, "alerts", "outbox", "--json")
    [row] = json.loads(said)
    assert (row["to_address"], row["plan_id"], row["deadline_date"]) == ("ana@medellin.gov.co", plan_id, "2024-02-29")
    code, said = kpt_on(url, "alerts", "list", "--hoy", "2024-02-22", "--as", "ana")
    assert code == 0 and "Próximo a vencer: Radicar el proyecto ante el Consejo Territorial" in said
    assert "vence el jueves 29 de febrero de 2024" in said


def test_the_alert_lead_is_configurable(engine, kpt_on, new_plan):
    url = engine.url.render_as_string(hide_password=False)
    new_plan()
    assert json.loads(kpt_on(url, "alerts", "list", "--hoy", "2024-02-15", "--json")[1])["alerts"] == []
    lead = json.loads(kpt_on(url, "alerts", "list", "--hoy", "2024-02-15", "--json", KPT_ALERT_WORKING_DAYS="10")[1])
    assert [a["deadline"] for a in lead["alerts"]] == ["radicacion_ctp"] and lead["working_days"] == 10
    assert len(json.loads(kpt_on(url, "alerts", "list", "--hoy", "2024-02-15", "--dias-habiles", "10", "--json")[1])[
        "alerts"]) == 1


def test_a_user_without_the_role_cannot_fill_the_outbox(engine, kpt_on, new_plan):
    url = engine.url.render_as_string(hide_password=False)
    kpt_on(url, "user", "create", "ana", "--rol", "planeacion", "--entidad", "05001")
    code, said = kpt_on(url, "alerts", "queue", "--hoy", "2024-02-22", "--as", "ana")
    assert code == 1 and "no puede encolar avisos" in said


def test_a_bad_mail_address_is_refused_in_spanish(engine, kpt_on):
    url = engine.url.render_as_string(hide_password=False)
    code, said = kpt_on(url, "user", "create", "ana", "--rol", "planeacion", "--entidad", "05001", "--correo", "ana")
    assert code == 1 and "Correo inválido" in said
