"""Indexes for scoped reruns: each source's region column; ix_enrollments_program dropped.

A rerun for a village reads only that village's rows (and its district's transfers), so each
source's region column gets an index. Enrollments by programme are read whole anyway, and on
three million rows every index costs seconds on each national load, so that one goes.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Spelled out rather than taken from the live models, as later revisions must.
INDEXES = {
    "ix_allocations_unit": ("allocations", "unit_code"),
    "ix_district_transfers_district": ("district_transfers", "district_code"),
    "ix_village_transfers_village": ("village_transfers", "village_code"),
    "ix_enrollments_village": ("enrollments", "village_code"),
    "ix_premium_payments_payer": ("premium_payments", "payer_code"),
}


def upgrade() -> None:
    # A fresh store gets these from revision 0001, which creates the live models' schema.
    for name, (table, column) in INDEXES.items():
        op.create_index(name, table, [column], if_not_exists=True)
    op.drop_index("ix_enrollments_program", table_name="enrollments", if_exists=True)


def downgrade() -> None:
    op.create_index("ix_enrollments_program", "enrollments", ["program_id"], if_not_exists=True)
    for name, (table, _column) in INDEXES.items():
        op.drop_index(name, table_name=table, if_exists=True)
