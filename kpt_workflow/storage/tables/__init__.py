"""The tables, one module per part of the store; each table is declared once, here imported all so
that `kpt_workflow.storage.tables.X` names any of them and `SQLModel.metadata` holds them all:

    plan       the plan aggregate and its projections of the event log (replay rebuilds them)
    audit      the event log, its verification marks and checkpoints, the security log, idempotency
    accounts   users, tokens, sessions, calendar tokens, the alerts' outbox
    reference  registry, indicators, categories, term ends, amendments, TerriData, MGA, PND lines
    columns    column types they share
"""

from kpt_workflow.storage.tables.columns import DecimalText
from kpt_workflow.storage.tables.reference import (Entity, Indicator, PndLine, SYNTHETIC_DEMO, DatasetMarker, TermEnd,
                                                   EntityCategory, AmendmentEvent, LegalAmendment, TerritoryIndicator,
                                                   TerritoryProfile, MgaProduct)
from kpt_workflow.storage.tables.plan import (Plan, Document, BlockedRuleDay, PlanProgram, PlanGoal, PlanGoalYear,
                                              PlanInvestment, PlanDiagnosticSection, PlanProgramPnd,
                                              PlanProgramInitiative)
from kpt_workflow.storage.tables.audit import (CREATED, APPLIED, MOVE_INDEXES, AuditEvent, AuditVerified,
                                               AuditRebaseline, AuditCheckpoint, SecurityEvent, IdempotencyRecord)
from kpt_workflow.storage.tables.accounts import (LoginSession, User, ApiToken, CalendarToken, AlertOutbox)

__all__ = ["DecimalText", "Entity", "Indicator", "PndLine", "SYNTHETIC_DEMO", "DatasetMarker", "TermEnd",
           "EntityCategory", "AmendmentEvent", "LegalAmendment", "TerritoryIndicator", "TerritoryProfile",
           "MgaProduct", "Plan", "Document", "BlockedRuleDay", "PlanProgram", "PlanGoal", "PlanGoalYear",
           "PlanInvestment", "PlanDiagnosticSection", "PlanProgramPnd", "PlanProgramInitiative", "CREATED", "APPLIED",
           "MOVE_INDEXES", "AuditEvent", "AuditVerified", "AuditRebaseline", "AuditCheckpoint", "SecurityEvent",
           "IdempotencyRecord", "LoginSession", "User", "ApiToken", "CalendarToken", "AlertOutbox"]
