"""The shape of a workflow definition file (pydantic): what each key means and may hold."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kpt_workflow.base.roles import CORPORACION, DEPARTAMENTO, DNP, PLANEACION
from kpt_workflow.base.validation import IDENTIFIER

PERIOD_START = "inicio_periodo"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StateSpec(_Frozen):
    """`side: true`: a state off the main path (an adoption by decree when the council did not
    decide): the stepper draws it apart."""

    name: str = Field(pattern=IDENTIFIER)
    label: str
    description: str = ""
    terminal: bool = False
    side: bool = False


ActingRole = Literal[PLANEACION, CORPORACION, DEPARTAMENTO, DNP]  # type: ignore[valid-type]
"""Roles a step may be declared for (administrators manage users, never plans)."""


class DecisionSpec(_Frozen):
    """A step that records a council's decision: `name` is what its form sends (`aprobar`),
    `label` what the council reads beside it, and what the decision must record: `files` the
    document type of the act it is filed with (its number and legal date then required),
    `reasons` a required text (the motivos of a return or a denial), `modifications` a required
    text (the changes the council made to the draft; Ley 152 de 1994, art. 40)."""

    name: str = Field(pattern=IDENTIFIER)
    label: str
    files: str | None = None
    reasons: bool = False
    modifications: bool = False

    @property
    def texts(self) -> tuple[str, ...]:
        """The texts the decision must record, by the name its forms and its event use."""
        return tuple(name for name, needed in (("motivo", self.reasons), ("modificaciones", self.modifications))
                     if needed)


class TransitionSpec(_Frozen):
    """`by`: whose act the step records, one role or a list (the entity's planning office, its
    council/assembly, ...); the service lets only those roles take it, on plans they can see.
    `decision`: the step records a council's decision (the completeness report's form offers it).
    `before_council: true`: the step brings the draft before the council, so the council's
    completeness report lists the documents its rules require."""

    trigger: str = Field(pattern=IDENTIFIER)
    label: str
    source: str
    dest: str
    rules: tuple[str, ...] = Field(min_length=1)
    by: tuple[ActingRole, ...] = Field(default=(PLANEACION,), min_length=1)
    decision: DecisionSpec | None = None
    before_council: bool = False

    @field_validator("by", mode="before")
    @classmethod
    def _one_or_more(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value


class TermSpec(_Frozen):
    """Exactly one unit: months counted in the period (ends on the month's last day), months from
    an act (Ley 4 de 1913), or working days from an act."""

    months_of_period: int | None = Field(default=None, ge=1, le=48)
    months: int | None = Field(default=None, ge=1, le=48)
    working_days: int | None = Field(default=None, ge=1, le=365)

    @model_validator(mode="after")
    def _exactly_one_unit(self) -> "TermSpec":
        given = [k for k in ("months_of_period", "months", "working_days") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("cada término lleva exactamente una unidad: months_of_period, months o working_days")
        return self


DutyHolder = Literal["entidad", "ctp", "autoridad_ambiental", "corporacion"]
"""Whose obligation a term is (kpt_workflow.base.words.DUTY_HOLDERS names them)."""


class DeadlineSpec(_Frozen):
    """A legal term: counted from the period's start or from the legal date of a document, met by
    the legal date of another document. `use` says which reading the status shows: `aviso` (a duty
    of the entity: the earliest day) or `permiso` (a step that opens when the term runs out: the
    latest day). `duty_of`: who must act within it; a term that runs against the CTP, the
    environmental authority or the council is never the entity's lateness. `met_by`: one document
    type, or a list (met by the earliest of them); a term that runs from an act is met only by an
    act dated on or after it (an act of an earlier round never meets the current one)."""

    code: str = Field(pattern=IDENTIFIER)
    label: str
    basis: str
    anchor: str
    terms: tuple[TermSpec, ...] = Field(min_length=1)
    met_by: str | tuple[str, ...]
    use: Literal["aviso", "permiso"]
    duty_of: DutyHolder = "entidad"

    @field_validator("met_by", mode="before")
    @classmethod
    def _list_as_tuple(cls, value: object) -> object:
        return tuple(value) if isinstance(value, list) else value

    @property
    def met_by_codes(self) -> tuple[str, ...]:
        """`met_by` is one document type or a list of them (any of the council's decision acts
        meets its month): the types, always as a tuple."""
        return (self.met_by,) if isinstance(self.met_by, str) else self.met_by


WORKFLOW_NAME_LENGTH = 40
"""A workflow's name is part of its plans' ids (`services.plans.plan_id`): kept short."""


class DefinitionSpec(_Frozen):
    """`default: true` marks the workflow that `kpt plan create`, POST /plans and the reports use
    when none is named. It is data, in the definition, not a setting: every process that reads
    the same definitions (the CLI, each server worker, a report) then agrees on it, where an
    environment variable could differ between them and silently change what a report counts. The
    newest version of each workflow decides; exactly one workflow may carry the mark."""

    name: str = Field(pattern=IDENTIFIER, max_length=WORKFLOW_NAME_LENGTH)
    version: int = Field(ge=1)
    title: str
    default: bool = False
    initial: str
    states: tuple[StateSpec, ...] = Field(min_length=1)
    transitions: tuple[TransitionSpec, ...] = Field(min_length=1)
    deadlines: tuple[DeadlineSpec, ...] = ()
