"""The tables. `plan`, `document` and `blocked_rule_day` are projections of `audit_event`: replay
rebuilds them."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Column, DateTime, Index, String, Text, TypeDecorator, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from kpt_workflow.reference.entities import EntityColumns
from kpt_workflow.reference.indicators import IndicatorColumns


class Entity(EntityColumns, table=True):
    """A territorial entity of DANE's DIVIPOLA (columns: kpt_workflow.reference.entities)."""


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

    __table_args__ = (UniqueConstraint("plan_id", "doc_type", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: str = Field(foreign_key="plan.id", index=True)
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


# The events that put a plan in a state. Each type has a partial index holding only its events
# (a few per plan, however many refused attempts the log holds), covering what the reports read;
# a query must repeat the index's predicate, with the literal, for either database to use it.
CREATED, APPLIED = "plan_created", "transition_applied"
MOVE_INDEXES = {CREATED: "ix_audit_event_created", APPLIED: "ix_audit_event_step"}


def _move_index(event_type: str) -> Index:
    where = text(f"event_type = '{event_type}'")
    return Index(MOVE_INDEXES[event_type], "plan_id", "seq", "to_state", "legal_date",
                 sqlite_where=where, postgresql_where=where)


class AuditEvent(SQLModel, table=True):
    """One link of the global hash chain; the application only ever inserts these rows.

    Indexes are kept few, each one costs every append: UNIQUE(plan_id, plan_version) also serves
    lookups by plan, and the two partial indexes of `MOVE_INDEXES` are written only for the events
    they hold. `hash` and `prev_hash` are not UNIQUE: the chain cannot fork because `seq` is the
    primary key and an append reads the head's `seq` and `hash` together under the write lock
    (SQLite's BEGIN IMMEDIATE; on PostgreSQL the advisory lock `recorder.link_event` takes before
    its insert), so a racing append fails on the key; `audit.verify` checks the links."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("plan_id", "plan_version"), _move_index(CREATED), _move_index(APPLIED))

    seq: int = Field(primary_key=True, description="position in the global chain, from 1")
    plan_id: str = Field(foreign_key="plan.id")
    plan_version: int
    event_type: str
    schema_version: int
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    actor: str
    action: str
    from_state: str | None = None
    to_state: str | None = None
    legal_date: date | None = None
    outcomes: str = Field(description="canonical JSON list of rule outcomes")
    payload: str = Field(description="canonical JSON object")
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


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


class DecimalText(TypeDecorator[Decimal]):
    """Exact decimals on SQLite and PostgreSQL alike: stored as their canonical text."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: object) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: object) -> Decimal | None:
        return None if value is None else Decimal(value)


class Indicator(IndicatorColumns, table=True):
    """The indicator battery (columns: kpt_workflow.reference.indicators)."""


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


class PndLine(SQLModel, table=True):
    """A line of the PND in force (kpt_workflow.reference.pnd): `kpt init` loads the shipped
    catalog, an import of the next PND replaces the rows; plans keep the codes they recorded."""

    __tablename__ = "pnd_line"

    code: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=16, description="transformacion | transversal")
    name: str = Field(max_length=300)
    basis: str = Field(max_length=300)
    position: int
    plan: str = Field(max_length=300, description="the PND the line belongs to")
    plan_basis: str = Field(max_length=300)


SYNTHETIC_DEMO = "demo_sintetico"  # the key of the synthetic demo's marker


class DatasetMarker(SQLModel, table=True):
    """Says what kind of data the database holds (e.g. the synthetic demo), so every page can say so."""

    __tablename__ = "dataset_marker"

    key: str = Field(primary_key=True, max_length=64)
    value: str
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class LoginSession(SQLModel, table=True):
    """A page login, kept on the server so that logout, deactivation and expiry end it at once.
    The signed cookie holds a random session id; only its SHA-256 is stored (kpt_workflow.services.sessions)."""

    __tablename__ = "login_session"

    id: str = Field(primary_key=True, max_length=64, description="SHA-256 of the id the cookie holds")
    username: str = Field(foreign_key="user.username", index=True)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False),
                                   description="updated at most once a minute")
    ended_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class SecurityEvent(SQLModel, table=True):
    """A login, a logout, a refusal or an account change (kpt_workflow.audit.security_log); the
    application only ever inserts these rows, and never a password."""

    __tablename__ = "security_event"

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    kind: str = Field(description="a key of kpt_workflow.audit.security_log.LABELS")
    username: str = Field(max_length=64, index=True, description="the account concerned (as typed, on a failed login)")
    actor: str | None = Field(default=None, max_length=64, description="who did it, when not the user itself (an "
                                                                       "administrator, or cli:<system user>)")
    client_address: str | None = None
    detail: str | None = Field(default=None, max_length=500, description="what was refused, in Spanish")


