"""The use-cases: each opens one unit of work, changes the plan aggregate, appends its audit
event in the same transaction, and commits explicitly."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from kpt_workflow import audit, calendar, indicators, strategy
from kpt_workflow import deadlines as deadline_terms
from kpt_workflow.blobs import BlobStore
from kpt_workflow.document_types import load_catalog
from kpt_workflow.engine import workflow
from kpt_workflow.errors import GuardFailed, InvalidInput, PlanExists, PlanNotAllowed, PlanVersionConflict
from kpt_workflow.facts import FILED, JUSTIFIED_ABSENCE, WITHDRAWN, DocumentFact
from kpt_workflow.media import sniff
from kpt_workflow.models import Document, Entity, Indicator, Plan, PlanGoal, PlanInvestment, PlanProgram
from kpt_workflow.repository import get_entity, get_plan, latest_documents
from kpt_workflow.rules import evaluate
from kpt_workflow.status import plan_facts, plan_status
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


def _open_change(uow: UnitOfWork, plan_id: str, expected_version: int | None) -> Plan:
    """Load the plan for a change: locked, at the version the caller read, and still open."""
    plan = get_plan(uow.session, plan_id, for_update=True)
    _check_version(plan, expected_version)
    if workflow(plan.definition_name, plan.definition_version).state(plan.state).terminal:
        raise InvalidInput(f"El plan {plan.id} ya terminó su trámite ({plan.state}); no admite más cambios.")
    return plan


def _record(uow: UnitOfWork, plan: Plan, change: audit.NewEvent) -> audit.AuditEvent:
    """Bump the plan's version and append the event that records the change, then commit both."""
    plan.version += 1
    event = audit.append(uow.session, replace(change, plan_id=plan.id, plan_version=plan.version))
    _commit(uow, plan)
    return event


def _event(event_type: str, actor: str, action: str, legal_date: date, payload: dict[str, object],
           recorded_at: datetime | None = None, **fields: object) -> audit.NewEvent:
    """A change described by a use-case; `_record` fills in the plan and its new version."""
    return audit.NewEvent(plan_id="", plan_version=0, event_type=event_type, actor=actor, action=action,
                          recorded_at=recorded_at or _now(), legal_date=legal_date, payload=payload,
                          **fields)  # type: ignore[arg-type]


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


def _earliest_plausible(plan: Plan, not_before: str, documents: Mapping[str, DocumentFact]) -> tuple[date, str] | None:
    if not_before == "anio_electoral":
        return date(plan.period - 1, 1, 1), f"el 1 de enero del año electoral ({plan.period - 1})"
    if not_before == "eleccion":
        return calendar.election_day(plan.period), f"la elección ({calendar.election_day(plan.period)})"
    if not_before == "inicio_periodo":
        return calendar.period_start(plan.period), f"la posesión ({calendar.period_start(plan.period)})"
    anchor = documents.get(not_before)
    if anchor is None or anchor.status != FILED or anchor.legal_date is None:
        return None
    return anchor.legal_date, f"'{not_before}' ({anchor.legal_date})"


def _check_content(filing: Filing, justifiable: bool) -> str | None:
    """The media type of a filed file (sniffed), after checking the filing's form."""
    if filing.status == FILED:
        if not filing.content:
            raise InvalidInput("El archivo está vacío.", field="file")
        media_type = sniff(filing.content)
        if media_type is None:
            raise InvalidInput("Tipo de archivo no admitido: se aceptan PDF, XLSX, DOCX o CSV (según su contenido).",
                               field="file")
        return media_type
    if filing.status == JUSTIFIED_ABSENCE:
        if not justifiable:
            raise InvalidInput(f"'{filing.doc_type}' no admite ausencia justificada: debe radicarse.", field="doc_type")
        if not (filing.note or "").strip():
            raise InvalidInput("Indique el motivo de la ausencia.", field="motivo")
        return None
    if filing.status != WITHDRAWN:
        raise InvalidInput(f"Estado de documento desconocido '{filing.status}'.", field="status")
    return None


