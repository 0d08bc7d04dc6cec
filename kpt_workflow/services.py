"""The use-cases: each opens one unit of work, changes the plan aggregate, appends its audit
event in the same transaction, and commits explicitly."""

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from kpt_workflow import audit, calendar
from kpt_workflow.blobs import BlobStore
from kpt_workflow.document_types import load_catalog
from kpt_workflow.engine import workflow
from kpt_workflow.errors import GuardFailed, InvalidInput, PlanExists, PlanNotAllowed, PlanVersionConflict
from kpt_workflow.facts import FILED, JUSTIFIED_ABSENCE, WITHDRAWN
from kpt_workflow.media import sniff
from kpt_workflow.models import Document, Entity, Plan
from kpt_workflow.repository import get_entity, get_plan
from kpt_workflow.status import checklist, plan_facts, plan_status
from kpt_workflow.unit_of_work import UnitOfWork

WORKFLOW_NAME = "pdt"
FIRST_PDT_PERIOD = 2004  # four-year periods since Acto Legislativo 02 de 2002


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _check_legal_date(legal_date: date, what: str) -> None:
    """Deadlines count from legal dates, so one in the future is refused outright."""
    today = calendar.today_in_colombia()
    if legal_date > today:
        raise InvalidInput(f"La fecha legal de {what} ({legal_date}) es posterior a hoy ({today}): "
                           f"registre el acto con la fecha en que ocurrió.", field="fecha")