class AuditVerified(SQLModel, table=True):
    """How far the audit chain was last found intact (one row): the next verification starts
    after it, and first checks the chain still holds this hash at this seq."""

    __tablename__ = "audit_verified"

    id: int = Field(default=1, primary_key=True)
    seq: int
    hash: str = Field(max_length=64)
    verified_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class AuditRebaseline(SQLModel, table=True):
    """A signed statement that the audit chain continues from the event `seq` (hash `head`), for
    `reason`: after a restore, the checkpoints signed beyond that head are superseded, not failed
    (kpt_workflow.audit.checkpoints). The chain's events belong to plans, and this concerns none; the
    security log concerns people and signs nothing; so a table of its own, only ever inserted."""

    __tablename__ = "audit_rebaseline"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(description="the chain's head when it was signed (0: empty chain)")
    head: str = Field(max_length=64)
    reason: str = Field(max_length=500)
    actor: str = Field(max_length=64)
    signed_at: str = Field(max_length=20, description="UTC, YYYY-MM-DDTHH:MM:SSZ: the text that was signed")
    key_id: str = Field(max_length=16)
    signature: str = Field(max_length=100, description="Ed25519 over the canonical JSON of the fields above, base64")


class AuditCheckpoint(SQLModel, table=True):
    """A signed checkpoint of the chain's head (kpt_workflow.audit.checkpoints), kept when it is made:
    an evidence bundle carries the latest one the chain still extends, with the public key to check
    it. The signature, not the table, is the proof; the application only ever inserts these rows."""

    __tablename__ = "audit_checkpoint"

    id: int | None = Field(default=None, primary_key=True)
    size: int = Field(description="the chain's length when it was signed: its head is the event seq = size")
    head: str = Field(max_length=64)
    signed_at: str = Field(max_length=20, description="UTC, YYYY-MM-DDTHH:MM:SSZ: the text that was signed")
    key_id: str = Field(max_length=16)
    signature: str = Field(max_length=100, description="Ed25519 over the canonical JSON of size, head, time, key_id")
    public_key: str = Field(max_length=200, description="the signing key's public half, PEM")
    actor: str = Field(max_length=64, description="who had it signed (cli:<system user>)")


class User(SQLModel, table=True):
    """Someone who acts: a planning office, a council, a department, the DNP or an administrator."""

    username: str = Field(primary_key=True, max_length=64)
    role: str
    entity_code: str | None = Field(default=None, foreign_key="entity.code")
    password_hash: str | None = None
    email: str | None = Field(default=None, max_length=254, description="where the alerts outbox mails it")
    active: bool = True
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    username: str = Field(foreign_key="user.username", index=True)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"

    username: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=255)
    request_hash: str = Field(max_length=64)
    status_code: int | None = None
    response_body: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class TermEnd(SQLModel, table=True):
    """Where a term of `length` `unit`s running from `anchor_day` ends, under its earliest and its
    latest legal reading (the same day when it has one reading). On SQLite the rows are stored in
    key order (WITHOUT ROWID): a report's look-up is one B-tree search."""

    __tablename__ = "term_end"
    __table_args__ = {"sqlite_with_rowid": False}

    unit: str = Field(primary_key=True, description="months_of_period | months | working_days")
    length: int = Field(primary_key=True)
    anchor_day: date = Field(primary_key=True)
    earliest: date
    latest: date


class EntityCategory(SQLModel, table=True):
    """The category of one entity in one year; a year without a category has no row."""

    __tablename__ = "entity_category"

    entity_code: str = Field(foreign_key="entity.code", primary_key=True, max_length=5)
    year: int = Field(primary_key=True)
    category: str = Field(max_length=8, description="Especial | 1–6 (municipios) | 1–4 (departamentos)")


