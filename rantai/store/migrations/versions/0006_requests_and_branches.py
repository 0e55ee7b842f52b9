"""Issue 15: two optional sources, the villages' requests for their BKBK transfer
(village_requests) and the BPJS branches serving each district (branches), with their history.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


# Spelled out rather than taken from the live models, as later revisions must.
def _village_request_columns(keyed: bool) -> list[sa.Column]:
    return [
        sa.Column("program_id", sa.Text, primary_key=keyed, nullable=False),
        sa.Column("village_code", sa.String(13), primary_key=keyed, nullable=False),
        sa.Column("submitted_date", sa.Date, nullable=False),
        sa.Column("complete_date", sa.Date),
        sa.Column("missing_documents", sa.Text),
    ]


def _branch_columns(keyed: bool) -> list[sa.Column]:
    return [
        sa.Column("branch_code", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("parent_branch_code", sa.Text),
        sa.Column("district_code", sa.String(13), primary_key=keyed, nullable=False),
    ]


TABLES = {
    "village_requests": (_village_request_columns, ["program_id", "village_code"]),
    "branches": (_branch_columns, ["district_code"]),
}


def upgrade() -> None:
    for table, (columns, key) in TABLES.items():
        op.create_table(
            table,
            *columns(True),
            sa.Column(
                "batch_id",
                sa.Integer,
                sa.ForeignKey("load_batches.batch_id", name=f"fk_{table}_batch_id_load_batches"),
                nullable=False,
            ),
            sa.Column("content_hash", sa.BigInteger, nullable=False),
            sa.PrimaryKeyConstraint(*key, name=f"pk_{table}"),
        )
        op.create_table(
            f"{table}_history",
            sa.Column("history_id", sa.Integer, primary_key=True, autoincrement=True),
            *columns(False),
            sa.Column("batch_id", sa.Integer, nullable=False),
            sa.Column("content_hash", sa.BigInteger, nullable=False),
            sa.Column(
                "replaced_by_batch_id",
                sa.Integer,
                sa.ForeignKey(
                    "load_batches.batch_id",
                    name=f"fk_{table}_history_replaced_by_batch_id_load_batches",
                ),
                nullable=False,
            ),
            sa.PrimaryKeyConstraint("history_id", name=f"pk_{table}_history"),
        )
        op.create_index(f"ix_{table}_history_key", f"{table}_history", key)
    # A scoped rerun reads a village's requests by its code.
    op.create_index("ix_village_requests_village", "village_requests", ["village_code"])


def downgrade() -> None:
    op.drop_index("ix_village_requests_village", table_name="village_requests")
    for table, (_columns, _key) in reversed(TABLES.items()):
        op.drop_index(f"ix_{table}_history_key", table_name=f"{table}_history")
        op.drop_table(f"{table}_history")
        op.drop_table(table)
