"""Use-cases on the plan itself: create it, attempt a step of its lifecycle."""

from dataclasses import dataclass, replace
from datetime import date

from sqlmodel import and_, or_, select

from kpt_workflow.storage import event_log
from kpt_workflow.law import calendar
from kpt_workflow.services.access import Actor, require_plan_creation, require_step, visible_plan
from kpt_workflow.lifecycle.engine import Workflow, chosen_workflow, default_workflow, workflow
from kpt_workflow.base.errors import GuardFailed, InvalidInput, PlanExists, PlanNotAllowed
from kpt_workflow.storage.tables import Entity, Plan
from kpt_workflow.storage.recorder import PLAN
from kpt_workflow.law.deadlines import Deadline
from kpt_workflow.law.facts import PlanFacts, with_filing
from kpt_workflow.lifecycle.aggregate import PlanRecord
from kpt_workflow.reference.document_types import load_catalog
from kpt_workflow.storage.repository import aggregate, get_entity, load_plan
from kpt_workflow.rules import evaluate
from kpt_workflow.storage.blobs import BlobStore
from kpt_workflow.services.documents import Filing, file_in
from kpt_workflow.services.labels import decision_lines, grounds
from kpt_workflow.services.changes import check_legal_date, checked, commit, event, now, open_change, record
from kpt_workflow.lifecycle.status import plan_facts, plan_status
from kpt_workflow.states.schema import TransitionSpec
from kpt_workflow.storage.unit_of_work import UnitOfWork
from kpt_workflow.base.validation import NUL_MESSAGE, has_nul

def plan_id(entity_code: str, period: int, flow: Workflow) -> str:
    """`05001-2024` for the default workflow's plan, `05001-2024-<flujo>` for another's: an entity
    runs several workflows in one period (its PDT and, say, a sectoral plan), so a second one is
    not refused, and its id says which it is. The default's plans keep the short id the law's plan
    always had, so its links, the home page's and the README's stay valid. The database holds one
    plan per entity, period and workflow (migration 0011)."""
    name = flow.definition.name
    return f"{entity_code}-{period}" if name == default_workflow().definition.name else f"{entity_code}-{period}-{name}"


def create_plan(uow: UnitOfWork, *, entity_code: str, period: int | None, actor: Actor,
                legal_date: date | None = None, workflow_name: str | None = None) -> dict[str, object]:
    """Open the entity's plan for `period` under the newest definition of `workflow_name` (the
    default workflow when None)."""
    session = uow.session
    flow = chosen_workflow(workflow_name)
    entity = get_entity(session, entity_code)
    checked(uow, actor, entity.code, lambda: require_plan_creation(actor, entity.code, entity.department_code))
    if not entity.plans_own_pdt:
        department = session.get(Entity, entity.department_code)
        raise PlanNotAllowed(
            f"{entity.name} ({entity.code}) es {entity.kind.replace('_', ' ')}: no tiene alcalde ni concejo y no "
            f"formula plan de desarrollo propio; lo cubre el plan del departamento de "
            f"{department.name if department else entity.department_name} ({entity.department_code}).",
            department=entity.department_code)
    if period is None or not calendar.is_period_start_year(period) or period < calendar.FIRST_PDT_PERIOD:
        raise InvalidInput(f"El período {period} no es un período constitucional: los períodos empiezan el 1 de "
                           f"enero de 2024, 2028, … (cada cuatro años desde {calendar.FIRST_PDT_PERIOD}).",
                           field="period")
    next_period = calendar.period_containing(calendar.today_in_colombia()) + calendar.PERIOD_YEARS
    if period > next_period:
        raise InvalidInput(f"El período {period} aún no se planea: el más lejano que admite un plan hoy es el que "
                           f"empieza en {next_period} (su empalme y su programa de gobierno preceden la posesión).",
                           field="period")
    definition = flow.definition
    new_id = plan_id(entity.code, period, flow)
    existing = session.exec(select(Plan).where(or_(  # by its id, and by what the database holds unique
        Plan.id == new_id, and_(Plan.entity_code == entity.code, Plan.period == period,
                                Plan.definition_name == definition.name)))).first()
    if existing is not None:
        raise PlanExists(f"{entity.name} ya tiene un plan del flujo '{existing.definition_name}' para el período "
                         f"{period}: {existing.id}.", plan=existing.id)
    started = legal_date or min(calendar.today_in_colombia(), calendar.period_start(period))
    check_legal_date(started, "la creación del plan")
    created = now()
    uow.connection.execute(PLAN.insert().values(
        id=new_id, entity_code=entity.code, period=period, state=definition.initial, state_entered_on=started,
        version=1, definition_name=definition.name, definition_version=definition.version, created_at=created))
    event_log.append(uow.connection, event_log.NewEvent(
        plan_id=new_id, plan_version=1, event_type="plan_created", actor=actor.username, action="crear_plan",
        recorded_at=created, to_state=definition.initial, legal_date=started,
        payload={"entity_code": entity.code, "period": period,
                 "definition": {"name": definition.name, "version": definition.version}},
    ))
    status = plan_status(load_plan(uow.connection, new_id, calendar.today_in_colombia()))
    commit(uow, new_id, status)
    return status


