"""Thin faces: every page and API route makes one service call per request, in one unit of work
that both checks and reads or changes (plus the actor's own read, in api/deps); the plan page
reads as words, not codes; templates hold no rules, roles, workflow names or arithmetic."""

import re
import sys
from collections import Counter
from collections.abc import Callable
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from kpt_workflow.base.errors import GuardFailed
from kpt_workflow.base.roles import ROLES
from kpt_workflow.lifecycle.engine import workflow
from kpt_workflow.services.sample import PDF
from kpt_workflow.storage.unit_of_work import UnitOfWork
from templates import TEMPLATES_DIR

API = "/api/v1"
ACTOR_READ = "api.deps"  # who the caller is: read before the request's one service call


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The module that constructs each UnitOfWork, in order."""
    modules: list[str] = []
    real = UnitOfWork.__init__

    def spy(self: UnitOfWork, *args: object, **kwargs: object) -> None:
        modules.append(sys._getframe(1).f_globals["__name__"])
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(UnitOfWork, "__init__", spy)
    return modules


def _csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert found
    return found.group(1)


def _one_unit(opened: list[str], call: Callable[[], Response], *, ok: set[int] = {200, 201, 303}) -> Response:
    opened.clear()
    response = call()
    assert response.status_code in ok, response.text[:300]
    work = Counter(m for m in opened if m != ACTOR_READ)
    assert sum(work.values()) <= 1 and opened.count(ACTOR_READ) <= 1, opened
    return response


def test_every_page_makes_one_service_call_in_one_unit_of_work(plan_in_council, page_of, opened, app):
    office, council, dnp = page_of("ana", "planeacion"), page_of("concejo", "corporacion"), page_of("dnp", "dnp")
    office_token, council_token = _csrf(office), _csrf(council)
    plan = f"/planes/{plan_in_council}"
    for client, path in ((office, "/"), (office, "/planes"), (office, plan), (office, f"{plan}?as_of=2024-02-01"),
                         (council, f"{plan}/informe"), (council, f"{plan}/informe.pdf"), (office, "/ciclo"),
                         (dnp, "/tablero"), (dnp, "/tablero.csv"), (dnp, "/tablero.xlsx"), (dnp, "/planes")):
        _one_unit(opened, lambda: client.get(path, follow_redirects=False))
    _one_unit(opened, lambda: office.get("/planes/11001-2024"), ok={404})  # not found: nothing read but the plan
    version = office.get(f"{API}/plans/{plan_in_council}").json()["version"]
    _one_unit(opened, lambda: office.post(f"{plan}/pasos", follow_redirects=False, data={
        "trigger": "adoptar_por_decreto", "fecha": "2024-05-02", "version": version, "csrf_token": office_token}))
    _one_unit(opened, lambda: office.post(f"{plan}/documentos", follow_redirects=False, data={
        "doc_type": "decreto_adopcion", "fecha": "2024-05-02", "version": version + 1, "csrf_token": office_token},
        files={"file": ("decreto.pdf", PDF, "application/pdf")}))
    _one_unit(opened, lambda: council.post(f"{plan}/decision", follow_redirects=False, data={
        "decision": "devolver", "fecha": "2024-05-03", "version": version + 2, "csrf_token": council_token,
        "numero": "Acta 21", "motivo": "Ajustar el plan plurianual."},
        files={"file": ("acta.pdf", PDF, "application/pdf")}))
    assert "Decisión registrada" in council.get(f"{plan}/informe").text  # the three were taken, not refused


def test_every_api_route_makes_one_service_call_in_one_unit_of_work(plan_in_council, client, as_user, opened):
    plan, office = f"{API}/plans/{plan_in_council}", as_user("planeacion")
    for path in ("", "/history", "/documents", "/strategy", "/investments",
                 "/documents/programa_gobierno/versions/1/content"):
        _one_unit(opened, lambda: client.get(plan + path, headers=office))
    _one_unit(opened, lambda: client.get(f"{API}/plans", headers=office))
    _one_unit(opened, lambda: client.get(f"{API}/reports/bottlenecks", headers=as_user("dnp")))
    _one_unit(opened, lambda: client.get(f"{API}/plans/11001-2024", headers=office), ok={404})
    _one_unit(opened, lambda: client.post(f"{plan}/documents", headers=office, data={"doc_type": "decreto_adopcion",
                                                                                     "fecha": "2024-05-02"},
                                          files={"file": ("decreto.pdf", PDF, "application/pdf")}))
    _one_unit(opened, lambda: client.post(f"{plan}/transitions", headers=office, json={
        "trigger": "adoptar_por_decreto", "fecha": "2024-05-02"}), ok={422})
    _one_unit(opened, lambda: client.post(f"{plan}/council-decision", headers=as_user("corporacion"), data={
        "decision": "devolver", "fecha": "2024-05-03", "numero": "Acta 21", "motivo": "Ajustar el plan plurianual."},
        files={"file": ("acta.pdf", PDF, "application/pdf")}))


def _visible_text(html: str) -> str:
    """What a person reads: the text between tags, not the attributes a form sends."""
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _codes_on(page: str) -> list[str]:
    return re.findall(r"\b[a-z]+_[a-z_]+\b", _visible_text(page.split("</header>")[1]))


def test_a_new_plans_page_names_the_documents_its_terms_wait_for(new_plan, page_of):
    page = page_of("dnp", "dnp").get(f"/planes/{new_plan('11001')}").text
    assert "Aún no corre: empieza con la fecha legal de «Radicado del proyecto ante el" in page
    assert _codes_on(page) == []


def test_the_plan_page_reads_as_words_not_codes(plan_in_council, page_of, engine):
    with pytest.raises(GuardFailed), UnitOfWork(engine, write=True) as uow:  # a blocked attempt in the history
        from kpt_workflow import services
        from kpt_workflow.services.access import operator
        services.advance(uow, plan_id=plan_in_council, trigger="adoptar_por_decreto", actor=operator("test"),
                         legal_date=date(2024, 5, 2))
    page = page_of("ana", "planeacion").get(f"/planes/{plan_in_council}").text
    history = _visible_text(page.split('id="historia"')[1])
    assert "Intento rechazado: «Adoptar por decreto»" in history
    assert "Paso «Iniciar la construcción articulada»: Alistamiento → Construcción articulada" in history
    assert "Documento «Programa de gobierno inscrito»" in history and "radicado" in history
    assert "hora de Colombia" in page and "(UTC)" not in page
    assert not re.search(r"\+00:00|\d{4}-\d{2}-\d{2}T\d", history), "a recorded time left in UTC"
    assert _codes_on(page) == []
    for english in ("transition_", "document_filed", "plan_created", "blocked", "applied"):
        assert english not in history


# -- templates ---------------------------------------------------------------------------------------

def _templates() -> list[tuple[str, str]]:
    return [(path.name, path.read_text(encoding="utf-8")) for path in sorted(Path(TEMPLATES_DIR).glob("*.html"))]


def _logic(source: str) -> list[str]:
    """The Jinja expressions and statements of a template, their string literals blanked."""
    return [re.sub(r"'[^']*'|\"[^\"]*\"", "''", block) for block in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", source, re.S)]


def _workflow_names() -> set[str]:
    definition = workflow("pdt").definition
    return ({s.name for s in definition.states} | {t.trigger for t in definition.transitions}
            | {t.decision.name for t in definition.transitions if t.decision is not None})


@pytest.mark.parametrize(("name", "source"), _templates())
def test_templates_hold_no_roles_workflow_names_or_arithmetic(name: str, source: str):
    logic = _logic(source)
    assert not [b for b in logic if ".role" in b], name
    literals = {text for block in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", source, re.S)
                for text in re.findall(r"'([^']*)'|\"([^\"]*)\"", block) for text in text if text}
    assert not literals & set(ROLES), f"{name} decides on roles {literals & set(ROLES)}"
    found = {word for word in re.findall(r"[a-z_]+", source) if word in _workflow_names()}
    assert not found, f"{name} names {found}"
    arithmetic = [b for b in logic if re.search(r"[\w)\]]\s*[-+*/%]\s*[\w(]|[(\s{]-\s*[a-z]", b.strip("{}%"))]
    assert not arithmetic, f"{name}: {arithmetic}"


@pytest.mark.parametrize(("path", "form", "lands_on", "notice"), [
    ("pasos", {"trigger": "adoptar_por_decreto", "version": "1"}, "", "No se registró: fecha: falta este campo."),
    ("ausencias", {"doc_type": "formato_empalme_10", "fecha": "2024-01-02", "motivo": "x", "version": "0"}, "",
     "No se registró: version: "),
    ("decision", {"decision": "devolver", "fecha": "ayer", "version": "1"}, "/informe", "No se registró: fecha: "),
])
def test_a_page_form_that_fails_validation_comes_back_with_a_spanish_notice(plan_in_council, page_of, client, as_user,
                                                                               path, form, lands_on, notice):
    office = page_of("ana", "planeacion")
    plan = f"/planes/{plan_in_council}"
    response = office.post(f"{plan}/{path}", data={**form, "csrf_token": _csrf(office)}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, plan + lands_on)
    assert notice in unescape(office.get(plan + lands_on).text)
    api = client.post(f"{API}/plans/{plan_in_council}/council-decision", data={"decision": "devolver"},
                      headers=as_user("corporacion"))  # the API keeps its JSON refusal
    assert (api.status_code, api.json()["code"], api.json()["field"]) == (422, "validation_error", "body.fecha")


def test_a_link_with_a_bad_query_shows_an_error_page_in_spanish(plan_in_council, page_of):
    response = page_of("ana", "planeacion").get(f"/planes/{plan_in_council}?as_of=ayer")
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/html")
    assert "as_of: debe ser una fecha AAAA-MM-DD" in unescape(response.text)


def test_the_dashboard_counts_one_period(new_plan, page_of) -> None:  # type: ignore[no-untyped-def]
    """The dashboard, its CSV and its workbook never mix cycles: the cut date's by default, or the
    period chosen in its form (#24, point 6)."""
    new_plan("05001", period=2020)
    new_plan("05002", period=2024)
    dnp = page_of("dnp-tablero", "dnp")
    current = _visible_text(dnp.get("/tablero", params={"hoy": "2024-06-30"}).text)
    assert "1 plan del período 2024–2027" in current
    earlier = dnp.get("/tablero", params={"hoy": "2024-06-30", "periodo": "2020"})
    assert "1 plan del período 2020–2023" in _visible_text(earlier.text)
    assert '<option value="2020" selected>' in earlier.text.replace("  ", " ")
    rows = dnp.get("/tablero.csv", params={"hoy": "2024-06-30", "periodo": "2020"}).text
    assert "05001-2020" in rows and "05002-2024" not in rows
    assert dnp.get("/tablero", params={"periodo": "2025"}).status_code == 422


def test_the_plan_page_says_whose_each_next_step_is(plan_in_council, page_of) -> None:  # type: ignore[no-untyped-def]
    """Before the council, the office reads the council's steps as the council's, never as steps
    it 'may take' (#24, point 7)."""
    office = page_of("ana-pasos", "planeacion")
    text = _visible_text(office.get(f"/planes/{plan_in_council}", params={"hoy": "2024-05-10"}).text)
    assert "A cargo de: Concejo" in text and "A cargo de: Oficina de planeación" in text
    assert "puede avanzar" not in text
