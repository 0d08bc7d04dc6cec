"""The planning office's texts of a plan's standardized diagnostic, one row per section: written
with each `diagnostic_section_recorded` event, and rebuilt from those events by replay."""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from kpt_workflow.storage.tables import PlanDiagnosticSection

SECTIONS = PlanDiagnosticSection.__table__


def section_row(plan_id: str, section: str, text: str, edited_by: str, edited_at: datetime) -> dict[str, Any]:
    """A section's row as both its use-case and replay write it."""
    return {"plan_id": plan_id, "section": section, "text": text, "edited_by": edited_by, "edited_at": edited_at}


def put_section(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(delete(SECTIONS).where(SECTIONS.c.plan_id == row["plan_id"], SECTIONS.c.section == row["section"]))
    conn.execute(SECTIONS.insert().values(**row))


def sections_of(conn: Connection, plan_id: str) -> dict[str, dict[str, Any]]:
    return {row["section"]: dict(row) for row in conn.execute(
        select(SECTIONS).where(SECTIONS.c.plan_id == plan_id)).mappings()}
