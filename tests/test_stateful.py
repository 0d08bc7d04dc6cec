"""The PDT lifecycle as a hypothesis state machine: filings, justified absences, withdrawals, the
parte estratégica and steps (possible or not) go through the service layer in random order, and
after every one of them the tables, the audit chain, its replay and a plain model of the plans
must agree."""

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, rule
from sqlalchemy import select

from kpt_workflow.audit.verify import verify
from kpt_workflow.law import calendar

from kpt_workflow.audit import replay

from kpt_workflow import services
from kpt_workflow.services.access import operator
from kpt_workflow.storage.blobs import BlobStore
from kpt_workflow.storage.db import make_engine
from kpt_workflow.reference.document_types import load_catalog
from kpt_workflow.lifecycle.engine import default_workflow
from kpt_workflow.base.errors import ActsOutOfOrder, GuardFailed, InvalidInput, UnknownTrigger
from kpt_workflow.law.facts import FILED, JUSTIFIED_ABSENCE, WITHDRAWN
from kpt_workflow.storage.tables import AuditEvent, Plan
from kpt_workflow.rules import RULES
from kpt_workflow.services.sample import DOCUMENTS_2024, INVESTMENT_PLAN, PDF, STRATEGIC_PART
from kpt_workflow.services.views import status as plan_status
from kpt_workflow.storage.unit_of_work import UnitOfWork

READER = operator("pruebas")  # the status view checks who reads; the local operator reads any plan

FLOW = default_workflow()  # the PDT's, whose plans the machine creates
CATALOG = load_catalog()
DOC_TYPES = CATALOG.codes()
JUSTIFIABLE = tuple(d.code for d in CATALOG.documents if d.justifiable)
TRIGGERS = tuple(dict.fromkeys(t.trigger for t in FLOW.definition.transitions))
COUNCIL_DECISIONS = {name: step.trigger for name, step in FLOW.decisions.items()}  # what the council form sends
ENTITIES = ("05001", "05", "76001")  # Medellín, Antioquia (asamblea, ordenanza), Cali
PERIOD = 2024
ACTOR = operator("hypothesis")
# Legal dates of a 2024 cycle: the programa de gobierno is inscribed in mid-2023, and a slow
# plan may still be before its concejo in 2025. Never after today: the services refuse the future.
EARLIEST = date(2023, 7, 1)
LATEST = min(date(2025, 6, 30), calendar.today_in_colombia())
# The first plausible legal date of each catalog anchor (`not_before`), worked out by hand for 2024.
PLAUSIBLE_FROM = {"anio_electoral": date(2023, 1, 1), "eleccion": date(2023, 10, 29),  # last Sunday of October
                  "inicio_periodo": date(2024, 1, 1)}
CSV = b"meta,valor\nmeta_cuatrienio,100\n"
FORMAT_OF = {PDF: "pdf", CSV: "csv"}
# Audited refusals: each bumps the plan's version, with the error's code.
REJECTED = "its file is not a format the type accepts"
OUT_OF_ORDER = "it is dated before the act it answers, or after one that answers it"
AUDITED_REFUSALS = {REJECTED: "format_not_accepted", OUT_OF_ORDER: "actos_fuera_de_orden"}
NOTES = ("El mandatario saliente no lo entregó; se pidió por escrito.", "", "   ")

_LINES: list[dict[str, Any]] = INVESTMENT_PLAN["lineas"]  # type: ignore[assignment]
# Investment plans that pass or fail the investment rules, each for a different reason.
INVESTMENT_PLANS: dict[str, dict[str, object]] = {
    "complete": INVESTMENT_PLAN,
    "declared total matches": {**INVESTMENT_PLAN, "total": sum(line["valor"] for line in _LINES)},
    "declared total off by one peso": {**INVESTMENT_PLAN, "total": sum(line["valor"] for line in _LINES) + 1},
    "one program unfunded": {"lineas": [line for line in _LINES if line["programa"] == "2201"]},
    "royalties need the SGR chapter": {"lineas": [*_LINES, {"programa": "2201", "anio": 2025, "fuente": "sgr",
                                                            "valor": 100_000_000}]},
}


def dates_around(day: date) -> st.SearchStrategy[date]:
    """Dates a month either side of `day`, within the legal range."""
    return st.dates(min_value=max(EARLIEST, day - timedelta(days=30)), max_value=min(LATEST, day + timedelta(days=30)))


