"""Revisions on a store made before them, on SQLite and PostgreSQL alike: 0004 (keys of any
length, 64-bit worker counts in flag events and open-ended cover) and 0005 (contract v2: the
flags keep their history, claims load)."""

from __future__ import annotations

import datetime as dt
from importlib import resources

import pandas as pd
from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, Table, create_engine, func, select

from rantai.bounds import OPEN_END
from rantai.regions import load_gazetteer
from rantai.store.engine import migrate
from rantai.store.flags import read_flags
from rantai.store.load import load_source, new_batch
from rantai.store.queries import read_source
from rantai.store.schema import flag_events, flags, history_tables, source_tables
from rantai.validate import validate

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


def test_revision_0005_keeps_the_flags_and_their_first_flagged_and_the_claims_table_loads(db_url):
    # A store as revision 0004 left it: a programme, an open and a resolved flag, their events.
    engine = create_engine(db_url)
    with engine.begin() as conn:
        _upgrade(conn, "0004")
        old = MetaData()
        old_flags = Table("flags", old, autoload_with=conn)
        old_events = Table("flag_events", old, autoload_with=conn)
        old_programs = Table("programs", old, autoload_with=conn)
        assert "case_id" not in old_flags.c and "predecessor_id" not in old_programs.c
        batch = new_batch(conn, "run-0004", "programs", "test", "0" * 64, 1)
        conn.execute(
            old_programs.insert(),
            {
                "program_id": "jambi-bkbk-2024",
                "funding_source": "BKBK",
                "province_code": "15",
                "fiscal_year": 2024,
                "name": "BKBK Jambi 2024",
                "batch_id": batch,
                "content_hash": 1,
            },
        )
        conn.execute(old_flags.insert(), FLAGS_AT_0004)
        conn.execute(
            old_events.insert(),
            [
                {
                    "run_id": "run-0004",
                    "program_id": f["program_id"],
                    "unit_code": f["unit_code"],
                    "stage": f["stage"],
                    "event": "opened",
                    "as_of": f["first_flagged"],
                    "days_overdue": 10,
                    "amount_at_stake": 201_600,
                    "workers_affected": 1,
                }
                for f in FLAGS_AT_0004
            ],
        )

    migrate(engine)

    with engine.begin() as conn:
        kept = read_flags(conn).sort_values("unit_code")
        assert kept["case_id"].tolist() == ["", ""]
        assert kept["first_flagged"].tolist() == [f["first_flagged"] for f in FLAGS_AT_0004]
        assert kept["is_open"].tolist() == [True, False]
        assert kept["resolved_on"].tolist()[1] == dt.date(2025, 3, 1)
        assert kept["times_opened"].tolist() == [2, 1]
        events = conn.execute(select(flag_events.c.case_id, flag_events.c.as_of)).all()
        assert sorted(events) == [("", dt.date(2025, 1, 20)), ("", dt.date(2025, 2, 10))]
        # case_id is in the flags' key now: a claim's flag beside its unit's stage flag.
        conn.execute(flags.insert(), {**FLAGS_AT_0004[0], "case_id": "CLM-1"})
        assert conn.execute(select(func.count()).select_from(flags)).scalar_one() == 3
        programs = source_tables["programs"]
        stored = conn.execute(select(programs.c.predecessor_id, programs.c.pks_date)).all()
        assert stored == [(None, None)]

        # The claims table loads, and a correction of a claim goes to its history.
        for number, status in enumerate(("SUBMITTED", "PAID"), start=1):
            rows = pd.DataFrame([{**CLAIM, "status": status}], dtype=object)
            result = validate("claims", rows, read_source(conn, "programs"), load_gazetteer())
            assert result.quarantine.empty
            batch = new_batch(conn, f"run-{number}", "claims", "test", "0" * 64, 1)
            report = load_source(conn, "claims", batch, result.valid, result.quarantine, 1)
            assert (report.rows_inserted, report.rows_replaced) == (
                (1, 0) if number == 1 else (0, 1)
            )
        claims, history = source_tables["claims"], history_tables["claims"]
        assert conn.execute(select(claims.c.claim_id, claims.c.status)).all() == [("CLM-1", "PAID")]
        assert conn.execute(select(history.c.status)).scalars().all() == ["SUBMITTED"]
        # And a v2 programme, naming the stored one as its predecessor.
        v2 = pd.DataFrame(
            [
                {
                    "program_id": "jambi-bkbk-2025",
                    "funding_source": "BKBK",
                    "province_code": "15",
                    "fiscal_year": "2025",
                    "name": "BKBK Jambi 2025",
                    "predecessor_id": "jambi-bkbk-2024",
                    "pks_date": "2025-02-26",
                    "sla_claim_days": "14",
                }
            ],
            dtype=object,
        )
        result = validate("programs", v2, read_source(conn, "programs"), load_gazetteer())
        assert result.quarantine.empty
        batch = new_batch(conn, "run-3", "programs", "test", "0" * 64, 1)
        load_source(conn, "programs", batch, result.valid, result.quarantine, 1)
        assert conn.execute(
            select(programs.c.predecessor_id, programs.c.pks_date, programs.c.sla_claim_days).where(
                programs.c.program_id == "jambi-bkbk-2025"
            )
        ).one() == ("jambi-bkbk-2024", dt.date(2025, 2, 26), 14)
    engine.dispose()


