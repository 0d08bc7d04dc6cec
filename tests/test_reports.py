"""The DNP / department bottleneck reports: counts, dwell times, late deadlines and blocking rules,
filtered by department and category, as of a legal date; and their CSV / XLSX exports."""

import csv
import io
from datetime import date, datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlmodel import select

from kpt_workflow.services.demo import EMPALME
from kpt_workflow.lifecycle.engine import workflow
from kpt_workflow.base.errors import GuardFailed, InvalidInput
from kpt_workflow.law.facts import FILED, JUSTIFIED_ABSENCE, WITHDRAWN
from kpt_workflow.storage.recorder import DOCUMENT, PLAN
from kpt_workflow.reports.report_export import ROW_HEADERS, export_report_xlsx, export_rows_csv, export_rows_xlsx
from kpt_workflow.reports.blocking import top_blocking_rules
from kpt_workflow.reports.counts import planning_entities, plans_by_state
from kpt_workflow.reports.dwell import dwell_by_state
from kpt_workflow.reports.filters import ReportFilters
from kpt_workflow.reports.late_deadlines import past_deadlines
from kpt_workflow.reports.national import national_report
from kpt_workflow.reports.plan_rows import plan_rows
from kpt_workflow.rules import RULES
from kpt_workflow.services.views import status as plan_status
from kpt_workflow.services.access import operator
from kpt_workflow.storage.unit_of_work import UnitOfWork
from report_reading import ids, report_of, state_count

READER = operator("pruebas")  # the status view checks who reads; the local operator reads any plan

LIFECYCLE = [s.name for s in workflow("pdt").definition.states]


def _dwell(report: list[dict[str, object]]) -> dict[object, tuple[object, ...]]:
    return {r["state"]: (r["plans"], r["median_days"], r["p90_days"]) for r in report}


def _late(report: list[dict[str, object]], code: str) -> tuple[object, ...]:
    row = next(r for r in report if r["code"] == code)
    return row["late_plans"], row["late_unmet"], row["late_met"]


# --- hand-made plans, exact expectations -------------------------------------------------------

def test_a_blocked_attempt_counts_its_failing_rule_from_its_legal_date(engine, new_plan, file_doc, advance):
    plan_id = new_plan("05021")
    for doc_type in (*EMPALME, "acto_equipo_formulador", "programa_gobierno"):
        file_doc(plan_id, doc_type)
    for day in (date(2024, 1, 8), date(2024, 1, 9)):  # the outgoing mayor's report never arrived
        with pytest.raises(GuardFailed):
            advance(plan_id, "iniciar_construccion", day)
    rule = "documento_acta_informe_gestion"
    expected = {"rule": rule, "label": "Documento: Acta de informe de gestión del alcalde o gobernador saliente",
                "basis": RULES[rule].basis, "blocked_attempts": 2, "plans": 1}
    assert report_of(engine, top_blocking_rules, as_of=date(2024, 6, 30)) == [expected]
    assert report_of(engine, top_blocking_rules, as_of=date(2024, 1, 8)) == [{**expected, "blocked_attempts": 1}]
    assert report_of(engine, top_blocking_rules, as_of=date(2024, 1, 7)) == []
    assert report_of(engine, top_blocking_rules, department_code="05", as_of=date(2024, 6, 30)) == [expected]
    assert report_of(engine, top_blocking_rules, department_code="08", as_of=date(2024, 6, 30)) == []


def test_department_filter_shows_its_own_plan_and_its_municipalities(engine, new_plan, categories):
    for code in ("05", "05001", "05021", "08", "11001"):
        new_plan(code)
    as_of = date(2024, 2, 1)
    assert ids(report_of(engine, plan_rows, as_of=as_of)) == ["05-2024", "05001-2024", "05021-2024", "08-2024",
                                                              "11001-2024"]
    assert ids(report_of(engine, plan_rows, department_code="05", as_of=as_of)) == ["05-2024", "05001-2024",
                                                                                  "05021-2024"]
    assert ids(report_of(engine, plan_rows, department_code="11", as_of=as_of)) == ["11001-2024"]
    assert [report_of(engine, planning_entities, department_code=d, as_of=as_of) for d in ("05", "08", "11", "99")] \
        == [126, 24, 1, 5]
    assert report_of(engine, planning_entities, as_of=as_of) == 1134


