"""document_sha256_index: find a document by its bytes' digest without reading the whole table

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 12:00:00.000000

A filing whose bytes are new to the blob store asks whether any document was ever filed with
them (kpt_workflow.audit.blob_check.repaired, the `blob_reparado` of its answer): without an
index that question read every document row, on every such filing.
"""

from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f('ix_document_sha256'), 'document', ['sha256'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_document_sha256'), table_name='document')
