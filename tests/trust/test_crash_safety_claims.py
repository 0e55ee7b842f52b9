"""Crash safety for claims (contract v2): a run killed while it loads a claims correction, or
refused for an unreadable claims file, leaves the stored claims and their history as they were;
the next run then gives what a clean run gives (tests/trust/test_crash_safety.py's pattern)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from sqlalchemy import select

from rantai.records import SOURCES
from rantai.store.engine import engine_for
from rantai.store.schema import history_tables, load_batches, source_tables
from tests.chain_folders import CLAIM_HEADER, V1_WORKERS, claims_load, first_load, write
from tests.trust.test_crash_safety import OUTPUTS, rantai_run, store_state

# CLM-2 paid (a correction) and a new claim CLM-5, nothing else: the load is the claims alone,
# so a kill inside it is a kill with the claims staged and not committed.
SECOND_CLAIMS = [
    [
        "CLM-2",
        V1_WORKERS[1],
        "jambi-bkbk-2025",
        "JKM",
        "2025-06-01",
        "2025-06-03",
        "PAID",
        "Rp42.000.000",
        "2025-07-10",
        "",
    ],
    [
        "CLM-5",
        V1_WORKERS[2],
        "jambi-bkbk-2025",
        "JKK",
        "2025-07-01",
        "2025-07-02",
        "SUBMITTED",
        "",
        "",
        "",
    ],
]


def claims_state(db: str) -> dict[str, list]:
    """The stored claims and their history (what a correction moves), as contract columns,
    and the load batches."""
    state = {}
    with engine_for(db).connect() as conn:
        for label, table in (
            ("claims", source_tables["claims"]),
            ("history", history_tables["claims"]),
        ):
            columns = [table.c[c] for c in SOURCES["claims"].columns]
            state[label] = sorted(tuple(r) for r in conn.execute(select(*columns)).all())
        state["batches"] = sorted(
            conn.execute(select(load_batches.c.source, load_batches.c.rows_read)).all()
        )
    return state


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("claims-crash-inputs")
    first_load(root / "in1")
    claims_load(root / "in1")
    write(root / "in2", "claims", CLAIM_HEADER, SECOND_CLAIMS)
    return root / "in1", root / "in2"


@pytest.fixture(scope="module")
def clean(prefect_server, inputs, tmp_path_factory) -> tuple[Path, dict]:
    """The two loads, nobody killed: CLM-2's SUBMITTED version goes to the history."""
    root = tmp_path_factory.mktemp("claims-clean")
    db = f"sqlite:///{root / 'clean.db'}"
    for folder, as_of, out in ((inputs[0], "2025-06-30", "o1"), (inputs[1], "2025-07-15", "o2")):
        assert rantai_run(prefect_server, folder, as_of, root / out, db).returncode == 0
    state = claims_state(db)
    assert [row[0] for row in state["claims"]] == ["CLM-1", "CLM-2", "CLM-3", "CLM-5"]
    assert [(row[0], row[6]) for row in state["history"]] == [("CLM-2", "SUBMITTED")]
    return root / "o2", store_state(db)


# The points that bear on claims: staged and not committed, committed and not evaluated
# (test_crash_safety.py kills a run at every point).
@pytest.mark.parametrize("point", ["mid-load", "after-load"])
def test_a_run_killed_while_loading_claims_leaves_them_as_they_were(
    prefect_server, inputs, clean, tmp_path, point
):
    db = f"sqlite:///{tmp_path / 'crash.db'}"
    assert rantai_run(prefect_server, inputs[0], "2025-06-30", tmp_path / "o1", db).returncode == 0
    before = claims_state(db)

    killed = rantai_run(prefect_server, inputs[1], "2025-07-15", tmp_path / "o2", db, point)

    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    if point == "mid-load":
        # Nothing of the claims correction is visible: CLM-2 is still SUBMITTED, CLM-5 unknown,
        # the history holds nothing, and no half-loaded batch is there.
        assert claims_state(db) == before
    again = rantai_run(prefect_server, inputs[1], "2025-07-15", tmp_path / "o2", db)
    assert again.returncode == 0, again.stderr[-2000:]
    clean_out, clean_state = clean
    for name in OUTPUTS:
        assert (tmp_path / "o2" / name).read_text() == (clean_out / name).read_text(), name
    assert store_state(db) == clean_state


def test_an_unreadable_claims_file_stops_the_run_and_changes_nothing(
    prefect_server, inputs, tmp_path
):
    db = f"sqlite:///{tmp_path / 'unreadable.db'}"
    assert rantai_run(prefect_server, inputs[0], "2025-06-30", tmp_path / "o1", db).returncode == 0
    before = claims_state(db)
    broken = tmp_path / "broken"
    # A correction of a payment beside a claims file without its status column.
    write(broken, "claims", [c for c in CLAIM_HEADER if c != "status"], [])
    (broken / "premium_payments.csv").write_text(
        (inputs[0] / "premium_payments.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )

    refused = rantai_run(prefect_server, broken, "2025-07-15", tmp_path / "o2", db)

    assert refused.returncode == 2, refused.stderr[-2000:]
    assert "claims" in refused.stderr and "status" in refused.stderr
    assert claims_state(db) == before
