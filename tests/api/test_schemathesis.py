"""Property-based tests of every operation against the app's own OpenAPI schema (schemathesis):
whatever a client sends, signed in as any role, the server answers without a 5xx, a refusal is a 4xx
JSON {"code", "detail"} in Spanish, and what it answers is what the schema promises. Bounded and
derandomised, so a run is repeatable and short; SQLite only.

Schemathesis' pytest entry point (`schemathesis.pytest.from_fixture(...).parametrize()`) does not
run under pytest 9.2 (it sets `request.node._nodeid`, which pytest no longer has), so each
operation's strategy (`APIOperation.as_strategy`) runs under an explicit Hypothesis `@given`."""

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.errors import FailureGroup
from schemathesis.python.asgi import shutdown_lifespans
from sqlalchemy import Engine

from api.app import create_app
from kpt_workflow.services.accounts import create_user
from kpt_workflow.base.config import Settings
from kpt_workflow.storage.unit_of_work import UnitOfWork

PLAN_ID, FOREIGN_PLAN_ID = "05001-2024", "11001-2024"
# role -> (entity, examples per operation and mode): every role, an entity role on its own entity. The
# overseer and the plan's own office get the most examples; the other roles fewer, to keep the run short.
CALLERS = {"planeacion": ("05001", 8), "dnp": (None, 8), "corporacion": ("05001", 4), "departamento": ("05", 4),
           "admin": (None, 4)}
OTHER_USER = "fuzz-otro"  # a user for the admin's operations on users to reach, besides unknown names
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# Real identifiers, often enough that the handlers behind the plan lookup are reached, not only its 404.
KNOWN = {"plan_id": [PLAN_ID, FOREIGN_PLAN_ID], "doc_type": ["formato_empalme_01", "acta_informe_gestion"],
         "version": [1, 2], "code": ["05001", "11"], "username": [OTHER_USER]}
# What pydantic, FastAPI or Starlette would say if a refusal escaped the Spanish wording of kpt_workflow/base/validation.py.
LIBRARY_ENGLISH = ("Input should", "Field required", "value is not a valid", "Expected ", "received:", "<class ",
                   "Traceback", "Internal Server Error", "Not Found", "Method Not Allowed")
Check = Callable[..., bool | None]


def _bounded(max_examples: int) -> settings:
    return settings(max_examples=max_examples, derandomize=True, database=None, deadline=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def errors_are_4xx_json_with_code_and_detail(ctx, response, case) -> None:  # type: ignore[no-untyped-def]
    """The contract of api/errors.py, for every refusal the server makes."""
    if response.status_code < 400:
        return
    assert response.status_code < 500, f"{response.status_code} no es un error del cliente"
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"el error no es JSON: {response.content[:200]!r}") from None
    assert isinstance(body, dict) and isinstance(body.get("code"), str) and isinstance(body.get("detail"), str), body
    assert not any(phrase in body["detail"] for phrase in LIBRARY_ENGLISH), body["detail"]


def successes_match_the_schema(ctx, response, case) -> bool | None:  # type: ignore[no-untyped-def]
    """Schema conformance of what the API promises to return (its 2xx bodies)."""
    if response.status_code >= 400:
        return None
    return schemathesis.checks.response_schema_conformance(ctx, response, case)


@pytest.fixture
def app(engine: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A fresh app per test (so per role), its audit verifications unthrottled: a 429 from the rate
    limiter would otherwise answer in place of the handler after a few examples, and hide its 5xx."""
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False), data_dir=tmp_path / "data",
                        max_document_bytes=1024 * 1024, audit_full_verifications_per_minute=10_000,
                        audit_verifications_per_minute=10_000)
    return create_app(settings)


@pytest.fixture(params=list(CALLERS))
def caller(request: pytest.FixtureRequest, engine: Engine,  # type: ignore[no-untyped-def]
           new_plan, file_doc) -> tuple[dict[str, str], int]:
    """Bearer headers of the user the run acts as, and its examples per operation; both plans
    exist, the own one with a filed document, and another user for the admin to act on."""
    if engine.dialect.name != "sqlite":
        pytest.skip("schemathesis corre solo sobre SQLite; la matriz de autorización cubre PostgreSQL")
    new_plan("05001")
    new_plan("11001")
    file_doc(PLAN_ID, "formato_empalme_01")
    with UnitOfWork(engine, write=True) as uow:
        entity, examples = CALLERS[request.param]
        _, token = create_user(uow.session, username=f"fuzz-{request.param}", role=request.param, entity_code=entity)
        create_user(uow.session, username=OTHER_USER, role="planeacion", entity_code="05001")
        uow.commit()
    return {"Authorization": f"Bearer {token}"}, examples


@pytest.fixture
def operations(app) -> Iterator[list[schemathesis.APIOperation]]:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=schemathesis.Config.from_dict({"seed": 2024}))
    yield [result.ok() for result in schema.get_all_operations()]
    shutdown_lifespans()  # schemathesis keeps the app's lifespan running; end it with the test


def _failure(operation: schemathesis.APIOperation, mode: GenerationMode, headers: dict[str, str],
             checks: list[Check], max_examples: int) -> str | None:
    """The first failing example of `operation` (Hypothesis does not shrink here), or None."""
    found: list[str] = []
    names = [p.name for p in operation.path_parameters]
    known = st.fixed_dictionaries({n: st.one_of(st.sampled_from(KNOWN.get(n, [None])), st.none()) for n in names})

    @_bounded(max_examples)
    @given(case=operation.as_strategy(generation_mode=mode), known=known)
    def run(case: schemathesis.Case, known: dict[str, object]) -> None:
        if mode is GenerationMode.POSITIVE:
            case.path_parameters = {**(case.path_parameters or {}), **{n: v for n, v in known.items() if v is not None}}
        response = case.call(headers=dict(headers))  # call() adds its own headers to the dict it gets
        try:
            case.validate_response(response, checks=checks)
        except FailureGroup as failure:
            found.append(f"{operation.label} [{mode.value}] {response.status_code}\n{str(failure)[:1500]}")
            raise

    try:
        run()
    except FailureGroup:
        pass
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE, operation.label  # nothing to make invalid (no parameters)
    return found[0] if found else None


def test_every_operation_answers_without_5xx_and_as_the_schema_says(operations, caller):
    checks = [schemathesis.checks.not_a_server_error, errors_are_4xx_json_with_code_and_detail,
              successes_match_the_schema, schemathesis.checks.content_type_conformance]
    headers, examples = caller
    problems = [_failure(op, mode, headers, checks, examples) for op in operations for mode in MODES]
    assert not any(problems), "\n\n".join(p for p in problems if p)


@pytest.mark.parametrize("caller", ["dnp"], indirect=True)
def test_error_responses_are_documented_in_the_schema(operations, caller):
    checks = [schemathesis.checks.response_schema_conformance, schemathesis.checks.status_code_conformance]
    problems = [_failure(op, mode, caller[0], checks, max_examples=5) for op in operations for mode in MODES]
    assert not any(problems), "\n\n".join(p for p in problems if p)


@pytest.mark.parametrize("caller", ["planeacion"], indirect=True)
def test_a_refused_pattern_is_described_as_the_field_expects(client, caller):
    response = client.post("/api/v1/plans", headers=caller[0], json={"entity_code": "5001", "period": 2024})
    assert response.status_code == 422 and response.json()["field"] == "body.entity_code"
    assert "empezando por una letra" not in response.json()["detail"], response.json()["detail"]
