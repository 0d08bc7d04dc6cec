"""The calendar feeds over HTTP: with the API's credentials, or with a feed's own revocable token in
the URL (a calendar app sends no header), never reaching what the token's owner may not see."""

from datetime import date
from urllib.parse import parse_qsl, urlsplit

from icalendar import Calendar

from kpt_workflow.services.accounts import deactivate_user
from kpt_workflow.services.access import operator
from kpt_workflow.storage.unit_of_work import UnitOfWork

API = "/api/v1"


def subscribe(client, headers, **feed: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    created = client.post(f"{API}/calendar-tokens", headers=headers, json=feed)
    assert created.status_code == 201, created.text
    return created.json()


def follow(client, url: str, **params: str):  # type: ignore[no-untyped-def]
    """GET a link the API handed out, as a calendar app does (no header), with more query `params`."""
    parts = urlsplit(url)
    return client.get(parts.path, params={**dict(parse_qsl(parts.query)), **params})


def test_a_calendar_app_reads_the_feed_by_its_link_alone(client, as_user, new_plan):
    plan_id = new_plan()
    link = subscribe(client, as_user("planeacion"), plan_id=plan_id)
    assert link["url"].endswith(f"{API}/plans/{plan_id}/calendar.ics?token={link['token']}")
    read = follow(client, link["url"], hoy="2024-02-01")  # no Authorization header
    assert read.status_code == 200 and read.headers["content-type"].startswith("text/calendar")
    assert read.headers["cache-control"] == "private, no-store"
    events = Calendar.from_ical(read.content).walk("VEVENT")
    assert {str(e["UID"]) for e in events} >= {f"{plan_id}.radicacion_ctp@kpt-workflow"}


def test_a_revoked_link_opens_nothing_and_stays_listed(client, as_user, new_plan):
    plan_id = new_plan()
    office = as_user("planeacion")
    link = subscribe(client, office, plan_id=plan_id)
    revoked = client.post(f"{API}/calendar-tokens/{link['id']}/revoke", headers=office)
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    refused = follow(client, link["url"])
    assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"
    [listed] = client.get(f"{API}/calendar-tokens", headers=office).json()
    assert (listed["id"], listed["active"], listed["revoked"] is not None) == (link["id"], False, True)
    assert "token" not in listed and "token_hash" not in listed


def test_a_link_opens_only_its_own_feed(client, as_user, new_plan):
    plan_id, other = new_plan("05001", 2024), new_plan("05001", 2028)
    link = subscribe(client, as_user("planeacion"), plan_id=plan_id)
    assert client.get(f"{API}/plans/{other}/calendar.ics", params={"token": link["token"]}).status_code == 401
    assert client.get(f"{API}/entities/05001/calendar.ics", params={"token": link["token"]}).status_code == 401
    assert client.get(f"{API}/plans/{plan_id}/calendar.ics", params={"token": "x" + link["token"]}).status_code == 401


def test_a_foreign_plan_is_not_reachable(client, as_user, new_plan):
    plan_id = new_plan("05001")
    foreign = as_user("planeacion", "foreign")  # Bogotá's office
    assert client.post(f"{API}/calendar-tokens", headers=foreign, json={"plan_id": plan_id}).status_code == 404
    assert client.post(f"{API}/calendar-tokens", headers=foreign, json={"entity_code": "05001"}).status_code == 404
    assert client.get(f"{API}/plans/{plan_id}/calendar.ics", headers=foreign).status_code == 404
    assert client.get(f"{API}/entities/05001/calendar.ics", headers=foreign).status_code == 404
    assert client.get(f"{API}/plans/{plan_id}/calendar.ics").status_code == 401  # nothing presented


def test_an_entity_link_follows_every_plan_of_the_entity(client, as_user, new_plan):
    plans = {new_plan("05001", 2024), new_plan("05001", 2028)}
    link = subscribe(client, as_user("corporacion"), entity_code="05001")
    read = follow(client, link["url"], hoy="2024-01-15")
    assert read.status_code == 200
    assert {str(e["UID"]).split(".")[0] for e in Calendar.from_ical(read.content).walk("VEVENT")} == plans


def test_a_deactivated_owners_links_open_nothing(client, as_user, new_plan, engine):
    plan_id = new_plan()
    link = subscribe(client, as_user("planeacion"), plan_id=plan_id)
    with UnitOfWork(engine, write=True) as uow:
        deactivate_user(uow.connection, "planeacion-own", actor=operator("test"))
        uow.commit()
    assert follow(client, link["url"]).status_code == 401


def test_only_the_owner_or_the_administration_revokes_a_link(client, as_user, new_plan):
    link = subscribe(client, as_user("planeacion"), plan_id=new_plan())
    assert client.post(f"{API}/calendar-tokens/{link['id']}/revoke", headers=as_user("dnp")).status_code == 404
    assert client.get(f"{API}/calendar-tokens", headers=as_user("dnp")).json() == []
    assert client.post(f"{API}/calendar-tokens/{link['id']}/revoke", headers=as_user("admin")).status_code == 200


def test_the_feed_changes_after_an_act_is_filed_over_the_api(client, as_user, new_plan, pdf):
    plan_id = new_plan()
    office = as_user("planeacion")
    link = subscribe(client, office, plan_id=plan_id)

    def codes() -> set[str]:
        read = follow(client, link["url"], hoy=date(2024, 3, 1).isoformat())
        return {str(e["UID"]).split(".")[1].split("@")[0] for e in Calendar.from_ical(read.content).walk("VEVENT")}

    assert "concepto_ctp" not in codes()
    filed = client.post(f"{API}/plans/{plan_id}/documents", headers=office,
                        data={"doc_type": "radicado_ctp", "fecha": "2024-02-27", "numero": "CTP-2024-001"},
                        files={"file": ("radicado.pdf", pdf.read_bytes(), "application/pdf")})
    assert filed.status_code == 201, filed.text
    assert "concepto_ctp" in codes()


def test_alerts_are_listed_for_the_user(client, as_user, new_plan):
    plan_id = new_plan()
    shown = client.get(f"{API}/alerts", headers=as_user("planeacion"), params={"hoy": "2024-02-22"}).json()
    assert [(a["plan_id"], a["deadline"], a["kind"]) for a in shown["alerts"]] == [(plan_id, "radicacion_ctp", "aviso")]
    assert client.get(f"{API}/alerts", headers=as_user("planeacion", "foreign"),
                      params={"hoy": "2024-02-22"}).json()["alerts"] == []
