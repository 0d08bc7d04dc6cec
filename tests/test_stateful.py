"""The PDT lifecycle as a hypothesis state machine: filings, justified absences, withdrawals and steps
(possible or not) go through the service layer in random order, and after every one of them the
tables, the audit chain, its replay and a plain model of the plans must agree."""

import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, rule
from sqlalchemy import select

from kpt_workflow import audit, calendar, replay, services
from kpt_workflow.blobs import BlobStore
from kpt_workflow.db import make_engine
from kpt_workflow.document_types import load_catalog
from kpt_workflow.engine import workflow
from kpt_workflow.errors import GuardFailed, InvalidInput, UnknownTrigger
from kpt_workflow.facts import FILED, JUSTIFIED_ABSENCE, WITHDRAWN
from kpt_workflow.models import AuditEvent, Plan
from kpt_workflow.repository import get_plan
from kpt_workflow.rules.documents import CONCEPTS, EMPALME_FORMATS, presence_rule_name
from kpt_workflow.status import plan_status
from kpt_workflow.unit_of_work import UnitOfWork
from kpt_workflow.sample import DOCUMENTS_2024 as CYCLE_2024, PDF

FLOW = workflow(services.WORKFLOW_NAME)
CATALOG = load_catalog()
DOC_TYPES = CATALOG.codes()
JUSTIFIABLE = tuple(d.code for d in CATALOG.documents if d.justifiable)
TRIGGERS = tuple(dict.fromkeys(t.trigger for t in FLOW.definition.transitions))
ENTITIES = ("05001", "05", "76001")  # Medellín, Antioquia (asamblea, ordenanza), Cali
PERIOD = 2024
ACTOR = "hypothesis"
# Legal dates of a 2024 cycle: the programa de gobierno is inscribed in mid-2023, and a slow
# plan may still be in its concejo in 2025. Never after today: the services refuse future dates.
EARLIEST = date(2023, 7, 1)
LATEST = min(date(2025, 6, 30), calendar.today_in_colombia())
CSV = "meta,valor\nmeta_cuatrienio,100\n".encode()
NOTES = ("El mandatario saliente no lo entregó; se pidió por escrito.", "", "   ")

# How to satisfy a rule that fails: any one of the alternatives, each a set of documents to file.
# Presence rules name their document; the others read documents the law links to them.
REMEDIES: dict[str, tuple[tuple[str, ...], ...]] = {
    **{presence_rule_name(code): ((code,),) for code in DOC_TYPES},
    "empalme_cerrado": (EMPALME_FORMATS,),
    "concepto_recibido": tuple((concept,) for concept in CONCEPTS),
    "concepto_ctp_o_silencio": (("concepto_ctp",), ("radicado_ctp",)),
    "concepto_ambiental_o_silencio": (("concepto_autoridad_ambiental",), ("radicado_autoridad_ambiental",)),
    "radicado_corporacion_vigente": (("radicado_corporacion",),),
    "mes_corporacion_vencido": (("radicado_corporacion",),),
}

