"""`rantai simulate` as a real server in a subprocess: with 30% of answers faulty, every client
still gets every record exactly as the files hold them."""

from __future__ import annotations

import base64
import json

import pytest
import requests

from connectors.files import read_folder
from connectors.http import FetchStats, RetryPolicy
from connectors.sources import system_for
from rantai.cli import main
from tests.chain_folders import claims_load, first_load
from tests.simulated import SLOW_MS, simulator, simulator_with_output, tally

TOKEN = "sim-token-51aa"


def test_thirty_percent_faults_still_deliver_every_record_exactly(tmp_path):
    folder = tmp_path / "in"
    first_load(folder)
    claims_load(folder)
    files = read_folder(folder)
    assert "claims" in files
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


# A cursor is the server's own: crafted, tampered, foreign, empty or absurd ones get a 400 in
# the API's error shape, and the server never answers 500 or logs a traceback for one.
def _cursor_of(state: object) -> str:
    text = json.dumps(state)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _page(url: str, collection: str, **params: object) -> requests.Response:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    return requests.get(f"{url}/v1/{collection}", params=params, headers=headers, timeout=10)


def _refused_in_the_error_shape(answer: requests.Response) -> None:
    assert answer.status_code == 400, (answer.status_code, answer.text[:200])
    body = answer.json()
    assert list(body) == ["error"] and isinstance(body["error"], str)


def _stopped_without_traceback(process_output: str) -> None:
    assert "Traceback" not in process_output and "Exception" not in process_output


def test_a_crafted_cursor_cannot_lift_the_page_size_cap(tmp_path):
    first_load(tmp_path)
    snapshot = 10**17
    with simulator_with_output(tmp_path, "--token", TOKEN) as (url, output):
        huge = _cursor_of({"s": None, "t": snapshot, "o": 0, "l": 10**9})
        _refused_in_the_error_shape(_page(url, "enrollments", cursor=huge))
        # Within the cap but not issued by this server: refused just the same.
        forged = _cursor_of({"s": None, "t": snapshot, "o": 0, "l": 5})
        _refused_in_the_error_shape(_page(url, "enrollments", cursor=forged))
    _stopped_without_traceback(output())


def test_a_crafted_cursor_cannot_ask_for_a_negative_offset(tmp_path):
    first_load(tmp_path)
    with simulator_with_output(tmp_path, "--token", TOKEN) as (url, output):
        negative = _cursor_of({"s": None, "t": 10**17, "o": -5, "l": 2})
        _refused_in_the_error_shape(_page(url, "enrollments", cursor=negative))
    _stopped_without_traceback(output())


NOT_ISSUED = {
    "nested lists": base64.urlsafe_b64encode(b"[" * 4000 + b"]" * 4000).decode(),
    "nested objects": base64.urlsafe_b64encode(b'{"s":' * 2000 + b"1" + b"}" * 2000).decode(),
    "oversized": "x" * 5000,
    "words": "not a cursor",
    "not base64": "%%%",
    "empty": "",
}


def test_a_cursor_the_server_did_not_issue_gets_400_never_500(tmp_path):
    first_load(tmp_path)
    with simulator_with_output(tmp_path, "--token", TOKEN) as (url, output):
        for name, cursor in NOT_ISSUED.items():
            answer = _page(url, "enrollments", cursor=cursor)
            assert answer.status_code == 400, name
            _refused_in_the_error_shape(answer)
    _stopped_without_traceback(output())


def test_an_issued_cursor_pages_its_own_listing_and_nothing_else(tmp_path):
    first_load(tmp_path)
    with simulator_with_output(tmp_path, "--token", TOKEN) as (url, output):
        first = _page(url, "enrollments", limit=3).json()
        seen = list(first["records"])
        cursor = first["next"]
        while cursor:
            # limit and updated_since belong to the first page; the cursor fixes them.
            page = _page(url, "enrollments", cursor=cursor, limit=10_000).json()
            assert len(page["records"]) <= 3 and page["offset"] >= 0
            seen.extend(page["records"])
            cursor = page["next"]
        assert len(seen) == first["total"] and first["total"] > 3
        issued = first["next"]
        # Another collection's cursor, and a tampered one, are not this listing's.
        _refused_in_the_error_shape(_page(url, "coverage", cursor=issued))
        tampered = issued[:-1] + ("A" if issued[-1] != "A" else "B")
        _refused_in_the_error_shape(_page(url, "enrollments", cursor=tampered))
        # What rides beside a cursor is ignored, but must still be well formed.
        _refused_in_the_error_shape(_page(url, "enrollments", cursor=issued, limit="many"))
        _refused_in_the_error_shape(_page(url, "enrollments", cursor=issued, updated_since=""))
    _stopped_without_traceback(output())


def test_an_updated_since_beyond_the_calendar_gets_400_never_500(tmp_path):
    first_load(tmp_path)
    with simulator_with_output(tmp_path, "--token", TOKEN) as (url, output):
        # In range as written, out of it in UTC.
        for since in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
            _refused_in_the_error_shape(_page(url, "programs", updated_since=since))
    _stopped_without_traceback(output())


def test_a_limit_that_is_not_plain_digits_in_range_gets_400(tmp_path):
    first_load(tmp_path)
    with simulator(tmp_path, "--token", TOKEN) as url:
        for limit in ("1_0", "+5", " 5", "\u0663", "10001", "0", "-1", "1.0"):
            answer = _page(url, "programs", limit=limit)
            assert answer.status_code == 400, limit
            _refused_in_the_error_shape(answer)


def test_the_bearer_scheme_is_matched_whatever_its_case(tmp_path):
    # RFC 7235 section 2.1: the authentication scheme is case-insensitive; the token is not.
    first_load(tmp_path)
    with simulator(tmp_path, "--token", TOKEN) as url:

        def status(authorization: str) -> int:
            headers = {"Authorization": authorization}
            return requests.get(f"{url}/v1/programs", headers=headers, timeout=5).status_code

        for scheme in ("bearer", "BEARER", "Bearer", "bEaReR"):
            assert status(f"{scheme} {TOKEN}") == 200, scheme
            assert status(f"{scheme} {TOKEN.upper()}") == 401, scheme
        assert status(f"Basic {TOKEN}") == 401
        assert status(TOKEN) == 401
        assert status(f"Bearer{TOKEN}") == 401
