"""Text keys without a length, 64-bit worker counts in flag events, open-ended cover.

PostgreSQL refused a key over 100 characters (VARCHAR(100)) that SQLite stored, stopping the
whole load; keys are TEXT now on both (varchar to text needs no rewrite on PostgreSQL).
flag_events.workers_affected sums target workers over a district and can pass 2**31.
A coverage_end past 2099-12-31 means open-ended cover, stored as 2099-12-31 (rantai.bounds);
stores that took such a date before this revision are brought to that rule.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Spelled out rather than taken from the live models, as later revisions must.
TEXT_KEYS = {
    "programs": "program_id",
    "allocations": "allocation_id",
    "district_transfers": "transfer_id",
    "village_transfers": "transfer_id",
    "enrollments": "program_id",
    "premium_payments": "payment_id",
    "coverage": "program_id",
}
OPEN_END = "2099-12-31"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # SQLite enforces no length and its integers are 64-bit already.
        for table, column in TEXT_KEYS.items():
            for name in (table, f"{table}_history"):
                op.alter_column(name, column, type_=sa.Text(), existing_type=sa.String(100))
        for name in ("flags", "flag_events"):
            op.alter_column(name, "program_id", type_=sa.Text(), existing_type=sa.String(100))
        op.alter_column(
            "flag_events", "workers_affected", type_=sa.BigInteger(), existing_type=sa.Integer()
        )
    # SQLite keeps a DATE as its ISO text, which compares in date order.
    end = f"DATE '{OPEN_END}'" if op.get_bind().dialect.name == "postgresql" else f"'{OPEN_END}'"
    for name in ("coverage", "coverage_history"):
        op.execute(f"UPDATE {name} SET coverage_end = {end} WHERE coverage_end > {end}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "flag_events", "workers_affected", type_=sa.Integer(), existing_type=sa.BigInteger()
        )
        for name in ("flags", "flag_events"):
            op.alter_column(name, "program_id", type_=sa.String(100), existing_type=sa.Text())
        for table, column in TEXT_KEYS.items():
            for name in (table, f"{table}_history"):
                op.alter_column(name, column, type_=sa.String(100), existing_type=sa.Text())
