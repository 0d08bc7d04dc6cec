"""Legal amendments of terms for plans in flight (#24 point 3): recorded by an administrator in a
chain of their own, applied to the plans they reach from the day they are in force, and shipped
with Decreto Legislativo 683 de 2020 for the 2020 cycle."""

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text, update

from kpt_workflow import services
from kpt_workflow.audit import replay
from kpt_workflow.audit.verify import verify
from kpt_workflow.base.errors import AlreadyExists, Forbidden, GuardFailed, InvalidInput
from kpt_workflow.law import calendar
from kpt_workflow.law.amendments import Amendment
from kpt_workflow.reports.late_deadlines import past_deadlines
from kpt_workflow.services.access import Actor, operator
from kpt_workflow.services.amendments import AmendmentRequest, list_amendments, load_fixtures, record_amendment
from kpt_workflow.services.bootstrap import init_database
from kpt_workflow.services.sample import DOCUMENTS_2024, STEPS_2024, STRATEGY_DATES
from kpt_workflow.services.views import plan_page
from kpt_workflow.storage.amendment_log import AMENDMENTS, EVENTS
from kpt_workflow.storage.unit_of_work import UnitOfWork
from report_reading import report_of

DL_683 = "Decreto Legislativo 683 de 2020"
FILED_WITH_COUNCIL_2020 = date(2020, 4, 30)  # Thursday; the month ends Monday 1 June 2020 without the decree


def _four_years_back(day: date) -> date:
    return day.replace(year=day.year - 4)


