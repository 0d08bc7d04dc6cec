"""Guard rules, one family per module; importing this package registers them all."""

from kpt_workflow.rules import act_order, council, documents, indicators, investments, terms  # noqa: F401  (registration side effect)
from kpt_workflow.rules.registry import (RULES, Outcome, Rule, Verdict, evaluate, reads_strategy, register, rule,
                                         rule_label)

__all__ = ["RULES", "Outcome", "Rule", "Verdict", "evaluate", "reads_strategy", "register", "rule", "rule_label"]
