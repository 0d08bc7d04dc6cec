"""Every table of the application, in one metadata (what Alembic migrates and tests compare)."""

from sqlmodel import SQLModel

from kpt_workflow.services import accounts  # noqa: F401  (table registration)

from kpt_workflow.reference import categories

from kpt_workflow.storage import idempotency

from kpt_workflow.storage import tables as models

from kpt_workflow.storage import term_ends

metadata = SQLModel.metadata