def file_document(uow: UnitOfWork, blobs: BlobStore, *, plan_id: str, filing: Filing, actor: str,
                  expected_version: int | None = None) -> dict[str, object]:
    """Record a new version of a document; older versions are never touched. A filing after the
    deadline it meets is accepted (the law does not void it) and recorded as late in its event."""
    document_type = load_catalog().get(filing.doc_type)
    legal_date = filing.legal_date or calendar.today_in_colombia()
    _check_legal_date(legal_date, f"'{filing.doc_type}'")
    media_type = _check_content(filing, document_type.justifiable)
    session = uow.session
    plan = _open_change(uow, plan_id, expected_version)
    documents = latest_documents(session, plan.id)
    earliest = _earliest_plausible(plan, document_type.not_before, documents)
    if filing.status != WITHDRAWN and earliest and legal_date < earliest[0]:
        raise InvalidInput(f"La fecha legal de '{filing.doc_type}' ({legal_date}) es anterior a {earliest[1]}: "
                           f"no es plausible.", field="fecha")
    current = documents.get(filing.doc_type)
    if filing.status == WITHDRAWN and (current is None or current.status == WITHDRAWN):
        raise InvalidInput(f"No hay '{filing.doc_type}' vigente que retirar.", field="doc_type")
    if filing.status == FILED and document_type.requires_number and not (filing.number or "").strip():
        raise InvalidInput(f"'{filing.doc_type}' es un acto numerado: indique su número (--numero).", field="numero")
    document = Document(plan_id=plan.id, doc_type=filing.doc_type, version=(current.version if current else 0) + 1,
                        status=filing.status, legal_date=legal_date, number=filing.number, filename=filing.filename,
                        sha256=blobs.put(filing.content) if filing.content and filing.status == FILED else None,
                        size=len(filing.content) if filing.content and filing.status == FILED else None,
                        media_type=media_type, note=filing.note, filed_by=actor, recorded_at=_now())
    session.add(document)
    late = [d.late_entry(legal_date) for d in _deadlines(plan, documents) if d.spec.met_by == filing.doc_type
            and filing.status == FILED and d.chosen is not None and legal_date > d.chosen.day]
    _record(uow, plan, _event("document_filed", actor, f"documento_{filing.status}", legal_date,
                              {**document_payload(document), "late": late}, recorded_at=document.recorded_at))
    return {"plan_id": plan.id, "plan_version": plan.version, **document_payload(document), "late": late}


def _deadlines(plan: Plan, documents: Mapping[str, DocumentFact]) -> list[deadline_terms.Deadline]:
    definition = workflow(plan.definition_name, plan.definition_version).definition
    return deadline_terms.compute(definition.deadlines, plan.period, documents)


def document_payload(document: Document) -> dict[str, object]:
    """The event payload of a filing; replay rebuilds the document row from exactly this."""
    return {
        "doc_type": document.doc_type, "version": document.version, "status": document.status,
        "legal_date": document.legal_date, "number": document.number, "filename": document.filename,
        "sha256": document.sha256, "size": document.size, "media_type": document.media_type, "note": document.note,
    }


def record_strategic_part(uow: UnitOfWork, *, plan_id: str, data: object, actor: str, legal_date: date | None = None,
                          expected_version: int | None = None) -> dict[str, object]:
    """Replace the parte estratégica (ejes → programas → metas) with a new complete version."""
    part = strategy.parse_strategic_part(data)
    legal_date = legal_date or calendar.today_in_colombia()
    _check_legal_date(legal_date, "la parte estratégica")
    session = uow.session
    plan = _open_change(uow, plan_id, expected_version)
    codes = {g.indicador for eje in part.ejes for p in eje.programas for g in p.metas}
    catalog = {i.code: i for i in session.exec(select(Indicator).where(Indicator.code.in_(codes)))}  # type: ignore[attr-defined]
    payload = strategy.normalized_strategic_part(part, catalog, indicators.mga_program_names())
    _replace_rows(session, plan.id, (PlanGoal, PlanProgram), [row for rows in strategy.strategic_rows(plan.id, payload)
                                                              for row in rows])
    _record(uow, plan, _event("strategic_part_recorded", actor, "registrar_parte_estrategica", legal_date, payload))
    programs = sum(len(e["programas"]) for e in payload["ejes"])
    return {"plan_id": plan.id, "plan_version": plan.version, "ejes": len(payload["ejes"]), "programas": programs,
            "metas": len(codes)}


