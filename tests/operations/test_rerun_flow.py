"""The rerun flow on a real Prefect server: after a correction at the source, a rerun for one
village re-reads only that village, resolves its stalls, leaves every other flag alone and
publishes the same report and artifacts as a daily run."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
)
from sqlalchemy import select

from flows.daily import daily_chain
from flows.rerun import rerun, scope_label
from rantai.store.engine import engine_for
from rantai.store.flags import read_flags
from rantai.store.schema import source_tables
from tests.chain_folders import V1, V2, first_load
from tests.operations.corrections import corrected_load

pytestmark = [pytest.mark.operations, pytest.mark.usefixtures("prefect_server")]

AS_OF = dt.date(2025, 6, 30)


def _run(state):  # type: ignore[no-untyped-def]
    with get_client(sync_client=True) as client:
        run_id = state.state_details.flow_run_id
        run = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )[0]
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
    return run, {a.key: a for a in artifacts}


def _rows(path):  # type: ignore[no-untyped-def]
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_village_rerun_after_a_correction_resolves_that_village_only(tmp_path, db_url):
    first, corrected = tmp_path / "first", tmp_path / "corrected"
    first_load(first)
    corrected_load(corrected)
    daily = daily_chain(
        input_dir=str(first),
        as_of=AS_OF,
        out_dir=str(tmp_path / "daily"),
        db_url=db_url,
        return_state=True,
    )
    assert daily.name == "Stalled"

    state = rerun(
        source=str(corrected),
        as_of=AS_OF,
        village_codes=[V1],
        out_dir=str(tmp_path / "rerun"),
        db_url=db_url,
        return_state=True,
    )

    assert state.is_completed(), state.message
    run, artifacts = _run(state)
    assert run.name == f"{V1} @ 2025-06-30"
    flags = read_flags(engine_for(db_url).connect())
    by_case = {(r.unit_code, r.stage): r for r in flags.itertuples()}
    assert not by_case[(V1, "PREMIUM_PAYMENT")].is_open
    assert not by_case[(V1, "COVERAGE_ACTIVATION")].is_open
    assert by_case[(V1, "PREMIUM_PAYMENT")].resolved_on == AS_OF
    # Outside the scope nothing moved: V2's flag stays open, its corrected row was not read.
    assert by_case[(V2, "VILLAGE_TRANSFER")].is_open
    assert sum(f.is_open for f in flags.itertuples()) == 4
    with engine_for(db_url).connect() as conn:
        transfers = source_tables["village_transfers"]
        vt2 = conn.execute(
            select(transfers.c.transfer_date).where(transfers.c.transfer_id == "VT2")
        ).scalar_one()
    assert vt2 == dt.date(2025, 7, 5)

    summary = json.loads((tmp_path / "rerun" / "summary.json").read_text())
    assert summary["resolved"] == 2 and summary["stalls"]["total"] == 0
    assert _rows(tmp_path / "rerun" / "stalls.csv") == []
    # Only the village's bad rows, numbered as in the delivered files.
    assert [
        (r["source"], r["row_number"], r["reason"])
        for r in _rows(tmp_path / "rerun" / "quarantine.csv")
    ] == [
        ("village_transfers", "4", "BAD_DATE"),
        ("enrollments", "14", "INVALID_NIK"),
        ("premium_payments", "3", "UNKNOWN_PROGRAM"),
    ]
    assert {"rantai-summary", "stalled-steps", "coverage-progress", "rantai-report"} <= set(
        artifacts
    )
    assert "2 resolved" in artifacts["rantai-summary"].data
    assert (tmp_path / "rerun").resolve().as_uri() in artifacts["rantai-report"].data


def test_rerun_that_still_finds_stalls_ends_stalled(tmp_path):
    folder, db = tmp_path / "in", f"sqlite:///{tmp_path / 'r.db'}"
    first_load(folder)

    state = rerun(
        source=str(folder),
        as_of=AS_OF,
        program_id="jambi-bkbk-2025",
        district_codes=["1508"],
        out_dir=str(tmp_path / "o"),
        db_url=db,
        return_state=True,
    )

    assert state.name == "Stalled"
    assert state.message.startswith("3 stalled: 1 VILLAGE_TRANSFER, 1 PREMIUM_PAYMENT, 1 COVERAGE")
    run, artifacts = _run(state)
    assert run.name == "jambi-bkbk-2025+15.08 @ 2025-06-30"
    table = json.loads(artifacts["stalled-steps"].data)
    assert [r["stage"] for r in table] == [
        "VILLAGE_TRANSFER",
        "PREMIUM_PAYMENT",
        "COVERAGE_ACTIVATION",
    ]


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ({}, "a rerun needs a scope"),
        ({"village_codes": ["15.08"]}, "village_codes: '15.08' is not a village code"),
        ({"program_id": "nope-2025"}, "program_id: 'nope-2025' is not a known programme"),
    ],
)
def test_a_rerun_with_a_bad_scope_fails_saying_why(tmp_path, scope, message):
    folder = tmp_path / "in"
    first_load(folder)
    state = rerun(
        source=str(folder),
        as_of=AS_OF,
        out_dir=str(tmp_path / "o"),
        db_url=f"sqlite:///{tmp_path / 'r.db'}",
        return_state=True,
        **scope,
    )
    assert state.is_failed() and message in (state.message or "")
    assert not (tmp_path / "o" / "stalls.csv").exists()


def test_run_names_stay_short_for_long_code_lists():
    codes = [f"15.08.01.200{i}" for i in range(1, 7)]
    assert scope_label("", "", [], codes) == "15.08.01.2001+15.08.01.2002+15.08.01.2003+3 more"
    assert scope_label("jambi-bkbk-2025", None, ["15.08"], None) == "jambi-bkbk-2025+15.08"
