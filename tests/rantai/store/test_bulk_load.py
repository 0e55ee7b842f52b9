"""Bulk loads at national scale behave as the plain upsert does: exact round trips, keyed
corrections with history, nothing written for unchanged records, all-or-nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import event, func, inspect, select

from rantai.records import SOURCES, Kind
from rantai.store import load as bulk
from rantai.store.engine import engine_for
from rantai.store.load import content_hash, fingerprint, load_source, new_batch
from rantai.store.queries import read_source, stored_fingerprint, typed
from rantai.store.schema import history_tables, quarantine, source_tables

QUARANTINE = pd.DataFrame(
    {
        "source": ["coverage", "coverage"],
        "row_number": [3, 9],
        "record_id": ["", "3171014101900001|p|"],  # a row whose key cells were all empty
        "reason": ["MISSING_FIELD", "BAD_DATE"],
        "detail": ["nik: required, found an empty cell", "coverage_start: expected a date"],
    }
)


def coverage(count: int, status: str = "AKTIF", start: int = 0) -> pd.DataFrame:
    """`count` coverage records with every kind of value: optional text left empty, dates."""
    serial = np.arange(start, start + count)
    frame = pd.DataFrame(
        {
            "nik": [f"3171014101{90 + i % 10:02d}{1 + i // 10:04d}" for i in serial],
            "program_id": np.where(serial % 3 == 0, "dki-apbd-2025", "jakarta-bkbk-2025"),
            "kpj_no": [None if i % 7 == 0 else f"KPJ{i:08d}" for i in serial],
            "coverage_start": pd.to_datetime("2025-01-01") + pd.to_timedelta(serial % 200, "D"),
            "coverage_end": pd.to_datetime("2025-12-31"),
            "status": status,
        }
    )
    return typed(frame, "coverage")


def load(db_url: str, frame: pd.DataFrame, bad: pd.DataFrame | None = None) -> bulk.BatchReport:
    bad = bad if bad is not None else QUARANTINE.iloc[0:0]
    with engine_for(db_url).begin() as conn:
        batch = new_batch(conn, "run", "coverage", "test", "0" * 64, len(frame) + len(bad))
        return load_source(conn, "coverage", batch, frame, bad, len(frame) + len(bad))


def stored(db_url: str) -> pd.DataFrame:
    with engine_for(db_url).connect() as conn:
        frame = read_source(conn, "coverage").drop(columns="batch_id")
    return frame.sort_values(["nik", "program_id"]).reset_index(drop=True)


def count(db_url: str, table) -> int:  # type: ignore[no-untyped-def]
    with engine_for(db_url).connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Statements and chunks of a few rows, so that a small load crosses every boundary."""
    monkeypatch.setattr(bulk, "_ROWS_PER_STATEMENT", 7)
    monkeypatch.setattr(bulk, "_CHUNK", 50)
    monkeypatch.setattr(bulk, "_REBUILD_FROM_ROWS", 10)


