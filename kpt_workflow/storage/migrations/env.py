"""Alembic environment: runs on the connection handed in by kpt_workflow.storage.migrate (or a URL)."""

from alembic import context
from sqlalchemy import create_engine

from kpt_workflow.storage.schema import metadata

target_metadata = metadata
config = context.config


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    with create_engine(config.get_main_option("sqlalchemy.url")).connect() as own_connection:
        _run(own_connection)
