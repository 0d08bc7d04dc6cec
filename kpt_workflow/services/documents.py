"""Use-cases on a plan's documents: file a version, justify an absence, withdraw."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import NoReturn

from kpt_workflow.audit import blob_check

from kpt_workflow.law import calendar
from kpt_workflow.services.access import Actor, require_change
from kpt_workflow.storage.blobs import BlobStore
from kpt_workflow.reference.document_types import load_catalog
from kpt_workflow.base.errors import ActsOutOfOrder, EmptyFile, InvalidInput, KptError
from kpt_workflow.law.facts import FILED, JUSTIFIED_ABSENCE, WITHDRAWN, DocumentFact
from kpt_workflow.base.media import REFUSALS, check
from kpt_workflow.lifecycle.aggregate import PlanRecord
from kpt_workflow.storage.repository import DOCUMENT, latest_documents
from kpt_workflow.services.changes import check_legal_date, commit, event, now, open_change, record
from kpt_workflow.lifecycle.status import plan_deadlines
from kpt_workflow.rules.act_order import order_conflict
from kpt_workflow.storage.amendment_log import amendments_for
from kpt_workflow.storage.unit_of_work import UnitOfWork
from kpt_workflow.base.validation import NUL_MESSAGE, has_nul


@dataclass(frozen=True)
class Screening:
    """What a file's bytes proved (`base.media.check` against its type's formats): its media
    type, or the refusal to record."""

    media_type: str | None = None
    refusal: KptError | None = None


@dataclass(frozen=True)
class Filing:
    """What a user files: a file, a justified absence, or a withdrawal of the current version.
    `screening`: its bytes already judged (`screen`), before the filing took its turn to write."""

    doc_type: str
    status: str = FILED
    content: bytes | None = None
    filename: str | None = None
    legal_date: date | None = None
    number: str | None = None
    note: str | None = None
    screening: Screening | None = None


def screen(filing: Filing) -> Filing:
    """The filing with its bytes judged: CPU work (a 7,000-page PDF takes about a second) that a
    server does before handing the filing to the database's writer, so no other request waits on
    it. An unknown type is refused here, before anything is read of the plan."""
    formats = load_catalog().get(filing.doc_type).formats
    if filing.status != FILED or filing.content is None or filing.screening is not None:
        return filing
    try:
        return replace(filing, screening=Screening(media_type=check(filing.content, formats)))
    except REFUSALS as refused:
        return replace(filing, screening=Screening(refusal=refused))


def _earliest_plausible(plan: PlanRecord, not_before: str) -> tuple[date, str] | None:
    """The first day an act of the type can bear, when the calendar alone says it (the acts it
    answers are judged by `order_conflict`)."""
    if not_before == "anio_electoral":
        return date(plan.period - 1, 1, 1), f"el 1 de enero del año electoral ({plan.period - 1})"
    if not_before == "eleccion":
        return calendar.election_day(plan.period), f"la elección ({calendar.written_date(calendar.election_day(plan.period))})"
    if not_before == "inicio_periodo":
        return calendar.period_start(plan.period), f"la posesión ({calendar.written_date(calendar.period_start(plan.period))})"
    return None


def _check_form(filing: Filing, justifiable: bool) -> None:
    """A filing's form, before its content: a file, or a justified absence, or a withdrawal."""
    for field, text in (("numero", filing.number), ("motivo", filing.note), ("filename", filing.filename)):
        if has_nul(text):
            raise InvalidInput(f"{field}: {NUL_MESSAGE}.", field=field)
    if filing.status == FILED:
        if filing.content is None:
            raise EmptyFile("Adjunte el archivo del documento.", field="file")
        return
    if filing.status == JUSTIFIED_ABSENCE:
        if not justifiable:
            raise InvalidInput(f"'{filing.doc_type}' no admite ausencia justificada: debe radicarse.", field="doc_type")
        if not (filing.note or "").strip():
            raise InvalidInput("Indique el motivo de la ausencia.", field="motivo")
        return
    if filing.status != WITHDRAWN:
        raise InvalidInput(f"Estado de documento desconocido '{filing.status}'.", field="status")


def _check_content(uow: UnitOfWork, plan: PlanRecord, filing: Filing, actor: str, legal_date: date) -> str:
    """The media type its bytes prove (judged now, unless the caller screened the filing first);
    a file they refuse is refused as `_refuse` says."""
    screening = filing.screening or screen(filing).screening
    assert screening is not None, "screen() judges every filed file"
    refused = screening.refusal
    if refused is None:
        return str(screening.media_type)
    _refuse(uow, plan, filing, actor, legal_date, refused, reason=refused.details.get("reason"))


