"""daily-chain with `report=True` against a real Prefect server: the Monev report lands beside
the run's outputs and the run page links to it, with no personal data in the artifact."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

from flows.daily import daily_chain
from tests.chain_folders import first_load

pytestmark = pytest.mark.usefixtures("prefect_server")


def _artifacts(flow_run_id):  # type: ignore[no-untyped-def]
    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )


def test_daily_chain_with_report_links_the_report_from_the_run_page(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    first_load(folder)
    state = daily_chain(
        input_dir=str(folder),
        as_of=dt.date(2025, 6, 30),
        out_dir=str(out),
        db_url=f"sqlite:///{tmp_path / 'r.db'}",
        report=True,
        return_state=True,
    )
    assert state.name == "Stalled"

    links = [a for a in _artifacts(state.state_details.flow_run_id) if a.key == "monev-report"]
    assert len(links) == 1
    # Prefect keeps a link artifact as markdown: [text](link).
    data = str(links[0].data)
    uri = re.search(r"\]\((file://[^)]+)\)", data)
    assert uri, data
    html = Path(unquote(urlparse(uri.group(1)).path))
    assert html == (out / "report.html").resolve() and html.exists()
    assert (out / "report.xlsx").exists()
    assert "6 stalled steps" in str(links[0].description)
    assert not re.search(r"(?<!\d)\d{16}(?!\d)", data + str(links[0].description))


def test_daily_chain_without_report_writes_none(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    first_load(folder)
    state = daily_chain(
        input_dir=str(folder),
        as_of=dt.date(2025, 6, 30),
        out_dir=str(out),
        db_url=f"sqlite:///{tmp_path / 'r.db'}",
        return_state=True,
    )
    assert not (out / "report.html").exists()
    assert not [a for a in _artifacts(state.state_details.flow_run_id) if a.key == "monev-report"]