def _years_back(data: object) -> object:
    """The sample strategy with every year (`anio`) four years earlier."""
    if isinstance(data, dict):
        return {k: v - 4 if k == "anio" else _years_back(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_years_back(v) for v in data]
    return data


@pytest.fixture
def plan_2020(new_plan, file_doc, advance, engine):  # type: ignore[no-untyped-def]
    """Medellín's 2020 plan before its concejo, the 2024 sample cycle dated four years earlier."""
    plan_id = new_plan(period=2020)
    for doc_type, (day, number) in DOCUMENTS_2024.items():
        day = FILED_WITH_COUNCIL_2020 if doc_type == "radicado_corporacion" else _four_years_back(day)
        file_doc(plan_id, doc_type, day, number)
    with UnitOfWork(engine, write=True) as uow:
        services.record_strategic_part(uow, plan_id=plan_id, data=_years_back(services.sample.STRATEGIC_PART), actor=operator("test"),
                                       legal_date=_four_years_back(STRATEGY_DATES[0]))
    with UnitOfWork(engine, write=True) as uow:
        services.record_investment_plan(uow, plan_id=plan_id, data=_years_back(services.sample.INVESTMENT_PLAN),
                                        actor=operator("test"), legal_date=_four_years_back(STRATEGY_DATES[1]))
    for trigger, day in STEPS_2024:
        advance(plan_id, trigger, FILED_WITH_COUNCIL_2020 if trigger == "radicar_ante_corporacion" else _four_years_back(day))
    return plan_id


def _status(engine, plan_id: str, today: date, as_of: date | None = None) -> dict:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        return services.views.status(uow, operator("test"), plan_id, today, as_of=as_of)


def _council_term(status: dict) -> dict:  # type: ignore[type-arg]
    return next(d for d in status["deadlines"] if d["code"] == "decision_corporacion")


def test_fifteen_june_2020_was_a_holiday_so_the_term_keeps_two_readings():
    assert not calendar.is_working_day(date(2020, 6, 15))  # Corpus Christi, moved to Monday
    assert calendar.next_working_day(date(2020, 6, 15)) == date(2020, 6, 16)


def test_dl_683_moves_the_council_term_of_a_2020_plan_with_its_basis(engine, plan_2020):
    term = _council_term(_status(engine, plan_2020, date(2020, 6, 1)))
    assert [r["date"] for r in term["readings"]] == ["2020-06-15", "2020-06-16"]
    assert term["date"] == "2020-06-16"  # a permission (the decree) opens only after the later reading
    assert DL_683 in term["basis"] and "art. 1" in term["basis"] and "Ley 152 de 1994, art. 40" in term["basis"]
    assert "Ley 4 de 1913, art. 62" in term["reading"] and "la más tardía" in term["reading"]
    assert term["amendment"]["deadline"] == "decision_corporacion"


def test_the_decree_is_refused_on_16_june_2020_and_allowed_on_17_june(engine, plan_2020, file_doc, advance):
    file_doc(plan_2020, "decreto_adopcion", date(2020, 6, 16), "Decreto 100")
    with pytest.raises(GuardFailed) as early:
        advance(plan_2020, "adoptar_por_decreto", date(2020, 6, 16))
    failed = [c for c in early.value.details["checklist"] if not c["passed"]]
    assert [c["rule"] for c in failed] == ["mes_corporacion_vencido"] and "16 de junio de 2020" in failed[0]["message"]
    assert f"Plazo fijado por {DL_683}" in failed[0]["message"]  # the checklist says which norm set the day
    file_doc(plan_2020, "decreto_adopcion", date(2020, 6, 17), "Decreto 101")
    assert advance(plan_2020, "adoptar_por_decreto", date(2020, 6, 17))["to"] == "adoptado_por_decreto"
    with UnitOfWork(engine) as uow:
        assert replay.differences(uow.connection) == []


def test_before_the_decree_was_in_force_the_old_term_applies(engine, plan_2020, file_doc, advance):
    before = _council_term(_status(engine, plan_2020, date(2020, 5, 20)))
    assert before["date"] == "2020-06-01" and before["amendment"] is None and DL_683 not in before["basis"]
    as_of = _council_term(_status(engine, plan_2020, date(2020, 6, 10), as_of=date(2020, 5, 20)))
    assert as_of["date"] == "2020-06-01" and as_of["amendment"] is None
    # A decree dated 2 June 2020 was judged under the decree in force then: the term ran to 16 June.
    file_doc(plan_2020, "decreto_adopcion", date(2020, 6, 2), "Decreto 90")
    with pytest.raises(GuardFailed):
        advance(plan_2020, "adoptar_por_decreto", date(2020, 6, 2))


def test_a_draft_refiled_under_the_decree_gets_a_month_from_the_new_filing(engine, plan_2020, file_doc):
    file_doc(plan_2020, "radicado_corporacion", date(2020, 6, 10), "PA-046")
    term = _council_term(_status(engine, plan_2020, date(2020, 6, 20)))
    assert term["date"] == "2020-07-10" and "presentado de nuevo" in term["basis"]
    earlier = _council_term(_status(engine, plan_2020, date(2020, 6, 20), as_of=date(2020, 6, 5)))
    assert earlier["date"] == "2020-06-16"


def test_a_2024_plan_is_untouched_by_dl_683(engine, plan_in_council):
    term = _council_term(_status(engine, plan_in_council, date(2024, 5, 1)))
    assert term["amendment"] is None and DL_683 not in term["basis"] and term["date"] == "2024-05-27"


def test_the_plan_page_shows_the_amendment_in_its_terms_and_history(engine, plan_2020):
    with UnitOfWork(engine) as uow:
        page = plan_page(uow, operator("test"), plan_2020, date(2020, 6, 1))
        before = plan_page(uow, operator("test"), plan_2020, date(2020, 5, 1))
    assert any(DL_683 in d["basis"] for d in page["deadlines"])
    assert any(e["actor"] == "enmienda legal" and DL_683 in e["text"] for e in page["history"])
    assert not any(e["actor"] == "enmienda legal" for e in before["history"])


def _request(**changes: object) -> AmendmentRequest:
    fields: dict[str, object] = {"norma": "Ley 9999 de 2024", "articulo": "art. 2", "fecha_norma": date(2024, 3, 1),
                                 "plazo": "radicacion_corporacion", "periodos": (2024,),
                                 "nueva_fecha": date(2024, 5, 31)}
    return AmendmentRequest(**{**fields, **changes})  # type: ignore[arg-type]


def _record(engine, request: AmendmentRequest, actor: Actor | None = None) -> dict:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine, write=True) as uow:
        return record_amendment(uow, actor or operator("test"), request)


