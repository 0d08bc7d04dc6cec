"""`verify`: the chain walked from the genesis (or from a mark), every link and hash checked."""

from dataclasses import dataclass

from sqlalchemy import Connection, select, text

from kpt_workflow.audit import chain_walk
from kpt_workflow.storage import amendment_log
from kpt_workflow.storage.event_encoding import GENESIS_HASH, compute_hash
from kpt_workflow.storage.event_log import EVENTS
from kpt_workflow.storage.stored_rows import canonical_date


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    events: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "events": self.events, "head_hash": self.head_hash,
                "first_bad_seq": self.first_bad_seq, "problem": self.problem}


def verify(conn: Connection, workers: int = 1, since: tuple[int, str] | None = None) -> VerifyReport:
    """Walk the chain from the genesis: contiguous positions, each link pointing at the previous
    hash, each hash matching its content. Reports the first event that breaks. `since`: the
    (seq, hash) of an event already found intact (kpt_workflow.audit.mark): walk only the events
    after it, in one process (`events` still counts from the genesis).

    `chain_walk` hashes the events in seq ranges (on PostgreSQL, in the database); with `workers`
    > 1 a large log is split over forked processes (for the command line, not inside a threaded
    server). The ranges are
    joined here in chain order, each one's first event checked against the end of the one before."""
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    if since is None:
        stretches = chain_walk.scan_ranges(conn, workers, _reference_hash)
    else:
        (count, prev_hash), expected_seq = since, since[0] + 1
        stretches = [chain_walk.scan(conn, count, chain_walk.HIGHEST, _reference_hash)]
    for stretch in stretches:
        if stretch.first_seq is None:
            continue
        if stretch.first_seq != expected_seq:
            flaw: chain_walk.Flaw | None = chain_walk.Flaw("gap", stretch.first_seq)
        elif stretch.first_prev_hash != prev_hash:
            flaw = chain_walk.Flaw("link", stretch.first_seq)
        else:
            expected_seq, prev_hash, count = stretch.next_seq, stretch.head_hash, count + stretch.intact
            flaw = stretch.flaw
        if flaw is not None:
            return VerifyReport(False, count, prev_hash, flaw.seq,
                                _PROBLEMS[flaw.kind].format(seq=flaw.seq, expected=expected_seq))
    amendments = amendment_log.chain_problem(conn)  # their own chain (kpt_workflow.storage.amendment_log)
    if amendments is not None:
        return VerifyReport(False, count, prev_hash, None, amendments)
    return VerifyReport(True, count, prev_hash)


_PROBLEMS = {
    "gap": "falta el evento {expected}: la secuencia salta al {seq} (borrado o reordenado)",
    "link": "el evento {seq} no enlaza con el anterior (borrado, insertado o reordenado)",
    "content": "el contenido del evento {seq} no corresponde a su hash (editado)",
}


_STORED_DATE = text("SELECT legal_date FROM audit_event WHERE seq = :seq")  # untyped: the value as stored


def _reference_hash(conn: Connection, seq: int) -> str:
    """The hash `append` computes, for event `seq` as stored: the arbiter when the fast walk's
    hash disagrees (a value stored in a form its template does not write, or a real edit). A date
    has one form, the one `append` stores: any other text (SQLAlchemy reads '2024-W24-2' as
    2024-06-11, and the reports compare the text) or a value SQLAlchemy cannot read at all
    matches no hash."""
    try:
        canonical_date(conn.execute(_STORED_DATE, {"seq": seq}).scalar())
        return compute_hash(conn.execute(select(EVENTS).where(EVENTS.c.seq == seq)).mappings().one())
    except (ValueError, TypeError):
        return ""
