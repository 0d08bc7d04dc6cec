"""Every table of the application, in one metadata (what Alembic migrates and tests compare)."""

from sqlmodel import SQLModel

from kpt_workflow.storage import tables  # noqa: F401  (table registration)

metadata = SQLModel.metadata