@dataclass
class PlanModel:
    """What the machine expects of one plan, kept without reading the database."""

    state: str
    state_entered_on: date
    last_step_on: date  # steps are tried in legal-date order, as a planning office records them
    version: int = 1
    declared_investment_total: int | None = None
    documents: dict[str, tuple[str, date]] = field(default_factory=dict)  # latest (status, legal date) by type
    first_filed: dict[str, date] = field(default_factory=dict)  # the legal date of each type's first filing

    @property
    def terminal(self) -> bool:
        return FLOW.state(self.state).terminal

    def possible_steps(self) -> dict[str, str]:
        return {t.trigger: t.dest for t in FLOW.transitions_from(self.state)}

    def next_step_date(self, days_later: int) -> date:
        return min(LATEST, max(self.last_step_on, self.state_entered_on) + timedelta(days=days_later))

    def filing_refusal(self, filing: services.Filing) -> str:
        """Why the service must refuse `filing` ('' when it must accept it)."""
        document_type = CATALOG.get(filing.doc_type)
        current = self.documents.get(filing.doc_type)
        if self.terminal:
            return "the plan is terminal"
        if filing.status == JUSTIFIED_ABSENCE and not document_type.justifiable:
            return "only empalme formats may be justified"
        if filing.status == JUSTIFIED_ABSENCE and not (filing.note or "").strip():
            return "a justified absence needs its reason"
        earliest = self._plausible_from(document_type.not_before)
        if filing.status != WITHDRAWN and earliest and filing.legal_date and filing.legal_date < earliest:
            return f"a legal date before {document_type.not_before} is implausible"
        if filing.status == WITHDRAWN and (current is None or current[0] == WITHDRAWN):
            return "nothing in force to withdraw"
        if filing.status == FILED and self._out_of_order(filing.doc_type, filing.legal_date):
            return OUT_OF_ORDER
        if filing.status == FILED and FORMAT_OF[filing.content or b""] not in document_type.formats:
            return REJECTED
        return ""

    def _plausible_from(self, anchor: str) -> date | None:
        return PLAUSIBLE_FROM.get(anchor)

    def _out_of_order(self, doc_type: str, legal_date: date | None) -> bool:
        """Dated before the first filing of the act it answers, or (its own first filing) after the
        act in force that answers it."""
        assert legal_date is not None
        answered = self.first_filed.get(CATALOG.get(doc_type).not_before)
        if answered is not None and legal_date < answered:
            return True
        answering = [self.documents.get(d.code) for d in CATALOG.answering(doc_type)]
        return doc_type not in self.first_filed and any(
            current is not None and current[0] == FILED and current[1] < legal_date for current in answering)