def test_an_amendment_reaches_only_the_departments_it_names(engine, new_plan):
    _record(engine, _request(alcance="departamento", valores=("05",)))
    antioquia, bogota = new_plan("05001"), new_plan("11001")
    moved = next(d for d in _status(engine, antioquia, date(2024, 4, 1))["deadlines"] if d["code"] == "radicacion_corporacion")
    kept = next(d for d in _status(engine, bogota, date(2024, 4, 1))["deadlines"] if d["code"] == "radicacion_corporacion")
    assert moved["date"] == "2024-05-31" and "Ley 9999 de 2024, art. 2" in moved["basis"]
    assert kept["date"] == "2024-04-30" and kept["amendment"] is None


def test_an_amendment_by_category_reaches_the_entities_of_that_category(engine, new_plan, categories):
    _record(engine, _request(alcance="categoria", valores=("Especial",)))
    medellin = new_plan("05001")  # categoría especial
    moved = next(d for d in _status(engine, medellin, date(2024, 4, 1))["deadlines"] if d["code"] == "radicacion_corporacion")
    assert moved["date"] == "2024-05-31"
    sixth = Amendment(1, "n", "a", date(2024, 1, 1), date(2024, 1, 1), (2024,), "categoria", ("6",), "x",
                      new_date=date(2024, 5, 31))
    assert sixth.reaches(2024, "05001", "05", "6") and not sixth.reaches(2024, "05001", "05", "Especial")
    assert not sixth.reaches(2024, "05001", "05", None) and not sixth.reaches(2028, "05001", "05", "6")


@pytest.mark.parametrize(("changes", "code"), [
    ({"plazo": "plazo_inventado"}, "enmienda_plazo_desconocido"),
    ({"nueva_fecha": None, "desde_acto": "acto_inventado", "meses": 1}, "enmienda_acto_desconocido"),
    ({"desde_acto": "radicado_corporacion", "meses": 1}, "enmienda_fecha_o_termino"),
    ({"nueva_fecha": None}, "enmienda_fecha_o_termino"),
    ({"nueva_fecha": None, "desde_acto": "radicado_corporacion", "meses": 1, "dias_habiles": 5},
     "enmienda_fecha_o_termino"),
    ({"periodos": (2025,)}, "enmienda_periodo_invalido"),
    ({"periodos": (2000,)}, "enmienda_periodo_invalido"),
    ({"alcance": "departamento"}, "enmienda_alcance_invalido"),
    ({"alcance": "departamento", "valores": ("98",)}, "enmienda_valor_desconocido"),
    ({"alcance": "planeta"}, "enmienda_alcance_invalido"),
    ({"norma": "  "}, "enmienda_sin_base"),
    ({"fecha_norma": calendar.today_in_colombia() + timedelta(days=2)}, "enmienda_fecha_futura"),
])
def test_bad_amendments_are_refused_in_spanish_with_stable_codes(engine, changes, code):
    with pytest.raises(InvalidInput) as refused:
        _record(engine, _request(**changes))
    assert refused.value.code == code and refused.value.message[0].isupper()


def test_only_an_administrator_records_or_reads_amendments(engine):
    for role in ("planeacion", "dnp", "corporacion"):
        with pytest.raises(Forbidden):
            _record(engine, _request(), Actor("alguien", role, "05001" if role != "dnp" else None))
        with UnitOfWork(engine) as uow, pytest.raises(Forbidden):
            list_amendments(uow, Actor("alguien", role, None))
    assert _record(engine, _request(), Actor("admin1", "admin", None))["number"] == 3


def test_the_same_amendment_is_recorded_once(engine):
    _record(engine, _request())
    with pytest.raises(AlreadyExists):
        _record(engine, _request())


def test_kpt_init_twice_records_the_fixture_once(engine):
    assert init_database(engine)["amendments"] == {"added": 0}  # the test database was made by `kpt init` already
    with UnitOfWork(engine, write=True) as uow:
        assert load_fixtures(uow.connection, operator("kpt init")) == 0
        uow.commit()
    with UnitOfWork(engine) as uow:
        listed = list_amendments(uow, operator("test"))
    assert [(a["deadline"], a["new_date"], a["from_act"]) for a in listed] == [
        ("decision_corporacion", "2020-06-15", None), ("decision_corporacion", None, "radicado_corporacion")]
    assert all(a["norm"].startswith(DL_683) and a["periods"] == [2020] and a["scope"] == "todas" for a in listed)


