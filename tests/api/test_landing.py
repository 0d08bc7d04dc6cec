"""Each user lands where their question is answered (#25, points 3 and 4)."""

from kpt_workflow.law import calendar


def test_each_role_lands_on_its_own_question(page_of):
    period = calendar.period_containing(calendar.today_in_colombia())
    landings = {role: page_of(f"u-{role}", role).get("/", follow_redirects=False).headers["location"]
                for role in ("planeacion", "corporacion", "departamento", "dnp")}
    assert landings == {"planeacion": f"/planes/05001-{period}", "corporacion": f"/planes/05001-{period}/informe",
                        "departamento": "/tablero", "dnp": "/tablero"}
