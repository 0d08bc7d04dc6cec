"""Who may take each step, generated from the workflow definition: every role (own entity and
foreign) × every trigger × every entry point (the API's step and council routes, the pages' step
and decision forms) expects exactly what the definition's `by:` allows, and a refusal writes nothing."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx import Response

from kpt_workflow.storage.tables import User
from kpt_workflow.lifecycle.engine import workflow
from kpt_workflow.base.roles import ENTITY_ROLES, ROLES
from kpt_workflow.services.sample import DOCUMENTS_2024, STEPS_2024
from kpt_workflow.states.schema import TransitionSpec
from kpt_workflow.storage.unit_of_work import UnitOfWork

API = "/api/v1"
DEFINITION = workflow("pdt").definition
STEP_DATES = {trigger: legal_date.isoformat() for trigger, legal_date in STEPS_2024}
COUNCIL_DATE = DOCUMENTS_2024["radicado_corporacion"][0].isoformat()
DECISION_OF = {step.trigger: decision for decision, step in workflow("pdt").decisions.items()}
ON_THE_MERITS = {200, 201, 409, 422}  # applied, or refused for the plan's facts: never for who asked
PASSWORD = "clave-de-prueba-123"
TEXTS = {"motivo": "Motivos de prueba.", "modificaciones": "Modificaciones de prueba."}  # what decisions record

Who = tuple[str, str]  # (role, "own" | "foreign"), the users of tests/api/conftest.py
EVERYONE: list[Who] = [(role, side) for role in ROLES for side in ("own", "foreign")]


@dataclass(frozen=True)
class Clients:
    api: TestClient  # no cookies: each call carries its user's bearer token
    tokens: dict[Who, str]
    pages: dict[Who, TestClient]  # each user signed in on a client of its own


@dataclass(frozen=True)
class Ask:
    """One attempt: who asks for which step on which plan, at the version read."""

    who: Who
    plan_id: str
    step: TransitionSpec
    version: int

    @property
    def fecha(self) -> str:
        return STEP_DATES.get(self.step.trigger, COUNCIL_DATE)


def _api_refusal(response: Response) -> str:
    """'' when the API took the step or refused it on its merits; else the refusal's code."""
    if response.status_code in ON_THE_MERITS:
        return ""
    return f"{response.status_code} {response.json().get('code')}"


def _page_refusal(response: Response) -> str:
    """A form post lands on the plan (or its report) with a notice; a plan the user cannot see is a 404."""
    if response.status_code == 404:
        return "404 not_found"
    return "403 forbidden" if re.search(r'class="notice error"[^>]*>Su rol \(', response.text) else ""


def _csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert found
    return found.group(1)


def _api_step(c: Clients, ask: Ask) -> str:
    return _api_refusal(c.api.post(f"{API}/plans/{ask.plan_id}/transitions",
                                   json={"trigger": ask.step.trigger, "fecha": ask.fecha},
                                   headers={"Authorization": f"Bearer {c.tokens[ask.who]}",
                                            "If-Match": f'"{ask.version}"'}))


def _api_decision(c: Clients, ask: Ask) -> str:
    return _api_refusal(c.api.post(f"{API}/plans/{ask.plan_id}/council-decision",
                                   data={"decision": DECISION_OF[ask.step.trigger], "fecha": ask.fecha,
                                         "numero": "Acuerdo 7", "version": str(ask.version), **TEXTS},
                                   headers={"Authorization": f"Bearer {c.tokens[ask.who]}"}))


def _page_step(c: Clients, ask: Ask) -> str:
    page = c.pages[ask.who]
    return _page_refusal(page.post(f"/planes/{ask.plan_id}/pasos", data={
        "trigger": ask.step.trigger, "fecha": ask.fecha, "version": str(ask.version), "csrf_token": _csrf(page)}))


def _page_decision(c: Clients, ask: Ask) -> str:
    page = c.pages[ask.who]
    return _page_refusal(page.post(f"/planes/{ask.plan_id}/decision", data={
        "decision": DECISION_OF[ask.step.trigger], "fecha": ask.fecha, "version": str(ask.version),
        "numero": "Acuerdo 7", "csrf_token": _csrf(page), **TEXTS}))