def record_investment_plan(uow: UnitOfWork, *, plan_id: str, data: object, actor: str, legal_date: date | None = None,
                           expected_version: int | None = None) -> dict[str, object]:
    """Replace the plan plurianual de inversiones with a new complete version."""
    legal_date = legal_date or calendar.today_in_colombia()
    _check_legal_date(legal_date, "el plan plurianual")
    session = uow.session
    plan = _open_change(uow, plan_id, expected_version)
    payload = strategy.investment_payload(strategy.parse_investment_plan(data, plan.period))
    _replace_rows(session, plan.id, (PlanInvestment,), strategy.investment_rows(plan.id, payload))
    plan.declared_investment_total = payload["total"]
    _record(uow, plan, _event("investment_plan_recorded", actor, "registrar_plan_inversiones", legal_date, payload))
    return {"plan_id": plan.id, "plan_version": plan.version, "lineas": len(payload["lineas"]),
            "total": sum(line["valor"] for line in payload["lineas"])}


def _replace_rows(session: Session, plan_id: str, tables: tuple[type[SQLModel], ...], rows: list[SQLModel]) -> None:
    for table in tables:
        session.execute(delete(table).where(table.plan_id == plan_id))  # type: ignore[attr-defined]
    session.add_all(rows)


def advance(uow: UnitOfWork, *, plan_id: str, trigger: str, actor: str, legal_date: date | None = None,
            expected_version: int | None = None) -> dict[str, object]:
    """Attempt a step: evaluate its whole checklist, then apply it or record the refusal.
    A refusal is committed as an event and then raised as `GuardFailed`."""
    legal_date = legal_date or calendar.today_in_colombia()
    _check_legal_date(legal_date, "el paso")
    session = uow.session
    plan = _open_change(uow, plan_id, expected_version)
    flow = workflow(plan.definition_name, plan.definition_version)
    transition = flow.transition(plan.state, trigger)
    if legal_date < plan.state_entered_on:
        raise InvalidInput(f"La fecha legal del paso ({legal_date}) es anterior a la entrada del plan en "
                           f"'{plan.state}' ({plan.state_entered_on}).", field="fecha")
    facts, terms = plan_facts(session, plan, get_entity(session, plan.entity_code), legal_date, transition.rules)
    outcomes = [o.as_dict() for o in evaluate(transition.rules, facts)]
    allowed = all(o["passed"] for o in outcomes)
    from_state = plan.state
    if allowed:
        plan.state = flow.apply(plan.state, trigger)
        plan.state_entered_on = legal_date
    late = [d.spec.code for d in terms if d.as_status(legal_date)["late"]]
    event = _record(uow, plan, _event(
        "transition_applied" if allowed else "transition_blocked", actor, trigger, legal_date,
        {"trigger": trigger, "late_deadlines": late}, from_state=from_state, to_state=transition.dest,
        outcomes=outcomes))
    if not allowed:
        failed = [o for o in outcomes if not o["passed"]]
        raise GuardFailed(
            f"Paso '{trigger}' rechazado: {len(failed)} de {len(outcomes)} requisitos sin cumplir.",
            plan=plan.id, trigger=trigger, version=plan.version, event_seq=event.seq, checklist=outcomes)
    return {"plan_id": plan.id, "trigger": trigger, "from": from_state, "to": plan.state, "version": plan.version,
            "event_seq": event.seq, "legal_date": legal_date.isoformat(), "late_deadlines": late, "checklist": outcomes}
