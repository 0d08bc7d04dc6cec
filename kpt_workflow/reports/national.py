"""The DNP's and the departments' bottleneck report: where plans stand, how long they stay in each
state, which legal terms they missed and which rules stop them, by department and category, as
of a legal date (kpt_workflow.reports.filters).

Each part is a module of its own and runs in SQL (Core) on both databases: which plans count and
their state (scope), the counts (counts), the dwell percentiles (dwell), the late deadlines
(late_deadlines), the refusals (blocking) and the drill-down table (plan_rows). A report's cost
follows the plans and the days with refusals, not the size of the log (about the same with 100
thousand events or a million). `national_report` takes one snapshot for all its queries.
"""

from sqlalchemy import Connection, text

from kpt_workflow.reports.blocking import top_blocking_rules
from kpt_workflow.reports.counts import planning_entities, plans_by_group, plans_by_state
from kpt_workflow.reports.dwell import dwell_by_state
from kpt_workflow.reports.filters import ReportFilters
from kpt_workflow.reports.late_deadlines import late_deadlines, past_deadlines
from kpt_workflow.reports.plan_rows import plan_rows
from kpt_workflow.storage.repository import holds_synthetic_demo

_ONE_SNAPSHOT = text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def national_report(conn: Connection, filters: ReportFilters) -> dict[str, object]:
    """Every part of the report for one set of filters, with how many entities plan in it and how
    many plans they have by `as_of`, and whether the data is the synthetic demo: what the DNP's
    (or a department's) page, export, API and command show. `conn` must not have run a statement
    in its transaction yet: on PostgreSQL the report takes one snapshot (REPEATABLE READ), so its
    parts agree with each other while steps go on. The late deadlines are computed once, for the
    table and the totals."""
    if conn.dialect.name == "postgresql":
        conn.execute(_ONE_SNAPSHOT)
    late = late_deadlines(conn, filters)
    rows = plan_rows(conn, filters, late)
    return {
        "filters": filters.as_dict(),
        "synthetic": holds_synthetic_demo(conn),
        "planning_entities": planning_entities(conn, filters),
        "plans": len(rows),
        "plans_by_state": plans_by_state(conn, filters),
        **plans_by_group(conn, filters),
        "dwell_by_state": dwell_by_state(conn, filters),
        "past_deadlines": past_deadlines(conn, filters, late),
        "top_blocking_rules": top_blocking_rules(conn, filters),
        "plan_rows": rows,
    }