legal_dates = st.dates(min_value=EARLIEST, max_value=LATEST)


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
    document_types: set[str] = field(default_factory=set)

    @property
    def terminal(self) -> bool:
        return FLOW.state(self.state).terminal


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

    @initialize(target=plans, entity_codes=st.lists(st.sampled_from(ENTITIES), min_size=1, max_size=3, unique=True))
    def create_plans(self, entity_codes: list[str]) -> object:
        for code in entity_codes:
            with UnitOfWork(self.engine, write=True) as uow:
                status = services.create_plan(uow, entity_code=code, period=PERIOD, actor=ACTOR)
            started = calendar.period_start(PERIOD)
            self.model[str(status["id"])] = PlanModel(FLOW.definition.initial, started, started)
        return multiple(*self.model)

    @rule(plan=plans, doc_type=st.sampled_from(DOC_TYPES), legal_date=legal_dates, numbered=st.booleans(),
          content=st.sampled_from((PDF, CSV)))
    def file_a_catalog_document(self, plan: str, doc_type: str, legal_date: date, numbered: bool,
                                content: bytes) -> None:
        self._file(plan, services.Filing(doc_type=doc_type, content=content, filename=f"{doc_type}.pdf",
                                         legal_date=legal_date, number=f"N-{legal_date:%m%d}" if numbered else None))

    @rule(plan=plans, data=st.data())
    def file_what_a_step_lacks(self, plan: str, data: st.DataObject) -> None:
        """Random filings alone would rarely leave alistamiento: this one reads a step's failed rules
        and files a remedy for each, with dates that may still fall short (before the state, too
        early for a silence)."""
        model = self.model[plan]
        steps = FLOW.transitions_from(model.state)
        if not steps:
            event("nothing lacks: the plan is terminal")
            return
        trigger = data.draw(st.sampled_from([s.trigger for s in steps]), label="trigger")
        step = self._step_status(plan, trigger, max(model.last_step_on, model.state_entered_on))
        lacking = [data.draw(st.sampled_from(REMEDIES[c["rule"]]), label=c["rule"])
                   for c in step["checklist"] if not c["passed"]]
        for doc_type in dict.fromkeys(d for remedy in lacking for d in remedy):
            justify = doc_type in JUSTIFIABLE and data.draw(st.booleans(), label=f"justify {doc_type}")
            tidy_date = CYCLE_2024.get(doc_type, (model.state_entered_on, None))[0]
            legal_date = data.draw(st.just(tidy_date) | dates_around(model.last_step_on), label=f"date {doc_type}")
            if justify:
                filing = services.Filing(doc_type=doc_type, status=JUSTIFIED_ABSENCE, legal_date=legal_date,
                                         note=NOTES[0])
            else:
                filing = services.Filing(doc_type=doc_type, content=PDF, filename=f"{doc_type}.pdf",
                                         legal_date=legal_date, number=f"{doc_type.upper()}-{legal_date:%Y%m%d}")
            self._file(plan, filing)

    @rule(plan=plans, doc_type=st.sampled_from(JUSTIFIABLE) | st.sampled_from(DOC_TYPES),
          note=st.sampled_from(NOTES), legal_date=legal_dates)
    def justify_a_missing_document(self, plan: str, doc_type: str, note: str, legal_date: date) -> None:
        self._file(plan, services.Filing(doc_type=doc_type, status=JUSTIFIED_ABSENCE, legal_date=legal_date,
                                         note=note))

    @rule(plan=plans, data=st.data(), legal_date=legal_dates)
    def withdraw_a_document(self, plan: str, data: st.DataObject, legal_date: date) -> None:
        on_file = sorted(self.model[plan].document_types)
        doc_type = data.draw(st.sampled_from(on_file) | st.sampled_from(DOC_TYPES) if on_file
                             else st.sampled_from(DOC_TYPES), label="doc_type")
        self._file(plan, services.Filing(doc_type=doc_type, status=WITHDRAWN, legal_date=legal_date))

    @rule(plan=plans, trigger=st.sampled_from(TRIGGERS), days_later=st.integers(min_value=0, max_value=45))
    def fire_a_trigger(self, plan: str, trigger: str, days_later: int) -> None:
        model = self.model[plan]
        legal_date = min(LATEST, max(model.last_step_on, model.state_entered_on) + timedelta(days=days_later))
        possible = {t.trigger: t.dest for t in FLOW.transitions_from(model.state)}
        step = self._step_status(plan, trigger, legal_date)
        assert (step is not None) == (trigger in possible), f"plan_status disagrees with the definition on {trigger}"
        model.last_step_on = legal_date
        try:
            result = self._advance(plan, trigger, legal_date)
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

    @rule(plan=plans, days_before=st.integers(min_value=1, max_value=90))
    def step_dated_before_entering_the_state_is_refused(self, plan: str, days_before: int) -> None:
        model = self.model[plan]
        steps = FLOW.transitions_from(model.state)
        if not steps:
            return
        with pytest.raises(InvalidInput):
            self._advance(plan, steps[0].trigger, model.state_entered_on - timedelta(days=days_before))

    # --- invariants -----------------------------------------------------------------------------

    @invariant()
    def every_applied_step_passed_all_its_guards(self) -> None:
        for recorded in self._events():
            outcomes = json.loads(recorded.outcomes)
            if recorded.event_type == "transition_applied":
                assert outcomes and all(o["passed"] for o in outcomes), f"event {recorded.seq}: {outcomes}"
            elif recorded.event_type == "transition_blocked":
                assert not all(o["passed"] for o in outcomes), f"event {recorded.seq} blocked with every rule passed"

    @invariant()
    def tables_equal_the_replay_of_the_events(self) -> None:
        with UnitOfWork(self.engine) as uow:
            assert replay.differences(uow.session) == []

    @invariant()
    def audit_chain_verifies(self) -> None:
        with UnitOfWork(self.engine) as uow:
            report = audit.verify(uow.session)
        assert report.ok, report.as_dict()
        assert report.events == sum(m.version for m in self.model.values())

    @invariant()
    def plan_version_grows_and_counts_its_events(self) -> None:
        events = self._events()
        for plan in self._plans():
            assert plan.version >= self.last_seen_version.get(plan.id, 0)
            assert plan.version == len([e for e in events if e.plan_id == plan.id])
            self.last_seen_version[plan.id] = plan.version

    @invariant()
    def plans_are_where_the_model_expects(self) -> None:
        tables = {p.id: (p.state, p.state_entered_on, p.version) for p in self._plans()}
        assert tables == {i: (m.state, m.state_entered_on, m.version) for i, m in self.model.items()}

    # --- helpers --------------------------------------------------------------------------------

    def _file(self, plan: str, filing: services.Filing) -> None:
        """File through the service and check the refusal, if any, is the one the model predicts."""
        model = self.model[plan]
        expected_refusal = _filing_refusal(model, filing)
        try:
            with UnitOfWork(self.engine, write=True) as uow:
                result = services.file_document(uow, self.blobs, plan_id=plan, filing=filing, actor=ACTOR)
        except InvalidInput as refused:
            assert expected_refusal, f"filing {filing} refused unexpectedly: {refused.message}"
            event(f"filing refused: {expected_refusal}")
            return
        assert not expected_refusal, f"filing {filing} accepted although {expected_refusal}"
        model.version += 1
        model.document_types.add(filing.doc_type)
        assert result["plan_version"] == model.version and result["status"] == filing.status

    def _advance(self, plan: str, trigger: str, legal_date: date) -> dict[str, object]:
        with UnitOfWork(self.engine, write=True) as uow:
            return services.advance(uow, plan_id=plan, trigger=trigger, actor=ACTOR, legal_date=legal_date)

    def _step_status(self, plan: str, trigger: str, legal_date: date) -> dict[str, object] | None:
        """The step as the status view shows it on `legal_date`, judged before it is fired."""
        with UnitOfWork(self.engine) as uow:
            status = plan_status(uow.session, get_plan(uow.session, plan), legal_date)
        return next((s for s in status["next"] if s["trigger"] == trigger), None)  # type: ignore[union-attr]

    def _events(self) -> list[AuditEvent]:
        with UnitOfWork(self.engine) as uow:
            return list(uow.session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars())

    def _plans(self) -> list[Plan]:
        with UnitOfWork(self.engine) as uow:
            return list(uow.session.execute(select(Plan)).scalars())


def _filing_refusal(model: PlanModel, filing: services.Filing) -> str:
    """Why the service must refuse `filing` ('' when it must accept it)."""
    if model.terminal:
        return "the plan is terminal"
    if filing.status == JUSTIFIED_ABSENCE and filing.doc_type not in JUSTIFIABLE:
        return "only empalme formats may be justified"
    if filing.status == JUSTIFIED_ABSENCE and not (filing.note or "").strip():
        return "a justified absence needs its reason"
    if filing.status == WITHDRAWN and filing.doc_type not in model.document_types:
        return "nothing to withdraw"
    assert filing.status in (FILED, JUSTIFIED_ABSENCE, WITHDRAWN)
    return ""


@pytest.fixture(autouse=True)
def _session_template(_sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each example copies conftest's migrated database, as its `engine` fixture does."""
    monkeypatch.setattr(PlanLifecycleMachine, "template", _sqlite_template, raising=False)
    yield


TestCase = PlanLifecycleMachine.TestCase
TestCase.settings = settings(max_examples=30, stateful_step_count=30, deadline=None)