def advance(uow: UnitOfWork, *, plan_id: str, trigger: str, actor: Actor, legal_date: date | None = None,
            expected_version: int | None = None) -> dict[str, object]:
    """Attempt a step: evaluate its whole checklist, then apply it or record the refusal.
    A refusal is committed as an event (with its answer, under an Idempotency-Key) and then
    raised as `GuardFailed`. Only the roles the definition declares for the step may attempt it."""
    plan = open_change(uow, plan_id, expected_version, actor, lambda plan: require_step(actor, plan, trigger))
    return _attempt(uow, plan, trigger, actor.username, legal_date)


DECISION_TEXT_MAX = 2000
DECISION_TEXTS = {"reasons": ("motivo", "los motivos de la decisión", "Motivos"),
                  "modifications": ("modificaciones", "las modificaciones que introdujo la corporación",
                                    "Modificaciones")}
"""What a decision may have to record beside its act (`decision:` in the definition): its field,
what the refusal asks for, and its heading in the act's note."""


def record_council_decision(uow: UnitOfWork, blobs: BlobStore, *, plan_id: str, decision: str, actor: Actor,
                            legal_date: date | None = None, number: str | None = None, content: bytes | None = None,
                            filename: str | None = None, reasons: str | None = None,
                            modifications: str | None = None, expected_version: int | None = None) -> dict[str, object]:
    """The concejo or asamblea decides: a decision the plan's workflow declares (`decision:` on
    its step), with what the definition says it must record (its act's number and legal date,
    its reasons, the council's modifications). The act is filed (its note keeps the texts) and
    the step attempted in one transaction; the step's event, applied or refused, carries the
    decision, its act and its texts, so the history and a replay keep them."""
    plan = open_change(uow, plan_id, expected_version, actor,
                       lambda plan: require_step(actor, plan, _decision(actor, plan, decision).trigger))
    step, flow = _decision(actor, plan, decision), workflow(plan.definition_name, plan.definition_version)
    flow.transition(plan.state, step.trigger)
    assert step.decision is not None  # `_decision` finds only steps that declare one
    act = step.decision.files
    if act is not None and not (number or "").strip():
        raise InvalidInput("Indique el número del acto que registra la decisión "
                           f"({load_catalog().get(act).label_for(plan.entity_kind).lower()}).", field="numero")
    given = {"reasons": reasons, "modifications": modifications}
    texts = {key: (given[key] or "").strip() for key in DECISION_TEXTS if getattr(step.decision, key)}
    for key, text in texts.items():
        field, wanted, _ = DECISION_TEXTS[key]
        if not text or has_nul(text) or len(text) > DECISION_TEXT_MAX:
            problem = NUL_MESSAGE if has_nul(text) else f"tiene más de {DECISION_TEXT_MAX} caracteres" if text else ""
            raise InvalidInput(f"{field}: {problem}." if problem else
                               f"Indique {wanted} («{step.decision.label}»).", field=field)
    legal_date = legal_date or calendar.today_in_colombia()
    record_of: dict[str, object] = {"name": decision, "label": step.decision.label, **texts, "act": None}
    number = number.strip() if number else None
    if act is not None:
        record_of["act"] = {"doc_type": act, "number": number, "legal_date": legal_date.isoformat()}
    judged = _judged(uow, plan, step.trigger, legal_date, pending=(act, number) if act else None)
    if act is not None and judged.allowed:  # a refused decision files nothing: its act is in its event only
        note = "\n".join(f"{DECISION_TEXTS[key][2]}: {text}" for key, text in texts.items()) or None
        plan, _ = file_in(uow, blobs, plan, Filing(doc_type=act, content=content, filename=filename,
                                                   legal_date=legal_date, number=number, note=note), actor.username)
    return _recorded(uow, plan, judged, actor.username, decision=record_of)


