"""The plan aggregate's tables: `plan`, `document` and `blocked_rule_day`, and the strategic part
with its tags and the diagnostic's sections, all projections of `audit_event`: replay rebuilds them."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from kpt_workflow.storage.tables.columns import DecimalText


class Plan(SQLModel, table=True):
    """One plan of one entity for one government period under one workflow (its PDT, by default)."""

    __table_args__ = (UniqueConstraint("entity_code", "period", "definition_name", name="uq_plan_entity_period_workflow"),)

    # 05001-2024 or 05001-2024-<workflow> (services.plans.plan_id): a workflow's name has at most 40 characters.
    id: str = Field(primary_key=True, max_length=64)
    entity_code: str = Field(foreign_key="entity.code", index=True)
    period: int
    state: str
    state_entered_on: date = Field(description="legal date of the act that put the plan in its state")
    version: int
    definition_name: str
    definition_version: int
    declared_investment_total: int | None = Field(
        default=None, sa_column=Column(BigInteger), description="the plan document's own total, checked against the lines")
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Document(SQLModel, table=True):
    """One version of one document type of a plan; a new version never overwrites an old one."""

    # ix_document_facts holds what a step reads of its plan's documents (migration 0020).
    __table_args__ = (UniqueConstraint("plan_id", "doc_type", "version"),
                      Index("ix_document_facts", "plan_id", "legal_date", "doc_type", "version", "status", "number"))

    id: int | None = Field(default=None, primary_key=True)
    plan_id: str = Field(foreign_key="plan.id")
    doc_type: str
    version: int
    status: str = Field(description="radicado | ausencia_justificada | retirado")
    legal_date: date | None = None
    number: str | None = None
    filename: str | None = None
    sha256: str | None = Field(default=None, max_length=64, index=True)  # blob_check.repaired looks it up
    size: int | None = None
    media_type: str | None = None
    note: str | None = None
    filed_by: str
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class BlockedRuleDay(SQLModel, table=True):
    """Refused attempts of a plan that a rule blocked on one legal day: the failed outcomes of the
    `transition_blocked` events, counted in the transaction of each event (`projections.py`), so
    the reports sum a small table instead of unpacking the JSON of every refused attempt.

    The key leads with the rule, the reports' grouping; on SQLite the rows are stored in key
    order (WITHOUT ROWID), so a report reads them in that order and an upsert writes one B-tree."""

    __tablename__ = "blocked_rule_day"
    __table_args__ = {"sqlite_with_rowid": False}

    rule: str = Field(primary_key=True)
    plan_id: str = Field(foreign_key="plan.id", primary_key=True)
    legal_date: date = Field(primary_key=True)
    attempts: int
    basis: str = Field(description="the legal basis the outcomes recorded (the greatest, should it ever differ)")


class PlanProgram(SQLModel, table=True):
    """A program of the plan's strategic part, under its eje."""

    __tablename__ = "plan_program"

    plan_id: str = Field(foreign_key="plan.id", primary_key=True)
    program_code: str = Field(primary_key=True)
    program_name: str
    eje: str
    position: int


class PlanGoal(SQLModel, table=True):
    """A meta: an indicator with its baseline and four-year goal, under a program."""

    __tablename__ = "plan_goal"

    plan_id: str = Field(foreign_key="plan.id", primary_key=True)
    indicator_code: str = Field(primary_key=True)
    program_code: str
    kind: str
    name: str
    unit: str
    custom: bool
    baseline_value: Decimal | None = Field(default=None, sa_column=Column(DecimalText))
    baseline_year: int | None = None
    baseline_source: str | None = None
    meta_cuatrienio: Decimal | None = Field(default=None, sa_column=Column(DecimalText))
    product_code: str | None = Field(default=None, max_length=7, index=True,
                                     description="the MGA product the goal measures, when the plan names it")


class PlanGoalYear(SQLModel, table=True):
    """A meta's goal for one year of the period (its programación), when the plan gives it."""

    __tablename__ = "plan_goal_year"

    plan_id: str = Field(foreign_key="plan.id", primary_key=True)
    indicator_code: str = Field(primary_key=True)
    year: int = Field(primary_key=True)
    value: Decimal = Field(sa_column=Column(DecimalText, nullable=False))


class PlanInvestment(SQLModel, table=True):
    """One cell of the plan plurianual de inversiones, in whole pesos."""

    __tablename__ = "plan_investment"

    plan_id: str = Field(foreign_key="plan.id", primary_key=True)
    program_code: str = Field(primary_key=True)
    year: int = Field(primary_key=True)
    source: str = Field(primary_key=True)
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))


class PlanDiagnosticSection(SQLModel, table=True):
    """The planning office's text of one section of the plan's standardized diagnostic (a sector of
    kpt_workflow/reference/catalogs/diagnostico.yaml, or its general context): a projection of the
    `diagnostic_section_recorded` events, the last one of each section kept."""

    __tablename__ = "plan_diagnostic_section"

    plan_id: str = Field(foreign_key="plan.id", primary_key=True, max_length=64)
    section: str = Field(primary_key=True, max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    edited_by: str = Field(max_length=64)
    edited_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class PlanProgramPnd(SQLModel, table=True):
    """A program of the plan's strategic part tagged with a line of the PND (`PndLine.code`)."""

    __tablename__ = "plan_program_pnd"

    plan_id: str = Field(foreign_key="plan.id", primary_key=True)
    program_code: str = Field(primary_key=True, max_length=4)
    line_code: str = Field(primary_key=True, max_length=64, index=True)


class PlanProgramInitiative(SQLModel, table=True):
    """A municipality's program tagged with an initiative of its department: a program of the
    department's plan of the same period (its code there)."""

    __tablename__ = "plan_program_initiative"

    plan_id: str = Field(foreign_key="plan.id", primary_key=True)
    program_code: str = Field(primary_key=True, max_length=4)
    department_program_code: str = Field(primary_key=True, max_length=4)
