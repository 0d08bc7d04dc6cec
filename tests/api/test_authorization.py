"""The authorisation matrix, generated from the app's own OpenAPI schema: every operation, every
role, own entity and foreign. A route the tables below do not know fails the matrix, so a new route
forces a decision about who may call it."""

import io
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import insert

from kpt_workflow.reference.mga import MGA_PRODUCTS
from kpt_workflow.reference.territory import POPULATION, POPULATION_SOURCE
from kpt_workflow.services.accounts import token_hash
from kpt_workflow.services.sample import INVESTMENT_PLAN, PDF, STRATEGIC_PART
from kpt_workflow.storage.tables import CalendarToken
from kpt_workflow.storage.unit_of_work import UnitOfWork

API = "/api/v1"
PUBLIC = {("get", f"{API}/health")}
ROLES = ("planeacion", "corporacion", "departamento", "dnp", "admin")
ENTITY_ROLES = ("planeacion", "corporacion", "departamento")
PLAN_ID, FOREIGN_PLAN_ID, MISSING_PLAN_ID = "05001-2024", "11001-2024", "05002-2024"
FILED_DOC_TYPE = "formato_empalme_01"  # filed in the setup, so its download exists
WRITE_METHODS = {"post", "put", "patch", "delete"}

Who = tuple[str, str]  # (role, "own" | "foreign") as in tests/api/conftest.py
# Everyone but the foreign entity users sees the own entity's plan (DNP and admin see everything).
EVERYONE = [(role, side) for side in ("own", "foreign") for role in ROLES]
FOREIGN = [(role, "foreign") for role in ENTITY_ROLES]
SEES_OWN_PLAN = [who for who in EVERYONE if who not in FOREIGN]

# Values for path parameters other than plan_id; a new parameter name needs a value here.
PATH_VALUES = {"doc_type": FILED_DOC_TYPE, "version": "1", "code": "05001", "section": "salud",
               "username": "nuevo-admin-own",  # created by POST /users, which the matrix calls first
               "token_id": "enlace000001"}  # the own office's calendar link, made in the setup

def _empty_workbook() -> bytes:
    from openpyxl import Workbook
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