class AmendmentEvent(SQLModel, table=True):
    """One link of the legal amendments' own hash chain (kpt_workflow.storage.amendment_log): an
    amendment reaches plans that may not exist yet, so it cannot be an event of the plans' chain
    (whose events belong to a plan). Only ever inserted; `kpt audit verify` walks it."""

    __tablename__ = "amendment_event"

    seq: int = Field(primary_key=True, description="1, 2, …: the chain's order")
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    actor: str = Field(max_length=64)
    payload: str = Field(sa_column=Column(Text, nullable=False), description="the amendment, canonical JSON")
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class LegalAmendment(SQLModel, table=True):
    """A legal amendment of a deadline as the plans read it: a projection of `amendment_event`,
    which replay rebuilds."""

    __tablename__ = "legal_amendment"

    number: int = Field(primary_key=True, description="the seq of the event that recorded it")
    norm: str = Field(max_length=200)
    article: str = Field(max_length=200)
    norm_date: date
    in_force_from: date
    periods: str = Field(max_length=200, description="period start years, comma-separated")
    scope: str = Field(max_length=16, description="todas | departamento | categoria | entidades")
    scope_values: str = Field(default="", max_length=2000, description="codes, comma-separated")
    deadline: str = Field(max_length=64)
    new_date: date | None = None
    from_act: str | None = Field(default=None, max_length=64)
    months: int | None = None
    working_days: int | None = None
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class TerritoryIndicator(SQLModel, table=True):
    """One value of one indicator for a territory (a municipality, a department or the nation,
    kpt_workflow.reference.territory.NATION) in one year, with its unit and source: DANE's
    population and TerriData's poverty as `kpt init` ships them, and whatever the DNP imports."""

    __tablename__ = "territory_indicator"
    __table_args__ = (Index("ix_territory_indicator_indicator_year", "indicator", "year"),)

    territory_code: str = Field(primary_key=True, max_length=5)
    indicator: str = Field(primary_key=True, max_length=200)
    year: int = Field(primary_key=True)
    value: Decimal = Field(sa_column=Column(DecimalText, nullable=False))
    unit: str = Field(max_length=50)
    source: str = Field(max_length=300)


class TerritoryProfile(SQLModel, table=True):
    """A territory's TerriData descriptors (no year in the file) and its extension."""

    __tablename__ = "territory_profile"

    territory_code: str = Field(primary_key=True, max_length=5)
    tipologia: str | None = Field(default=None, max_length=20, index=True)
    ruralidad: str | None = Field(default=None, max_length=60)
    entorno: str | None = Field(default=None, max_length=60)
    region: str | None = Field(default=None, max_length=60)
    subregion_sgr: str | None = Field(default=None, max_length=120, index=True)
    extension_km2: Decimal | None = Field(default=None, sa_column=Column(DecimalText))


class MgaProduct(SQLModel, table=True):
    """A product of the MGA catalog in force (sector → programa → producto), with the folded text
    a search looks in (kpt_workflow.reference.mga.search_text). Importing a newer catalog replaces
    the rows; plans keep the names they recorded."""

    __tablename__ = "mga_product"

    code: str = Field(primary_key=True, max_length=7)
    name: str = Field(max_length=500)
    program_code: str = Field(max_length=4, index=True)
    program_name: str = Field(max_length=500)
    sector_code: str = Field(max_length=2)
    sector_name: str = Field(max_length=500)
    search_text: str = Field(sa_column=Column(Text, nullable=False))


class CalendarToken(SQLModel, table=True):
    """A secret that stands for its owner in the URL of one calendar feed (a calendar app sends no
    Authorization header): of one user, for one plan's or one entity's feed, stored only as its
    SHA-256, revoked by setting `revoked_at` (the row stays, to be listed)."""

    __tablename__ = "calendar_token"

    id: str = Field(primary_key=True, max_length=16, description="public handle to list and revoke it by")
    token_hash: str = Field(max_length=64, unique=True)
    username: str = Field(foreign_key="user.username", index=True, max_length=64)
    feed: str = Field(max_length=16, description="plan | entidad")
    target: str = Field(max_length=64, description="the plan's id or the entity's DIVIPOLA code")
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class AlertOutbox(SQLModel, table=True):
    """An alert of a legal term waiting to be mailed: `kpt alerts queue` writes each one once (the
    UNIQUE key: a recipient, a plan's term on its day, a kind); an SMTP relay drains the rows whose
    `sent_at` is empty and sets it. Nothing here sends mail."""

    __tablename__ = "alert_outbox"
    __table_args__ = (UniqueConstraint("recipient", "plan_id", "deadline", "deadline_date", "kind",
                                       name="uq_alert_outbox_once"),)

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(foreign_key="user.username", max_length=64)
    to_address: str = Field(max_length=254)
    plan_id: str = Field(foreign_key="plan.id", max_length=64)
    deadline: str = Field(max_length=64, description="the deadline's code in the plan's definition")
    deadline_date: date
    kind: str = Field(max_length=16, description="aviso (N working days before) | vencido (past, unmet)")
    due_on: date = Field(description="the day the alert fell due")
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
