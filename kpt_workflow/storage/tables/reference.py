"""Reference data the engine reads: the DIVIPOLA registry, the indicator battery, categories, the
terms' ends by day, legal amendments (with their own chain), TerriData, the MGA catalog, the PND's
lines, and the marker of what kind of data the database holds."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, Index, Text
from sqlmodel import Field, SQLModel

from kpt_workflow.reference.entities import EntityColumns
from kpt_workflow.reference.indicators import IndicatorColumns
from kpt_workflow.storage.tables.columns import DecimalText


class Entity(EntityColumns, table=True):
    """A territorial entity of DANE's DIVIPOLA (columns: kpt_workflow.reference.entities)."""


class Indicator(IndicatorColumns, table=True):
    """The indicator battery (columns: kpt_workflow.reference.indicators)."""


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
