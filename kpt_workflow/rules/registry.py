"""The one place rules are registered and evaluated.

A rule is a pure function over `PlanFacts` that returns a `Verdict`; the registry adds its name and
legal basis to make the `Outcome` users see. Every rule of a step is evaluated, never only up to the
first failure, so a refused step shows the whole checklist at once.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kpt_workflow.law.facts import PlanFacts


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str
    remedy: str = ""


@dataclass(frozen=True)
class Outcome:
    rule: str
    label: str
    passed: bool
    message: str
    remedy: str
    basis: str

    def as_dict(self) -> dict[str, object]:
        """As a step's checklist and its event record it: the label is what was read then."""
        return {"rule": self.rule, "label": self.label, "passed": self.passed, "message": self.message,
                "remedy": self.remedy, "basis": self.basis}


Check = Callable[[PlanFacts], Verdict]


@dataclass(frozen=True)
class Rule:
    name: str
    label: str  # what people read where the record holds `name` (a national table, the CLI)
    family: str
    basis: str
    check: Check
    deadlines: tuple[str, ...] = ()
    reads_strategy: bool = False
    documents: tuple[str, ...] = ()

    def evaluate(self, facts: PlanFacts) -> Outcome:
        verdict = self.check(facts)
        return Outcome(
            rule=self.name, label=self.label, passed=verdict.passed,
            message=verdict.message,
            remedy=verdict.remedy if not verdict.passed else "",
            basis=self.basis,
        )


RULES: dict[str, Rule] = {}


def register(name: str, label: str, family: str, basis: str, check: Check, deadlines: tuple[str, ...] = (),
             reads_strategy: bool = False, documents: tuple[str, ...] = ()) -> Rule:
    """`deadlines` names the definition's deadlines the rule reads, so that the loader can refuse a
    definition that uses the rule without declaring them; `reads_strategy` says it judges the parte
    estratégica or the investment plan, which are loaded only when a rule needs them; `documents`
    names the document types it can require (the catalog shows which step asks for each)."""
    if name in RULES:
        raise ValueError(f"rule {name!r} registered twice")
    RULES[name] = Rule(name=name, label=label, family=family, basis=basis, check=check, deadlines=deadlines,
                       reads_strategy=reads_strategy, documents=documents)
    return RULES[name]


def rule(name: str, *, label: str, family: str, basis: str, deadlines: tuple[str, ...] = (),
         reads_strategy: bool = False, documents: tuple[str, ...] = ()) -> Callable[[Check], Check]:
    """Decorator form of `register`: `@rule("mes_corporacion_vencido", label="Mes del concejo o la asamblea vencido sin decisión", family=..., basis=...)`."""

    def decorate(check: Check) -> Check:
        register(name, label, family, basis, check, deadlines, reads_strategy, documents)
        return check

    return decorate


def rule_label(name: str) -> str:
    """A rule as people read it; a name no longer registered (an old event's) as such."""
    found = RULES.get(name)
    return found.label if found is not None else "requisito que ya no está en las reglas"


def reads_strategy(rule_names: Iterable[str]) -> bool:
    return any(RULES[name].reads_strategy for name in rule_names)


def evaluate(rule_names: Iterable[str], facts: PlanFacts) -> list[Outcome]:
    return [RULES[name].evaluate(facts) for name in rule_names]
