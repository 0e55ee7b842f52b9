"""Contract v2: programmes' predecessor, PKS date and claim SLA, allocations' cover start,
payments' period start, the claims source (with its history), a claim's flag (case_id in the
flags' key) and the protection failures already reported.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Spelled out rather than taken from the live models, as later revisions must.
NEW_COLUMNS = {
    "programs": [
        ("predecessor_id", sa.Text),
        ("pks_date", sa.Date),
        ("sla_claim_days", sa.BigInteger),
    ],
    "allocations": [("cover_start", sa.Date)],
    "premium_payments": [("period_start", sa.Date)],
}


def _claim_columns(keyed: bool) -> list[sa.Column]:
    return [
        sa.Column("claim_id", sa.Text, primary_key=keyed, nullable=False),
        sa.Column("nik", sa.String(16), nullable=False),
        sa.Column("program_id", sa.Text, nullable=False),
        sa.Column("benefit", sa.String(20), nullable=False),
        sa.Column("event_date", sa.Date, nullable=False),
        sa.Column("claim_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("paid_amount", sa.BigInteger),
        sa.Column("paid_date", sa.Date),
        sa.Column("reject_reason", sa.Text),
    ]


def upgrade() -> None:
    for table, columns in NEW_COLUMNS.items():
        for name in (table, f"{table}_history"):
            with op.batch_alter_table(name) as batch:
                for column, type_ in columns:
                    batch.add_column(sa.Column(column, type_(), nullable=True))
    op.create_table(
        "claims",
        *_claim_columns(keyed=True),
        sa.Column(
            "batch_id",
            sa.Integer,
            sa.ForeignKey("load_batches.batch_id", name="fk_claims_batch_id_load_batches"),
            nullable=False,
        ),
        sa.Column("content_hash", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name="pk_claims"),
    )
    op.create_table(
        "claims_history",
        sa.Column("history_id", sa.Integer, primary_key=True, autoincrement=True),
        *_claim_columns(keyed=False),
        sa.Column("batch_id", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.BigInteger, nullable=False),
        sa.Column(
            "replaced_by_batch_id",
            sa.Integer,
            sa.ForeignKey(
                "load_batches.batch_id", name="fk_claims_history_replaced_by_batch_id_load_batches"
            ),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("history_id", name="pk_claims_history"),
    )
    op.create_index("ix_claims_history_key", "claims_history", ["claim_id"])
    op.create_table(
        "failure_reports",
        sa.Column("claim_id", sa.Text, nullable=False),
        sa.Column("program_id", sa.Text, nullable=False),
        sa.Column("unit_code", sa.String(13), nullable=False),
        sa.Column("first_reported", sa.Date, nullable=False),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name="pk_failure_reports"),
    )
    # A claim's flag is keyed by its claim as well (CLAIM_PAYMENT); a unit's stages have "".
    with op.batch_alter_table("flags", recreate="always") as batch:
        batch.add_column(sa.Column("case_id", sa.Text, nullable=False, server_default=""))
        batch.drop_constraint("pk_flags", type_="primary")
        batch.create_primary_key("pk_flags", ["program_id", "unit_code", "stage", "case_id"])
    with op.batch_alter_table("flag_events") as batch:
        batch.add_column(sa.Column("case_id", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("flag_events") as batch:
        batch.drop_column("case_id")
    op.execute("DELETE FROM flags WHERE case_id <> ''")
    with op.batch_alter_table("flags", recreate="always") as batch:
        batch.drop_constraint("pk_flags", type_="primary")
        batch.drop_column("case_id")
        batch.create_primary_key("pk_flags", ["program_id", "unit_code", "stage"])
    op.drop_table("failure_reports")
    op.drop_index("ix_claims_history_key", table_name="claims_history")
    op.drop_table("claims_history")
    op.drop_table("claims")
    for table, columns in NEW_COLUMNS.items():
        for name in (table, f"{table}_history"):
            with op.batch_alter_table(name) as batch:
                for column, _type in columns:
                    batch.drop_column(column)
