"""bench/scale_db.py and bench/reports.py end to end on a small country, on each database: the bulk
path appends refusals that keep the chain valid and replay in agreement, and the report
benchmark reads that database and verifies it (the figures themselves mean nothing at this size)."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from kpt_workflow.audit.verify import verify as verify_chain
from kpt_workflow.storage.recorder import EVENTS

BENCH = Path(__file__).resolve().parent.parent / "bench"
ENTITIES, EVENTS_IN_ALL = 40, 5_000


def run_script(name: str, *args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(BENCH / name), *args, "--json"], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    return dict(json.loads(done.stdout))


def test_scale_database_keeps_the_chain_and_the_report_benchmark_reads_it(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)  # holds no plans: the database the builder asks for
    built = run_script("scale_db.py", "--url", url, "--entities", str(ENTITIES), "--events", str(EVENTS_IN_ALL),
                       "--batch", "300", "--commit-every", "1000", "--blobs", str(tmp_path / "blobs"))

    assert built["ok"] and built["replay_differences"] == []
    assert built["total_events"] == built["verify"]["events"] == EVENTS_IN_ALL
    assert built["appended"] == EVENTS_IN_ALL - built["demo_events"] > 1000  # over several transactions
    with engine.connect() as conn:
        assert verify_chain(conn).ok  # checked again here, not only by the script's own word
        appended = conn.execute(select(EVENTS.c.actor, EVENTS.c.event_type, EVENTS.c.legal_date)
                                .where(EVENTS.c.seq > built["demo_events"]).order_by(EVENTS.c.seq)).all()
    assert len(appended) == built["appended"]
    assert {(row.actor, row.event_type) for row in appended} == {("sintetico:escala", "transition_blocked")}
    legal_dates = [row.legal_date for row in appended]
    assert legal_dates == sorted(legal_dates)  # the appended part of the chain is in legal order

    measured = run_script("reports.py", "--url", url, "--repeat", "1", "--workers", "2")

    assert measured["database"] == {"plans": ENTITIES, "events": EVENTS_IN_ALL}
    assert measured["statements"] > 0 and measured["ratio"] > 0
    verify = measured["verify"]
    assert verify["ok"] and verify["events"] == EVENTS_IN_ALL
    assert verify["processes"] == 1  # too few events to be worth a second process
    assert measured["verify_baseline_read"]["rows"] == EVENTS_IN_ALL