def test_category_filter_uses_the_latest_category_of_each_entity(engine, new_plan, categories):
    for code in ("05", "05001", "05021", "08", "11001"):
        new_plan(code)
    as_of = date(2024, 2, 1)
    rows = report_of(engine, plan_rows, as_of=as_of)
    assert {r["id"]: r["category"] for r in rows} == {"05-2024": "Especial", "05001-2024": "Especial",
                                                      "05021-2024": "6", "08-2024": "1", "11001-2024": "Especial"}
    assert ids(report_of(engine, plan_rows, category="Especial", as_of=as_of)) == ["05-2024", "05001-2024",
                                                                                 "11001-2024"]
    assert ids(report_of(engine, plan_rows, category="6", department_code="05", as_of=as_of)) == ["05021-2024"]
    assert ids(report_of(engine, plan_rows, category="6", department_code="08", as_of=as_of)) == []
    assert [report_of(engine, planning_entities, category=c, as_of=as_of) for c in ("6", "Especial", "1")] == [967, 9, 35]


def test_as_of_before_a_transition_shows_the_earlier_state(engine, plan_in_council, categories):
    before = report_of(engine, plan_rows, as_of=date(2024, 2, 26))
    assert [(r["state"], r["state_label"], r["state_entered_on"]) for r in before] == [
        ("construccion_articulada", "Construcción articulada", "2024-01-20")]
    after = report_of(engine, plan_rows, as_of=date(2024, 4, 25))
    assert [(r["state"], r["state_entered_on"], r["version"]) for r in after] == [
        ("discusion_corporaciones", "2024-04-25", before[0]["version"])]  # the current version, whatever as_of
    counts = report_of(engine, plans_by_state, as_of=date(2024, 2, 26))
    assert [r["state"] for r in counts] == LIFECYCLE
    assert state_count(counts, "construccion_articulada") == 1 and sum(r["count"] for r in counts) == 1
    assert report_of(engine, plan_rows, as_of=date(2023, 12, 31)) == []  # created on 1 January 2024
    empty = report_of(engine, national_report, as_of=date(2023, 12, 31))
    assert (empty["plans"], empty["planning_entities"]) == (0, 1134)
    assert all(r["count"] == 0 for r in empty["plans_by_state"])


def test_dwell_days_follow_the_legal_dates_of_the_steps(engine, plan_in_council):
    # created 1 Jan; construcción 20 Jan; CTP 27 Feb; concejo 25 Apr (conftest's tidy cycle)
    assert _dwell(report_of(engine, dwell_by_state, as_of=date(2024, 5, 10))) == {
        "alistamiento": (1, 19.0, 19.0), "construccion_articulada": (1, 38.0, 38.0),
        "tramite_ambiental_y_planeacion": (1, 58.0, 58.0), "discusion_corporaciones": (1, 15.0, 15.0),
        "negado": (0, None, None)}
    assert _dwell(report_of(engine, dwell_by_state, as_of=date(2024, 2, 26))) == {
        "alistamiento": (1, 19.0, 19.0), "construccion_articulada": (1, 37.0, 37.0),
        "tramite_ambiental_y_planeacion": (0, None, None), "discusion_corporaciones": (0, None, None),
        "negado": (0, None, None)}


def test_deadlines_are_judged_with_the_documents_filed_by_as_of(engine, plan_in_council):
    # The environmental concept (aviso: 15 working days from 27 Feb = 19 Mar) was filed on 22 Mar:
    # late, but the authority's term, counted per deadline and never as the entity's lateness.
    assert _late(report_of(engine, past_deadlines, as_of=date(2024, 3, 21)), "concepto_autoridad_ambiental") == (1, 1, 0)
    assert _late(report_of(engine, past_deadlines, as_of=date(2024, 5, 10)), "concepto_autoridad_ambiental") == (1, 0, 1)
    assert [(d["code"], d["duty_of_label"]) for d in report_of(engine, past_deadlines, as_of=date(2024, 3, 21))
            if d["late_plans"]] == [("concepto_autoridad_ambiental", "Autoridad ambiental")]
    assert report_of(engine, plan_rows, as_of=date(2024, 3, 21))[0]["late_deadlines"] == []
    # The council's month from the 25 April filing has run out by 30 June without an approving act:
    # the council's term, too. The plan's own terms were all met.
    late = report_of(engine, plan_rows, as_of=date(2024, 6, 30))[0]["late_deadlines"]
    assert late == []
    with UnitOfWork(engine) as uow:
        status = plan_status(uow, READER, plan_in_council, date(2024, 6, 30))
    assert late == [d["code"] for d in status["deadlines"] if d["entity_late"]]  # the status view's own computation
    terms = {d["code"]: d for d in status["deadlines"]}
    assert [c for c, d in terms.items() if d["late"]] == ["concepto_autoridad_ambiental", "decision_corporacion"]
    assert terms["concepto_autoridad_ambiental"]["situation"] == ("cumplido el 22 de marzo de 2024, 3 días tarde: término a cargo de la autoridad ambiental, no de la entidad")
    assert terms["decision_corporacion"]["situation"].endswith(
        "término a cargo del concejo o la asamblea, no de la entidad")
    assert terms["radicacion_ctp"]["situation"].startswith("cumplido el ") and \
        terms["radicacion_ctp"]["situation"].endswith(", a tiempo")


