"""Stall events in bulk and past the per-run limit (a first national run opens tens of
thousands of flags): the worst go one by one, the rest are summed up in one event, all tied to
the run that raised them."""

from __future__ import annotations

import datetime as dt

import pytest

from flows.daily import daily_chain
from tests.chain_folders import FIRST_STALLS, first_load
from tests.flows.test_daily_flow_prefect import _events

pytestmark = pytest.mark.usefixtures("prefect_server")


def test_past_the_limit_the_worst_stalls_have_events_and_the_rest_a_summary(
    tmp_path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("RANTAI_STALL_EVENTS_MAX", "2")
    folder, db = tmp_path / "in", f"sqlite:///{tmp_path / 'r.db'}"
    first_load(folder)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)

    state = daily_chain(
        input_dir=str(folder),
        as_of=dt.date(2025, 6, 30),
        out_dir=str(tmp_path / "out"),
        db_url=db,
        return_state=True,
    )

    run_id = state.state_details.flow_run_id
    opened = _events(["rantai.stall.opened"], since, expected=2, flow_run_id=run_id)
    summary = _events(["rantai.stall.summary"], since, expected=1, flow_run_id=run_id)
    # The two worst, in the stalls' order (CRITICAL first, most overdue first).
    worst = {f"{stage} {unit}" for unit, stage, *_ in FIRST_STALLS[:2]}
    assert {e.resource["prefect.resource.name"] for e in opened} == worst
    assert len(summary) == 1
    assert summary[0].payload["not_sent"] == len(FIRST_STALLS) - 2
    assert sum(summary[0].payload["by_stage"]["opened"].values()) == len(FIRST_STALLS) - 2
    # Sent in bulk, each still carries the run and its flow, as the events worker attaches them.
    for event in [*opened, *summary]:
        roles = {r.role: r.id for r in event.related}
        assert roles["flow-run"] == f"prefect.flow-run.{run_id}"
        assert roles["flow"].startswith("prefect.flow.")