def _check_version(plan: Plan, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != plan.version:
        raise PlanVersionConflict(
            f"El plan {plan.id} cambió: usted leyó la versión {expected_version} y la vigente es la {plan.version}. "
            f"Vuelva a consultar su estado.", current_version=plan.version)


def _commit(uow: UnitOfWork, plan: Plan) -> None:
    """UNIQUE(plan_id, plan_version) is the last guard against a concurrent change."""
    try:
        uow.commit()
    except IntegrityError as exc:
        raise PlanVersionConflict(f"Otro cambio al plan {plan.id} se registró al mismo tiempo; nada se escribió. "
                                  f"Vuelva a intentarlo.") from exc


def create_plan(uow: UnitOfWork, *, entity_code: str, period: int | None, actor: str,
                legal_date: date | None = None) -> dict[str, object]:
    session = uow.session
    entity = get_entity(session, entity_code)
    if not entity.plans_own_pdt:
        department = session.get(Entity, entity.department_code)
        raise PlanNotAllowed(
            f"{entity.name} ({entity.code}) es {entity.kind.replace('_', ' ')}: no tiene alcalde ni concejo y no "
            f"formula plan de desarrollo propio; lo cubre el plan del departamento de "
            f"{department.name if department else entity.department_name} ({entity.department_code}).",
            department=entity.department_code)
    if period is None or not calendar.is_period_start_year(period) or period < FIRST_PDT_PERIOD:
        raise InvalidInput(f"El período {period} no es un período constitucional: los períodos empiezan el 1 de "
                           f"enero de 2024, 2028, … (cada cuatro años desde {FIRST_PDT_PERIOD}).", field="period")
    plan_id = f"{entity.code}-{period}"
    if session.get(Plan, plan_id) is not None:
        raise PlanExists(f"{entity.name} ya tiene un plan para el período {period}: {plan_id}.", plan=plan_id)
    flow = workflow(WORKFLOW_NAME)
    started = legal_date or min(calendar.today_in_colombia(), calendar.period_start(period))
    _check_legal_date(started, "la creación del plan")
    now = _now()
    plan = Plan(id=plan_id, entity_code=entity.code, period=period, state=flow.definition.initial,
                state_entered_on=started, version=1, definition_name=flow.definition.name,
                definition_version=flow.definition.version, created_at=now)
    session.add(plan)
    audit.append(session, audit.NewEvent(
        plan_id=plan_id, plan_version=1, event_type="plan_created", actor=actor, action="crear_plan",
        recorded_at=now, to_state=plan.state, legal_date=started,
        payload={"entity_code": entity.code, "period": period,
                 "definition": {"name": plan.definition_name, "version": plan.definition_version}},
    ))
    _commit(uow, plan)
    return plan_status(session, plan, calendar.today_in_colombia())


@dataclass(frozen=True)
class Filing:
    """What a user files: a file, a justified absence, or a withdrawal of the current version."""

    doc_type: str
    status: str = FILED
    content: bytes | None = None
    filename: str | None = None
    legal_date: date | None = None
    number: str | None = None
    note: str | None = None


def file_document(uow: UnitOfWork, blobs: BlobStore, *, plan_id: str, filing: Filing, actor: str,
                  expected_version: int | None = None) -> dict[str, object]:
    """Record a new version of a document; older versions are never touched."""
    document_type = load_catalog().get(filing.doc_type)
    legal_date = filing.legal_date or calendar.today_in_colombia()
    _check_legal_date(legal_date, f"'{filing.doc_type}'")
    session = uow.session
    plan = get_plan(session, plan_id, for_update=True)
    _check_version(plan, expected_version)
    if workflow(plan.definition_name, plan.definition_version).state(plan.state).terminal:
        raise InvalidInput(f"El plan {plan.id} ya terminó su trámite ({plan.state}); no admite más documentos.")
    sha256 = size = media_type = None
    if filing.status == FILED:
        if not filing.content:
            raise InvalidInput("El archivo está vacío.", field="file")
        media_type = sniff(filing.content)
        if media_type is None:
            raise InvalidInput("Tipo de archivo no admitido: se aceptan PDF, XLSX, DOCX o CSV (según su contenido).",
                               field="file")
        sha256, size = blobs.put(filing.content), len(filing.content)
    elif filing.status == JUSTIFIED_ABSENCE:
        if not document_type.justifiable:
            raise InvalidInput(f"'{filing.doc_type}' no admite ausencia justificada: debe radicarse.", field="doc_type")
        if not (filing.note or "").strip():
            raise InvalidInput("Indique el motivo de la ausencia.", field="motivo")
    elif filing.status != WITHDRAWN:
        raise InvalidInput(f"Estado de documento desconocido '{filing.status}'.", field="status")
    versions = [d.version for d in session.exec(select(Document).where(
        Document.plan_id == plan.id, Document.doc_type == filing.doc_type))]
    if filing.status == WITHDRAWN and not versions:
        raise InvalidInput(f"No hay '{filing.doc_type}' que retirar.", field="doc_type")
    now = _now()
    document = Document(plan_id=plan.id, doc_type=filing.doc_type, version=max(versions, default=0) + 1,
                        status=filing.status, legal_date=legal_date, number=filing.number,
                        filename=filing.filename, sha256=sha256, size=size, media_type=media_type,
                        note=filing.note, filed_by=actor, recorded_at=now)
    session.add(document)
    plan.version += 1
    audit.append(session, audit.NewEvent(
        plan_id=plan.id, plan_version=plan.version, event_type="document_filed", actor=actor,
        action=f"documento_{filing.status}", recorded_at=now, legal_date=legal_date, payload=document_payload(document),
    ))
    _commit(uow, plan)
    return {"plan_id": plan.id, "plan_version": plan.version, **document_payload(document)}


def document_payload(document: Document) -> dict[str, object]:
    """The event payload of a filing; replay rebuilds the document row from exactly this."""
    return {
        "doc_type": document.doc_type, "version": document.version, "status": document.status,
        "legal_date": document.legal_date, "number": document.number, "filename": document.filename,
        "sha256": document.sha256, "size": document.size, "media_type": document.media_type, "note": document.note,
    }


def advance(uow: UnitOfWork, *, plan_id: str, trigger: str, actor: str, legal_date: date | None = None,
            expected_version: int | None = None) -> dict[str, object]:
    """Attempt a step: evaluate its whole checklist, then apply it or record the refusal.
    A refusal is committed as an event and then raised as `GuardFailed`."""
    legal_date = legal_date or calendar.today_in_colombia()
    _check_legal_date(legal_date, "el paso")
    session = uow.session
    plan = get_plan(session, plan_id, for_update=True)
    _check_version(plan, expected_version)
    flow = workflow(plan.definition_name, plan.definition_version)
    transition = flow.transition(plan.state, trigger)
    if legal_date < plan.state_entered_on:
        raise InvalidInput(f"La fecha legal del paso ({legal_date}) es anterior a la entrada del plan en "
                           f"'{plan.state}' ({plan.state_entered_on}).", field="fecha")
    facts, _ = plan_facts(session, plan, get_entity(session, plan.entity_code), legal_date)
    outcomes = [o.as_dict() for o in checklist(flow, facts, trigger)]
    allowed = all(o["passed"] for o in outcomes)
    from_state = plan.state
    if allowed:
        plan.state = flow.apply(plan.state, trigger)
        plan.state_entered_on = legal_date
    plan.version += 1
    now = _now()
    event = audit.append(session, audit.NewEvent(
        plan_id=plan.id, plan_version=plan.version,
        event_type="transition_applied" if allowed else "transition_blocked", actor=actor, action=trigger,
        recorded_at=now, from_state=from_state, to_state=transition.dest, legal_date=legal_date,
        outcomes=outcomes, payload={"trigger": trigger},
    ))
    _commit(uow, plan)
    if not allowed:
        failed = [o for o in outcomes if not o["passed"]]
        raise GuardFailed(
            f"Paso '{trigger}' rechazado: {len(failed)} de {len(outcomes)} requisitos sin cumplir.",
            plan=plan.id, trigger=trigger, version=plan.version, event_seq=event.seq, checklist=outcomes)
    return {"plan_id": plan.id, "trigger": trigger, "from": from_state, "to": plan.state, "version": plan.version,
            "event_seq": event.seq, "legal_date": legal_date.isoformat(), "checklist": outcomes}
