"""The PND catalog in force and the tags of a plan's programs: the projection rows a recorded
parte estratégica makes of its `pnd` and `iniciativas_departamento` (what the service writes and
replay rebuilds), and the reads of them. `program_tags` is the one read of a plan's tags that
every view uses (the alignment report, the products bank, the Plan Indicativo workbook)."""

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, select

from kpt_workflow.reference.pnd import Line
from kpt_workflow.storage.tables import Entity, Plan, PlanProgram, PlanProgramInitiative, PlanProgramPnd, PndLine

LINES = PndLine.__table__
PND_TAGS = PlanProgramPnd.__table__
INITIATIVES = PlanProgramInitiative.__table__


@dataclass(frozen=True)
class ProgramTags:
    """What a program of a plan articulates with: PND line codes and its department's program codes."""

    pnd: tuple[str, ...] = ()
    initiatives: tuple[str, ...] = ()


def tag_rows(plan_id: str, payload: dict[str, Any]) -> tuple[list[PlanProgramPnd], list[PlanProgramInitiative]]:
    """The tag rows of a recorded parte estratégica (events before the PND tags carry none)."""
    programs = [program for eje in payload["ejes"] for program in eje["programas"]]
    return ([PlanProgramPnd(plan_id=plan_id, program_code=p["codigo"], line_code=code)
             for p in programs for code in p.get("pnd", ())],
            [PlanProgramInitiative(plan_id=plan_id, program_code=p["codigo"], department_program_code=code)
             for p in programs for code in p.get("iniciativas_departamento", ())])


def program_tags(conn: Connection, plan_id: str) -> dict[str, ProgramTags]:
    """Each tagged program of the plan (by code) with its tags, in the order recorded."""
    pnd: dict[str, list[str]] = {}
    initiatives: dict[str, list[str]] = {}
    for program, code in conn.execute(select(PND_TAGS.c.program_code, PND_TAGS.c.line_code)
                                      .where(PND_TAGS.c.plan_id == plan_id)):
        pnd.setdefault(program, []).append(code)
    for program, code in conn.execute(select(INITIATIVES.c.program_code, INITIATIVES.c.department_program_code)
                                      .where(INITIATIVES.c.plan_id == plan_id)):
        initiatives.setdefault(program, []).append(code)
    order = {line.code: line.position for line in lines(conn)}
    return {program: ProgramTags(tuple(sorted(pnd.get(program, ()), key=lambda c: (order.get(c, len(order)), c))),
                                 tuple(sorted(initiatives.get(program, ()))))
            for program in sorted(pnd.keys() | initiatives.keys())}


def lines(conn: Connection) -> list[Line]:
    """The PND catalog in force, in its order."""
    return [Line(r.code, r.kind, r.name, r.basis, r.position, r.plan, r.plan_basis)
            for r in conn.execute(select(LINES).order_by(LINES.c.position))]


def replace_catalog(conn: Connection, catalog: Sequence[Line]) -> None:
    conn.execute(delete(LINES))
    conn.execute(LINES.insert(), [asdict(line) for line in catalog])


def plans_using(conn: Connection, codes: Iterable[str]) -> list[str]:
    """The plans whose programs carry any of the line `codes` (those a new catalog removes)."""
    codes = sorted(set(codes))
    if not codes:
        return []
    return list(conn.scalars(select(PND_TAGS.c.plan_id).where(PND_TAGS.c.line_code.in_(codes))
                             .distinct().order_by(PND_TAGS.c.plan_id)))


def program_codes(conn: Connection, plan_id: str) -> dict[str, str] | None:
    """The programs (code → name) of a plan's parte estratégica; None when there is no such plan."""
    plan = Plan.__table__
    if conn.execute(select(plan.c.id).where(plan.c.id == plan_id)).first() is None:
        return None
    table = PlanProgram.__table__
    return dict(conn.execute(select(table.c.program_code, table.c.program_name).where(table.c.plan_id == plan_id)).all())


def departments_with_programs(conn: Connection, codes: Iterable[str], period: int,
                              definition_name: str) -> dict[str, list[tuple[str, str]]]:
    """For each program code, the departments (DIVIPOLA code, name) whose plans of that period and
    workflow have it: to tell a municipality that an initiative is another department's."""
    codes = sorted(set(codes))
    if not codes:
        return {}
    plan, table, entity = Plan.__table__, PlanProgram.__table__, Entity.__table__
    owners: dict[str, list[tuple[str, str]]] = {}
    for code, department, name in conn.execute(
            select(table.c.program_code, plan.c.entity_code, entity.c.name)
            .join(plan, plan.c.id == table.c.plan_id).join(entity, entity.c.code == plan.c.entity_code)
            .where(table.c.program_code.in_(codes), plan.c.period == period, plan.c.definition_name == definition_name,
                   func.length(plan.c.entity_code) == 2)
            .order_by(plan.c.entity_code)):
        owners.setdefault(code, []).append((department, name))
    return owners
