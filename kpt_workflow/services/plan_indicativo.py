"""The DNP's Plan Indicativo workbook (SisPT): a plan's parte estratégica and plan plurianual
exported for everyone who reads the plan, and a workbook imported back by the entity's planning
office, judged line by line: if any cell is refused nothing is recorded and the refusal lists
them all; otherwise both parts are recorded in one transaction, each with its usual audit event
(which names the workbook's SHA-256)."""

import hashlib
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlmodel import select

from kpt_workflow.base import media
from kpt_workflow.base.errors import InvalidInput
from kpt_workflow.base.figures import amount
from kpt_workflow.law import calendar
from kpt_workflow.lifecycle import plan_indicativo_import as workbook
from kpt_workflow.lifecycle import strategy
from kpt_workflow.reports.plan_indicativo import IndicativePlan, plan_indicativo_xlsx
from kpt_workflow.services.access import Actor
from kpt_workflow.services.changes import check_legal_date, commit
from kpt_workflow.services.strategy import open_strategy_change, write_investment_plan, write_strategic_part
from kpt_workflow.services.views import seen_plan
from kpt_workflow.storage import mga_rows, pnd_rows
from kpt_workflow.storage.repository import holds_synthetic_demo, investment_facts, program_facts
from kpt_workflow.storage.tables import Indicator
from kpt_workflow.storage.unit_of_work import UnitOfWork

# A plan of 2,000 metas is some hundreds of kilobytes: these bounds leave room for any real one and
# keep a hostile file from costing the parser more than a moment.
WORKBOOK_LIMITS = media.UploadLimits(max_bytes=10 * 1024 * 1024, max_uncompressed_bytes=60 * 1024 * 1024,
                                     max_archive_entries=200)
NOT_TAGGED = "Sin etiquetar"


class WorkbookRefused(InvalidInput):
    """Cells of the workbook were refused: `details['rechazos']` lists each (sheet, row, column,
    value, reason); nothing was recorded."""

    code = "plan_indicativo_rechazado"


@dataclass(frozen=True)
class WorkbookFile:
    """An uploaded workbook once its bytes proved an XLSX and its sheets were read (`screen_workbook`)."""

    sheets: workbook.Sheets
    sha256: str
    size: int


def refusal_line(refusal: dict[str, Any]) -> str:
    """A refused cell as a sentence: where it is, what it holds and why it was refused."""
    where = f"«{refusal['sheet']}»"
    if refusal["row"] is not None:
        where += f", fila {refusal['row']}"
    if refusal["column"]:
        where += f", columna «{refusal['column']}»"
    held = f" (valor: {refusal['value']})" if refusal["value"] else ""
    return f"{where}{held}: {refusal['reason']}"


def pnd_labels(uow: UnitOfWork, plan_id: str, program_codes: list[str]) -> dict[str, str]:
    """The «¿En el PND?» cell of each program: the one place where the workbook reads the plan's
    alignment with the PND (`services.pnd`): «Sí: » and the lines its program names, by name (a
    code the catalog in force no longer holds, as recorded), or «Sin etiquetar»."""
    tags = pnd_rows.program_tags(uow.connection, plan_id)
    names = {line.code: line.name for line in pnd_rows.lines(uow.connection)}
    return {code: "Sí: " + "; ".join(names.get(line, line) for line in tags[code].pnd)
            if code in tags and tags[code].pnd else NOT_TAGGED for code in program_codes}


def export_workbook(uow: UnitOfWork, actor: Actor, plan_id: str) -> tuple[str, bytes]:
    """The workbook's file name and bytes, for any role that may read the plan."""
    plan = seen_plan(uow, actor, plan_id)
    conn = uow.connection
    catalog = mga_rows.products(conn)
    programs = program_facts(conn, plan.id)
    data = IndicativePlan(
        plan=plan, programs=programs, investments=investment_facts(conn, plan.id),
        sector_names={p.sector_code: p.sector_name for p in catalog},
        program_names={p.program_code: p.program_name for p in catalog},
        product_names={p.code: p.name for p in catalog},
        pnd=pnd_labels(uow, plan.id, [p.code for p in programs]), synthetic=holds_synthetic_demo(conn),
        exported_on=calendar.today_in_colombia())
    return f"plan-indicativo-{plan.id}.xlsx", plan_indicativo_xlsx(data)


def screen_workbook(content: bytes) -> WorkbookFile:
    """The file's bytes judged and its sheets read: CPU work a server does before the import takes
    its turn to write. Anything but a bounded XLSX is refused (413, 415 or 422) in Spanish."""
    media.check(content, ["xlsx"], WORKBOOK_LIMITS)
    return WorkbookFile(workbook.read_workbook(content), hashlib.sha256(content).hexdigest(), len(content))


def import_workbook(uow: UnitOfWork, *, plan_id: str, upload: WorkbookFile, actor: Actor,
                    legal_date: date | None = None, expected_version: int | None = None) -> dict[str, Any]:
    """Record the workbook's parte estratégica and plan plurianual (this one only if the workbook
    has money lines), or refuse it whole with every refused cell."""
    legal_date = legal_date or calendar.today_in_colombia()
    check_legal_date(legal_date, "el plan indicativo")
    plan = open_strategy_change(uow, plan_id, expected_version, actor)
    conn = uow.connection
    catalog = mga_rows.products(conn)
    catalogs = workbook.Catalogs(
        indicators={i.code: i for i in uow.session.exec(select(Indicator))},
        program_names={p.program_code: p.program_name for p in catalog},
        product_programs={p.code: p.program_code for p in catalog})
    judged = workbook.judge(upload.sheets, plan.period, catalogs)
    if judged.refusals:
        raise WorkbookRefused(f"El libro del Plan Indicativo tiene {amount(len(judged.refusals), 'celda rechazada', 'celdas rechazadas')}; "
                              f"no se registró nada. Corrija cada una y vuelva a importarlo.",
                              rechazos=[asdict(r) for r in judged.refusals])
    assert judged.strategic_part is not None, "a workbook without refusals has a strategic part"
    source = {"sha256": upload.sha256, "bytes": upload.size}
    part = _keeping_tags(judged.strategic_part, pnd_rows.program_tags(conn, plan.id))
    plan, result = write_strategic_part(uow, plan, part, actor, legal_date, plan_indicativo=source)
    money: dict[str, Any] = {"lineas": 0, "total": None}
    if judged.investment_plan is not None:
        plan, money = write_investment_plan(uow, plan, judged.investment_plan, actor, legal_date,
                                            plan_indicativo=source)
    result = {**result, "plan_version": plan.version, "lineas": money["lineas"], "total": money["total"],
              "rechazos": []}
    commit(uow, plan.id, result)
    return result


def _keeping_tags(part: strategy.StrategicPartInput, tags: dict[str, pnd_rows.ProgramTags]) -> strategy.StrategicPartInput:
    """The workbook does not carry the programs' PND lines and department initiatives (its «¿En el
    PND?» only informs): a program the plan already has keeps them, as the products bank keeps them."""
    def kept(program: strategy.ProgramInput) -> strategy.ProgramInput:
        found = tags.get(program.codigo)
        return program if found is None else program.model_copy(
            update={"pnd": found.pnd, "iniciativas_departamento": found.initiatives})

    return part.model_copy(update={"ejes": tuple(eje.model_copy(update={"programas": tuple(map(kept, eje.programas))})
                                                 for eje in part.ejes)})
