"""The store: keyed upserts, history of corrections, nothing written twice, all-or-nothing loads."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, select

from rantai.store.engine import engine_for
from rantai.store.load import load_source, new_batch
from rantai.store.queries import read_source, typed
from rantai.store.schema import history_tables, load_batches, source_tables

NO_QUARANTINE = pd.DataFrame(columns=["source", "row_number", "record_id", "reason", "detail"])


def allocations(*rows: tuple[str, int]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            {
                "allocation_id": allocation_id,
                "program_id": "p",
                "unit_code": "15.08.01.2001",
                "allocated_amount": amount,
                "premium_amount": amount,
                "target_workers": 1,
                "months": 12,
                "decree_date": "2025-01-15",
            }
            for allocation_id, amount in rows
        ]
    )
    return typed(frame, "allocations")


def load(db_url: str, frame: pd.DataFrame) -> tuple[int, int]:
    with engine_for(db_url).begin() as conn:
        batch = new_batch(conn, "run", "allocations", "test", "0" * 64, len(frame))
        report = load_source(conn, "allocations", batch, frame, NO_QUARANTINE, len(frame))
    return report.rows_inserted, report.rows_replaced


def count(db_url: str, table) -> int:  # type: ignore[no-untyped-def]
    with engine_for(db_url).connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_repeat_load_changes_nothing_and_writes_no_history(db_url):
    assert load(db_url, allocations(("A1", 100), ("A2", 200))) == (2, 0)
    assert load(db_url, allocations(("A1", 100), ("A2", 200))) == (0, 0)
    assert count(db_url, history_tables["allocations"]) == 0
    assert count(db_url, source_tables["allocations"]) == 2


def test_correction_replaces_and_keeps_the_old_version(db_url):
    load(db_url, allocations(("A1", 100), ("A2", 200)))
    assert load(db_url, allocations(("A2", 250), ("A3", 300))) == (1, 1)
    with engine_for(db_url).connect() as conn:
        stored = read_source(conn, "allocations").set_index("allocation_id")["allocated_amount"]
        history = history_tables["allocations"]
        old = conn.execute(
            select(
                history.c.allocation_id,
                history.c.allocated_amount,
                history.c.batch_id,
                history.c.replaced_by_batch_id,
            )
        ).all()
    # A1 is kept although the second load left it out: nothing is deleted by omission.
    assert stored.to_dict() == {"A1": 100, "A2": 250, "A3": 300}
    assert old == [("A2", 200, 1, 2)]


def test_failed_load_leaves_the_previous_state(db_url):
    load(db_url, allocations(("A1", 100)))
    with pytest.raises(RuntimeError), engine_for(db_url).begin() as conn:
        batch = new_batch(conn, "run", "allocations", "test", "0" * 64, 1)
        load_source(
            conn, "allocations", batch, allocations(("A1", 999), ("A9", 1)), NO_QUARANTINE, 2
        )
        raise RuntimeError("killed half-way")
    with engine_for(db_url).connect() as conn:
        stored = read_source(conn, "allocations")
    assert stored[["allocation_id", "allocated_amount"]].values.tolist() == [["A1", 100]]
    assert count(db_url, load_batches) == 1
    assert count(db_url, history_tables["allocations"]) == 0


def test_read_back_is_typed(db_url):
    load(db_url, allocations(("A1", 100)))
    with engine_for(db_url).connect() as conn:
        stored = read_source(conn, "allocations")
    assert str(stored["decree_date"].dtype).startswith("datetime64")
    assert stored["allocated_amount"].dtype == "int64"
    assert stored["decree_date"].iloc[0] == pd.Timestamp("2025-01-15")
