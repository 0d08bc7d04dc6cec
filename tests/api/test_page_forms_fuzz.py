"""Every POST form of the pages, fuzzed (Hypothesis) through the TestClient as a browser signed in
as the plan's own planning office and as its council: odd text, huge and control-character values,
impossible dates and numbers, files with random bytes and hostile names, missing, repeated, extra
and mistyped fields. Whatever is posted, the answer is a redirect to a page with a Spanish notice or
a 4xx in Spanish (a page; JSON {"code", "detail"} where the edge or a form's declared fields refuse
it, as on the API): never a 5xx, a traceback or pydantic's English; and the service still answers.
Bounded and derandomised, so a run is repeatable and short."""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import Engine

from api.app import create_app
from kpt_workflow.base.config import Settings
from kpt_workflow.services.sample import INVESTMENT_PLAN, PDF, STEPS_2024, STRATEGIC_PART

EXAMPLES = 50  # per form and user
NOT_SPANISH = ("Input should", "Field required", "field required", "value is not a valid", "Extra inputs",
               "String should", "Expected ", "received:", "<class ", "Traceback", "Internal Server Error",
               "most recent call last", 'File "/', "UploadFile(")  # the last: an object's repr is no message
# Refusals in JSON (the edge's and those of a form's declared fields) read as Spanish sentences.
SPANISH_DETAIL = re.compile(r"(falta|debe|admite|supera|no es|no tiene|no puede|sobra|campo|cabecera|solicitud)")
SESSION_TOKEN = "<el token CSRF de la sesión>"
NOTICE = re.compile(r'<p class="notice (error|success)" role="status">([^<]+)</p>')

# Values no form expects: control and bidi characters, huge and empty text, numbers and dates
# that parse badly or not at all.
ODD = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["", " ", "\x00", "\u202e\u2066abc", "ñandú ☃ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "1e999999", "²", "-1", "0",
                     "-99999999999999999999999", "9" * 400, "NaN", "inf", "١٢", "2024-02-30", "99999-01-01",
                     "0000-00-00", "2024-13-01", "2024-1-1", "20240101", "2024-02-29T25:00", "null", "[]", "{}"]),
    st.builds(lambda ch, n: ch * n, st.sampled_from(["a", "é", "\x07", "𝔘"]), st.sampled_from([65, 2001, 70_000])),
)
NAMES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["informe.pdf", "../../etc/passwd", "..\\..\\boot.ini", "/etc/shadow", "", ".", "..",
                     "\u202egpj.exe", "x" * 10_000 + ".pdf", "a\x00b.pdf", "con.csv", "plan.yaml", "datos.json"]),
)
CONTENTS = st.one_of(st.binary(max_size=3000), st.sampled_from([
    PDF, b"", b"\xef\xbb\xbf", "ejes: [".encode(), b"lineas:\n  - a: 1e999999\n", b'{"ejes": 1}',
    b"programa,anio,valor\nx,2024,1e999999\n", "ñ,²\n".encode("utf-16"), b"\xff\xfe\x00"]))
GOOD_FILES = st.sampled_from([("informe.pdf", PDF, "application/pdf"),
                               ("parte.json", json.dumps(STRATEGIC_PART).encode(), "application/json"),
                               ("plan.json", json.dumps(INVESTMENT_PLAN).encode(), "application/json")])
FILES = st.tuples(NAMES, CONTENTS, st.sampled_from(["application/pdf", "text/csv", "application/octet-stream",
                                                     "text/yaml", "image/png", ""]))


@dataclass(frozen=True)
class Form:
    """A form as a page posts it: the plausible values of each field, and its file fields."""

    path: str
    fields: dict[str, list[str]]
    files: tuple[str, ...] = ()
    lands_on: str = ""  # where its redirect goes on the plan's page, for the notice to be read there


TRIGGERS = [trigger for trigger, _ in STEPS_2024] + ["aprobar_plan", "devolver"]
DATES = ["2024-05-20", "2024-04-30", "2024-05-31", "2023-12-15"]  # the council decides before May 31
CURRENT = "<la versión vigente del plan>"
VERSIONS = [CURRENT, CURRENT, "1", "2"]  # mostly the version the page shows, so a post can go through
PLAN_FORMS = {
    "pasos": Form("pasos", {"trigger": TRIGGERS, "fecha": DATES, "version": VERSIONS}),
    "documentos": Form("documentos", {"doc_type": ["formato_empalme_01", "acta_informe_gestion", "concepto_ctp"],
                                      "fecha": DATES, "version": VERSIONS, "numero": ["", "123"]}, files=("file",),
                       lands_on="#documentos"),
    "ausencias": Form("ausencias", {"doc_type": ["formato_empalme_01", "formato_empalme_07"], "fecha": DATES,
                                    "motivo": ["No se entregó en el empalme."], "version": VERSIONS},
                      lands_on="#documentos"),
    "estrategia": Form("estrategia", {"kind": ["parte_estrategica", "plan_plurianual"], "fecha": DATES,
                                      "version": VERSIONS}, files=("file",), lands_on="#estrategia"),
    "decision": Form("decision", {"decision": ["aprobar", "devolver"], "fecha": DATES, "version": VERSIONS,
                                  "numero": ["", "045"]}, files=("file",), lands_on="/informe"),
}


