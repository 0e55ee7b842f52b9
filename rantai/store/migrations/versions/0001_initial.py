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
CREATED_LATER = {
    "source_marks",  # 0002
    *("claims", "claims_history", "failure_reports"),  # 0005
    *("village_requests", "village_requests_history", "branches", "branches_history"),  # 0006
}


# Columns of the live models that later revisions add (0005: contract v2).
ADDED_LATER = {
    "programs": ["predecessor_id", "pks_date", "sla_claim_days"],
    "programs_history": ["predecessor_id", "pks_date", "sla_claim_days"],
    "allocations": ["cover_start"],
    "allocations_history": ["cover_start"],
    "premium_payments": ["period_start"],
    "premium_payments_history": ["period_start"],
    "flags": ["case_id"],
    "flag_events": ["case_id"],
}


def upgrade() -> None:
    # The first revision creates the schema as the models define it; later revisions must spell
    # out their changes (add_column, ...) rather than rely on the live models.
    tables = [t for t in metadata.sorted_tables if t.name not in CREATED_LATER]
    metadata.create_all(op.get_bind(), tables=tables)
    # Columns that later revisions add are dropped again, so that they can.
    for table, columns in ADDED_LATER.items():
        with op.batch_alter_table(table, recreate="always") as batch:
            if table == "flags":
                batch.drop_constraint("pk_flags", type_="primary")
            for column in columns:
                batch.drop_column(column)
            if table == "flags":
                batch.create_primary_key("pk_flags", ["program_id", "unit_code", "stage"])


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