def test_revision_0006_adds_village_requests_and_branches_which_load_with_their_history(db_url):
    engine = create_engine(db_url)
    with engine.begin() as conn:
        _upgrade(conn, "0005")
        tables = MetaData()
        tables.reflect(conn)
        assert "village_requests" not in tables.tables and "branches" not in tables.tables

    migrate(engine)

    gazetteer = load_gazetteer()
    with engine.begin() as conn:
        batch = new_batch(conn, "run-p", "programs", "test", "0" * 64, 1)
        programme = pd.DataFrame(
            [
                {
                    "program_id": "jambi-bkbk-2025",
                    "funding_source": "BKBK",
                    "province_code": "15",
                    "fiscal_year": "2025",
                    "name": "BKBK Jambi 2025",
                }
            ],
            dtype=object,
        )
        result = validate("programs", programme, None, gazetteer)
        load_source(conn, "programs", batch, result.valid, result.quarantine, 1)
        for number, complete in enumerate(("", "2025-02-10"), start=1):
            request = {
                "program_id": "jambi-bkbk-2025",
                "village_code": "15.08.01.2001",
                "submitted_date": "2025-02-03",
                "complete_date": complete,
                "missing_documents": "" if complete else "rekening desa",
            }
            rows = pd.DataFrame([request], dtype=object)
            result = validate("village_requests", rows, read_source(conn, "programs"), gazetteer)
            assert result.quarantine.empty
            batch = new_batch(conn, f"run-{number}", "village_requests", "test", "0" * 64, 1)
            load_source(conn, "village_requests", batch, result.valid, result.quarantine, 1)
        requests = read_source(conn, "village_requests")
        assert requests["complete_date"].tolist() == [pd.Timestamp("2025-02-10")]
        history = history_tables["village_requests"]
        assert conn.execute(select(history.c.missing_documents)).scalars().all() == [
            "rekening desa"
        ]
        branch = {
            "branch_code": "KC-MUARA-BUNGO",
            "name": "KC Muara Bungo",
            "parent_branch_code": "",
            "district_code": "15.08",
        }
        rows = pd.DataFrame([branch], dtype=object)
        result = validate("branches", rows, None, gazetteer)
        batch = new_batch(conn, "run-b", "branches", "test", "0" * 64, 1)
        load_source(conn, "branches", batch, result.valid, result.quarantine, 1)
        # No programme: read whole whatever programmes are asked for.
        assert read_source(conn, "branches", ["other"])["branch_code"].tolist() == [
            "KC-MUARA-BUNGO"
        ]
    engine.dispose()


FLAGS_AT_0004 = [
    {
        "program_id": "jambi-bkbk-2024",
        "unit_code": "15.08.01.2001",
        "stage": "PREMIUM_PAYMENT",
        "district_code": "15.08",
        "first_flagged": dt.date(2025, 1, 20),
        "is_open": True,
        "opened_on": dt.date(2025, 4, 1),
        "last_seen": dt.date(2025, 4, 30),
        "resolved_on": None,
        "times_opened": 2,
    },
    {
        "program_id": "jambi-bkbk-2024",
        "unit_code": "15.08.01.2002",
        "stage": "VILLAGE_TRANSFER",
        "district_code": "15.08",
        "first_flagged": dt.date(2025, 2, 10),
        "is_open": False,
        "opened_on": dt.date(2025, 2, 10),
        "last_seen": dt.date(2025, 2, 28),
        "resolved_on": dt.date(2025, 3, 1),
        "times_opened": 1,
    },
]

CLAIM = {
    "claim_id": "CLM-1",
    "nik": "1508014101900002",
    "program_id": "jambi-bkbk-2024",
    "benefit": "JKM",
    "event_date": "2025-06-01",
    "claim_date": "2025-06-03",
    "paid_amount": "42.000.000",
    "paid_date": "2025-06-20",
}
