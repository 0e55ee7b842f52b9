"""Revision 0004 on a store made before it: keys of any length, 64-bit worker counts in flag
events and open-ended cover, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, select

from rantai.bounds import OPEN_END
from rantai.store.engine import migrate
from rantai.store.load import new_batch
from rantai.store.schema import source_tables

# Column types as revisions 0001..0003 made them on PostgreSQL.
OLD_TYPES = {
    ("allocations", "allocation_id"): "varchar(100)",
    ("allocations_history", "allocation_id"): "varchar(100)",
    ("coverage", "program_id"): "varchar(100)",
    ("flags", "program_id"): "varchar(100)",
    ("flag_events", "program_id"): "varchar(100)",
    ("flag_events", "workers_affected"): "integer",
}


def _upgrade(connection, revision: str) -> None:  # type: ignore[no-untyped-def]
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("rantai.store").joinpath("migrations"))
    )
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def test_revision_0004_unbounds_keys_and_makes_a_far_coverage_end_open_ended(db_url):
    engine = create_engine(db_url)
    with engine.begin() as conn:
        _upgrade(conn, "0003")
        if conn.dialect.name == "postgresql":
            for (table, column), old in OLD_TYPES.items():
                conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {old}")
        batch = new_batch(conn, "run", "coverage", "test", "0" * 64, 1)
        conn.execute(
            source_tables["coverage"].insert(),
            [
                {
                    "nik": "1404010101900001",
                    "program_id": "p",
                    "coverage_start": dt.date(2025, 1, 1),
                    "coverage_end": dt.date(9999, 12, 31),
                    "status": "AKTIF",
                    "batch_id": batch,
                    "content_hash": 1,
                },
                {
                    "nik": "1404010101900002",
                    "program_id": "p",
                    "coverage_start": dt.date(2025, 1, 1),
                    "coverage_end": dt.date(2025, 12, 31),
                    "status": "AKTIF",
                    "batch_id": batch,
                    "content_hash": 2,
                },
            ],
        )

    migrate(engine)

    coverage = source_tables["coverage"]
    with engine.begin() as conn:
        ends = conn.execute(select(coverage.c.coverage_end).order_by(coverage.c.nik)).scalars()
        assert list(ends) == [OPEN_END, dt.date(2025, 12, 31)]
        long_key = "A" * 1000
        conn.execute(
            source_tables["allocations"].insert(),
            {
                "allocation_id": long_key,
                "program_id": "p" * 300,
                "unit_code": "14.04",
                "allocated_amount": 1,
                "premium_amount": 1,
                "target_workers": 1,
                "months": 12,
                "decree_date": dt.date(2025, 1, 1),
                "batch_id": batch,
                "content_hash": 3,
            },
        )
        if conn.dialect.name == "postgresql":
            types = dict(
                conn.exec_driver_sql(
                    "SELECT table_name || '.' || column_name, data_type "
                    "FROM information_schema.columns WHERE table_schema = current_schema()"
                ).all()
            )
            for table, column in OLD_TYPES:
                expected = "bigint" if column == "workers_affected" else "text"
                assert types[f"{table}.{column}"] == expected, (table, column)
    engine.dispose()
