"""`rantai simulate` as a real server in a subprocess: with 30% of answers faulty, every client
still gets every record exactly as the files hold them."""

from __future__ import annotations

import pytest
import requests

from connectors.files import read_folder
from connectors.http import FetchStats, RetryPolicy
from connectors.sources import system_for
from rantai.cli import main
from tests.chain_folders import first_load
from tests.simulated import SLOW_MS, simulator, tally

TOKEN = "sim-token-51aa"


def test_thirty_percent_faults_still_deliver_every_record_exactly(tmp_path):
    folder = tmp_path / "in"
    first_load(folder)
    files = read_folder(folder)
    retry = RetryPolicy(max_attempts=8, backoff_seconds=0.01, max_backoff_seconds=0.05)
    options = ("--fail-rate", "0.3", "--token", TOKEN, "--slow-ms", SLOW_MS, "--seed", "3")
    totals = FetchStats()
    with simulator(folder, *options) as url:
        for source, raw in files.items():
            c = system_for(source)(url, TOKEN, page_size=2, read_timeout=0.3, retry=retry)
            with c:
                fetched = c.fetch(source, stats=totals)
                again = c.fetch(source)
            assert fetched.raw is not None and again.raw is not None
            assert fetched.raw.rows.equals(raw.rows), source
            assert len(fetched.raw.rows) == len(raw.rows)
            assert fetched.raw.checksum == again.raw.checksum
        served = tally(url)
    assert totals.rows == sum(len(r.rows) for r in files.values())
    assert totals.retries > 0 and sum(served["faults"].values()) > 0
    assert set(served["faults"]) <= {
        "http-500",
        "http-502",
        "http-503",
        "http-429",
        "slow",
        "truncated",
        "drop",
    }


def test_requests_without_the_token_get_401_and_health_needs_none(tmp_path):
    first_load(tmp_path)
    with simulator(tmp_path, "--token", TOKEN) as url:
        assert requests.get(f"{url}/v1/programs", timeout=5).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert requests.get(f"{url}/v1/programs", headers=wrong, timeout=5).status_code == 401
        right = {"Authorization": f"Bearer {TOKEN}"}
        page = requests.get(f"{url}/v1/programs", headers=right, timeout=5).json()
        assert page["total"] == 3 and page["next"] is None
        assert requests.get(f"{url}/health", timeout=5).json()["status"] == "ok"


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        (["--fail-rate", "1.5"], "fail rate must be from 0 to 1"),
        (["--data", "/nonexistent/rantai"], "does not exist"),
    ],
)
def test_simulate_usage_errors_exit_2(tmp_path, capsys, options, complaint):
    argv = ["simulate", "--data", str(tmp_path), "--port", "0", *options]
    assert main(argv) == 2
    assert complaint in capsys.readouterr().err
