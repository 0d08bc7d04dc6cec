"""Request bodies. They never carry state, version counters of the audit, entity ownership or
audit fields: those come from the path, the actor and the server (no mass assignment)."""

from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field

from kpt_workflow.base.roles import ROLES
from kpt_workflow.law.bounds import Period, Version
from kpt_workflow.base.validation import EMAIL, IDENTIFIER, TextInput
from kpt_workflow.states.schema import WORKFLOW_NAME_LENGTH


class _Request(TextInput):
    model_config = ConfigDict(extra="forbid")


class PlanCreate(_Request):
    entity_code: str = Field(pattern=r"^[0-9]{2}([0-9]{3})?$", description="Código DIVIPOLA (2 o 5 dígitos)")
    period: Period
    fecha: date | None = Field(default=None, description="Fecha legal de inicio del primer estado")
    flujo: str | None = Field(default=None, pattern=IDENTIFIER, max_length=WORKFLOW_NAME_LENGTH,
                              description="Flujo del plan (GET /workflows); por omisión, el predeterminado (el PDT)")


class TransitionRequest(_Request):
    trigger: str = Field(min_length=1, max_length=64)
    fecha: date | None = Field(default=None, description="Fecha legal del acto")
    version: Version | None = Field(default=None, description="Versión leída (o cabecera If-Match)")


class AbsenceRequest(_Request):
    motivo: str = Field(min_length=3, max_length=2000)
    fecha: date | None = None
    version: Version | None = None


class WithdrawalRequest(_Request):
    motivo: str | None = Field(default=None, max_length=2000)
    fecha: date | None = None
    version: Version | None = None


class UserCreate(_Request):
    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")
    role: Literal[ROLES]  # type: ignore[valid-type]
    entity_code: str | None = Field(default=None, pattern=r"^[0-9]{2}([0-9]{3})?$")
    password: str | None = Field(default=None, min_length=10, max_length=256)
    email: str | None = Field(default=None, pattern=EMAIL, max_length=254,
                              description="Correo al que la bandeja de salida envía sus avisos de plazos")


class AmendmentCreate(_Request):
    """A legal amendment of a term (`kpt amendments record`): its basis, the periods and entities it
    reaches, the deadline it moves, and either the new date or a term from an act."""

    norma: str = Field(min_length=1, max_length=200, description="Norma (p. ej. 'Decreto Legislativo 683 de 2020')")
    articulo: str = Field(min_length=1, max_length=200, description="Artículo (p. ej. 'art. 1')")
    fecha_norma: date
    vigente_desde: date | None = Field(default=None, description="Desde cuándo aplica; por omisión, la fecha de la norma")
    periodos: list[Period] = Field(min_length=1, max_length=10)
    alcance: Literal["todas", "departamento", "categoria", "entidades"] = "todas"
    valores: list[str] = Field(default=[], max_length=2000, description="Códigos de departamento, categorías o "
                                                                        "códigos DIVIPOLA, según el alcance")
    plazo: str = Field(pattern=IDENTIFIER, max_length=64, description="Código del plazo de la definición")
    nueva_fecha: date | None = None
    desde_acto: str | None = Field(default=None, pattern=IDENTIFIER, max_length=64)
    meses: int | None = Field(default=None, ge=1, le=48)
    dias_habiles: int | None = Field(default=None, ge=1, le=365)


class CalendarTokenCreate(_Request):
    """The feed a new token opens: one plan's, or one entity's (exactly one of the two)."""

    plan_id: str | None = Field(default=None, max_length=64, description="Plan del calendario (p. ej. 05001-2024)")
    entity_code: str | None = Field(default=None, pattern=r"^[0-9]{2}([0-9]{3})?$",
                                    description="Entidad del calendario (código DIVIPOLA), con todos sus planes")