def _fuzzed_form(form: Form) -> st.SearchStrategy[tuple[dict[str, object], dict[str, object]]]:
    """(data, files) to post: a few fields odd, repeated, missing or sent as the wrong kind (text as
    a file, a file as text), the others as the page fills them in (the session's CSRF token
    included, so most posts reach the handler); and a few fields nobody asked for."""
    plausible = {name: st.tuples(st.just("data"), st.sampled_from(values))
                 for name, values in {**form.fields, "csrf_token": [SESSION_TOKEN]}.items()}
    plausible.update({name: st.tuples(st.just("files"), GOOD_FILES) for name in form.files})
    missing = st.just(("missing", None))
    repeated = st.lists(ODD, min_size=2, max_size=3)
    odd_text = st.one_of(st.tuples(st.just("data"), ODD), st.tuples(st.just("data"), repeated),
                         st.tuples(st.just("files"), FILES), missing)
    odd_file = st.one_of(st.tuples(st.just("files"), FILES), st.tuples(st.just("data"), ODD), missing)
    extras = st.dictionaries(st.text(min_size=1, max_size=12), ODD, max_size=3)

    def assemble(chosen: dict[str, tuple[str, object]],
                 extra: dict[str, object]) -> tuple[dict[str, object], dict[str, object]]:
        data: dict[str, object] = {k: v for k, v in extra.items() if k not in chosen}
        files: dict[str, object] = {}
        for name, (where, value) in chosen.items():
            if where != "missing":
                (data if where == "data" else files)[name] = value
        return data, files

    def drawn(odd: frozenset[str]) -> st.SearchStrategy[tuple[dict[str, object], dict[str, object]]]:
        shapes = {name: (odd_file if name in form.files else odd_text) if name in odd else way
                  for name, way in plausible.items()}
        return st.builds(assemble, st.fixed_dictionaries(shapes), extras)

    return st.frozensets(st.sampled_from(sorted(plausible)), max_size=len(plausible)).flatmap(drawn)


def _check(client: TestClient, response: Response, lands_on: str | None) -> None:
    """The properties of every answer to a form: no 5xx, Spanish only, a notice where it lands."""
    assert response.status_code < 500, response.text[:500]
    for phrase in NOT_SPANISH:
        assert phrase not in response.text, response.text[:500]
    if response.status_code in (302, 303):
        target = response.headers["location"]
        assert lands_on is not None and target.split("#")[0] == lands_on.split("#")[0], target
        page = client.get(target)
        assert page.status_code == 200, page.text[:500]
        notices = NOTICE.findall(page.text)
        assert notices, f"sin aviso en {target}"
        for phrase in NOT_SPANISH:
            assert all(phrase not in text for _, text in notices), notices
        return
    assert 400 <= response.status_code < 500, response.status_code
    if response.headers["content-type"].startswith("application/json"):  # the edge's and the validation's refusals
        body = response.json()
        assert isinstance(body["code"], str) and SPANISH_DETAIL.search(body["detail"]), body
        return
    assert response.headers["content-type"].startswith("text/html"), response.text[:300]
    assert '<html lang="es' in response.text


def _bounded(examples: int) -> settings:
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))


def _csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert found
    return found.group(1)


def _post(client: TestClient, path: str, data: dict[str, object], files: dict[str, object],
          plan_id: str = "") -> Response:
    """The form as drawn, with what the page would hold now filled in: the session's token (a logout
    renews it) and the plan's version."""
    if data.get("csrf_token") == SESSION_TOKEN:
        data = {**data, "csrf_token": _csrf(client)}
    if data.get("version") == CURRENT:
        data = {**data, "version": str(client.get(f"/api/v1/plans/{plan_id}").json()["version"])}
    return client.post(path, data=data, files=files or None, follow_redirects=False)


@pytest.fixture
def app(engine: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Failed logins unthrottled: a 429 from the throttle would otherwise answer in place of the form."""
    return create_app(Settings(database_url=engine.url.render_as_string(hide_password=False),
                               data_dir=tmp_path / "data", max_document_bytes=64 * 1024,
                               login_failures_per_user=10**6, login_failures_per_address=10**6))


@pytest.mark.parametrize("role", ["planeacion", "corporacion"])
def test_the_plan_forms_answer_any_input_in_spanish_without_5xx(role: str, app, plan_in_council: str,
                                                                 with_password: Callable[..., str],
                                                                 log_in: Callable[..., Response]):
    with TestClient(app) as client:
        with_password(f"fuzz-{role}", role=role, entity="05001")
        assert log_in(client, f"fuzz-{role}").status_code == 303
        for form in PLAN_FORMS.values():
            plan_page = f"/planes/{plan_in_council}"
            lands_on = plan_page + form.lands_on

            @_bounded(EXAMPLES)
            @given(posted=_fuzzed_form(form))
            def post(posted: tuple[dict[str, object], dict[str, object]]) -> None:
                response = _post(client, f"{plan_page}/{form.path}", *posted, plan_id=plan_in_council)
                _check(client, response, lands_on)

            post()
        assert client.get("/api/v1/health").json() == {"status": "ok"}
        assert client.get(f"/planes/{plan_in_council}").status_code == 200  # still signed in, the plan still shown


def test_the_login_and_logout_forms_answer_any_input_in_spanish_without_5xx(app):
    with TestClient(app) as client:
        login = Form("login", {"username": ["ana", "admin"], "password": ["clave"], "next": ["/", "//evil.example",
                                                                                           "/planes"]})
        for form, lands_on in ((login, None), (Form("logout", {}), "/login")):

            @_bounded(EXAMPLES)
            @given(posted=_fuzzed_form(form))
            def post(posted: tuple[dict[str, object], dict[str, object]]) -> None:
                _check(client, _post(client, f"/{form.path}", *posted), lands_on)

            post()
        assert client.get("/api/v1/health").json() == {"status": "ok"}