def test_verify_detects_an_edited_amendment_and_replay_a_changed_table(engine):
    with UnitOfWork(engine) as uow:
        assert verify(uow.connection).ok and replay.differences(uow.connection) == []
    with engine.begin() as conn:
        conn.execute(update(AMENDMENTS).where(AMENDMENTS.c.number == 1).values(new_date=date(2020, 7, 15)))
    with UnitOfWork(engine) as uow:
        assert any("enmienda legal 1" in d for d in replay.differences(uow.connection))
    with engine.begin() as conn:
        payload = json.loads(conn.execute(select(EVENTS.c.payload).where(EVENTS.c.seq == 1)).scalar_one())
        conn.execute(update(EVENTS).where(EVENTS.c.seq == 1).values(
            payload=json.dumps({**payload, "new_date": "2020-07-15"}, sort_keys=True, separators=(",", ":"))))
    with UnitOfWork(engine) as uow:
        report = verify(uow.connection)
    assert not report.ok and "enmienda legal 1" in (report.problem or "")


def test_the_cli_records_and_lists_amendments_and_refuses_a_non_admin(engine, kpt_on):
    url = engine.url.render_as_string(hide_password=False)
    code, out = kpt_on(url, "amendments", "record", "--norma", "Ley 9999 de 2024", "--articulo", "art. 2",
                       "--fecha-norma", "2024-03-01", "--periodo", "2024", "--alcance", "departamento",
                       "--departamento", "05", "--plazo", "radicacion_corporacion", "--desde-acto", "radicado_ctp",
                       "--dias-habiles", "20", "--json")
    assert code == 0 and json.loads(out)["working_days"] == 20
    code, out = kpt_on(url, "amendments", "list")
    assert code == 0 and "Ley 9999 de 2024, art. 2" in out and DL_683 in out
    code, out = kpt_on(url, "amendments", "record", "--norma", "X", "--articulo", "1", "--fecha-norma", "2024-03-01",
                       "--periodo", "2024", "--plazo", "radicacion_corporacion")
    assert code == 1 and "Indique la nueva fecha" in out and "Traceback" not in out
    with UnitOfWork(engine, write=True) as uow:
        services.accounts.create_user(uow.session, username="ofi", role="planeacion", entity_code="05001")
        uow.commit()
    code, out = kpt_on(url, "amendments", "list", "--as", "ofi")
    assert code == 1 and "no puede registrar ni consultar enmiendas" in out


def test_no_amendment_table_row_is_left_without_its_event(engine):
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM legal_amendment")).scalar_one() == \
            conn.execute(text("SELECT count(*) FROM amendment_event")).scalar_one() == 2


def _council_row(engine, as_of: date) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    report = report_of(engine, past_deadlines, as_of=as_of, period=2020)
    row = next(r for r in report if r["code"] == "decision_corporacion")
    return row["late_plans"], row["late_unmet"], row["late_met"]


def test_the_national_report_counts_an_amended_term_as_the_status_shows_it(engine, plan_2020, file_doc):
    # The definition's month ran out on 1 June 2020; DL 683 moved it to 15/16 June.
    assert _council_row(engine, date(2020, 6, 10)) == (0, 0, 0)
    assert _council_row(engine, date(2020, 6, 17)) == (1, 1, 0)
    file_doc(plan_2020, "acto_aprobacion", date(2020, 6, 12), "Acuerdo 07")
    assert _council_row(engine, date(2020, 6, 17)) == (0, 0, 0)  # approved within the amended term
    with UnitOfWork(engine, write=True) as uow:  # without the decree (its event and row), the same approval is late
        uow.connection.execute(text("DELETE FROM legal_amendment"))
        uow.connection.execute(text("DELETE FROM amendment_event"))
        uow.commit()
    assert _council_row(engine, date(2020, 6, 17)) == (1, 0, 1)


def test_the_plain_list_names_the_deadline_and_the_act_as_people_read_them(engine, kpt_on):
    code, out = kpt_on(engine.url.render_as_string(hide_password=False), "amendments", "list")
    assert code == 0
    assert "el plazo «Decisión de la corporación (vencido el mes sin decisión" in out
    assert "desde «Proyecto de acuerdo u ordenanza con exposición de motivos radicado ante el concejo o la asamblea»" in out
    assert "para todas las entidades (período 2020–2023)" in out
    assert not any(code in out for code in ("decision_corporacion", "radicado_corporacion", "todas;"))
