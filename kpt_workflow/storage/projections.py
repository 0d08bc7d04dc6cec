"""Read models the reports need that the events alone rebuild, kept up to date in the transaction
of the event they fold (so `replay` can check them as it checks the plan table).

`blocked_rule_day`: refused attempts per plan, failed rule and legal day. Counting the blocking
rules from the events means unpacking the JSON outcomes of every refused attempt, which a busy
log holds by the hundred thousand; this table holds one row per plan, rule and day.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Date, bindparam, text

from kpt_workflow.storage.tables import BlockedRuleDay

if TYPE_CHECKING:
    from kpt_workflow.storage.event_log import NewEvent

BLOCKED = "transition_blocked"
BLOCKED_RULE_DAY = BlockedRuleDay.__table__

RuleDay = tuple[str, str, date]
"""(plan_id, rule, legal_date): the key of a `blocked_rule_day` row."""


@dataclass(frozen=True)
class Blocked:
    """Attempts a rule blocked, and the legal basis recorded with it (the greatest, should a rule's
    basis ever have changed, as `max()` over the outcomes would give)."""

    attempts: int
    basis: str

    def plus(self, other: "Blocked") -> "Blocked":
        return Blocked(self.attempts + other.attempts, max(self.basis, other.basis))


# One statement for both databases (SQLite >= 3.24 and PostgreSQL know ON CONFLICT … DO UPDATE).
_ADD_SQL = (
    "INSERT INTO blocked_rule_day (rule, plan_id, legal_date, attempts, basis) "
    "VALUES (:rule, :plan_id, :legal_date, :attempts, :basis) "
    "ON CONFLICT (rule, plan_id, legal_date) DO UPDATE SET "
    "attempts = blocked_rule_day.attempts + excluded.attempts, "
    "basis = CASE WHEN excluded.basis > blocked_rule_day.basis THEN excluded.basis ELSE blocked_rule_day.basis END"
)
_ADD = text(_ADD_SQL).bindparams(bindparam("legal_date", type_=Date()))


def count_refusal(counts: dict[RuleDay, Blocked], plan_id: str, legal_date: date | None,
                  outcomes: Iterable[Mapping[str, object]]) -> list[RuleDay]:
    """Add the failed rules of one refused step to `counts`: the one fold that the append, the
    replay and the bulk loader share. A step without a legal date is in no "as of" report.
    Returns the keys it counted in (replay names the last event behind each row)."""
    if legal_date is None:
        return []
    counted = []
    for outcome in outcomes:
        if not outcome["passed"]:
            key, one = (plan_id, str(outcome["rule"]), legal_date), Blocked(1, str(outcome["basis"]))
            known = counts.get(key)
            counts[key] = one if known is None else known.plus(one)
            counted.append(key)
    return counted


def add_blocked(conn: Connection, counts: Mapping[RuleDay, Blocked]) -> None:
    """Upsert `counts` into `blocked_rule_day` (attempts added to those already there). On SQLite
    the statement goes straight to the driver on the same transaction, as the step's statements do
    (`recorder.DriverRecorder`; there SQLAlchemy's layers cost several times the upsert), with the
    date as its ISO text."""
    if not counts:
        return
    rows = [{"plan_id": plan_id, "rule": rule, "legal_date": day, "attempts": n.attempts, "basis": n.basis}
            for (plan_id, rule, day), n in counts.items()]
    if conn.dialect.name == "sqlite":
        for row in rows:
            row["legal_date"] = row["legal_date"].isoformat()
        conn.connection.driver_connection.executemany(_ADD_SQL, rows)  # type: ignore[union-attr]
    else:
        conn.execute(_ADD, rows)


def apply(conn: Connection, event: "NewEvent") -> None:
    """Fold one appended event into the projections it feeds (only refused steps, for now)."""
    if event.event_type == BLOCKED:
        counts: dict[RuleDay, Blocked] = {}
        count_refusal(counts, event.plan_id, event.legal_date, event.outcomes)
        add_blocked(conn, counts)


def stored_blocked(conn: Connection) -> dict[RuleDay, Blocked]:
    """The table as it is, keyed as `count_refusal` keys it."""
    table = BLOCKED_RULE_DAY
    rows = conn.execute(table.select())
    return {(r.plan_id, r.rule, r.legal_date): Blocked(r.attempts, r.basis) for r in rows}
