"""Time travel: a past date shows the plan as it was, rebuilt from its history; a future date is
no past: the plan as it stands, judged on that day, labelled a projection (page, API, CLI)."""

API = "/api/v1"


def test_a_future_date_on_the_page_is_labelled_a_projection_not_the_past(office_page, plan_in_council):
    page = office_page.get(f"/planes/{plan_in_council}", params={"as_of": "2024-07-01", "hoy": "2024-05-12"}).text
    assert "Proyección al 1 de julio de 2024: el plan como está hoy" in page and "Así estaba" not in page
    assert "Plazos legales <span class=\"muted\">(contados al 01/07/2024)" in page
    assert 'name="trigger"' not in page  # nothing is done on a projection
    past = office_page.get(f"/planes/{plan_in_council}", params={"as_of": "2024-02-01", "hoy": "2024-05-12"}).text
    assert "Así estaba el plan el 1 de febrero de 2024, reconstruido de su historia." in past and "Proyección" not in past


def test_the_api_status_of_a_future_date_is_the_plan_as_it_stands_projected(client, as_user, plan_in_council):
    now = client.get(f"{API}/plans/{plan_in_council}", params={"hoy": "2024-05-12"}, headers=as_user("planeacion")).json()
    ahead = client.get(f"{API}/plans/{plan_in_council}", params={"hoy": "2024-05-12", "as_of": "2024-07-01"},
                       headers=as_user("planeacion")).json()
    assert ahead["projected_to"] == "2024-07-01" and ahead["as_of"] is None and now["projected_to"] is None
    assert (ahead["state"], ahead["version"]) == (now["state"], now["version"])
    days = {d["code"]: d["days_left"] for d in now["deadlines"] if d["days_left"] is not None}
    assert days and all(d["days_left"] == days[d["code"]] - 50 for d in ahead["deadlines"] if d["code"] in days)


def test_the_command_line_says_projection_too(kpt_on, engine, plan_in_council):
    code, said = kpt_on(engine.url.render_as_string(hide_password=False), "plan", "status", plan_in_council,
                        "--as-of", "2030-06-15")
    assert code == 0 and "Proyección al 15 de junio de 2030" in said

