"""The operators' path through deployments, end to end: a real `prefect server start`,
`make deploy`, a process worker, runs triggered through the API, the Automation's webhook."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path
from urllib.parse import unquote, urlparse
from zoneinfo import ZoneInfo

import pytest

from rantai.store.engine import engine_for
from rantai.store.flags import read_flags
from tests.chain_folders import V1, V2, first_load
from tests.operations.conftest import (
    Desk,
    artifacts_of,
    logs_of,
    make_deploy,
    prefect_api,
    run_deployment,
)
from tests.operations.corrections import corrected_load

pytestmark = pytest.mark.operations

NIK_PATTERN = re.compile(r"(?<!\d)\d{16}(?!\d)")


def _report_folder(link_markdown: str) -> Path:
    """The folder a link artifact points at (`[text](file:///...)`)."""
    url = re.search(r"\((file://[^)]+)\)", link_markdown)
    assert url, link_markdown
    return Path(unquote(urlparse(url.group(1)).path))


def test_make_deploy_registers_the_pool_the_deployments_and_the_automation(desk: Desk):
    assert "work pool rantai (process): created" in desk.deploy_output
    with prefect_api(desk.api_url) as client:
        assert client.read_work_pool("rantai").type == "process"
        daily = client.read_deployment_by_name("daily-chain/daily-chain")
        rerun = client.read_deployment_by_name("rerun/rerun")
        [automation] = client.read_automations_by_name("rantai-stalled-run")
    assert daily.work_pool_name == rerun.work_pool_name == "rantai"
    [schedule] = daily.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 6 * * *", "Asia/Jakarta")
    assert schedule.active
    assert rerun.schedules == []
    assert {"source", "as_of", "program_id", "district_codes", "village_codes"} <= set(
        rerun.parameter_openapi_schema["properties"]
    )
    assert rerun.pull_steps == [
        {
            "prefect.deployments.steps.set_working_directory": {
                "directory": str(Path(__file__).resolve().parents[2])
            }
        }
    ]
    assert automation.enabled and automation.trigger.expect == {"prefect.flow-run.Stalled"}


def test_the_daily_schedule_fires_at_six_in_the_morning_in_jakarta(desk: Desk):
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    deadline = time.monotonic() + 120  # the scheduler service runs about once a minute
    with prefect_api(desk.api_url) as client:
        while True:
            scheduled = client.read_flow_runs(
                deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["daily-chain"]))
            )
            scheduled = [r for r in scheduled if r.state_name == "Scheduled"]
            if scheduled or time.monotonic() > deadline:
                break
            time.sleep(2)
    assert scheduled, "the scheduler created no run of daily-chain"
    for run in scheduled:
        local = run.expected_start_time.astimezone(ZoneInfo("Asia/Jakarta"))
        assert (local.hour, local.minute) == (6, 0), run.expected_start_time


def test_deploying_again_changes_nothing(desk: Desk):
    output = make_deploy(desk.api_url, {}, desk.webhook.url)
    assert "work pool rantai (process): already there" in output
    with prefect_api(desk.api_url) as client:
        assert len(client.read_deployment_by_name("daily-chain/daily-chain").schedules) == 1
        assert len(client.read_automations_by_name("rantai-stalled-run")) == 1


def test_a_worker_runs_the_daily_and_the_rerun_deployments(desk: Desk, tmp_path: Path):
    first, corrected = tmp_path / "first", tmp_path / "corrected"
    first_load(first)
    corrected_load(corrected)

    # The daily deployment, run now on a given folder and date, by the worker.
    daily = run_deployment(
        desk.api_url, "daily-chain/daily-chain", {"input_dir": str(first), "as_of": "2025-06-30"}
    )
    assert daily.state_name == "Stalled" and daily.state.is_failed()
    assert daily.name == "all-programmes @ 2025-06-30"
    submitted = "Worker 'desk-worker' submitting"
    assert any(submitted in m for m in logs_of(desk.api_url, daily.id, until=submitted))
    daily_artifacts = artifacts_of(desk.api_url, daily.id)
    daily_report = _report_folder(daily_artifacts["rantai-report"].data)
    # No out_dir given: a folder of its own under RANTAI_OUT_DIR.
    assert daily_report.parent == desk.out_root / "daily-chain"
    assert (daily_report / "stalls.csv").read_text().count("\n") == 1 + 6

    # Operators are told: the Automation posts to the webhook.
    told = desk.webhook.wait_for(daily.name)
    assert "Stalled" in told["subject"] and "6 stalled" in told["body"]
    assert NIK_PATTERN.findall(json.dumps(told)) == []

    # After the correction at the source, the rerun for one village, by the worker.
    rerun = run_deployment(
        desk.api_url,
        "rerun/rerun",
        {"source": str(corrected), "as_of": "2025-06-30", "village_codes": [V1]},
    )
    assert rerun.state_name == "Completed", rerun.state.message
    assert rerun.name == f"{V1} @ 2025-06-30"
    assert rerun.parameters["village_codes"] == [V1]
    artifacts = artifacts_of(desk.api_url, rerun.id)
    assert {"rantai-summary", "stalled-steps", "coverage-progress", "rantai-report"} <= set(
        artifacts
    )
    assert "0 flag(s) opened, 2 resolved" in artifacts["rantai-summary"].data
    assert json.loads(artifacts["stalled-steps"].data) == [{"result": "no stalled steps"}]
    report = _report_folder(artifacts["rantai-report"].data)
    assert report.parent == desk.out_root / "rerun"
    summary = json.loads((report / "summary.json").read_text())
    assert (summary["resolved"], summary["stalls"]["total"]) == (2, 0)

    flags = read_flags(engine_for(desk.db_url).connect()).set_index(["unit_code", "stage"])
    assert not flags.loc[(V1, "PREMIUM_PAYMENT"), "is_open"]
    assert not flags.loc[(V1, "COVERAGE_ACTIVATION"), "is_open"]
    assert flags.loc[(V2, "VILLAGE_TRANSFER"), "is_open"]  # outside the village: untouched
    assert flags.loc[(V1, "PREMIUM_PAYMENT"), "resolved_on"] == dt.date(2025, 6, 30)
