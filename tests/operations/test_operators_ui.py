"""The operators' desk in a real browser (Debian's Chromium, headless, driven by Playwright):
find the stalled run, open it, see the state "Stalled" and the stalled-steps table, read the
summary, and start a rerun from the deployment's form. The screenshots it takes are the ones
in docs/operators.md (RANTAI_UPDATE_SCREENSHOTS=1 writes them to docs/img/)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rantai.monev.browser import SANDBOX_FREE_FLAGS
from rantai.store.engine import engine_for
from rantai.store.flags import read_flags
from tests.chain_folders import V2, first_load
from tests.operations.conftest import (
    Desk,
    chromium_path,
    prefect_api,
    run_deployment,
    wait_for_run,
)
from tests.operations.corrections import corrected_load

pytestmark = pytest.mark.operations

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
CHROMIUM_ARGS = SANDBOX_FREE_FLAGS
# Every wait is on what the page shows, never a fixed pause; these bound them on a loaded
# 2-core machine (the UI's own API calls, the worker and the run share it).
TIMEOUT_MS = 120_000
SLOW_MS = 240_000


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    """A page of a headless Chromium from the Debian package (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    if not Path(chromium_path()).exists():
        missing = f"{chromium_path()} missing: apt-get install -y chromium (`make test` does it)"
        if os.environ.get("CI"):
            pytest.fail(f"{missing}; CI is set, so this is a failure")
        pytest.skip(missing)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1500, "height": 1000})
            context.set_default_timeout(TIMEOUT_MS)
            yield context.new_page()
        finally:
            browser.close()


class Screenshots:
    """Screenshots into the test's folder, and into docs/img/ when asked to update them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.taken: list[Path] = []

    def take(self, page: Any, name: str, full_page: bool = False) -> Path:
        path = self.folder / name
        page.evaluate("document.fonts.ready.then(() => true)")  # text in its own font
        page.screenshot(path=str(path), full_page=full_page)
        assert path.stat().st_size > 10_000, f"{name} looks empty"
        self.taken.append(path)
        if os.environ.get("RANTAI_UPDATE_SCREENSHOTS"):
            DOCS_IMG.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, DOCS_IMG / name)
        return path


def _property(page: Any, name: str) -> Any:
    """One parameter's block in the run form."""
    label = page.get_by_text(f"{name} (Optional)", exact=True)
    return page.locator(".p-label").filter(has=label)