class PlanLifecycleMachine(RuleBasedStateMachine):
    template: Path  # the migrated database of the session, set by `_session_template` below

    plans = Bundle("plans")

    def __init__(self) -> None:
        super().__init__()
        self.workdir = Path(tempfile.mkdtemp(prefix="kpt-stateful-"))
        shutil.copy(self.template, self.workdir / "kpt.db")
        self.engine = make_engine(f"sqlite:///{self.workdir / 'kpt.db'}")
        self.blobs = BlobStore(self.workdir / "data")
        self.model: dict[str, PlanModel] = {}
        self.last_seen_version: dict[str, int] = {}

    def teardown(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # --- use-cases ------------------------------------------------------------------------------

    @initialize(target=plans, entity_codes=st.lists(st.sampled_from(ENTITIES), min_size=1, max_size=2, unique=True))
    def create_plans(self, entity_codes: list[str]) -> object:
        for code in entity_codes:
            with UnitOfWork(self.engine, write=True) as uow:
                status = services.create_plan(uow, entity_code=code, period=PERIOD, actor=ACTOR)
            started = calendar.period_start(PERIOD)
            self.model[str(status["id"])] = PlanModel(FLOW.definition.initial, started, started)
        return multiple(*self.model)

    @rule(plan=plans, doc_type=st.sampled_from(JUSTIFIABLE) | st.sampled_from(DOC_TYPES),
          justify=st.booleans(), legal_date=st.dates(EARLIEST, LATEST), numbered=st.booleans(),
          content=st.sampled_from((PDF, CSV)), note=st.sampled_from(NOTES))
    def file_or_justify_any_document(self, plan: str, doc_type: str, justify: bool, legal_date: date, numbered: bool,
                                     content: bytes, note: str) -> None:
        if justify:
            filing = services.Filing(doc_type=doc_type, status=JUSTIFIED_ABSENCE, legal_date=legal_date, note=note)
        else:
            filing = services.Filing(doc_type=doc_type, content=content, filename=f"{doc_type}.pdf",
                                     legal_date=legal_date, number=f"N-{legal_date:%m%d}" if numbered else None)
        self._file(plan, filing)

    @rule(plan=plans, data=st.data(), days_later=st.integers(0, 45))
    def complete_a_step_and_take_it(self, plan: str, data: st.DataObject, days_later: int) -> None:
        """Random filings alone would rarely leave alistamiento: this reads a step's failed rules and
        files a remedy for each, with dates that may still fall short (implausible, before the
        state, inside a term), then attempts the step."""
        model = self.model[plan]
        if model.terminal:
            event("nothing lacks: the plan is terminal")
            return
        trigger = data.draw(st.sampled_from(sorted(model.possible_steps())), label="trigger")
        step = self._step_status(plan, trigger, model.next_step_date(0))
        assert step is not None
        lacking: list[str] = []
        for outcome in (o for o in step["checklist"] if not o["passed"]):
            documents = RULES[outcome["rule"]].documents
            if outcome["rule"] == "empalme_cerrado":
                lacking += documents
            elif documents:
                lacking.append(data.draw(st.sampled_from(documents), label=outcome["rule"]))
        if any(RULES[o["rule"]].reads_strategy and not o["passed"] for o in step["checklist"]):
            self._record_strategy(plan, model.last_step_on, "complete")
        for doc_type in dict.fromkeys(lacking):
            tidy_date = DOCUMENTS_2024.get(doc_type, (model.state_entered_on, None))[0]
            legal_date = data.draw(st.just(tidy_date) | dates_around(model.last_step_on), label=f"date {doc_type}")
            if doc_type in JUSTIFIABLE and data.draw(st.booleans(), label=f"justify {doc_type}"):
                filing = services.Filing(doc_type=doc_type, status=JUSTIFIED_ABSENCE, legal_date=legal_date,
                                         note=NOTES[0])
            else:
                filing = services.Filing(doc_type=doc_type, content=PDF, filename=f"{doc_type}.pdf",
                                         legal_date=legal_date, number=f"{doc_type.upper()}-{legal_date:%Y%m%d}")
            self._file(plan, filing)
        self._advance(plan, trigger, model.next_step_date(days_later))

    @rule(plan=plans, data=st.data(), legal_date=st.dates(EARLIEST, LATEST))
    def withdraw_a_document(self, plan: str, data: st.DataObject, legal_date: date) -> None:
        on_file = sorted(self.model[plan].documents)
        choices = st.sampled_from(on_file) | st.sampled_from(DOC_TYPES) if on_file else st.sampled_from(DOC_TYPES)
        doc_type = data.draw(choices, label="doc_type")
        self._file(plan, services.Filing(doc_type=doc_type, status=WITHDRAWN, legal_date=legal_date))

    @rule(plan=plans, investments=st.sampled_from(sorted(INVESTMENT_PLANS)), days_later=st.integers(0, 30))
    def record_the_strategic_part_and_investments(self, plan: str, investments: str, days_later: int) -> None:
        model = self.model[plan]
        self._record_strategy(plan, model.next_step_date(days_later), investments)

    @rule(plan=plans, data=st.data(), days_later=st.integers(0, 45))
    def fire_a_trigger(self, plan: str, data: st.DataObject, days_later: int) -> None:
        """Half of the draws pick among the steps possible now, so that plans get somewhere; the
        rest pick any trigger of the definition, possible or not."""
        model = self.model[plan]
        possible = sorted(model.possible_steps())
        triggers = st.sampled_from(possible) | st.sampled_from(TRIGGERS) if possible else st.sampled_from(TRIGGERS)
        trigger = data.draw(triggers, label="trigger")
        self._advance(plan, trigger, model.next_step_date(days_later))

    @rule(plan=plans, decision=st.sampled_from(sorted(COUNCIL_DECISIONS)), days_later=st.integers(0, 45),
          numbered=st.booleans(), explained=st.booleans())
    def council_decides(self, plan: str, decision: str, days_later: int, numbered: bool, explained: bool) -> None:
        """Each decision files its act (the acuerdo or ordenanza, the session's acta, the denial's
        act) with what the definition says it records (number, reasons, modifications) and
        attempts its step in one transaction: input refused leaves nothing; a refused step leaves
        the act filed and its refusal audited."""
        model = self.model[plan]
        legal_date = model.next_step_date(days_later)
        spec = FLOW.decisions[decision].decision
        assert spec is not None and spec.files is not None  # every PDT decision files its act
        number = f"Acto {legal_date:%m%d}" if numbered else None
        text = "Texto de prueba de la corporación." if explained else None
        filing = services.Filing(doc_type=spec.files, content=PDF, legal_date=legal_date, number=number)
        refusal = ("" if COUNCIL_DECISIONS[decision] in model.possible_steps() else "not before council") or \
            ("" if number else "the act needs its number") or \
            ("" if explained or not spec.texts else "the decision needs its texts") or model.filing_refusal(filing)
        try:
            with UnitOfWork(self.engine, write=True) as uow:
                result = services.record_council_decision(
                    uow, self.blobs, plan_id=plan, decision=decision, actor=ACTOR, legal_date=legal_date,
                    number=number, content=PDF, filename="acto.pdf", reasons=text, modifications=text)
        except (InvalidInput, UnknownTrigger) as refused:
            assert refusal, f"decision refused unexpectedly: {refused.message}"
            event(f"decision refused: {refusal}")
            return
        except GuardFailed as blocked:
            assert not refusal, f"decision attempted although {refusal}"
            assert blocked.details["trigger"] == COUNCIL_DECISIONS[decision]
            model.documents[spec.files] = (FILED, legal_date)
            model.version += 2
            model.last_step_on = legal_date
            event(f"decision blocked: {decision}")
            return
        assert not refusal, f"decision accepted although {refusal}"
        model.documents[spec.files] = (FILED, legal_date)
        model.state, model.state_entered_on, model.version = result["to"], legal_date, model.version + 2
        model.last_step_on = legal_date
        assert result["to"] == FLOW.decisions[decision].dest and result["version"] == model.version
        event(f"plan reached {model.state} by council decision")

    @rule(plan=plans, days_before=st.integers(1, 90))
    def step_dated_before_entering_the_state_is_refused(self, plan: str, days_before: int) -> None:
        model = self.model[plan]
        steps = sorted(model.possible_steps())
        if not steps:
            return
        with pytest.raises(InvalidInput), UnitOfWork(self.engine, write=True) as uow:
            services.advance(uow, plan_id=plan, trigger=steps[0], actor=ACTOR,
                             legal_date=model.state_entered_on - timedelta(days=days_before))

    # --- invariants -----------------------------------------------------------------------------

    @invariant()
    def every_applied_step_passed_all_its_guards(self) -> None:
        for recorded in self._rows(AuditEvent):
            outcomes = json.loads(recorded["outcomes"])
            if recorded["event_type"] == "transition_applied":
                assert outcomes and all(o["passed"] for o in outcomes), f"event {recorded['seq']}: {outcomes}"
            elif recorded["event_type"] == "transition_blocked":
                assert not all(o["passed"] for o in outcomes), f"event {recorded['seq']} blocked with every rule passed"

    @invariant()
    def tables_equal_the_replay_of_the_events(self) -> None:
        with UnitOfWork(self.engine) as uow:
            assert replay.differences(uow.connection) == []

    @invariant()
    def audit_chain_verifies(self) -> None:
        with UnitOfWork(self.engine) as uow:
            report = verify(uow.connection)
        assert report.ok, report.as_dict()
        assert report.events == sum(m.version for m in self.model.values())

    @invariant()
    def plan_version_grows_and_counts_its_events(self) -> None:
        events = self._rows(AuditEvent)
        for plan in self._rows(Plan):
            assert plan["version"] >= self.last_seen_version.get(plan["id"], 0)
            assert plan["version"] == len([e for e in events if e["plan_id"] == plan["id"]])
            self.last_seen_version[plan["id"]] = plan["version"]

    @invariant()
    def plans_are_where_the_model_expects(self) -> None:
        tables = {p["id"]: (p["state"], p["state_entered_on"], p["version"], p["declared_investment_total"])
                  for p in self._rows(Plan)}
        assert tables == {plan_id: (m.state, m.state_entered_on, m.version, m.declared_investment_total)
                          for plan_id, m in self.model.items()}

    # --- helpers --------------------------------------------------------------------------------

    def _advance(self, plan: str, trigger: str, legal_date: date) -> None:
        self._step(plan, trigger, legal_date, lambda uow: services.advance(
            uow, plan_id=plan, trigger=trigger, actor=ACTOR, legal_date=legal_date))

    def _step(self, plan: str, trigger: str, legal_date: date, fire: Callable[[UnitOfWork], dict[str, object]]) -> None:
        """Judge the step with the status view first, fire it, and check it was applied iff allowed."""
        model = self.model[plan]
        possible = model.possible_steps()
        step = self._step_status(plan, trigger, legal_date)
        assert (step is not None) == (trigger in possible), f"the status view disagrees with the definition on {trigger}"
        model.last_step_on = legal_date
        try:
            with UnitOfWork(self.engine, write=True) as uow:
                result = fire(uow)
        except InvalidInput:
            assert model.terminal, f"'{trigger}' on {legal_date} refused as invalid input"
            event("step refused: the plan is terminal")
            return
        except UnknownTrigger:
            assert trigger not in possible, f"'{trigger}' is a step from '{model.state}' but was refused as unknown"
            event("step refused: not possible from this state")
            return
        except GuardFailed as refused:
            assert step is not None and not step["allowed"], f"'{trigger}' was refused although its checklist passed"
            assert refused.details["checklist"] == step["checklist"]
            model.version += 1
            assert refused.details["version"] == model.version
            event(f"step blocked: {trigger}")
            return
        assert step is not None and step["allowed"], f"'{trigger}' was applied although its checklist failed: {step}"
        assert result["checklist"] == step["checklist"]
        assert result["from"] == model.state and result["to"] == possible[trigger]
        model.state, model.state_entered_on, model.version = possible[trigger], legal_date, model.version + 1
        event(f"step applied: {trigger}")
        event(f"plan reached {model.state}")

    def _file(self, plan: str, filing: services.Filing) -> None:
        """File through the service and check the refusal, if any, is the one the model predicts."""
        model = self.model[plan]
        refusal = model.filing_refusal(filing)
        try:
            with UnitOfWork(self.engine, write=True) as uow:
                result = services.file_document(uow, self.blobs, plan_id=plan, filing=filing, actor=ACTOR)
        except (InvalidInput, ActsOutOfOrder) as refused:
            assert refusal, f"{filing} refused unexpectedly: {refused.message}"
            if refusal in AUDITED_REFUSALS:
                model.version += 1
                assert refused.code == AUDITED_REFUSALS[refusal] and refused.details["version"] == model.version
            event(f"filing refused: {refusal}")
            return
        assert not refusal, f"{filing} accepted although {refusal}"
        assert filing.legal_date is not None
        model.version += 1
        model.documents[filing.doc_type] = (filing.status, filing.legal_date)
        if filing.status == FILED:
            model.first_filed.setdefault(filing.doc_type, filing.legal_date)
        assert result["plan_version"] == model.version and result["status"] == filing.status
        event(f"document {filing.status}")

    def _record_strategy(self, plan: str, legal_date: date, investments: str) -> None:
        model = self.model[plan]
        try:
            with UnitOfWork(self.engine, write=True) as uow:
                services.record_strategic_part(uow, plan_id=plan, data=STRATEGIC_PART, actor=ACTOR,
                                               legal_date=legal_date)
            with UnitOfWork(self.engine, write=True) as uow:
                services.record_investment_plan(uow, plan_id=plan, data=INVESTMENT_PLANS[investments], actor=ACTOR,
                                                legal_date=legal_date)
        except InvalidInput:
            assert model.terminal, "strategy refused on an open plan"
            return
        assert not model.terminal, "strategy recorded on a terminal plan"
        model.version += 2
        model.declared_investment_total = INVESTMENT_PLANS[investments].get("total")  # type: ignore[assignment]
        event(f"investment plan: {investments}")

    def _step_status(self, plan: str, trigger: str, legal_date: date) -> dict[str, Any] | None:
        """The step as the status view shows it on `legal_date`, judged before it is fired."""
        with UnitOfWork(self.engine) as uow:
            status = plan_status(uow, READER, plan, legal_date)
        return next((s for s in status["next"] if s["trigger"] == trigger), None)  # type: ignore[attr-defined]

    def _rows(self, model: type[AuditEvent] | type[Plan]) -> list[dict[str, Any]]:
        with UnitOfWork(self.engine) as uow:
            return [dict(row) for row in uow.connection.execute(select(model.__table__)).mappings()]


@pytest.fixture(autouse=True)
def _session_template(_sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each example copies conftest's migrated database, as its `engine` fixture does."""
    monkeypatch.setattr(PlanLifecycleMachine, "template", _sqlite_template, raising=False)
    yield


TestCase = PlanLifecycleMachine.TestCase
TestCase.settings = settings(max_examples=40, stateful_step_count=50, deadline=None)
