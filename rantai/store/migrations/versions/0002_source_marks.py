"""Source marks: per HTTP source, the snapshot of the last loaded fetch (for `updated_since`).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_marks",
        sa.Column("location", sa.String(500), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("snapshot", sa.String(40), nullable=False),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("rows_fetched", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("location", "source", name="pk_source_marks"),
    )


def downgrade() -> None:
    op.drop_table("source_marks")