def test_operator_finds_reads_and_reruns_a_stalled_run(desk: Desk, tmp_path: Path, page: Any):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    delivered, corrected = tmp_path / "delivered", tmp_path / "corrected"
    first_load(delivered)
    corrected_load(corrected)
    db_url = f"sqlite:///{tmp_path / 'rantai.db'}"
    stalled = run_deployment(
        desk.api_url,
        "rerun/rerun",
        {
            "source": str(delivered),
            "as_of": "2025-06-30",
            "program_id": "jambi-bkbk-2025",
            "district_codes": ["15.08"],
            "db_url": db_url,
        },
    )
    assert stalled.state_name == "Stalled"
    shots = Screenshots(tmp_path)

    # 1. The runs list: the stalled run is there, marked Stalled.
    page.goto(f"{desk.ui_url}/runs", wait_until="domcontentloaded")
    page.get_by_placeholder("Search by flow run name").filter(visible=True).first.fill("15.08")
    run_link = page.get_by_role("link", name=stalled.name, exact=True)
    run_link.wait_for()
    # The run's own list item: the nearest block around its link that shows a state.
    item = run_link.locator("xpath=ancestor::*[.//*[normalize-space(text())='Stalled']][1]")
    expect(item.get_by_text("Stalled", exact=True)).to_be_visible()
    shots.take(page, "01-runs-stalled.png")

    # 2. The run page: state Stalled.
    run_link.click()
    page.wait_for_url(f"**/runs/flow-run/{stalled.id}**")
    page.get_by_text("Stalled", exact=True).first.wait_for()
    page.get_by_text("Artifacts", exact=True).wait_for()
    page.get_by_text("publish_artifacts", exact=False).first.wait_for()  # the run's graph
    shots.take(page, "02-run-stalled.png")

    # 3. The stalled-steps table, worst first, region names beside codes, no personal data.
    page.get_by_text("Artifacts", exact=True).click()
    page.get_by_text("stalled-steps", exact=True).first.click()
    page.wait_for_url("**/artifacts/artifact/**")
    table = page.locator("table")
    table.first.wait_for()
    text = table.first.inner_text()
    assert "VILLAGE_TRANSFER" in text and "Lubuk Niur (15.08.01.2002)" in text
    assert text.index("VILLAGE_TRANSFER") < text.index("PREMIUM_PAYMENT")
    shots.take(page, "03-stalled-steps.png")

    # 4. The summary: headline, funnel, what changed, worst stalls.
    page.goto(f"{desk.ui_url}/runs/flow-run/{stalled.id}", wait_until="domcontentloaded")
    page.get_by_text("Artifacts", exact=True).click()
    page.get_by_text("rantai-summary", exact=True).first.click()
    page.get_by_text("Since the previous run").wait_for()
    expect(page.get_by_text("3 stalled steps (3 critical)", exact=False).first).to_be_visible()
    shots.take(page, "04-summary.png")

    # 5. After the correction at the source: a rerun of one village from the deployment's form.
    with prefect_api(desk.api_url) as client:
        deployment = client.read_deployment_by_name("rerun/rerun")
    page.goto(
        f"{desk.ui_url}/deployments/deployment/{deployment.id}", wait_until="domcontentloaded"
    )
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text("Custom run", exact=True).click()
    page.get_by_text("source (Optional)", exact=True).wait_for()
    _property(page, "source").locator("textarea").fill(str(corrected))
    as_of = _property(page, "as_of")
    as_of.get_by_role("button", name="date", exact=True).click()
    page.get_by_text("Select date").click()
    page.locator("input[type=date]").fill("2025-06-30")
    page.get_by_role("button", name="Apply", exact=True).click()
    _property(page, "program_id").locator("textarea").fill("jambi-bkbk-2025")
    villages = _property(page, "village_codes")
    villages.get_by_role("button", name="Add item").click()
    villages.locator("textarea, input[type=text]").last.fill(V2)
    _property(page, "db_url").locator("textarea").fill(db_url)
    page.mouse.wheel(0, -5000)
    shots.take(page, "05-custom-run.png")
    page.get_by_role("button", name="Submit", exact=True).click()

    # The form tells when the run is created: a toast "<run> scheduled to start now" with a
    # "View run" button (or a toast saying what went wrong). Wait on that, however slow.
    created = page.get_by_role("button", name="View run")
    failed = page.get_by_text("Something went wrong", exact=False)
    expect(created.or_(failed).first).to_be_visible(timeout=SLOW_MS)
    assert not failed.count(), page.locator("body").inner_text()[-2000:]
    rerun = _wait_for_new_run(desk, deployment.id, after=stalled.id)
    assert rerun.parameters["village_codes"] == [V2]
    assert rerun.parameters["as_of"] == "2025-06-30"
    assert rerun.name == f"jambi-bkbk-2025+{V2} @ 2025-06-30", rerun.name
    # The transfer is corrected, so the chain moved on: now the village owes its premiums.
    assert rerun.state_name == "Stalled" and "1 PREMIUM_PAYMENT" in rerun.state.message
    flags = read_flags(engine_for(db_url).connect()).set_index(["unit_code", "stage"])
    assert not flags.loc[(V2, "VILLAGE_TRANSFER"), "is_open"]
    assert flags.loc[(V2, "PREMIUM_PAYMENT"), "is_open"]

    page.goto(f"{desk.ui_url}/runs/flow-run/{rerun.id}", wait_until="domcontentloaded")
    page.get_by_text(rerun.name, exact=True).first.wait_for()
    page.get_by_text("Stalled", exact=True).first.wait_for()
    shots.take(page, "06-rerun-result.png")
    assert len(shots.taken) == 6


def _wait_for_new_run(desk: Desk, deployment_id: Any, after: Any) -> Any:
    """The run the form created (the only run of the deployment besides `after`), finished:
    the page has already shown it was created, so the API has it."""
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    deadline = time.monotonic() + 60  # the page has shown it created: the API has it
    with prefect_api(desk.api_url) as client:
        while True:
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
            )
            new = [r for r in runs if r.id != after and r.parameters.get("village_codes") == [V2]]
            if new:
                return wait_for_run(desk.api_url, new[0].id)
            assert time.monotonic() < deadline, "the form created no flow run"
            time.sleep(1)
