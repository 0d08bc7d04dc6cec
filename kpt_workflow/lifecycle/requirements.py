"""Which step requires which document: read from the workflow's rules, never kept twice."""

from kpt_workflow.reference.document_types import load_catalog
from kpt_workflow.lifecycle.engine import Workflow
from kpt_workflow.rules import RULES


def document_requirements(entity_kind: str, flow: Workflow) -> list[dict[str, object]]:
    """The document catalog in the entity's words, each type with the triggers of `flow` whose rules
    can require it."""
    transitions = flow.definition.transitions
    return [{**d.model_dump(), "label": d.label_for(entity_kind),
             "required_for": [t.trigger for t in transitions if any(d.code in RULES[r].documents for r in t.rules)]}
            for d in load_catalog().documents]
