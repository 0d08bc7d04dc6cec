"""Who may see and change what: one policy, used by every route (and by the pages).

A planning office sees and changes its own entity's plans; a council reads its entity's plans and
records its decisions; a department reads its own plan and its municipalities'; the DNP reads
everything; an administrator manages users. An object the actor may not see is not found (404),
so nothing leaks about other entities. Who may take a step is declared with the step (`by:` in the
workflow definition) and decided here, for the use-cases that the CLI, the API and the pages call.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, true

from kpt_workflow.law import calendar
from kpt_workflow.lifecycle.engine import chosen_workflow, workflow
from kpt_workflow.base.errors import Forbidden, NotFound, PlanNotFound
from kpt_workflow.storage.recorder import ENTITY
from kpt_workflow.reports.filters import ReportFilters
from kpt_workflow.lifecycle.aggregate import PlanRecord
from kpt_workflow.base.roles import ADMIN, CORPORACION, DEPARTAMENTO, DNP, OPERADOR, PLANEACION, ROLE_LABELS
from kpt_workflow.states.schema import TransitionSpec

CHANGE_ROLES = (PLANEACION,)
"""Who files documents and records the strategic part and the investments of a plan: the entity's
planning office (Ley 152 de 1994, arts. 31-33; the council's own act is filed with its decision)."""


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    entity_code: str | None
    entity_name: str | None = None  # for the pages' header only: who signed in, in words

    @property
    def sees_all(self) -> bool:
        """The DNP, the administration and the local operator see every entity."""
        return self.role in (DNP, ADMIN, OPERADOR)

    def sees_entity(self, entity_code: str, department_code: str) -> bool:
        if self.sees_all:
            return True
        if self.role == DEPARTAMENTO:
            return department_code == self.entity_code
        return entity_code == self.entity_code

    def visible_entities(self) -> ColumnElement[bool]:
        """The same rule as a SQL condition on the entity table, for lists."""
        if self.sees_all:
            return true()
        if self.role == DEPARTAMENTO:
            return ENTITY.c.department_code == self.entity_code
        return ENTITY.c.code == self.entity_code


def operator(name: str) -> Actor:
    """The local operator (kpt_workflow.base.roles.OPERADOR) under the name the audit records."""
    return Actor(name, OPERADOR, None)


def visible_plan(actor: Actor, plan: PlanRecord) -> PlanRecord:
    if not actor.sees_entity(plan.entity_code, plan.department_code):
        raise PlanNotFound(f"No existe el plan '{plan.id}'.", plan=plan.id)
    return plan


USER_ADMINS = (ADMIN, OPERADOR)
"""Who creates and deactivates users and renews their tokens: an administrator, or the local operator."""
AUDIT_READERS = (DNP, ADMIN, OPERADOR)
"""Who asks for the audit chain's verification: the DNP and the administration (and the operator)."""


AMENDMENT_ADMINS = (ADMIN, OPERADOR)
"""Who records (and lists) the legal amendments of terms for plans in flight: an administrator, or
the local operator (DESIGN.md point 1)."""


REFERENCE_IMPORTERS = (DNP, ADMIN, OPERADOR)
"""Who loads reference data for everyone (TerriData indicators, a newer MGA catalog): the DNP, which
publishes it, an administrator, or the local operator. Every role reads it."""


def require_reference_importer(actor: Actor, what: str) -> None:
    require_role(actor, REFERENCE_IMPORTERS, what)


def require_amendment_admin(actor: Actor) -> None:
    require_role(actor, AMENDMENT_ADMINS, "registrar ni consultar enmiendas legales de plazos")


def require_user_admin(actor: Actor) -> None:
    require_role(actor, USER_ADMINS, "administrar usuarios")


def require_audit_reader(actor: Actor) -> None:
    require_role(actor, AUDIT_READERS, "verificar la cadena de auditoría")


def require_role(actor: Actor, allowed: tuple[str, ...], what: str) -> None:
    """For an object the actor can see: may its role do `what`?"""
    if actor.role not in allowed:
        raise Forbidden(f"Su rol ({role_names((actor.role,))}) no puede {what}.", role=actor.role)


def role_names(roles: Iterable[str]) -> str:
    """('planeacion', 'corporacion') -> 'oficina de planeación o concejo o asamblea', for messages."""
    return " o ".join(ROLE_LABELS.get(role, role).lower().replace("dnp", "DNP") for role in roles)


def acts_for(actor: Actor, plan: PlanRecord, roles: Iterable[str]) -> bool:
    """The actor holds one of `roles` and sees the plan (an office or a council: its own entity's).
    The local operator of the command line acts for any role."""
    return actor.role == OPERADOR or (actor.role in roles and actor.sees_entity(plan.entity_code,
                                                                             plan.department_code))


def require_acting(actor: Actor, plan: PlanRecord, roles: tuple[str, ...], what: str) -> None:
    """A plan the actor cannot see is not found; one it sees but may not act on is forbidden."""
    visible_plan(actor, plan)
    if not acts_for(actor, plan, roles):
        raise Forbidden(f"Su rol ({role_names((actor.role,))}) no puede {what}: le corresponde a "
                        f"{role_names(roles)} de la entidad {plan.entity_code}.", role=actor.role)


def _declared(plan: PlanRecord, trigger: str) -> list[TransitionSpec]:
    """The steps named `trigger` that decide who may take it on `plan`: the one from the plan's
    state, or, for a trigger not possible from there, every one declared (so that a role that may
    never take it is told so before being told the step is not possible now)."""
    flow = workflow(plan.definition_name, plan.definition_version)
    here = [t for t in flow.transitions_from(plan.state) if t.trigger == trigger]
    return here or [t for t in flow.definition.transitions if t.trigger == trigger]


def require_step(actor: Actor, plan: PlanRecord, trigger: str) -> None:
    """Only the roles the definition declares for the step (`by:`) take it; an undeclared trigger
    is left to the engine to refuse as unknown."""
    declared = _declared(plan, trigger)
    roles = tuple(dict.fromkeys(role for t in declared for role in t.by)) or CHANGE_ROLES
    label = declared[0].label if declared else trigger
    require_acting(actor, plan, roles, f"tomar el paso «{label}»")


def require_change(actor: Actor, plan: PlanRecord, what: str) -> None:
    require_acting(actor, plan, CHANGE_ROLES, what)


@dataclass(frozen=True)
class PlanPermissions:
    """What the pages offer an actor on a plan: the same decisions the use-cases enforce."""

    changes: bool
    steps: frozenset[str]


def plan_permissions(actor: Actor, plan: PlanRecord) -> PlanPermissions:
    flow = workflow(plan.definition_name, plan.definition_version)
    return PlanPermissions(changes=acts_for(actor, plan, CHANGE_ROLES),
                           steps=frozenset(t.trigger for t in flow.transitions_from(plan.state)
                                           if acts_for(actor, plan, t.by)))


BUNDLE_READERS = (PLANEACION, CORPORACION, DNP)
"""Who takes a plan's evidence bundle (its documents, events and the chain around them): the
entity's planning office and its council, and the DNP (and the local operator). To anyone else
the plan's bundle does not exist: a department or an administrator gets a 404, as for a foreign plan."""


def require_bundle_reader(actor: Actor, plan: PlanRecord) -> PlanRecord:
    if not acts_for(actor, plan, BUNDLE_READERS):
        raise PlanNotFound(f"No existe el plan '{plan.id}'.", plan=plan.id)
    return plan


DASHBOARD_ROLES = (DNP, DEPARTAMENTO, ADMIN)
"""Who reads the bottleneck dashboard: the DNP and a department (its own municipalities), and an
administrator."""


def navigation(actor: Actor) -> list[tuple[str, str]]:
    """The pages the header links for the actor, as (path, label): the dashboard only to whom it
    answers (`report_filters` refuses the others)."""
    pages = [("/planes", "Planes")]
    if actor.role in DASHBOARD_ROLES:
        pages.append(("/tablero", "Tablero"))
    return [*pages, ("/diagnostico", "Diagnóstico"), ("/productos", "Banco de productos"), ("/avisos", "Avisos"),
            ("/ciclo", "Ciclo de vida")]


def signed_in_as(actor: Actor) -> str:
    """How the header names the user: `ana (Oficina de planeación · MEDELLÍN)`."""
    entity = f" · {actor.entity_name or actor.entity_code}" if actor.entity_code else ""
    return f"{actor.username} ({role_names((actor.role,))}{entity})"


def follows_own_plan(actor: Actor) -> bool:
    """An office or a council lands on its entity's plan; the others on a list of many."""
    return actor.role in (PLANEACION, CORPORACION) and actor.entity_code is not None


def own_plan_page(actor: Actor) -> str:
    """Which page of its plan an office or a council lands on: the council its completeness
    report (did the submission arrive complete and on time), the office the plan itself."""
    return "/informe" if actor.role == CORPORACION else ""


def landing_list(actor: Actor) -> str:
    """Where an actor without a plan of its own lands: the dashboard if it may read it, else the list."""
    return "/tablero" if actor.role in (DNP, DEPARTAMENTO) else "/planes"


def department_locked(actor: Actor) -> bool:
    """A department's dashboard is its own: the department filter is not its to change."""
    return actor.role == DEPARTAMENTO


def report_filters(actor: Actor, department: str | None, category: str | None, as_of: date | None,
                   workflow_name: str | None = None, period: int | None = None) -> ReportFilters:
    """What a bottleneck report the actor asks for covers: a department sees its own plan and its
    municipalities', whatever it asks for; the DNP (and an administrator) the department asked, or
    the whole country. Offices and councils follow their own plans, not the country's. Without a
    date, as of today in Colombia; without a workflow, the default one's plans; without a period,
    the cycle of that date."""
    require_role(actor, DASHBOARD_ROLES, "ver el tablero nacional")
    return ReportFilters(department_code=actor.entity_code if department_locked(actor) else (department or None),
                         category=category or None, as_of=as_of or calendar.today_in_colombia(),
                         workflow=chosen_workflow(workflow_name or None).definition.name, period=period)


def require_plan_creation(actor: Actor, entity_code: str, department_code: str) -> None:
    """An entity the actor cannot see does not exist for it; only its own planning office (or the
    local operator) opens its plan."""
    if not actor.sees_entity(entity_code, department_code):
        raise NotFound(f"No existe una entidad territorial con código DIVIPOLA '{entity_code}'.", entity=entity_code)
    if actor.role != OPERADOR and (actor.role, actor.entity_code) != (PLANEACION, entity_code):
        raise Forbidden(f"Su rol ({role_names((actor.role,))}) no puede crear el plan de esta entidad: le corresponde "
                        f"a su oficina de planeación.", role=actor.role)