def _decision(actor: Actor, plan: PlanRecord, decision: str) -> TransitionSpec:
    """The step `decision` names in the plan's workflow; an unknown name is refused with the
    choices, once the plan is known to be one the actor sees (else it is not found)."""
    visible_plan(actor, plan)
    decisions = workflow(plan.definition_name, plan.definition_version).decisions
    if decision not in decisions:
        names = list(decisions)
        choices = (", ".join(names[:-1]) + " o " + names[-1] if len(names) > 1 else "".join(names)) or \
            "ninguna (este flujo no registra decisiones de la corporación)"
        raise InvalidInput(f"Decisión desconocida '{decision}': use {choices}.", field="decision")
    return decisions[decision]


@dataclass(frozen=True)
class _Judgement:
    """A step's whole checklist on its legal date, before anything of it is recorded."""

    trigger: str
    legal_date: date
    facts: PlanFacts
    terms: tuple[Deadline, ...]
    outcomes: list[dict[str, object]]

    @property
    def allowed(self) -> bool:
        return all(o["passed"] for o in self.outcomes)


def _attempt(uow: UnitOfWork, plan: PlanRecord, trigger: str, actor: str, legal_date: date | None) -> dict[str, object]:
    """Judge the step's checklist and record it applied or refused."""
    return _recorded(uow, plan, _judged(uow, plan, trigger, legal_date or calendar.today_in_colombia()), actor)


def _judged(uow: UnitOfWork, plan: PlanRecord, trigger: str, legal_date: date,
            pending: tuple[str, str | None] | None = None) -> _Judgement:
    """`pending`: the act (type, number) a council decision files with the step, judged as if
    filed on the step's date, so that a refused decision need not file it."""
    check_legal_date(legal_date, "el paso")
    flow = workflow(plan.definition_name, plan.definition_version)
    transition = flow.transition(plan.state, trigger)
    if legal_date < plan.state_entered_on:
        raise InvalidInput(f"La fecha legal del paso ({calendar.written_date(legal_date)}) es anterior a la entrada "
                           f"del plan en «{flow.state(plan.state).label}» ({calendar.written_date(plan.state_entered_on)}).",
                           field="fecha")
    found = aggregate(uow.connection, plan, legal_date, rules=transition.rules)
    if pending is not None:
        found = replace(found, documents=with_filing(found.documents, *pending, legal_date))
    facts, terms = plan_facts(found, legal_date)
    return _Judgement(trigger, legal_date, facts, terms, [o.as_dict() for o in evaluate(transition.rules, facts)])


def _recorded(uow: UnitOfWork, plan: PlanRecord, judged: _Judgement, actor: str,
              decision: dict[str, object] | None = None) -> dict[str, object]:
    """Record the judged step applied or refused; `decision`: the council's decision it records
    (its act and texts), kept in the event either way."""
    trigger, legal_date, facts, terms, outcomes = (judged.trigger, judged.legal_date, judged.facts, judged.terms,
                                                   judged.outcomes)
    flow = workflow(plan.definition_name, plan.definition_version)
    transition = flow.transition(plan.state, trigger)
    allowed = judged.allowed
    moved = {"state": flow.apply(plan.state, trigger), "state_entered_on": legal_date} if allowed else {}
    late = [d.spec.code for d in terms if d.is_late(legal_date)]
    plan = record(uow, plan, event(
        "transition_applied" if allowed else "transition_blocked", actor, trigger, legal_date,
        {"trigger": trigger, "late_deadlines": late, **({"decision": decision} if decision else {})}, from_state=facts.state, to_state=transition.dest,
        outcomes=outcomes), **moved)
    if not allowed:
        failed = [o for o in outcomes if not o["passed"]]
        refusal = GuardFailed(
            f"Paso «{transition.label}» rechazado: {len(failed)} de {len(outcomes)} requisitos sin cumplir.",
            plan=plan.id, trigger=trigger, version=plan.version, checklist=outcomes)
        commit(uow, plan.id, refusal)
        raise refusal
    result = {"plan_id": plan.id, "trigger": trigger, "label": transition.label, "from": facts.state,
              "from_label": flow.state(facts.state).label, "to": plan.state,
              "to_label": flow.state(plan.state).label, "version": plan.version,
              "legal_date": legal_date.isoformat(), "late_deadlines": late, "checklist": outcomes,
              "basis": decision_lines({"decision": decision}, plan.entity_kind)
              + grounds({"event_type": "transition_applied", "outcomes": outcomes, "payload": {"decision": decision}}),
              **({"decision": decision} if decision else {})}
    commit(uow, plan.id, result)
    return result
