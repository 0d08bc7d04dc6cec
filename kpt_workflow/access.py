"""Who may see and change what: one policy, used by every route (and by the pages).

A planning office sees and changes its own entity's plans; a council reads its entity's plans and
records its decisions; a department reads its own plan and its municipalities'; the DNP reads
everything; an administrator manages users. An object the actor may not see is not found (404),
so nothing leaks about other entities.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, true

from kpt_workflow import calendar
from kpt_workflow.errors import Forbidden, NotFound
from kpt_workflow.recorder import ENTITY
from kpt_workflow.reports import ReportFilters
from kpt_workflow.repository import PlanRecord

PLANEACION, CORPORACION, DEPARTAMENTO, DNP, ADMIN = "planeacion", "corporacion", "departamento", "dnp", "admin"


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    entity_code: str | None

    def sees_entity(self, entity_code: str, department_code: str) -> bool:
        if self.role in (DNP, ADMIN):
            return True
        if self.role == DEPARTAMENTO:
            return department_code == self.entity_code
        return entity_code == self.entity_code

    def visible_entities(self) -> ColumnElement[bool]:
        """The same rule as a SQL condition on the entity table, for lists."""
        if self.role in (DNP, ADMIN):
            return true()
        if self.role == DEPARTAMENTO:
            return ENTITY.c.department_code == self.entity_code
        return ENTITY.c.code == self.entity_code


def visible_plan(actor: Actor, plan: PlanRecord) -> PlanRecord:
    if not actor.sees_entity(plan.entity_code, plan.department_code):
        raise NotFound(f"No existe el plan '{plan.id}'.", plan=plan.id)
    return plan


def require_role(actor: Actor, allowed: tuple[str, ...], what: str) -> None:
    """For an object the actor can see: may its role do `what`?"""
    if actor.role not in allowed:
        raise Forbidden(f"Su rol ({actor.role}) no puede {what}.", role=actor.role)


def report_filters(actor: Actor, department: str | None, category: str | None, as_of: date | None) -> ReportFilters:
    """What a bottleneck report the actor asks for covers: a department sees its own plan and its
    municipalities', whatever it asks for; the DNP (and an administrator) the department asked, or
    the whole country. Offices and councils follow their own plans, not the country's. Without a
    date, as of today in Colombia."""
    require_role(actor, (DNP, DEPARTAMENTO, ADMIN), "ver el tablero nacional")
    return ReportFilters(department_code=actor.entity_code if actor.role == DEPARTAMENTO else (department or None),
                         category=category or None, as_of=as_of or calendar.today_in_colombia())


def require_own_entity(actor: Actor, entity_code: str, role: str, what: str) -> None:
    """Changes belong to the entity's own office or council, never to an overseer."""
    require_role(actor, (role,), what)
    if actor.entity_code != entity_code:
        raise Forbidden(f"Solo {role} de la entidad {entity_code} puede {what}.", role=actor.role)
