"""Concurrency on PostgreSQL: two reruns with overlapping scopes at the same time end in the
same state as running them one after the other (no lost updates, no duplicate flags)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from rantai.cli import main
from rantai.faults import PAUSE_ENV
from rantai.store.engine import engine_for
from rantai.store.schema import flag_events, flags, source_tables
from tests.chain_folders import V1, first_load, second_load

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("prefect_server")]

RERUN = (
    "import sys; from flows.rerun import rerun; "
    "state = rerun(source=sys.argv[1], as_of=sys.argv[2], db_url=sys.argv[3], out_dir=sys.argv[4],"
    " district_codes=tuple(c for c in sys.argv[5:6] if c), village_codes=tuple(sys.argv[6:]),"
    " return_state=True);"
    " print(state.name)"
)
SCOPES = (["15.08"], ["", V1])  # a district, and a village inside it


def start_rerun(server: str, folder: Path, db: str, out: Path, codes: list[str]):
    # Each run waits inside its flags transaction: without run locks both would read the flags
    # before either commits, and both would resolve (and log) the same flag.
    env = {**os.environ, "PREFECT_API_URL": server, PAUSE_ENV: "mid-settle=3"}
    args = [sys.executable, "-c", RERUN, str(folder), "2025-07-15", db, str(out), *codes]
    return subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-2000:]
    return out.strip().splitlines()[-1]


def state(db: str) -> dict[str, list]:
    """Flags, their events (without run ids) and the stored payments."""
    with engine_for(db).connect() as conn:
        events = conn.execute(
            select(*[c for c in flag_events.columns if c.name not in ("event_id", "run_id")])
        ).all()
        return {
            "flags": sorted(tuple(r) for r in conn.execute(select(flags)).all()),
            "events": sorted(tuple(r) for r in events),
            "payments": sorted(
                tuple(r) for r in conn.execute(select(source_tables["premium_payments"])).all() if r
            ),
        }


def baseline(tmp_path: Path, db: str) -> tuple[Path, Path]:
    first_load(tmp_path / "in1")
    second_load(tmp_path / "in2")
    assert (
        main(
            [
                "run",
                "--input",
                str(tmp_path / "in1"),
                "--as-of",
                "2025-06-30",
                "--out",
                str(tmp_path / "base"),
                "--db",
                db,
            ]
        )
        == 0
    )
    return tmp_path / "in1", tmp_path / "in2"


def test_overlapping_reruns_at_once_equal_one_after_the_other(
    prefect_server, postgres_databases, tmp_path
):
    one_by_one, at_once = postgres_databases(), postgres_databases()
    _, corrected = baseline(tmp_path / "a", one_by_one)
    baseline(tmp_path / "b", at_once)

    for i, codes in enumerate(SCOPES):
        finish(start_rerun(prefect_server, corrected, one_by_one, tmp_path / f"s{i}", codes))
    running = [
        start_rerun(prefect_server, corrected, at_once, tmp_path / f"c{i}", codes)
        for i, codes in enumerate(SCOPES)
    ]
    names = [finish(p) for p in running]

    assert names == ["Stalled", "Stalled"]
    expected = state(one_by_one)
    assert state(at_once) == {**expected, "payments": state(at_once)["payments"]}
    # The correction resolved V1's premium step once, not once per rerun.
    resolved = [e for e in expected["events"] if e[4] == "resolved"]  # after case_id
    assert [(e[0], e[1], e[2]) for e in resolved] == [
        ("jambi-bkbk-2025", "15.08.01.2001", "PREMIUM_PAYMENT"),
        ("jambi-bkbk-2025", "15.08.01.2002", "VILLAGE_TRANSFER"),
    ]
