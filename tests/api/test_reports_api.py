"""GET /api/v1/reports/bottlenecks: the dashboard's report as JSON, scoped to whoever asks."""

from kpt_workflow.law import calendar
API = "/api/v1/reports/bottlenecks"


def test_the_dnp_gets_the_country_or_the_department_it_asks_for(client, as_user, new_plan):
    for code in ("05", "05001", "25001"):
        new_plan(code)
    report = client.get(API, params={"as_of": "2024-03-01"}, headers=as_user("dnp")).json()
    assert report["filters"] == {"department_code": None, "category": None, "as_of": "2024-03-01", "workflow": "pdt",
                                 "period": 2024}
    assert (report["plans"], report["planning_entities"], report["synthetic"]) == (3, 1134, False)
    assert [(g["code"], g["plans"], g["by_state"]["alistamiento"]) for g in report["by_department"]] == \
        [("05", 2, 2), ("25", 1, 1)]
    assert sum(g["plans"] for g in report["by_category"]) == 3
    assert {d["code"]: d["late_plans"] for d in report["past_deadlines"]}["radicacion_ctp"] == 3
    antioquia = client.get(API, params={"department": "05", "as_of": "2024-03-01"}, headers=as_user("dnp")).json()
    assert [r["id"] for r in antioquia["plan_rows"]] == ["05-2024", "05001-2024"]


def test_a_department_gets_its_own_whatever_it_asks_and_an_office_is_refused(client, as_user, new_plan):
    for code in ("05001", "25001"):
        new_plan(code)
    for asked in ({}, {"department": "25"}):
        report = client.get(API, params={"as_of": "2024-03-01", **asked}, headers=as_user("departamento")).json()
        assert report["filters"]["department_code"] == "05" and [r["id"] for r in report["plan_rows"]] == \
            ["05001-2024"]
    refused = client.get(API, headers=as_user("planeacion"))
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_bad_filters_are_refused_with_their_field(client, as_user):
    category = client.get(API, params={"category": "7"}, headers=as_user("dnp"))
    assert category.status_code == 422 and category.json()["code"] == "invalid_input"
    assert "Categoría '7' inválida" in category.json()["detail"]
    for params in ({"department": "5"}, {"as_of": "2024-02-30"}):  # refused by the request's schema
        response = client.get(API, params=params, headers=as_user("dnp"))
        assert response.status_code == 422 and response.json()["code"] == "validation_error", params


def test_without_as_of_the_report_is_of_today_in_bogota(client, as_user, new_plan):
    new_plan("05001")
    report = client.get(API, headers=as_user("dnp")).json()
    assert report["filters"]["as_of"] == calendar.today_in_colombia().isoformat() and report["plans"] == 1


def test_a_period_that_starts_no_government_is_refused_in_spanish(client, as_user) -> None:  # type: ignore[no-untyped-def]
    answer = client.get(API, params={"period": "2025"}, headers=as_user("dnp"))
    assert answer.status_code == 422 and "Período 2025 inválido" in answer.json()["detail"], answer.json()
    assert client.get(API, params={"period": "2020"}, headers=as_user("dnp")).json()["filters"]["period"] == 2020