def _refuse(uow: UnitOfWork, plan: PlanRecord, filing: Filing, actor: str, legal_date: date, refused: KptError,
            **audited: object) -> NoReturn:
    """A refused filing is audited as a blocked step is: the `document_rejected` event (what was
    refused and why, the file's digest and size, never its bytes) bumps the plan's version and is
    committed with the refusal, which is then raised; nothing of the file is stored."""
    content = filing.content or b""
    plan = record(uow, plan, event("document_rejected", actor, "documento_rechazado", legal_date, {
        "doc_type": filing.doc_type, "code": refused.code, **audited, "filename": filing.filename,
        "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}))
    refusal = type(refused)(refused.message, **refused.details, plan=plan.id, version=plan.version)
    commit(uow, plan.id, refusal)
    raise refusal from refused


def _check_order(uow: UnitOfWork, plan: PlanRecord, filing: Filing, actor: str, legal_date: date,
                 documents: Mapping[str, DocumentFact]) -> None:
    """An act that contradicts one on file (`order_conflict`), whichever came first, is refused
    as `_refuse` says."""
    conflict = order_conflict(filing.doc_type, legal_date, documents, plan.entity_kind)
    if conflict is not None:
        refused = ActsOutOfOrder(conflict.message, field="fecha", rule="orden_de_los_actos", basis=conflict.basis,
                                 hint=f"{conflict.remedy} Base legal: {conflict.basis}.", conflicts_with=conflict.other)
        _refuse(uow, plan, filing, actor, legal_date, refused, reason=conflict.message,
                conflicts_with=conflict.other, basis=conflict.basis)


def file_document(uow: UnitOfWork, blobs: BlobStore, *, plan_id: str, filing: Filing, actor: Actor,
                  expected_version: int | None = None) -> dict[str, object]:
    """Record a new version of a document; older versions are never touched. A filing after the
    deadline it meets is accepted (the law does not void it) and recorded as late in its event."""
    plan = open_change(uow, plan_id, expected_version, actor,
                       lambda plan: require_change(actor, plan, "registrar documentos del plan"))
    plan, result = file_in(uow, blobs, plan, filing, actor.username)
    commit(uow, plan.id, result)
    return result


def file_in(uow: UnitOfWork, blobs: BlobStore, plan: PlanRecord, filing: Filing,
            actor: str) -> tuple[PlanRecord, dict[str, object]]:
    """`file_document` inside a larger change: the caller opened the plan and commits (except
    when the file is refused: that refusal is committed here, audited, and raised)."""
    document_type = load_catalog().get(filing.doc_type)
    named = f"«{document_type.label_for(plan.entity_kind)}»"
    legal_date = filing.legal_date or calendar.today_in_colombia()
    check_legal_date(legal_date, named)
    _check_form(filing, document_type.justifiable)
    documents = latest_documents(uow.connection, plan.id)
    earliest = _earliest_plausible(plan, document_type.not_before)
    if filing.status != WITHDRAWN and earliest and legal_date < earliest[0]:
        raise InvalidInput(f"La fecha legal de {named} ({calendar.written_date(legal_date)}) es anterior a {earliest[1]}: "
                           f"no es plausible.", field="fecha")
    current = documents.get(filing.doc_type)
    if filing.status == WITHDRAWN and (current is None or current.status == WITHDRAWN):
        raise InvalidInput(f"No hay {named} vigente que retirar.", field="doc_type")
    if filing.status == FILED:
        _check_order(uow, plan, filing, actor, legal_date, documents)
    media_type = (_check_content(uow, plan, filing, actor, legal_date)
                  if filing.status == FILED else None)
    content = filing.content if filing.status == FILED else None
    stored = blobs.put(content) if content else None
    # The store's copy of these bytes was altered or missing (read before this filing's row is added).
    repaired = stored is not None and blob_check.repaired(uow.connection, stored)
    document = {
        "doc_type": filing.doc_type, "version": (current.version if current else 0) + 1, "status": filing.status,
        "legal_date": legal_date, "number": filing.number, "filename": filing.filename,
        "sha256": stored.sha256 if stored else None, "size": len(content) if content else None,
        "media_type": media_type, "note": filing.note,
    }
    recorded_at = now()
    uow.connection.execute(DOCUMENT.insert().values(plan_id=plan.id, filed_by=actor, recorded_at=recorded_at,
                                                    **document))
    missed = [d for d in plan_deadlines(plan, documents, amendments_for(uow.connection, plan), legal_date)
              if filing.doc_type in d.spec.met_by_codes and filing.status == FILED and d.is_late(legal_date, acted_on=legal_date)]
    late = [d.late_entry(legal_date) for d in missed]
    plan = record(uow, plan, event("document_filed", actor, f"documento_{filing.status}", legal_date,
                                   {**document, "late": late}, recorded_at=recorded_at))
    return plan, {"plan_id": plan.id, "plan_version": plan.version, **document,
                  "label": document_type.label_for(plan.entity_kind), "late": late,
                  "late_labels": [d.spec.label for d in missed],
                  "blob_reparado": repaired}
