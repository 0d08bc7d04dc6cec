"""Verification of the audit chain on request, at a bounded cost: it starts from where the chain
was last found intact (one row in `audit_verified`), after checking that the chain still holds
that hash at that seq; a whole walk is asked for explicitly and is rate limited more tightly
(kpt_workflow.services.verification). The command line's `kpt audit verify` always walks the whole chain."""

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, insert, select, update

from kpt_workflow.audit.verify import VerifyReport, verify
from kpt_workflow.storage.event_encoding import GENESIS_HASH
from kpt_workflow.storage import event_log
from kpt_workflow.storage.tables import AuditVerified

MARK = AuditVerified.__table__


@dataclass(frozen=True)
class Mark:
    seq: int
    hash: str


@dataclass(frozen=True)
class Verification:
    report: VerifyReport
    whole: bool  # walked from the genesis, not from the mark
    from_seq: int  # the mark it started after (0: the genesis)

    def as_dict(self) -> dict[str, object]:
        return {**self.report.as_dict(), "completa": self.whole, "desde_seq": self.from_seq}


def stored(conn: Connection) -> Mark | None:
    row = conn.execute(select(MARK.c.seq, MARK.c.hash)).first()
    return None if row is None else Mark(row.seq, row.hash)


def check(conn: Connection, mark: Mark | None, *, whole: bool) -> VerifyReport:
    """The chain as verified from `mark` (or from the genesis, if `whole` or no mark). A mark the
    chain no longer holds (the event at its seq changed or is gone, even if the rewrite hashes
    consistently) breaks the chain there, whichever walk was asked for."""
    if mark is not None:
        at_mark = conn.execute(select(event_log.EVENTS.c.hash).where(event_log.EVENTS.c.seq == mark.seq)).scalar()
        if at_mark != mark.hash:
            before = conn.execute(select(event_log.EVENTS.c.hash).where(event_log.EVENTS.c.seq == mark.seq - 1)).scalar()
            return VerifyReport(False, mark.seq - 1, before or GENESIS_HASH, mark.seq,
                                      f"el evento {mark.seq} ya no es el que se verificó antes "
                                      f"(reescrito o borrado desde la última verificación)")
    return verify(conn, since=None if whole or mark is None else (mark.seq, mark.hash))


def remember(conn: Connection, report: VerifyReport) -> None:
    """Move the mark to the head an intact walk reached; never back (a verification that
    finished later may have reached further)."""
    if not report.ok or report.events == 0:
        return
    values = {"seq": report.events, "hash": report.head_hash, "verified_at": datetime.now(timezone.utc)}
    moved = conn.execute(update(MARK).where(MARK.c.id == 1, MARK.c.seq <= report.events).values(**values))
    if moved.rowcount == 0 and stored(conn) is None:
        conn.execute(insert(MARK).values(id=1, **values))
