"""The use-cases, one module per part of the plan aggregate; each is one transaction that changes
the plan and appends its audit event, committed explicitly."""

from kpt_workflow.services.documents import Filing, file_document, screen
from kpt_workflow.services.plans import advance, create_plan, record_council_decision
from kpt_workflow.services.strategy import record_investment_plan, record_strategic_part

__all__ = ["Filing", "screen", "advance", "create_plan", "file_document", "record_council_decision", "record_investment_plan",
           "record_strategic_part"]
