"""Protection failures on a real Prefect server: the run page leads with them (a table artifact
created before the stalls' table), one `rantai.protection.failure` event per failure the first
run finds and none from a second run over the same data, the state message names them before
the stalls; none of it names a worker."""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import replace

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.events.filters import (
    EventFilter,
    EventNameFilter,
    EventOccurredFilter,
    EventRelatedFilter,
)

import tasks.evaluate
from flows.daily import daily_chain
from rantai.regions import load_gazetteer
from rantai.stages import FAILURE_COLUMNS, PROTECTION_COLUMNS, Evaluation
from tests.chain_folders import V1, V1_WORKERS, first_load, write
from tests.flows.test_daily_flow_prefect import NIK_PATTERN, _events
from tests.protection_frames import failures, protection

pytestmark = pytest.mark.usefixtures("prefect_server")

AS_OF = dt.date(2025, 6, 30)
FAILURE_EVENT = "rantai.protection.failure"


def _artifacts(flow_run_id):  # type: ignore[no-untyped-def]
    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )


def _run(folder, out, db):  # type: ignore[no-untyped-def]
    return daily_chain(
        input_dir=str(folder), as_of=AS_OF, out_dir=str(out), db_url=db, return_state=True
    )


def _no_failure_events(flow_run_id: object, since: dt.datetime) -> None:
    """A run's failure events, had it sent any, are sent before its publishing tasks end: wait
    until the server has recorded those tasks' ends, then look for failure events."""
    _events(["prefect.task-run.Completed"], since, expected=6, flow_run_id=flow_run_id)
    with get_client(sync_client=True) as client:
        page = client.read_events(
            EventFilter(
                event=EventNameFilter(name=[FAILURE_EVENT]),
                occurred=EventOccurredFilter(since=since),
                related=EventRelatedFilter(id=[f"prefect.flow-run.{flow_run_id}"]),
            ),
            limit=50,
        )
    assert page.events == []


def test_failures_lead_the_run_page_and_are_announced_once(tmp_path, monkeypatch):
    """The engine's failures stood in for by hand-made ones (tests/protection_frames.py) on the
    units of the first load: what the run writes, shows and sends of them."""
    evaluate = tasks.evaluate.evaluate

    def with_failures(frames, as_of):  # type: ignore[no-untyped-def]
        evaluation: Evaluation = evaluate(frames, as_of)
        return replace(evaluation, failures=failures(), protection=protection())

    monkeypatch.setattr(tasks.evaluate, "evaluate", with_failures)
    folder, db = tmp_path / "in", f"sqlite:///{tmp_path / 'r.db'}"
    first_load(folder)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)

    state = _run(folder, tmp_path / "o1", db)

    assert state.name == "Stalled"
    assert state.message.startswith(
        "2 families without their benefit (Rp42.000.000 and 1 benefit not yet known): "
        "1 VILLAGE_TRANSFER, 1 COVERAGE_ACTIVATION; "
    )
    assert " stalled: " in state.message
    run_id = state.state_details.flow_run_id
    artifacts = _artifacts(run_id)
    by_key = {a.key: a for a in artifacts}
    table = json.loads(by_key["protection-failures"].data)
    names = load_gazetteer().names
    assert [(r["benefit"], r["event_date"], r["blocked_at"], r["who_must_act"]) for r in table] == [
        ("JKM", "2025-04-02", "VILLAGE_TRANSFER", "DISTRICT"),
        ("JKK", "2025-05-29", "COVERAGE_ACTIVATION", "BPJS"),
    ]
    assert table[0]["unit"] == f"{names['15.08.01.2002']} (15.08.01.2002)"
    assert [r["benefit_at_stake"] for r in table] == ["Rp42.000.000", "not yet known"]
    # The run page leads with them: their table before the stalls', and the summary opens so.
    created = sorted(artifacts, key=lambda a: a.created)
    keys = [a.key for a in created]
    assert keys.index("protection-failures") < keys.index("stalled-steps")
    summary_page = by_key["rantai-summary"].data
    assert summary_page.splitlines()[2].startswith("**2 families without their benefit")

    events = _events([FAILURE_EVENT], since, expected=2, flow_run_id=run_id)
    assert sorted(e.resource.id for e in events) == [
        "rantai.claim.KLM-0001",
        "rantai.claim.KLM-0002",
    ]
    death = next(e for e in events if e.resource.id == "rantai.claim.KLM-0001")
    assert death.payload["benefit_at_stake"] == 42_000_000
    assert death.payload["responsible"] == "DISTRICT"
    roles = {r.role: r.id for r in death.related}
    assert roles["flow-run"] == f"prefect.flow-run.{run_id}"
    assert roles["blocking-stage"] == "rantai.case.jambi-bkbk-2025.15.08.01.2002.VILLAGE_TRANSFER"
    assert roles["flow"].startswith("prefect.flow.")

    out = tmp_path / "o1"
    with (out / "protection_failures.csv").open(newline="") as handle:
        written = list(csv.DictReader(handle))
    assert [r["claim_id"] for r in written] == ["KLM-0001", "KLM-0002"]
    assert (out / "protection.csv").read_text().splitlines()[0].split(",") == PROTECTION_COLUMNS
    assert json.loads((out / "summary.json").read_text())["protection_failures"] == 2

    published = " ".join(
        [str(a.data) + str(a.description) for a in artifacts]
        + [e.model_dump_json() for e in events]
        + [state.message or ""]
        + [(out / n).read_text() for n in ("protection_failures.csv", "protection.csv")]
    )
    assert NIK_PATTERN.findall(published) == []

    # The same data again: the failures are still listed, but no longer news.
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    again = _run(folder, tmp_path / "o2", db)
    assert again.message.startswith("2 families without their benefit")
    assert len(json.loads(by_key_of(again)["protection-failures"].data)) == 2
    _no_failure_events(again.state_details.flow_run_id, since)
    assert (tmp_path / "o2" / "protection_failures.csv").read_bytes() == (
        out / "protection_failures.csv"
    ).read_bytes()


