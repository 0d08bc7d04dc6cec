"""The plan aggregate as a use-case reads it, once, in its transaction: what the pure functions of
the lifecycle (status, the council's report, the rules through their facts) take instead of a
connection. `kpt_workflow.storage.repository.load_plan` builds it."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from kpt_workflow.law.amendments import Amendment
from kpt_workflow.law.facts import DocumentFacts, InvestmentFact, ProgramFact


class PlanRecord(NamedTuple):
    """A plan row with the words of its entity: what rules, status and changes read (a named
    tuple: every step reads one and makes its successor)."""

    id: str
    entity_code: str
    entity_name: str
    entity_kind: str
    department_code: str
    department_name: str
    period: int
    state: str
    state_entered_on: date
    version: int
    definition_name: str
    definition_version: int
    declared_investment_total: int | None


@dataclass(frozen=True)
class PlanAggregate:
    """A plan with what its rules judge: its documents as of `day` (an act dated later cannot have
    made a step lawful), and — read only when asked, for the rules that judge them — its parte
    estratégica and investment plan, and every version of every document (the council's report).
    With `as_of`, all of it as it was on that day, rebuilt from the plan's events; `projected`: the
    plan as it stands, judged on a `day` still to come (what will be late if nothing more is
    recorded). `amendments`: the legal amendments that reach the plan (whatever the day; those in
    force on `day` apply)."""

    plan: PlanRecord
    day: date
    documents: DocumentFacts
    programs: tuple[ProgramFact, ...] = ()
    investments: tuple[InvestmentFact, ...] = ()
    versions: tuple[Mapping[str, Any], ...] = ()
    as_of: date | None = None
    amendments: tuple[Amendment, ...] = ()
    projected: bool = False