# Every entry point that can move a plan, and which steps it takes.
ENTRIES: dict[str, tuple[Callable[[TransitionSpec], bool], Callable[[Clients, Ask], str]]] = {
    "API POST /transitions": (lambda step: True, _api_step),
    "API POST /council-decision": (lambda step: step.trigger in DECISION_OF, _api_decision),
    "página POST /pasos": (lambda step: True, _page_step),
    "página POST /decision": (lambda step: step.trigger in DECISION_OF, _page_decision),
}


def allowed(who: Who, step: TransitionSpec) -> str:
    """What the definition allows: '' (the step may be asked for), or the refusal. A user of
    another entity does not see the plan; one who sees it acts only in a role the step declares."""
    role, side = who
    if role in ENTITY_ROLES and side == "foreign":
        return "404 not_found"
    return "" if role in step.by else "403 forbidden"


@pytest.fixture
def plan_at(new_plan, file_doc, advance, record_strategy, decide) -> Callable[[str], str]:  # type: ignore[no-untyped-def]
    """Medellín's 2024 plan with the tidy cycle's acts filed (all but the approval), driven to
    `state` (a side state a council decision leads to, such as a denial's, by that decision)."""

    def at(state: str) -> str:
        plan_id = new_plan()
        for doc_type in DOCUMENTS_2024:
            if doc_type != "acto_aprobacion":
                file_doc(plan_id, doc_type)
        record_strategy(plan_id)
        now = DEFINITION.initial
        for trigger, legal_date in STEPS_2024:
            if now == state:
                break
            now = str(advance(plan_id, trigger, legal_date)["to"])
        by_decision = [name for name, step in workflow("pdt").decisions.items() if (step.source, step.dest) == (now, state)]
        if now != state and by_decision:
            now = str(decide(plan_id, by_decision[0], DOCUMENTS_2024["radicado_corporacion"][0], "Acta 9",
                             reasons="Motivos de prueba.")["to"])
        assert now == state
        return plan_id

    return at


@pytest.fixture
def clients(app, client, tokens, engine) -> Iterator[Clients]:  # type: ignore[no-untyped-def]
    """Every user of tests/api/conftest.py, given a password and signed in on the pages."""
    password_hash = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)  # cheap to verify
    with UnitOfWork(engine, write=True) as uow:
        for role, side in EVERYONE:
            uow.session.get(User, f"{role}-{side}").password_hash = password_hash
        uow.commit()
    pages = {}
    for who in EVERYONE:
        page = pages[who] = TestClient(app)
        landed = page.post("/login", data={"username": f"{who[0]}-{who[1]}", "password": PASSWORD, "next": "/planes",
                                           "csrf_token": _csrf(page)})
        assert landed.status_code == 200 and 'action="/logout"' in landed.text, (who, landed.text[:300])
    yield Clients(client, tokens, pages)
    for page in pages.values():
        page.close()


def _trail(c: Clients, plan_id: str) -> tuple[int, int]:
    """(version, events) of the plan, as the DNP reads them."""
    dnp = {"Authorization": f"Bearer {c.tokens['dnp', 'own']}"}
    status = c.api.get(f"{API}/plans/{plan_id}", headers=dnp).json()
    return status["version"], len(c.api.get(f"{API}/plans/{plan_id}/history", headers=dnp).json())


@pytest.mark.parametrize("step", DEFINITION.transitions, ids=lambda step: step.trigger)
def test_every_role_takes_exactly_the_steps_the_definition_declares_on_every_entry(step, plan_at, clients):
    plan_id = plan_at(step.source)
    attempts = [(name, who) for name, (takes, _) in ENTRIES.items() if takes(step) for who in EVERYONE]
    attempts.sort(key=lambda attempt: allowed(attempt[1], step) == "")  # the refusals first, on the plan as set
    problems = []
    for name, who in attempts:
        version, events = _trail(clients, plan_id)
        got = ENTRIES[name][1](clients, Ask(who, plan_id, step, version))
        want = allowed(who, step)
        if got != want:
            problems.append(f"{step.trigger} por {name} como {who}: {got or 'aceptado'} (se esperaba "
                            f"{want or 'aceptado o rechazado por sus requisitos'})")
        elif want and _trail(clients, plan_id) != (version, events):
            problems.append(f"{step.trigger} por {name} como {who}: la negativa escribió en el plan")
    assert not problems, "\n".join(problems)
    assert any(allowed(who, step) == "" for who in EVERYONE), f"nadie puede tomar {step.trigger}"
