"""The terms a legal amendment replaces, judged as the plan's status judges them, for the reports.

The reports count late deadlines in SQL from `term_end` (kpt_workflow.reports.late_deadlines),
which knows the definitions' terms only. A legal amendment (kpt_workflow.law.amendments) replaces
the term of some deadline for the plans it reaches from the day it is in force: for those plans
and deadlines the report takes the answer of `lifecycle.status.plan_deadlines`, the one
computation the status view and the rules use, so an amended plan is counted as its page shows it.
Amendments are rare and reach one cycle: only the plans of the reported period that one reaches
are read again, one by one; a report of a period without amendments reads nothing more.
"""

from sqlalchemy import Connection

from kpt_workflow.lifecycle.status import plan_deadlines
from kpt_workflow.reports.filters import ReportFilters, params, shape
from kpt_workflow.reports.scope import plan_ids
from kpt_workflow.storage.amendment_log import all_amendments, amendments_for
from kpt_workflow.storage.repository import latest_documents, plan_record

Judged = dict[tuple[str, str], tuple[bool, bool]]
"""(plan_id, deadline code) -> (late as of the cut date, met)."""


def amended_terms(conn: Connection, filters: ReportFilters) -> Judged:
    """Each (plan, deadline) of the report whose term an amendment in force on `as_of` replaces."""
    if not any(filters.cycle in a.periods and a.in_force(filters.as_of) for a in all_amendments(conn)):
        return {}
    judged: Judged = {}
    for plan_id in conn.execute(plan_ids(shape(filters)), params(filters)).scalars():
        plan = plan_record(conn, plan_id)
        reached = tuple(a for a in amendments_for(conn, plan) if a.in_force(filters.as_of))
        if not reached:
            continue
        codes = {a.deadline for a in reached}
        documents = latest_documents(conn, plan_id, as_of=filters.as_of)
        for deadline in plan_deadlines(plan, documents, reached, filters.as_of):
            if deadline.spec.code in codes:
                judged[plan_id, deadline.spec.code] = (deadline.is_late(filters.as_of), deadline.met_on is not None)
    return judged
