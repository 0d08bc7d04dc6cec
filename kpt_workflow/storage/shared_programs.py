"""Which programs each plan holds in its parte estratégica, and which of them it funds in its plan
plurianual: what entities that may associate have in common."""

from collections.abc import Sequence

from sqlalchemy import Connection, select

from kpt_workflow.storage.tables import Entity, PlanInvestment, PlanProgram

PROGRAMS, INVESTMENTS, ENTITIES = PlanProgram.__table__, PlanInvestment.__table__, Entity.__table__


def places(conn: Connection) -> list[dict[str, object]]:
    """Every entity with its seat's coordinates (departments have none in DIVIPOLA)."""
    columns = (ENTITIES.c.code, ENTITIES.c.name, ENTITIES.c.kind, ENTITIES.c.department_code,
               ENTITIES.c.department_name, ENTITIES.c.latitude, ENTITIES.c.longitude, ENTITIES.c.plans_own_pdt)
    names = [column.name for column in columns]
    return [dict(zip(names, row)) for row in conn.execute(select(*columns).order_by(ENTITIES.c.code)).all()]


def programs_of(conn: Connection, plan_ids: Sequence[str]) -> dict[str, dict[str, tuple[str, bool]]]:
    """Plan id → {program code: (name, funded)}: `funded` when the plan plurianual gives it money."""
    if not plan_ids:
        return {}
    funded = {tuple(row) for row in conn.execute(select(INVESTMENTS.c.plan_id, INVESTMENTS.c.program_code).distinct().where(
        INVESTMENTS.c.plan_id.in_(list(plan_ids)), INVESTMENTS.c.amount > 0))}
    found: dict[str, dict[str, tuple[str, bool]]] = {}
    for plan_id, code, name in conn.execute(select(PROGRAMS.c.plan_id, PROGRAMS.c.program_code, PROGRAMS.c.program_name)
                                            .where(PROGRAMS.c.plan_id.in_(list(plan_ids)))):
        found.setdefault(plan_id, {})[code] = (name, (plan_id, code) in funded)
    return found