# Every document type a deadline reads, and any history of versions of them: filed, justified
# as absent or withdrawn, in any order of legal dates (weekends and holidays included).
DEADLINE_DOCUMENTS = sorted({doc for spec in workflow("pdt").definition.deadlines for doc in (spec.anchor, *spec.met_by_codes)}
                            - {"inicio_periodo"})
versions = st.lists(st.tuples(st.sampled_from([FILED, FILED, JUSTIFIED_ABSENCE, WITHDRAWN]),
                              st.dates(date(2023, 11, 1), date(2025, 3, 31))), max_size=3)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=st.fixed_dictionaries({}, optional={doc: versions for doc in DEADLINE_DOCUMENTS}),
       as_of=st.dates(date(2024, 1, 1), date(2025, 6, 30)))
def test_late_deadlines_in_sql_are_the_status_views_for_any_document_history(engine, new_plan, history, as_of):
    plan_id = _the_plan(engine, new_plan)
    rows = [{"plan_id": plan_id, "doc_type": doc_type, "version": n, "status": status, "legal_date": day,
             "filed_by": "prueba", "recorded_at": datetime(2025, 1, 1, tzinfo=timezone.utc)}
            for doc_type, filings in history.items() for n, (status, day) in enumerate(filings, start=1)]
    with UnitOfWork(engine, write=True) as uow:
        uow.connection.execute(DOCUMENT.delete().where(DOCUMENT.c.plan_id == plan_id))
        if rows:
            uow.connection.execute(DOCUMENT.insert(), rows)
        uow.commit()
    with UnitOfWork(engine) as uow:
        status = plan_status(uow, READER, plan_id, as_of, as_of=as_of)
    expected = [d["code"] for d in status["deadlines"] if d["entity_late"]]
    assert report_of(engine, plan_rows, as_of=as_of)[0]["late_deadlines"] == expected
    counted = {d["code"]: (d["late_plans"], d["late_met"]) for d in report_of(engine, past_deadlines, as_of=as_of)}
    assert counted == {d["code"]: (int(d["late"]), int(d["late"] and d["met_on"] is not None))
                       for d in status["deadlines"]}


def _the_plan(engine, new_plan) -> str:  # type: ignore[no-untyped-def]
    """One plan for every example of a test (a function-scoped fixture runs once for them all)."""
    with UnitOfWork(engine) as uow:
        if uow.connection.execute(select(PLAN.c.id).where(PLAN.c.id == "05001-2024")).first():
            return "05001-2024"
    return new_plan("05001")


def test_the_national_report_reads_one_snapshot_on_postgresql(engine, new_plan):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's read transaction is one snapshot already")
    new_plan("05001")
    with UnitOfWork(engine) as uow:
        assert national_report(uow.connection, ReportFilters(as_of=date(2024, 2, 1)))["plans"] == 1
        isolation = uow.connection.exec_driver_sql("SHOW transaction_isolation").scalar_one()
        read_only = uow.connection.exec_driver_sql("SHOW transaction_read_only").scalar_one()
    assert (isolation, read_only) == ("repeatable read", "on")


def test_filters_are_checked():
    with pytest.raises(InvalidInput, match="departamento '5'"):
        ReportFilters(department_code="5", as_of=date(2024, 6, 1))
    with pytest.raises(InvalidInput, match="Categoría '7'"):
        ReportFilters(category="7", as_of=date(2024, 6, 1))