@pytest.mark.usefixtures("small_chunks")
def test_a_bulk_load_reads_back_exactly_as_given(db_url):
    frame = coverage(233)
    report = load(db_url, frame, QUARANTINE)
    assert (report.rows_inserted, report.rows_replaced, report.rows_quarantined) == (233, 0, 2)
    expected = frame.sort_values(["nik", "program_id"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(stored(db_url), expected, check_dtype=True)
    with engine_for(db_url).connect() as conn:
        kept = conn.execute(select(quarantine.c.record_id).order_by(quarantine.c.row_number))
        assert [r for (r,) in kept] == QUARANTINE["record_id"].tolist()


@pytest.mark.usefixtures("small_chunks")
def test_a_repeat_delivery_with_corrections_writes_only_what_changed(db_url):
    first = coverage(120)
    load(db_url, first)
    again = first.copy()
    again.loc[[5, 17, 99], "status"] = "NON_AKTIF"  # three corrections
    again = pd.concat([again, coverage(4, start=500)], ignore_index=True)  # four new records
    report = load(db_url, again)
    assert (report.rows_inserted, report.rows_replaced) == (4, 3)
    assert count(db_url, history_tables["coverage"]) == 3
    expected = again.sort_values(["nik", "program_id"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(stored(db_url), expected)
    # Nothing changed: nothing written, no history.
    report = load(db_url, again)
    assert (report.rows_inserted, report.rows_replaced) == (0, 0)
    assert count(db_url, history_tables["coverage"]) == 3


@pytest.mark.usefixtures("small_chunks")
def test_a_failed_bulk_load_into_an_empty_table_leaves_it_empty_and_indexed(db_url):
    with pytest.raises(RuntimeError), engine_for(db_url).begin() as conn:
        batch = new_batch(conn, "run", "coverage", "test", "0" * 64, 60)
        load_source(conn, "coverage", batch, coverage(60), QUARANTINE.iloc[0:0], 60)
        raise RuntimeError("killed half-way")
    assert count(db_url, source_tables["coverage"]) == 0
    # On PostgreSQL the load took the keys and indexes off; they must be back, and in force.
    load(db_url, coverage(60))
    with engine_for(db_url).connect() as conn:
        key = inspect(conn).get_pk_constraint("coverage")
        foreign = inspect(conn).get_foreign_keys("coverage")
    assert key["constrained_columns"] == ["nik", "program_id", "coverage_start"]
    assert [f["referred_table"] for f in foreign] == ["load_batches"]
    with pytest.raises(Exception, match="(?i)unique|duplicate"), engine_for(db_url).begin() as c:
        c.execute(source_tables["coverage"].insert(), [dict(_row(stored(db_url)), batch_id=1)])


def _row(frame: pd.DataFrame) -> dict[str, object]:
    row = frame.iloc[0].to_dict()
    row["coverage_start"] = row["coverage_start"].date()
    row["coverage_end"] = row["coverage_end"].date()
    return {**row, "content_hash": 0}


@pytest.mark.usefixtures("small_chunks")
def test_the_stored_fingerprint_is_the_loaded_one_until_the_table_changes(db_url):
    frame = coverage(80)
    report = load(db_url, frame)
    with engine_for(db_url).connect() as conn:
        assert stored_fingerprint(conn, "coverage") == report.fingerprint
    load(db_url, coverage(1, start=900))
    with engine_for(db_url).connect() as conn:
        assert stored_fingerprint(conn, "coverage") != report.fingerprint
    assert fingerprint(content_hash(frame, "coverage")) == report.fingerprint


def _hash_as_defined(frame: pd.DataFrame, source: str) -> np.ndarray:
    """Content hashes as they were defined before bulk loading: `hash_pandas_object` over the
    typed columns (dates as days, numbers as Int64, text as objects with None)."""
    columns = {}
    for name, spec in SOURCES[source].specs.items():
        values = frame[name]
        if spec.kind is Kind.DATE:
            days = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
            columns[name] = pd.Series(days.astype("int64"), index=frame.index)
        elif spec.kind in (Kind.AMOUNT, Kind.INT):
            columns[name] = values.astype("Int64")
        else:
            columns[name] = values.astype(object).where(values.notna(), None)
    hashed = pd.util.hash_pandas_object(pd.DataFrame(columns), index=False).to_numpy()
    return hashed.view(np.int64)


def test_content_hashes_never_drift() -> None:
    """Stored hashes tell corrections from repeats: the faster hashing must give the same."""
    frames = {
        "coverage": coverage(3000),
        "programs": typed(
            pd.DataFrame(
                {
                    "program_id": ["a", "b", "c"],
                    "funding_source": ["BKBK", "APBD", "APBDES"],
                    "province_code": ["15", "14", "14"],
                    "fiscal_year": [2025, 2025, 2024],
                    "name": ["A", "B", None],
                    "premium_rate_monthly": [16800, None, 20000],
                    "sla_village_days": [None, 10, None],
                }
            ),
            "programs",
        ),
    }
    for source, frame in frames.items():
        assert np.array_equal(content_hash(frame, source), _hash_as_defined(frame, source))


def enrollments(count: int) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "nik": [f"3171014101{90 + i % 10:02d}{1 + i // 10:04d}" for i in range(count)],
            "name": [f"Pekerja {i}" for i in range(count)],
            "village_code": [f"31.71.01.{1001 + i % 7}" for i in range(count)],
            "occupation": "ojek",
            "program_id": "dki-apbd-2025",
            "registered_date": pd.Timestamp("2025-02-01"),
        }
    )
    return typed(frame, "enrollments")


def index_names(db_url: str) -> set[str]:
    with engine_for(db_url).connect() as conn:
        return {i["name"] for i in inspect(conn).get_indexes("enrollments")}


@pytest.mark.usefixtures("small_chunks")
def test_indexes_taken_off_for_a_bulk_load_come_back_and_stay_on_a_failed_one(db_url):
    before = index_names(db_url)
    assert "ix_enrollments_village" in before
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = engine_for(db_url)
    event.listen(engine, "before_cursor_execute", record)
    try:
        with pytest.raises(RuntimeError), engine.begin() as conn:
            batch = new_batch(conn, "run", "enrollments", "test", "0" * 64, 40)
            load_source(conn, "enrollments", batch, enrollments(40), QUARANTINE.iloc[0:0], 40)
            raise RuntimeError("killed half-way")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert any(s.startswith('DROP INDEX "ix_enrollments_village"') for s in statements)
    assert index_names(db_url) == before
    with engine_for(db_url).begin() as conn:
        batch = new_batch(conn, "run", "enrollments", "test", "0" * 64, 40)
        load_source(conn, "enrollments", batch, enrollments(40), QUARANTINE.iloc[0:0], 40)
    assert index_names(db_url) == before
    with engine_for(db_url).connect() as conn:
        assert len(read_source(conn, "enrollments")) == 40
