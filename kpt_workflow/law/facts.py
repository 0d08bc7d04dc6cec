"""The immutable snapshot of a plan that rules judge: no rule ever reads the database."""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any, NamedTuple

from kpt_workflow.base.words import words_for

FILED = "radicado"
JUSTIFIED_ABSENCE = "ausencia_justificada"
WITHDRAWN = "retirado"
STATUS_LABELS = {FILED: "radicado", JUSTIFIED_ABSENCE: "ausencia justificada", WITHDRAWN: "retirado"}
"""A document version's status as people read it."""


class DocumentFact(NamedTuple):
    """The latest version of one document type, and when it was first filed (a deadline is met by
    the first filing; a term that runs from the act restarts with the latest one). A named tuple:
    every step builds one per document type, and a tuple is the cheapest immutable record."""

    doc_type: str
    version: int
    status: str
    legal_date: date | None = None
    number: str | None = None
    first_filed_on: date | None = None


class DocumentFacts(Mapping[str, DocumentFact]):
    """The latest version of each document type: immutable, and hashable so that what is computed
    from it (the deadlines) can be cached by it."""

    __slots__ = ("_facts", "_hash")

    def __init__(self, facts: dict[str, DocumentFact]) -> None:
        self._facts = facts
        self._hash = hash(frozenset(facts.items()))

    def __getitem__(self, doc_type: str) -> DocumentFact:
        return self._facts[doc_type]

    def get(self, doc_type: str, default: Any = None) -> Any:  # the rules' look-up, without Mapping's detour
        return self._facts.get(doc_type, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DocumentFacts):
            return self._hash == other._hash and self._facts == other._facts
        return super().__eq__(other)

    def __repr__(self) -> str:
        return f"DocumentFacts({self._facts!r})"


NO_DOCUMENTS = DocumentFacts({})


@dataclass(frozen=True)
class GoalFact:
    """A meta of the parte estratégica; `catalog_unit` is the battery's unit (None if custom)."""

    indicator_code: str
    kind: str
    name: str
    unit: str
    custom: bool
    catalog_unit: str | None
    baseline_value: Decimal | None
    baseline_year: int | None
    baseline_source: str | None
    meta_cuatrienio: Decimal | None
    product_code: str | None = None  # the MGA product the meta measures, when the plan names it
    programacion: tuple[tuple[int, Decimal], ...] = ()  # (year, goal) of the years the plan programs


@dataclass(frozen=True)
class ProgramFact:
    code: str
    name: str
    eje: str
    goals: tuple[GoalFact, ...]


@dataclass(frozen=True)
class InvestmentFact:
    program_code: str
    year: int
    source: str
    amount: int


@dataclass(frozen=True)
class DeadlineFact:
    """A legal term of the plan: its readings' earliest and latest day (None until its anchor
    act exists) and the legal date of the act that met it, if any."""

    code: str
    earliest: date | None
    latest: date | None
    met_on: date | None = None
    amended_by: str | None = None  # the legal amendment that set the term (its norm and article)


@dataclass(frozen=True)
class PlanFacts:
    """What is known of a plan at `today` (the calendar day the rules judge, passed in)."""

    plan_id: str
    entity_code: str
    entity_name: str
    entity_kind: str
    period: int
    state: str
    today: date
    state_entered_on: date | None = None
    documents: Mapping[str, DocumentFact] = NO_DOCUMENTS
    deadlines: Mapping[str, DeadlineFact] = field(default_factory=lambda: MappingProxyType({}))
    programs: tuple[ProgramFact, ...] = ()
    investments: tuple[InvestmentFact, ...] = ()
    declared_investment_total: int | None = None

    @property
    def words(self) -> Mapping[str, str]:
        """The law's words for this entity (acuerdo/ordenanza, concejo/asamblea)."""
        return words_for(self.entity_kind)

    def filed(self, doc_type: str) -> DocumentFact | None:
        """The document if its latest version is filed (not withdrawn, not only justified)."""
        document = self.documents.get(doc_type)
        return document if document is not None and document.status == FILED else None


def with_filing(documents: DocumentFacts, doc_type: str, number: str | None, legal_date: date) -> DocumentFacts:
    """`documents` with a new filed version of `doc_type`: what a step would judge once its act
    is filed (its first filing stays the first)."""
    current = documents.get(doc_type)
    first = current.first_filed_on if current is not None and current.first_filed_on is not None else legal_date
    version = current.version + 1 if current is not None else 1
    return DocumentFacts({**{code: documents[code] for code in documents},
                          doc_type: DocumentFact(doc_type, version, FILED, legal_date, number, first)})


def latest_per_type(rows: Iterable[tuple[str, int, str, date | None, str | None]]) -> DocumentFacts:
    """Fold every version (ordered by type and version) into the facts of each type."""
    facts: dict[str, DocumentFact] = {}
    for doc_type, version, status, legal_date, number in rows:
        earlier = facts.get(doc_type)
        first = earlier.first_filed_on if earlier is not None else None
        if first is None and status == FILED:
            first = legal_date
        facts[doc_type] = DocumentFact(doc_type, version, status, legal_date, number, first)
    return DocumentFacts(facts)