def by_key_of(state):  # type: ignore[no-untyped-def]
    return {a.key: a for a in _artifacts(state.state_details.flow_run_id)}


def test_a_run_without_failures_says_so_and_sends_no_failure_event(tmp_path):
    folder, db = tmp_path / "in", f"sqlite:///{tmp_path / 'r.db'}"
    first_load(folder)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    state = _run(folder, tmp_path / "o", db)
    assert " stalled: " in state.message and "without their benefit" not in state.message
    table = json.loads(by_key_of(state)["protection-failures"].data)
    assert table == [{"result": "no protection failures"}]
    assert (tmp_path / "o" / "protection_failures.csv").read_text() == ",".join(
        FAILURE_COLUMNS
    ) + "\n"
    _no_failure_events(state.state_details.flow_run_id, since)


CLAIM_HEADER = [
    "claim_id",
    "nik",
    "program_id",
    "benefit",
    "event_date",
    "claim_date",
    "status",
    "paid_amount",
    "paid_date",
    "reject_reason",
]


def test_engine_a_death_of_an_enrolled_never_covered_worker_is_one_failure_announced_once(
    tmp_path,
):
    """The first load and one claim: the worker of Pedukun whose cover BPJS registered but
    never put in force (NON_AKTIF), enrolled 2025-02-01, died on 2025-05-10. Another claim, of
    a worker covered that day, is no failure."""
    folder, db = tmp_path / "in", f"sqlite:///{tmp_path / 'r.db'}"
    first_load(folder)
    never_covered, covered = V1_WORKERS[8], V1_WORKERS[0]
    write(
        folder,
        "claims",
        CLAIM_HEADER,
        [
            ["KLM-9", never_covered, "jambi-bkbk-2025", "JKM", "2025-05-10", "2025-05-20"]
            + ["SUBMITTED", "", "", ""],
            ["KLM-1", covered, "jambi-bkbk-2025", "JKK", "2025-05-10", "2025-05-12"]
            + ["PAID", "5000000", "2025-05-20", ""],
        ],
    )
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)

    state = _run(folder, tmp_path / "o1", db)

    assert state.message.startswith("1 family without their benefit (Rp42.000.000): ")
    with (tmp_path / "o1" / "protection_failures.csv").open(newline="") as handle:
        (failure,) = list(csv.DictReader(handle))
    assert (failure["claim_id"], failure["unit_code"], failure["benefit"]) == ("KLM-9", V1, "JKM")
    assert failure["benefit_at_stake"] == "42000000"
    assert failure["event_date"] == "2025-05-10"
    run_id = state.state_details.flow_run_id
    table = json.loads(by_key_of(state)["protection-failures"].data)
    assert [(r["claim"], r["benefit"]) for r in table] == [("KLM-9", "JKM")]
    (event,) = _events([FAILURE_EVENT], since, expected=1, flow_run_id=run_id)
    assert event.resource.id == "rantai.claim.KLM-9"
    assert event.payload["benefit_at_stake"] == 42_000_000
    assert never_covered not in event.model_dump_json()
    summary = json.loads((tmp_path / "o1" / "summary.json").read_text())
    assert summary["protection_failures"] == 1

    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    again = _run(folder, tmp_path / "o2", db)
    assert again.message.startswith("1 family without their benefit")
    _no_failure_events(again.state_details.flow_run_id, since)