def test_exports_hold_the_same_rows_as_plan_rows(engine, plan_in_council, new_plan, categories):
    for code in ("05021", "08"):
        new_plan(code)
    rows = report_of(engine, plan_rows, as_of=date(2024, 6, 30))
    assert len(rows) == 3 and len(rows[1]["late_deadlines"]) == 3  # 05021-2024 (one cell, three deadlines)
    keys = [key for key, _ in ROW_HEADERS]
    expected = [[str(r[k]) if k != "late_labels" else " | ".join(r[k]) for k in keys] for r in rows]
    assert "Diagnóstico de infancia, adolescencia y juventud" in expected[1][-1]  # labels, not codes
    table = list(csv.reader(io.StringIO(export_rows_csv(rows)), delimiter=";"))
    assert table[0] == [header for _, header in ROW_HEADERS] and table[0][1] == "Código DIVIPOLA"
    assert table[1:] == expected
    sheet = load_workbook(io.BytesIO(export_rows_xlsx(rows))).active
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert cells[0] == table[0]
    as_text = [[c.date().isoformat() if hasattr(c, "date") else ("" if c is None else str(c)) for c in r]
               for r in cells[1:]]
    assert as_text == expected


def test_the_report_workbook_holds_every_table_of_the_dashboard(engine, plan_in_council, new_plan, categories):
    new_plan("08")
    report = report_of(engine, national_report, as_of=date(2024, 6, 30))
    book = load_workbook(io.BytesIO(export_report_xlsx(report)))
    assert book.sheetnames == ["Planes", "Por estado", "Por departamento", "Por categoría", "Días en cada estado",
                               "Plazos vencidos", "Requisitos que bloquean", "Acerca de"]
    table = {name: list(book[name].iter_rows(min_row=2, values_only=True)) for name in book.sheetnames}
    assert [row[0] for row in table["Planes"]] == [r["id"] for r in report["plan_rows"]]
    assert [(code, plans) for code, _, plans, *_ in table["Por departamento"]] == [("05", 1), ("08", 1)]
    assert [(row[0], row[2]) for row in table["Por estado"]] == [(s["state"], s["count"])
                                                                for s in report["plans_by_state"]]
    assert {row[0]: row[3] for row in table["Plazos vencidos"]} == {d["code"]: d["late_plans"]
                                                                    for d in report["past_deadlines"]}
    assert table["Acerca de"][0][1].date() == date(2024, 6, 30) and len(table["Acerca de"]) == 7  # not synthetic
    assert ("Período", "2024–2027") in table["Acerca de"]


# --- the synthetic demo, checked against the plans and the audit trail ------------------------

def test_a_report_counts_the_plans_of_one_cycle(engine, new_plan, kpt_on):  # type: ignore[no-untyped-def]
    """The 2020 plans never mix into the 2024 counts: by default a report counts the cycle of its
    date, from the election on the one it elected; `period` asks for another, and a year that
    starts no period is refused in Spanish."""
    old, new = new_plan("05001", period=2020), new_plan("05001", period=2024)
    other_old = new_plan("05002", period=2020)
    in_2024 = report_of(engine, plan_rows, as_of=date(2024, 6, 30))
    assert ids(in_2024) == [new]
    assert ids(report_of(engine, plan_rows, as_of=date(2024, 6, 30), period=2020)) == [old, other_old]
    assert ids(report_of(engine, plan_rows, as_of=date(2023, 10, 28))) == [old, other_old]  # the eve of the election
    # From election day, the elected government's cycle, whose plan this one opened on 1 January 2024.
    assert ids(report_of(engine, plan_rows, as_of=date(2023, 10, 29))) == []
    report = report_of(engine, national_report, as_of=date(2024, 6, 30), period=2020)
    assert (report["plans"], report["filters"]["period"]) == (2, 2020)
    assert sum(s["count"] for s in report["plans_by_state"]) == 2
    with pytest.raises(InvalidInput, match="Período 2025 inválido"):
        ReportFilters(period=2025)
    url = engine.url.render_as_string(hide_password=False)
    code, out = kpt_on(url, "report", "--hoy", "2024-06-30", "--periodo", "2020")
    assert code == 0 and ": 2 planes de" in out and "período 2020–2023" in out, out
    code, out = kpt_on(url, "report", "--period", "2026")
    assert code != 0 and "Período 2026 inválido" in out and "Traceback" not in out, out
