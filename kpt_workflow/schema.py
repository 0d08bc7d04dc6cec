"""Every table of the application, in one metadata (what Alembic migrates and tests compare)."""

from sqlmodel import SQLModel

from kpt_workflow import accounts, categories, idempotency, models, term_ends  # noqa: F401  (table registration)

metadata = SQLModel.metadata
