"""Crash safety: a run killed with SIGKILL anywhere leaves the store so that the next run's
results equal a clean run's, and no half-loaded batch is ever visible."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rantai.faults import FAILPOINT_ENV, FAILPOINTS
from rantai.store.engine import engine_for
from rantai.store.schema import flags, load_batches, source_tables
from tests.chain_folders import first_load, second_load

OUTPUTS = ("stalls.csv", "quarantine.csv", "summary.json")


def rantai_run(server: str, folder: Path, as_of: str, out: Path, db: str, fail_at: str = ""):
    env = {**os.environ, "PREFECT_API_URL": server, FAILPOINT_ENV: fail_at}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "rantai.cli",
            "run",
            "--input",
            str(folder),
            "--as-of",
            as_of,
            "--out",
            str(out),
            "--db",
            db,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def store_state(db: str) -> dict[str, list]:
    """Every stored record and flag, without the ids that differ between runs."""
    with engine_for(db).connect() as conn:
        state = {
            name: sorted(
                tuple(r)
                for r in conn.execute(select(*[c for c in t.columns if c.name != "batch_id"])).all()
            )
            for name, t in source_tables.items()
        }
        state["flags"] = sorted(tuple(r) for r in conn.execute(select(flags)).all())
    return state


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("crash-inputs")
    first_load(root / "in1")
    second_load(root / "in2")
    return root / "in1", root / "in2"


@pytest.fixture(scope="module")
def clean(prefect_server, inputs, tmp_path_factory) -> tuple[Path, dict]:
    """Two runs (first load, then a correction) that nobody killed."""
    root = tmp_path_factory.mktemp("clean")
    db = f"sqlite:///{root / 'clean.db'}"
    for folder, as_of, out in ((inputs[0], "2025-06-30", "o1"), (inputs[1], "2025-07-15", "o2")):
        assert rantai_run(prefect_server, folder, as_of, root / out, db).returncode == 0
    return root / "o2", store_state(db)


@pytest.mark.parametrize("point", FAILPOINTS)
def test_a_killed_run_leaves_the_store_as_if_it_never_started(
    prefect_server, inputs, clean, tmp_path, point
):
    db = f"sqlite:///{tmp_path / 'crash.db'}"
    assert rantai_run(prefect_server, inputs[0], "2025-06-30", tmp_path / "o1", db).returncode == 0
    batches_before = _count(db, load_batches)

    killed = rantai_run(prefect_server, inputs[1], "2025-07-15", tmp_path / "o2", db, point)

    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    if point in ("after-read", "mid-load"):
        assert _count(db, load_batches) == batches_before  # no half-loaded batch is visible
    if point != "after-settle":
        # Killed before its flags and outputs were settled: the next run is the real one.
        again = rantai_run(prefect_server, inputs[1], "2025-07-15", tmp_path / "o2", db)
        assert again.returncode == 0, again.stderr[-2000:]
    # (Killed after settling, the run had done its work; only artifacts and events are lost.)
    clean_out, clean_state = clean
    for name in OUTPUTS:
        assert (tmp_path / "o2" / name).read_text() == (clean_out / name).read_text(), name
    assert store_state(db) == clean_state


def _count(db: str, table) -> int:  # type: ignore[no-untyped-def]
    with engine_for(db).connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()