EMPTY_WORKBOOK = _empty_workbook()
# What a plausible call sends beyond its path (None: nothing). A new operation needs an entry.
Request = dict[str, Any] | Callable[[Who], dict[str, Any]]
REQUESTS: dict[tuple[str, str], Request | None] = {
    ("get", f"{API}/health"): None,
    ("get", f"{API}/entities"): None,
    ("get", f"{API}/entities/{{code}}"): None,
    ("get", f"{API}/indicators"): None,
    ("get", f"{API}/document-types"): None,
    ("get", f"{API}/workflows"): None,
    ("get", f"{API}/audit/verify"): None,
    ("get", f"{API}/me"): None,
    ("get", f"{API}/reports/bottlenecks"): {"params": {"as_of": "2024-03-01"}},
    ("get", f"{API}/reports/pnd"): {"params": {"period": "2024"}},
    ("get", f"{API}/plans/{{plan_id}}/pnd"): {},
    ("get", f"{API}/plans"): None,
    ("post", f"{API}/plans"): {"json": {"entity_code": "05001", "period": 2024}},
    ("post", f"{API}/users"): lambda who: {"json": {"username": f"nuevo-{who[0]}-{who[1]}", "role": "dnp"}},
    ("post", f"{API}/users/{{username}}/deactivate"): None,
    ("post", f"{API}/users/{{username}}/token"): None,
    ("post", f"{API}/amendments"): lambda who: {"json": {
        "norma": f"Ley de prueba {who[0]} {who[1]}", "articulo": "art. 1", "fecha_norma": "2024-03-01",
        "periodos": [2024], "plazo": "radicacion_corporacion", "nueva_fecha": "2024-05-31"}},
    ("get", f"{API}/amendments"): None,
    ("get", f"{API}/plans/{{plan_id}}"): None,
    ("get", f"{API}/plans/{{plan_id}}/history"): None,
    ("get", f"{API}/plans/{{plan_id}}/documents"): None,
    ("get", f"{API}/plans/{{plan_id}}/documents/{{doc_type}}/versions/{{version}}/content"): None,
    ("get", f"{API}/plans/{{plan_id}}/strategy"): None,
    ("get", f"{API}/plans/{{plan_id}}/investments"): None,
    ("post", f"{API}/plans/{{plan_id}}/transitions"): {"json": {"trigger": "iniciar_construccion",
                                                              "fecha": "2024-01-20"}},
    ("post", f"{API}/plans/{{plan_id}}/council-decision"): {"data": {"decision": "devolver", "fecha": "2024-05-10"}},
    ("post", f"{API}/plans/{{plan_id}}/documents"): {
        "data": {"doc_type": "formato_empalme_02", "fecha": "2023-12-15"},
        "files": {"file": ("formato.pdf", PDF, "application/pdf")}},
    ("post", f"{API}/plans/{{plan_id}}/documents/{{doc_type}}/absence"): {
        "json": {"motivo": "El gobierno saliente no lo entregó.", "fecha": "2024-01-10"}},
    ("post", f"{API}/plans/{{plan_id}}/documents/{{doc_type}}/withdrawal"): {"json": {"motivo": "Radicado por error."}},
    ("put", f"{API}/plans/{{plan_id}}/strategy"): {"params": {"fecha": "2024-02-10"}, "json": STRATEGIC_PART},
    ("put", f"{API}/plans/{{plan_id}}/investments"): {"params": {"fecha": "2024-02-12"}, "json": INVESTMENT_PLAN},
    ("get", f"{API}/entities/{{code}}/diagnosis"): None,
    ("get", f"{API}/entities/{{code}}/associativity"): None,
    ("get", f"{API}/products"): {"params": {"q": "alcantarillado"}},
    # Both imports are sent unchanged data (a shipped value; the shipped catalog as a preview): they write nothing.
    ("post", f"{API}/territory-indicators"): {"files": {"file": ("t.csv", (
        f"entidad,indicador,anio,valor,unidad,fuente\n05001,{POPULATION},2024,2616335,personas,{POPULATION_SOURCE}\n"
    ).encode(), "text/csv")}},
    ("post", f"{API}/products/catalog"): {"data": {"simular": "true"},
                                          "files": {"file": ("mga.csv", MGA_PRODUCTS.read_bytes(), "text/csv")}},
    ("post", f"{API}/plans/{{plan_id}}/products"): {"json": {"producto": "4003018", "eje": "Agua", "fecha": "2024-02-10"}},
    ("get", f"{API}/plans/{{plan_id}}/plan-indicativo.xlsx"): None,
    # An empty workbook: a real XLSX that the import refuses on the merits (its sheets are missing), writing nothing.
    ("post", f"{API}/plans/{{plan_id}}/plan-indicativo"): {"data": {"fecha": "2024-02-10"}, "files": {"file": (
        "plan.xlsx", EMPTY_WORKBOOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}},
    ("get", f"{API}/plans/{{plan_id}}/calendar.ics"): None,
    ("get", f"{API}/entities/{{code}}/calendar.ics"): None,
    ("post", f"{API}/calendar-tokens"): {"json": {"entity_code": "05001"}},
    ("get", f"{API}/calendar-tokens"): None,
    ("post", f"{API}/calendar-tokens/{{token_id}}/revoke"): None,
    ("get", f"{API}/alerts"): {"params": {"hoy": "2024-02-22"}},
    ("get", f"{API}/plans/{{plan_id}}/diagnostic"): None,
    ("get", f"{API}/plans/{{plan_id}}/diagnostic/document"): {"params": {"formato": "pdf"}},
    ("put", f"{API}/plans/{{plan_id}}/diagnostic/sections/{{section}}"): {"json": {"texto": "Cobertura alta."}},
    ("post", f"{API}/plans/{{plan_id}}/diagnostic/filing"): {"json": {"formato": "docx", "fecha": "2024-02-10"}},
}

# Who may change a plan: the one role of the plan's own entity; every other user who sees it gets 403.
WRITERS = {
    ("post", f"{API}/plans/{{plan_id}}/transitions"): "planeacion",  # iniciar_construccion is the office's step
    ("post", f"{API}/plans/{{plan_id}}/council-decision"): "corporacion",
    ("post", f"{API}/plans/{{plan_id}}/documents"): "planeacion",
    ("post", f"{API}/plans/{{plan_id}}/documents/{{doc_type}}/absence"): "planeacion",
    ("post", f"{API}/plans/{{plan_id}}/documents/{{doc_type}}/withdrawal"): "planeacion",
    ("put", f"{API}/plans/{{plan_id}}/strategy"): "planeacion",
    ("put", f"{API}/plans/{{plan_id}}/investments"): "planeacion",
    ("post", f"{API}/plans/{{plan_id}}/products"): "planeacion",  # a product of the bank into the strategic part
    ("put", f"{API}/plans/{{plan_id}}/diagnostic/sections/{{section}}"): "planeacion",
    ("post", f"{API}/plans/{{plan_id}}/diagnostic/filing"): "planeacion",  # the diagnostico document, as any filing
    ("post", f"{API}/plans/{{plan_id}}/plan-indicativo"): "planeacion",  # the Plan Indicativo workbook imported
}
# What the writer may get: applied, or refused on the merits (conflict, guard, invalid input), never 403/404.
ON_THE_MERITS = {200, 201, 409, 422}


def _plan_creation(who: Who) -> int:
    role, side = who
    if role in ENTITY_ROLES and side == "foreign":
        return 404  # another entity's territory does not exist for them
    return 409 if who == ("planeacion", "own") else 403  # the plan exists already; only its office creates it


# Operations not scoped to a plan: the status each user gets, stated one by one.
NOT_PLAN_SCOPED: dict[tuple[str, str], Callable[[Who], int]] = {
    ("get", f"{API}/health"): lambda who: 200,
    ("get", f"{API}/entities"): lambda who: 200,  # DIVIPOLA is public reference data
    ("get", f"{API}/entities/{{code}}"): lambda who: 200,
    ("get", f"{API}/indicators"): lambda who: 200,
    ("get", f"{API}/document-types"): lambda who: 200,
    ("get", f"{API}/workflows"): lambda who: 200,  # what `flujo` may name: the definitions are no secret
    ("get", f"{API}/audit/verify"): lambda who: 200 if who[0] in ("dnp", "admin") else 403,
    ("get", f"{API}/me"): lambda who: 200,
    ("get", f"{API}/plans"): lambda who: 200,  # its contents: test_plan_list_shows_only_visible_plans
    # the country's, or a department's own (tests/api/test_reports_api.py); offices and councils: their plans
    ("get", f"{API}/reports/bottlenecks"): lambda who: 200 if who[0] in ("departamento", "dnp", "admin") else 403,
    ("get", f"{API}/reports/pnd"): lambda who: 200 if who[0] in ("departamento", "dnp", "admin") else 403,
    ("post", f"{API}/plans"): _plan_creation,
    ("post", f"{API}/users"): lambda who: 201 if who[0] == "admin" else 403,
    ("post", f"{API}/users/{{username}}/deactivate"): lambda who: 200 if who[0] == "admin" else 403,
    ("post", f"{API}/users/{{username}}/token"): lambda who: 201 if who[0] == "admin" else 403,
    ("post", f"{API}/amendments"): lambda who: 201 if who[0] == "admin" else 403,
    ("get", f"{API}/amendments"): lambda who: 200 if who[0] == "admin" else 403,
    # public reference data: any entity's diagnosis and options, and the bank, for every role
    ("get", f"{API}/entities/{{code}}/diagnosis"): lambda who: 200,
    ("get", f"{API}/entities/{{code}}/associativity"): lambda who: 200,
    ("get", f"{API}/products"): lambda who: 200,
    ("post", f"{API}/territory-indicators"): lambda who: 200 if who[0] in ("dnp", "admin") else 403,
    ("post", f"{API}/products/catalog"): lambda who: 200 if who[0] in ("dnp", "admin") else 403,
    # an entity's terms, and links to them, for whoever sees the entity; another's does not exist for them
    ("get", f"{API}/entities/{{code}}/calendar.ics"): lambda who: 404 if who in FOREIGN else 200,
    ("post", f"{API}/calendar-tokens"): lambda who: 404 if who in FOREIGN else 201,
    ("get", f"{API}/calendar-tokens"): lambda who: 200,  # each user's own (test_calendars_api.py)
    # the own office's link: its owner or the administration revoke it; for anyone else it does not exist
    ("post", f"{API}/calendar-tokens/{{token_id}}/revoke"): lambda who: 200 if who in (("planeacion", "own"),
                                                                                       ("admin", "own"),
                                                                                       ("admin", "foreign")) else 404,
    ("get", f"{API}/alerts"): lambda who: 200,  # of the plans each user sees (test_calendars_api.py)
}


def _operations(app) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            yield method, path


def _url(path: str, plan_id: str = PLAN_ID) -> str:
    names = {name: value for name, value in PATH_VALUES.items() if f"{{{name}}}" in path}
    url = path.replace("{plan_id}", plan_id).format(**names)
    assert "{" not in url, f"{path}: falta un valor de ejemplo en PATH_VALUES para {url}"
    return url


def _call(client: TestClient, operation: tuple[str, str], who: Who | None, headers: dict[str, str],
          plan_id: str = PLAN_ID) -> Response:
    request = REQUESTS[operation]
    kwargs = (request(who or ("anon", "none")) if callable(request) else request) or {}
    method, path = operation
    return client.request(method.upper(), _url(path, plan_id), headers=headers, **kwargs)


def _is_error(response: Response, status: int, code: str) -> bool:
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    return response.status_code == status and body.get("code") == code and bool(body.get("detail"))


def _undecided(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Operations the tables cannot exercise: each needs a decision before it ships."""
    found = []
    for method, path in _operations(app):
        operation = (method, path)
        if operation not in REQUESTS:
            found.append(f"{method.upper()} {path}: sin solicitud de ejemplo en REQUESTS")
        if "{plan_id}" in path:
            if method in WRITE_METHODS and operation not in WRITERS:
                found.append(f"{method.upper()} {path}: escritura sin rol autorizado en WRITERS")
            elif method not in WRITE_METHODS | {"get"}:
                found.append(f"{method.upper()} {path}: método {method} sin regla de autorización")
        elif operation not in NOT_PLAN_SCOPED:
            found.append(f"{method.upper()} {path}: no depende de un plan y no tiene estado esperado por rol")
        for name in (p.strip("{}") for p in path.split("/") if p.startswith("{")):
            if name != "plan_id" and name not in PATH_VALUES:
                found.append(f"{method.upper()} {path}: sin valor de ejemplo para {{{name}}}")
    return found


@pytest.fixture
def plans(new_plan, file_doc, app, engine, tokens) -> str:  # type: ignore[no-untyped-def]
    """The own entity's plan (with one filed document, so a download exists) and a foreign one."""
    plan_id = new_plan("05001")
    file_doc(plan_id, FILED_DOC_TYPE)
    new_plan("11001")
    assert app.state.runtime.blobs.root.is_dir()  # the fixtures' store is the app's
    with UnitOfWork(engine, write=True) as uow:
        uow.connection.execute(insert(CalendarToken.__table__).values(
            id=PATH_VALUES["token_id"], token_hash=token_hash("enlace-de-prueba"), username="planeacion-own",
            feed="plan", target=plan_id, created_at=datetime.now(timezone.utc)))
        uow.commit()
    return plan_id


def test_every_operation_in_the_schema_has_an_authorisation_decision(app):
    undecided = _undecided(app)
    assert not undecided, "\n".join(undecided)


def test_every_operation_but_health_refuses_a_caller_without_credentials(app, client, plans):
    problems = []
    for operation in _operations(app):
        if operation in PUBLIC:
            continue
        for headers in ({}, {"Authorization": "Bearer no-es-un-token"}, {"Authorization": "Basic dXNlcjpwYXNz"}):
            response = _call(client, operation, None, headers)
            if not _is_error(response, 401, "unauthorized") or response.headers.get("WWW-Authenticate") != "Bearer":
                problems.append(f"{operation[0].upper()} {operation[1]} {headers}: {response.status_code} "
                                f"{response.text[:200]}")
    assert not problems, "\n".join(problems)
    assert client.get(f"{API}/health").json() == {"status": "ok"}


def test_foreign_users_find_no_plan_of_another_entity_on_any_route(app, client, as_user, plans):
    """Every route with {plan_id}: a foreign user gets the very 404 of a plan that does not exist,
    and nothing is written; the writer role of the own entity is the only one not refused."""
    test_every_operation_in_the_schema_has_an_authorisation_decision(app)  # else REQUESTS has no entry
    problems = []
    for operation in (op for op in _operations(app) if "{plan_id}" in op[1]):
        label = f"{operation[0].upper()} {operation[1]}"
        before = client.get(f"{API}/plans/{PLAN_ID}/history", headers=as_user("dnp")).json()
        for who in FOREIGN:
            response = _call(client, operation, who, as_user(*who))
            missing = _call(client, operation, who, as_user(*who), plan_id=MISSING_PLAN_ID)
            if not _is_error(response, 404, "not_found"):
                problems.append(f"{label} como {who}: {response.status_code} {response.text[:200]}")
            elif response.json() != {k: v.replace(MISSING_PLAN_ID, PLAN_ID) if isinstance(v, str) else v
                                     for k, v in missing.json().items()}:
                problems.append(f"{label} como {who}: el 404 difiere del de un plan inexistente "
                                f"({response.json()} vs {missing.json()})")
        writer = WRITERS.get(operation)
        for who in SEES_OWN_PLAN:
            if who == (writer, "own"):
                continue  # last: the one call that may change the plan
            response = _call(client, operation, who, as_user(*who))
            expected = (200, "") if writer is None else (403, "forbidden")
            if response.status_code != expected[0] or (expected[1] and response.json().get("code") != expected[1]):
                problems.append(f"{label} como {who}: {response.status_code} (se esperaba {expected[0]}) "
                                f"{response.text[:200]}")
        after = client.get(f"{API}/plans/{PLAN_ID}/history", headers=as_user("dnp")).json()
        if after != before:
            problems.append(f"{label}: los intentos rechazados escribieron {len(after) - len(before)} eventos")
        if writer is not None:
            response = _call(client, operation, (writer, "own"), as_user(writer))
            if response.status_code not in ON_THE_MERITS:
                problems.append(f"{label} como ({writer}, own): {response.status_code} {response.text[:200]}")
    assert not problems, "\n".join(problems)


def test_operations_without_a_plan_answer_each_role_as_declared(app, client, as_user, plans):
    problems = []
    for operation in (op for op in _operations(app) if "{plan_id}" not in op[1]):
        for who in EVERYONE:
            expected = NOT_PLAN_SCOPED[operation](who)
            response = _call(client, operation, who, as_user(*who))
            body = response.json() if response.headers["content-type"].startswith("application/json") else {}
            if response.status_code != expected or (expected >= 400 and not {"code", "detail"} <= set(body)):
                problems.append(f"{operation[0].upper()} {operation[1]} como {who}: {response.status_code} "
                                f"(se esperaba {expected}) {response.text[:200]}")
    assert not problems, "\n".join(problems)


def test_plan_list_shows_only_visible_plans(client, as_user, plans):
    for who in EVERYONE:
        for query in ({}, {"department": "05"}, {"state": "alistamiento"}):
            listed = _listed(client, as_user(*who), **query)
            if who in FOREIGN:
                assert PLAN_ID not in listed, (who, query, listed)
            else:
                assert PLAN_ID in listed, (who, query, listed)
    # Bogotá's own users see Bogotá's plan; Cundinamarca's department does not (Bogotá is its own, 11).
    assert _listed(client, as_user("planeacion", "foreign")) == {FOREIGN_PLAN_ID}
    assert _listed(client, as_user("departamento", "foreign")) == set()
    assert _listed(client, as_user("departamento")) == {PLAN_ID}
    assert _listed(client, as_user("dnp")) == {PLAN_ID, FOREIGN_PLAN_ID}


def _listed(client: TestClient, headers: dict[str, str], **query: str) -> set[str]:
    return {plan["id"] for plan in client.get(f"{API}/plans", headers=headers, params=query).json()}
