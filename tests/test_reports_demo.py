"""The bottleneck report of the synthetic demo (60 entities) is a plain fold of its events, on any
day and under any filter, and agrees with each plan's status and projection."""

import json
import statistics
from collections import Counter, defaultdict
from datetime import date

import pytest
from sqlmodel import select

from kpt_workflow.reports.filters import ReportFilters
from kpt_workflow.reports.national import national_report
from kpt_workflow.services.access import operator
from kpt_workflow.services.demo import DEMO_END, run_demo
from kpt_workflow.services.views import status as plan_status
from kpt_workflow.storage.db import make_engine
from kpt_workflow.storage.recorder import EVENTS, PLAN
from kpt_workflow.storage.reference_data import latest_categories
from kpt_workflow.storage.tables import Entity, PlanProgram, PlanProgramInitiative
from kpt_workflow.storage.unit_of_work import UnitOfWork
from report_reading import ids, report_of, state_count

PROGRAMS, INITIATIVES = PlanProgram.__table__, PlanProgramInitiative.__table__
READER = operator("pruebas")  # the status view checks who reads; the local operator reads any plan


@pytest.fixture
def demo_country(engine, blobs, categories) -> list[str]:  # type: ignore[no-untyped-def]
    """The synthetic demo for 60 entities: Antioquia and its first municipalities, and a spread of the rest."""
    with UnitOfWork(engine) as uow:
        codes = list(uow.session.exec(select(Entity.code).where(Entity.plans_own_pdt).order_by(Entity.code)))
    antioquia = [c for c in codes if c[:2] == "05"][:12]
    others = [c for c in codes if c[:2] != "05"]
    sample = antioquia + others[:: len(others) // 48][:48]
    # As `kpt demo` does, it loads without waiting for an fsync per commit (the test's engine waits).
    loader = make_engine(engine.url.render_as_string(hide_password=False), bulk_load=True)
    try:
        run_demo(loader, blobs, seed=3, entity_codes=sample)
    finally:
        loader.dispose()
    return sample



def _fold(events: list[dict[str, object]], as_of: date, in_scope: set[str]) -> dict[str, object]:
    """What the report must say, by a plain Python fold of the events of the plans in scope that
    were created by `as_of`: plans per state, days in each state, and the failed rules of the
    refused steps (attempts, plans, the greatest basis recorded)."""
    created = {e["plan_id"] for e in events
               if e["event_type"] == "plan_created" and e["legal_date"] <= as_of and e["plan_id"] in in_scope}
    failed: dict[str, list[object]] = defaultdict(list)
    bases: dict[str, set[str]] = defaultdict(set)
    stays: dict[tuple[object, str], int] = defaultdict(int)
    entered: dict[object, tuple[str, date]] = {}
    for event in events:
        if event["plan_id"] not in created or event["legal_date"] is None or event["legal_date"] > as_of:
            continue
        if event["event_type"] == "transition_blocked":
            for outcome in json.loads(event["outcomes"]):
                if not outcome["passed"]:
                    failed[outcome["rule"]].append(event["plan_id"])
                    bases[outcome["rule"]].add(outcome["basis"])
        if event["event_type"] in ("plan_created", "transition_applied"):
            if event["plan_id"] in entered:
                state, since = entered[event["plan_id"]]
                stays[event["plan_id"], state] += (event["legal_date"] - since).days
            entered[event["plan_id"]] = (event["to_state"], event["legal_date"])
    for plan_id, (state, since) in entered.items():
        stays[plan_id, state] += (as_of - since).days
    days: dict[str, list[int]] = defaultdict(list)
    for (_, state), n in stays.items():
        days[state].append(n)
    return {"states": Counter(state for state, _ in entered.values()), "days": days,
            "rules": {rule: (len(ids), len(set(ids)), max(bases[rule])) for rule, ids in failed.items()}}


def _assert_report_is_the_fold(report: dict[str, object], fold: dict[str, object]) -> None:
    assert {r["state"]: r["count"] for r in report["plans_by_state"] if r["count"]} == fold["states"]
    rules = fold["rules"]
    top = report["top_blocking_rules"]
    assert {r["rule"]: (r["blocked_attempts"], r["plans"], r["basis"]) for r in top} == \
        {r["rule"]: rules[r["rule"]] for r in top}
    assert len(top) == min(10, len(rules))
    attempts = [r["blocked_attempts"] for r in top]
    assert attempts == sorted(attempts, reverse=True)
    left_out = [n for rule, (n, _, _) in rules.items() if rule not in {r["rule"] for r in top}]
    assert all(n <= attempts[-1] for n in left_out)
    for dwell in report["dwell_by_state"]:
        days = fold["days"].get(dwell["state"], [])
        assert dwell["plans"] == len(days)
        if len(days) > 1:
            assert dwell["median_days"] == statistics.median(days)
            assert dwell["p90_days"] == round(statistics.quantiles(days, n=100, method="inclusive")[89], 1)
        else:
            assert dwell["median_days"] == dwell["p90_days"] == (float(days[0]) if days else None)


def test_demo_report_agrees_with_the_plans_their_status_and_their_events(engine, demo_country):
    with UnitOfWork(engine) as uow:
        conn = uow.connection
        report = national_report(conn, ReportFilters(as_of=DEMO_END))
        plans = {r.id: r for r in conn.execute(select(PLAN))}
        statuses = {plan_id: plan_status(uow, READER, plan_id, DEMO_END) for plan_id in plans}
        events = [dict(e._mapping) for e in conn.execute(select(EVENTS).order_by(EVENTS.c.seq))]
    rows = report["plan_rows"]
    assert report["planning_entities"] == 1134 and report["plans"] == len(rows) == len(demo_country) == 60
    assert sum(r["count"] for r in report["plans_by_state"]) == 60
    assert {r["state"]: r["count"] for r in report["plans_by_state"] if r["count"]} == \
        dict(Counter(p.state for p in plans.values()))
    for row in rows:  # as of the demo's last day, the events say what the projection says
        plan = plans[row["id"]]
        assert (row["state"], row["state_entered_on"], row["version"]) == \
            (plan.state, plan.state_entered_on.isoformat(), plan.version)
        assert row["late_deadlines"] == [d["code"] for d in statuses[row["id"]]["deadlines"] if d["entity_late"]]
        assert row["category"] is not None
    for entry in (e for e in report["past_deadlines"] if e["duty_of"] == "entidad"):
        late = [r for r in rows if entry["code"] in r["late_deadlines"]]
        assert entry["late_plans"] == entry["late_unmet"] + entry["late_met"] == len(late)
    for grouping, column in (("by_department", "department_code"), ("by_category", "category")):
        groups = report[grouping]
        assert Counter({(g["code"], state): n for g in groups for state, n in g["by_state"].items() if n}) == \
            Counter((r[column], r["state"]) for r in rows)
        assert all(g["plans"] == sum(g["by_state"].values()) for g in groups)
    assert [g["code"] for g in report["by_department"]] == sorted({r["department_code"] for r in rows})
    assert report["synthetic"] is True

    _assert_report_is_the_fold(report, _fold(events, DEMO_END, set(plans)))


def test_demo_report_is_a_plain_fold_of_the_events_on_any_day_and_for_any_filter(engine, demo_country):
    """The SQL (partial indexes, the refusal counts of `blocked_rule_day`) against a plain Python
    fold of the events: states, dwell days and blocking rules, before, during and after the cycle."""
    with UnitOfWork(engine) as uow:
        conn = uow.connection
        events = [dict(e._mapping) for e in conn.execute(select(EVENTS).order_by(EVENTS.c.seq))]
        entity_of = dict(conn.execute(select(PLAN.c.id, PLAN.c.entity_code)).all())
        category_of = {code: category for code, _, category in conn.execute(latest_categories())}
    scopes = {"national": {}, "antioquia": {"department_code": "05"}, "sexta": {"category": "6"}}
    in_scope = {"national": set(entity_of),
                "antioquia": {p for p, e in entity_of.items() if e[:2] == "05"},
                "sexta": {p for p, e in entity_of.items() if category_of.get(e) == "6"}}
    for as_of in (date(2024, 1, 15), date(2024, 3, 1), date(2024, 5, 10), DEMO_END):
        for name, filters in scopes.items():
            report = report_of(engine, national_report, as_of=as_of, **filters)
            assert report["plans"] == sum(r["count"] for r in report["plans_by_state"]) == len(report["plan_rows"])
            _assert_report_is_the_fold(report, _fold(events, as_of, in_scope[name]))


def test_department_report_of_the_demo_holds_only_its_plans(engine, demo_country):
    national = report_of(engine, national_report, as_of=DEMO_END)
    antioquia = report_of(engine, national_report, department_code="05", as_of=DEMO_END)
    assert ids(antioquia["plan_rows"]) == [r["id"] for r in national["plan_rows"] if r["department_code"] == "05"]
    assert antioquia["plans"] == 12 and antioquia["planning_entities"] == 126
    assert {r["department_code"] for r in antioquia["plan_rows"]} == {"05"}
    assert antioquia["plan_rows"][0]["id"] == "05-2024"  # the department's own plan heads its table
    sixth = report_of(engine, national_report, category="6", as_of=DEMO_END)
    assert ids(sixth["plan_rows"]) == [r["id"] for r in national["plan_rows"] if r["category"] == "6"]
    march = report_of(engine, national_report, as_of=date(2024, 3, 1))
    assert state_count(march["plans_by_state"], "aprobado") == 0 < state_count(national["plans_by_state"], "aprobado")


def test_municipal_programs_name_initiatives_their_department_recorded(engine, demo_country):
    """The demo tags some municipal programs with their department's initiatives (programs of the
    department's plan), as the strategic part's validation requires: never another department's."""
    with UnitOfWork(engine) as uow:
        plan_of = {plan_id: code for plan_id, code in uow.connection.execute(select(PLAN.c.id, PLAN.c.entity_code))}
        entity_plan = {code: plan_id for plan_id, code in plan_of.items()}
        programs = set(uow.connection.execute(select(PROGRAMS.c.plan_id, PROGRAMS.c.program_code)).all())
        tagged = uow.connection.execute(select(INITIATIVES.c.plan_id, INITIATIVES.c.department_program_code)).all()
    assert tagged, "no municipal program of the demo names a department initiative"
    for plan_id, initiative in tagged:
        department = plan_of[plan_id][:2]
        assert plan_of[plan_id] != department and (entity_plan[department], initiative) in programs
