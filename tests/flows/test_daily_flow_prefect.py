"""The daily-chain flow against a real Prefect server: its state, artifacts and events as an
operator (or an Automation) sees them, with no personal data in any of them."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
)
from prefect.client.schemas.objects import Log, TaskRun
from prefect.events.filters import (
    EventFilter,
    EventNameFilter,
    EventOccurredFilter,
    EventRelatedFilter,
)

from flows.daily import daily_chain
from tests.chain_folders import FIRST_STALLS, V1_WORKERS, first_load, second_load
from tests.recorded import poll, recorded_logs, recorded_task_runs

pytestmark = pytest.mark.usefixtures("prefect_server")

NIK_PATTERN = re.compile(r"(?<!\d)\d{16}(?!\d)")


def _events(names: list[str], since: dt.datetime, expected: int, flow_run_id: object) -> list:
    """A run's events land asynchronously: poll until the expected number is there (or 30 s)."""
    with get_client(sync_client=True) as client:
        page = poll(
            lambda: client.read_events(
                EventFilter(
                    event=EventNameFilter(name=names),
                    occurred=EventOccurredFilter(since=since),
                    related=EventRelatedFilter(id=[f"prefect.flow-run.{flow_run_id}"]),
                ),
                limit=50,
            ),
            lambda page: len(page.events) >= expected,
        )
    return page.events


def _flow_finished(logs: list[Log]) -> bool:
    """Whether the flow run's own last log line is among `logs`."""
    return any(
        log.task_run_id is None and log.message.startswith("Finished in state") for log in logs
    )


def test_stalled_run_state_artifacts_and_events_carry_no_personal_data(tmp_path):
    folder, out, db = tmp_path / "in", tmp_path / "out", f"sqlite:///{tmp_path / 'r.db'}"
    first_load(folder)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)

    state = daily_chain(
        input_dir=str(folder),
        as_of=dt.date(2025, 6, 30),
        out_dir=str(out),
        db_url=db,
        return_state=True,
    )

    assert state.name == "Stalled" and state.is_failed()
    assert state.message.startswith("6 stalled: 1 VILLAGE_TRANSFER, 3 PREMIUM_PAYMENT, 2 COVERAGE")
    with get_client(sync_client=True) as client:
        run = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                id=FlowRunFilterId(any_=[state.state_details.flow_run_id])
            )
        )[0]
        assert run.state_name == "Stalled"
        assert run.name == "all-programmes @ 2025-06-30"
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]))
        )
        # Logs reach the server in batches, after the run: wait for the flow run's own last
        # line (each task run ends with a "Finished in state" line too, so it must be the
        # flow's, the one with no task run).
        logs = recorded_logs(client, run.id, until=_flow_finished)
    assert _flow_finished(logs), "the run's logs did not arrive"
    by_key = {a.key: a for a in artifacts}
    assert {
        "rantai-summary",
        "stalled-steps",
        "coverage-progress",
        "stalls-jambi-bkbk-2025",
    } <= set(by_key)
    assert by_key["rantai-summary"].type == "markdown"
    assert "6 stalled steps" in by_key["rantai-summary"].data
    table = json.loads(by_key["stalled-steps"].data)
    assert [(r["stage"], r["unit"].split("(")[-1].rstrip(")")) for r in table] == [
        (s[1], s[0]) for s in FIRST_STALLS
    ]

    events = _events(["rantai.stall.opened"], since, expected=6, flow_run_id=run.id)
    resources = sorted(e.resource.id for e in events)
    assert resources == sorted(
        f"rantai.case.{p}.{s[0]}.{s[1]}"
        for s, p in zip(
            FIRST_STALLS,
            ["jambi-bkbk-2025"] * 3 + ["inhil-apbd-2025"] * 2 + ["inhu-apbdes-2025"],
            strict=True,
        )
    )

    with get_client(sync_client=True) as client:
        # Scanned once the tasks that carry the run's data (its flags, outputs and page) are in.
        task_runs = recorded_task_runs(client, run.id, until=_settled_and_published)
    # Everything Prefect holds for the run, and every output but the restricted quarantine.csv
    # (whose record_id is the key as written, NIK included, as the contract asks).
    published = " ".join(
        [str(a.data) + str(a.description) for a in artifacts]
        + [e.model_dump_json() for e in events]
        + [log.message for log in logs]
        + [state.message or "", run.model_dump_json()]
        + [t.model_dump_json() for t in task_runs]
        + [(out / name).read_text() for name in ("stalls.csv", "summary.json", "anomalies.csv")]
    )
    assert len(logs) > 10
    assert V1_WORKERS[0] in (folder / "enrollments.csv").read_text()  # the input has them...
    assert NIK_PATTERN.findall(published) == []  # ...nothing Prefect holds or outputs does
    assert "Pekerja 1" not in published


def _settled_and_published(task_runs: list[TaskRun]) -> bool:
    names = {t.name.rsplit("-", 1)[0] for t in task_runs}
    return {"settle_run", "publish_artifacts", "emit_stall_events"} <= names


def test_correction_run_emits_resolved_events(tmp_path):
    first, second, db = tmp_path / "in1", tmp_path / "in2", f"sqlite:///{tmp_path / 'r.db'}"
    first_load(first)
    second_load(second)
    daily_chain(
        input_dir=str(first),
        as_of=dt.date(2025, 6, 30),
        out_dir=str(tmp_path / "o1"),
        db_url=db,
        return_state=True,
    )
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)

    state = daily_chain(
        input_dir=str(second),
        as_of=dt.date(2025, 7, 15),
        out_dir=str(tmp_path / "o2"),
        db_url=db,
        return_state=True,
    )

    resolved = _events(
        ["rantai.stall.resolved"], since, expected=2, flow_run_id=state.state_details.flow_run_id
    )
    assert sorted(e.resource.id for e in resolved) == [
        "rantai.case.jambi-bkbk-2025.15.08.01.2001.PREMIUM_PAYMENT",
        "rantai.case.jambi-bkbk-2025.15.08.01.2002.VILLAGE_TRANSFER",
    ]


def test_run_with_nothing_stalled_completes(tmp_path):
    folder = tmp_path / "in"
    first_load(folder)
    state = daily_chain(
        input_dir=str(folder),
        as_of=dt.date(2025, 1, 1),
        out_dir=str(tmp_path / "o"),
        db_url=f"sqlite:///{tmp_path / 'r.db'}",
        return_state=True,
    )
    assert state.is_completed() and state.name == "Completed"
