"""The first schema: source tables with history, load batches, quarantine, runs and flags.

Revision ID: 0001
Revises:
"""

from alembic import op

from rantai.store.schema import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


# Tables that later revisions create: the live models hold them, but this revision must not.
CREATED_LATER = {"source_marks"}  # 0002


def upgrade() -> None:
    # The first revision creates the schema as the models define it; later revisions must spell
    # out their changes (add_column, ...) rather than rely on the live models.
    tables = [t for t in metadata.sorted_tables if t.name not in CREATED_LATER]
    metadata.create_all(op.get_bind(), tables=tables)


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
