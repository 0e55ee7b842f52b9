"""SQLAlchemy 2.0 tables: one per contract source (keyed as the contract says), its history of
replaced versions, load batches, the quarantine, runs and stall flags.

Source tables are derived from the record models in `rantai.records`, so a column is defined
once. Each source row carries the batch that loaded it and a hash of its content, which is how
a load tells a correction from a repeat.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeEngine

from rantai.records import SOURCES, Kind, Source

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

load_batches = Table(
    "load_batches",
    metadata,
    Column("batch_id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(36), nullable=False, index=True),
    Column("source", String(40), nullable=False),
    Column("origin", Text, nullable=False),  # file path or URL the rows came from
    Column("checksum", String(64), nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("rows_loaded", Integer, nullable=False),
    Column("rows_quarantined", Integer, nullable=False),
    Column("rows_inserted", Integer, nullable=False),
    Column("rows_replaced", Integer, nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("quarantine_id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("load_batches.batch_id"), nullable=False, index=True),
    Column("source", String(40), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("reason", String(40), nullable=False),
    Column("detail", Text, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("flow_run_id", String(36)),
    Column("flow_name", String(60), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("scope", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("stalls", Integer),
    Column("resolved", Integer),
)

# One row per (case, stage) that has ever been stalled; closes and reopens keep first_flagged.
flags = Table(
    "flags",
    metadata,
    Column("program_id", Text, primary_key=True),
    Column("unit_code", String(13), primary_key=True),
    Column("stage", String(30), primary_key=True),
    # The claim of a CLAIM_PAYMENT flag; "" for a unit's stages (revision 0005).
    Column("case_id", Text, primary_key=True, server_default=""),
    Column("district_code", String(5), nullable=False),
    Column("first_flagged", Date, nullable=False),
    Column("is_open", Boolean, nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("last_seen", Date, nullable=False),
    Column("resolved_on", Date),
    Column("times_opened", Integer, nullable=False),
)

# Per HTTP source, how far its records are known: the server's snapshot time of the last fetch
# that was loaded. The next run asks for `updated_since` that mark (revision 0002).
source_marks = Table(
    "source_marks",
    metadata,
    Column("location", String(500), primary_key=True),  # the system's base URL, no credentials
    Column("source", String(40), primary_key=True),
    Column("snapshot", String(40), nullable=False),  # ISO 8601 UTC, as the server gave it
    Column("run_id", String(36), nullable=False),
    Column("rows_fetched", Integer, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

flag_events = Table(
    "flag_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(36), nullable=False, index=True),
    Column("program_id", Text, nullable=False),
    Column("unit_code", String(13), nullable=False),
    Column("stage", String(30), nullable=False),
    Column("case_id", Text, nullable=False, server_default=""),  # revision 0005
    Column("event", String(10), nullable=False),  # opened | resolved
    Column("as_of", Date, nullable=False),
    Column("days_overdue", Integer),
    # NULL where a (hostile) amount passes 64 bits: the outputs carry it exactly.
    Column("amount_at_stake", BigInteger),
    Column("workers_affected", BigInteger),
    Index("ix_flag_events_case", "program_id", "unit_code", "stage"),
)

# Each protection failure (a claim whose worker had no cover on the event date) the first
# time a run reported it: a later run's failure that is here is not new (revision 0005).
failure_reports = Table(
    "failure_reports",
    metadata,
    Column("claim_id", Text, primary_key=True),
    Column("program_id", Text, nullable=False),
    Column("unit_code", String(13), nullable=False),
    Column("first_reported", Date, nullable=False),
    Column("run_id", String(36), nullable=False),
)

_SQL_TYPE: dict[Kind, TypeEngine] = {
    Kind.TEXT: Text(),
    Kind.CODE: String(13),
    Kind.AMOUNT: BigInteger(),
    Kind.DATE: Date(),
    Kind.INT: BigInteger(),
    Kind.NIK: String(16),
    Kind.CHOICE: String(20),
}


def _record_columns(source: Source, keyed: bool) -> list[Column]:
    columns = []
    for name, spec in source.specs.items():
        # Text without a length, keys too (revision 0004): PostgreSQL and SQLite then take
        # the same values, where a VARCHAR(100) key stopped a PostgreSQL load that SQLite took.
        # Codes, NIKs and choices are validated to their length before they get here.
        is_key = keyed and name in source.key
        columns.append(
            Column(name, _SQL_TYPE[spec.kind], primary_key=is_key, nullable=not spec.required)
        )
    return columns


def _source_table(source: Source) -> Table:
    return Table(
        source.name,
        metadata,
        *_record_columns(source, keyed=True),
        Column("batch_id", Integer, ForeignKey("load_batches.batch_id"), nullable=False),
        Column("content_hash", BigInteger, nullable=False),
    )


def _history_table(source: Source) -> Table:
    return Table(
        f"{source.name}_history",
        metadata,
        Column("history_id", Integer, primary_key=True, autoincrement=True),
        *_record_columns(source, keyed=False),
        Column("batch_id", Integer, nullable=False),  # the load that brought this version
        Column("content_hash", BigInteger, nullable=False),
        Column(
            "replaced_by_batch_id", Integer, ForeignKey("load_batches.batch_id"), nullable=False
        ),
        Index(f"ix_{source.name}_history_key", *source.key),
    )


source_tables: dict[str, Table] = {name: _source_table(s) for name, s in SOURCES.items()}
history_tables: dict[str, Table] = {name: _history_table(s) for name, s in SOURCES.items()}

# Indexes for the evaluation's lookups by programme.
for _name in ("allocations", "district_transfers", "village_transfers", "premium_payments"):
    Index(f"ix_{_name}_program", source_tables[_name].c.program_id)
# Indexes for reruns scoped to districts or villages (revision 0003, which also dropped
# ix_enrollments_program: on three million enrollments, one index less to keep on every load).
SCOPE_INDEXES = {
    "ix_allocations_unit": ("allocations", "unit_code"),
    "ix_district_transfers_district": ("district_transfers", "district_code"),
    "ix_village_transfers_village": ("village_transfers", "village_code"),
    "ix_enrollments_village": ("enrollments", "village_code"),
    "ix_premium_payments_payer": ("premium_payments", "payer_code"),
    "ix_village_requests_village": ("village_requests", "village_code"),  # revision 0006
}
for _index, (_name, _column) in SCOPE_INDEXES.items():
    Index(_index, source_tables[_name].c[_column])
