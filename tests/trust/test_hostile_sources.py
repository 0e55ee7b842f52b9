"""Hostile source systems (a plain HTTP server on loopback, see tests/hostile.py): the token never
leaves the connector, whatever a source echoes or redirects to; a source that pages forever,
loops, trickles or sends an endless body ends stale, never hangs or exhausts memory; and
SIGTERM stops `rantai run` within seconds, even in the middle of a fetch."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from sqlalchemy import select

from connectors.http import (
    Cancellation,
    FetchCancelled,
    FetchLimits,
    RetryPolicy,
    SourceClient,
    SourceOverLimit,
    SourceRejected,
    SourceUnavailable,
    redact,
)
from connectors.sources import BpjsKetenagakerjaan
from rantai.store.engine import engine_for
from rantai.store.schema import metadata
from tests.hostile import (
    echo_headers,
    endless_body,
    endless_cursor,
    finishes_within,
    hostile_source,
    redirect_with,
    repeating_cursor,
    token_in_cursor,
    trickle,
)
from tests.recorded import poll
from tests.simulated import FAST_RETRIES, REPO

# Characters that URL-encoding changes, so an encoded echo is a different string.
TOKEN = "hostile-7Q2/x+S3CRET=k9"
QUICK = RetryPolicy(max_attempts=2, backoff_seconds=0.01, max_backoff_seconds=0.05)


def forms(secret: str) -> list[str]:
    """Every way the token may show: raw, URL-encoded, and each half (a cut excerpt)."""
    half = len(secret) // 2
    return [
        secret,
        quote(secret),
        quote(secret, safe=""),
        quote_plus(secret),
        secret[:half],
        secret[half:],
    ]


def assert_no_token(text: str, where: str = "") -> None:
    for form in forms(TOKEN):
        assert form not in text, (
            f"{form!r} in {where}: ...{text[max(0, text.find(form) - 200) :][:400]}"
        )


def bpjs(url: str, **limits: float) -> SourceClient:
    return BpjsKetenagakerjaan(
        url, TOKEN, read_timeout=2, retry=QUICK, limits=FetchLimits(**limits), seed=1
    )


# --- the token: one redaction at the connector's boundary ----------------------------------


def test_redaction_removes_the_token_in_every_form_and_secret_looking_url_parts():
    text = (
        f"Authorization: Bearer {TOKEN}; raw {TOKEN}; {quote(TOKEN, safe='')}; {quote_plus(TOKEN)} "
        "see http://user:pw@h.example:80/v1/x?limit=2&access_token=abc&api_key=def&sig=123 "
        "and https://h.example/p?cursor=c1&X-Amz-Signature=0ff1ce&password=hunter2"
    )
    clean = redact(text, [TOKEN])
    assert_no_token(clean)
    for secret in ("pw@", "abc", "def", "=123", "0ff1ce", "hunter2", "Bearer h"):
        assert secret not in clean
    assert "limit=2" in clean and "cursor=c1" in clean and "h.example:80/v1/x" in clean
    assert "[redacted]" in clean and "]]" not in clean
    # Any bearer credential is masked, even one the connector does not know.
    assert "Zm9vYmFy" not in redact("Authorization: Bearer Zm9vYmFy", [])


def test_a_token_echoed_in_an_error_body_never_leaves_the_connector():
    with (
        hostile_source(coverage=echo_headers(400)) as source,
        pytest.raises(SourceRejected) as raised,
    ):
        bpjs(source.url).fetch("coverage")
    message = str(raised.value)
    assert message.startswith(f"coverage: {source.url}/v1/coverage answered 400")
    assert "[redacted]" in message
    assert len(message) < 400  # an excerpt, not the body
    assert_no_token(message, "the message")


def test_a_redirect_carrying_the_token_is_refused_naming_it_without_the_token():
    def elsewhere(secret: str) -> str:
        return f"http://127.0.0.1:9/v1/coverage?access_token={quote(secret)}&t={secret}"

    with (
        hostile_source(coverage=redirect_with(elsewhere)) as source,
        pytest.raises(SourceRejected) as raised,
    ):
        bpjs(source.url).fetch("coverage")
    message = str(raised.value)
    assert "redirected (302) to http://127.0.0.1:9/v1/coverage?access_token=" in message
    assert_no_token(message, "the message")
    assert source.requests == {"coverage": 1}  # not followed: the token went nowhere else


def test_a_token_handed_back_as_a_cursor_is_redacted_from_the_next_pages_fault():
    with (
        hostile_source(coverage=token_in_cursor) as source,
        pytest.raises(SourceRejected) as raised,
    ):
        bpjs(source.url).fetch("coverage")
    assert "answered 400" in str(raised.value)
    assert_no_token(str(raised.value), "the message")


def test_a_source_url_with_a_query_or_credentials_is_refused_without_repeating_them():
    for url in (
        f"http://127.0.0.1:9/?token={quote(TOKEN)}",
        f"http://127.0.0.1:9/v1?x={quote(TOKEN, safe='')}",
        f"http://127.0.0.1:9/#{TOKEN}",
        f"http://u:{quote(TOKEN)}@127.0.0.1:9",
    ):
        with pytest.raises(ValueError) as raised:
            BpjsKetenagakerjaan(url, None)
        assert_no_token(str(raised.value))


# --- limits: every one ends the source as stale, none hangs -------------------------------


def test_a_cursor_that_never_ends_stops_at_the_page_cap():
    with (
        hostile_source(coverage=endless_cursor) as source,
        pytest.raises(SourceOverLimit, match=r"coverage: .* more than 20 pages"),
    ):
        finishes_within(30, lambda: bpjs(source.url, max_pages=20).fetch("coverage"))
    assert source.requests["coverage"] == 20


def test_a_cursor_that_repeats_ends_the_source_as_stale():
    with (
        hostile_source(coverage=repeating_cursor) as source,
        pytest.raises(SourceOverLimit, match=r"page 3 .*the next cursor 'a' came back"),
    ):
        finishes_within(30, lambda: bpjs(source.url).fetch("coverage"))
    assert source.requests["coverage"] == 3


def test_a_trickled_body_ends_at_the_request_deadline():
    # One byte every 0.1 s never trips the 2 s read timeout; the deadline counts the whole body.
    with (
        hostile_source(coverage=trickle) as source,
        pytest.raises(SourceUnavailable, match=r"took longer than 0\.5 s .*after 2 tries"),
    ):
        finishes_within(30, lambda: bpjs(source.url, request_seconds=0.5).fetch("coverage"))


def test_an_endless_body_stops_at_the_size_cap():
    with (
        hostile_source(coverage=endless_body) as source,
        pytest.raises(SourceOverLimit, match=r"page 1 .* more than 1000000 bytes"),
    ):
        finishes_within(30, lambda: bpjs(source.url, max_page_bytes=1_000_000).fetch("coverage"))


def test_the_source_deadline_bounds_a_whole_fetch():
    with (
        hostile_source(coverage=endless_cursor) as source,
        pytest.raises(SourceOverLimit, match=r"coverage: .*not fetched within 1 s"),
    ):
        finishes_within(30, lambda: bpjs(source.url, source_seconds=1).fetch("coverage"))


def test_a_cancelled_fetch_ends_at_once_even_blocked_in_a_read():
    cancellation = Cancellation()
    with hostile_source(coverage=trickle) as source:
        client = BpjsKetenagakerjaan(
            source.url, TOKEN, read_timeout=60, retry=QUICK, cancellation=cancellation
        )
        threading.Timer(0.5, cancellation.cancel).start()
        started = time.monotonic()
        with pytest.raises(FetchCancelled):
            finishes_within(30, lambda: client.fetch("coverage"))
    assert time.monotonic() - started < 10


# --- through `rantai run --source`: stdout, stderr, outputs, the store, Prefect's database --


def hostile_env(prefect_server: str, **settings: str) -> dict[str, str]:
    return {
        **os.environ,
        **FAST_RETRIES,
        "RANTAI_SOURCE_READ_TIMEOUT": "2",
        "RANTAI_SOURCE_MAX_ATTEMPTS": "2",
        "PREFECT_API_URL": prefect_server,
        "PREFECT_LOGGING_LEVEL": "DEBUG",
        **settings,
    }


def rantai_run(url: str, tmp_path: Path, env: dict[str, str], *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "rantai.cli",
        "run",
        "--source",
        url,
        "--as-of",
        "2025-06-30",
        "--out",
        str(tmp_path / "out"),
        "--db",
        f"sqlite:///{tmp_path / 'rantai.db'}",
        *extra,
    ]


def store_dump(db: Path) -> str:
    with engine_for(f"sqlite:///{db}").connect() as conn:
        return "\n".join(
            repr(tuple(row))
            for table in metadata.sorted_tables
            for row in conn.execute(select(table))
        )


def prefect_database() -> str:
    """Everything Prefect's (test) server has stored, as SQL text."""
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

    path = str(PREFECT_SERVER_DATABASE_CONNECTION_URL.value()).split("///", 1)[1]
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


@pytest.mark.usefixtures("prefect_server")
def test_a_token_echoed_redirected_or_handed_back_shows_nowhere(tmp_path, prefect_server):
    def elsewhere(secret: str) -> str:
        return f"/v1/enrollments?access_token={quote(secret)}&copy={secret}"

    misbehaving = {
        "coverage": echo_headers(400),
        "premium_payments": token_in_cursor,
        "enrollments": redirect_with(elsewhere),
        "programs": echo_headers(500),
    }
    with hostile_source(**misbehaving) as source:
        env = hostile_env(prefect_server, RANTAI_SOURCE_TOKEN=TOKEN)
        done = subprocess.run(
            rantai_run(source.url, tmp_path, env),
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert done.returncode == 1, done.stderr[-3000:]
    assert done.stderr.strip().splitlines()[-1].startswith("rantai: degraded, outputs in ")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert sorted(summary["stale_sources"]) == sorted(misbehaving)
    reasons = summary["stale_reasons"]
    assert "answered 400" in reasons["coverage"] and "[redacted]" in reasons["coverage"]
    assert "redirected (302) to " in reasons["enrollments"]

    assert_no_token(done.stdout, "stdout")
    assert_no_token(done.stderr, "stderr")
    for path in (tmp_path / "out").iterdir():
        assert_no_token(path.read_text(errors="replace"), str(path))
    assert_no_token(store_dump(tmp_path / "rantai.db"), "the store")
    # Prefect records logs, states and events after the run: wait until the Degraded state's
    # event and the redacted reasons are there, then look at everything it stored.
    stored = poll(
        prefect_database,
        lambda dump: "prefect.flow-run.Degraded" in dump and dump.count("[redacted]") >= 3,
    )
    assert "prefect.flow-run.Degraded" in stored and "[redacted]" in stored
    assert_no_token(stored, "Prefect's database")


@pytest.mark.usefixtures("prefect_server")
def test_hostile_paging_and_bodies_end_their_sources_as_stale_and_the_run_goes_on(
    tmp_path, prefect_server
):
    misbehaving = {
        "coverage": endless_cursor,
        "enrollments": repeating_cursor,
        "premium_payments": trickle,
        "allocations": endless_body,
    }
    env = hostile_env(
        prefect_server,
        RANTAI_SOURCE_TOKEN=TOKEN,
        RANTAI_SOURCE_MAX_PAGES="30",
        RANTAI_SOURCE_MAX_PAGE_BYTES="500000",
        RANTAI_SOURCE_REQUEST_DEADLINE_SECONDS="1",
        RANTAI_SOURCE_DEADLINE_SECONDS="20",
    )
    with hostile_source(**misbehaving) as source:
        done = subprocess.run(
            rantai_run(source.url, tmp_path, env),
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert done.returncode == 1, done.stderr[-3000:]
    assert done.stderr.strip().splitlines()[-1].startswith("rantai: degraded, outputs in ")
    reasons = json.loads((tmp_path / "out" / "summary.json").read_text())["stale_reasons"]
    assert sorted(reasons) == sorted(misbehaving)
    assert "more than 30 pages" in reasons["coverage"]
    assert "the next cursor 'a' came back" in reasons["enrollments"]
    assert "took longer than 1 s" in reasons["premium_payments"]
    assert "more than 500000 bytes" in reasons["allocations"]
    # One source's pages were capped, each try of it (no Prefect retry of a limit).
    assert source.requests["coverage"] == 30


@pytest.mark.usefixtures("prefect_server")
def test_sigterm_stops_a_run_within_seconds_in_the_middle_of_a_fetch(tmp_path, prefect_server):
    env = hostile_env(
        prefect_server,
        RANTAI_SOURCE_TOKEN=TOKEN,
        RANTAI_SOURCE_READ_TIMEOUT="60",
        RANTAI_SOURCE_REQUEST_DEADLINE_SECONDS="600",
        RANTAI_SOURCE_DEADLINE_SECONDS="600",
        RANTAI_SOURCE_TASK_RETRY_DELAY_SECONDS="60",
    )
    with hostile_source() as source:  # a first run stores what the sources have
        first = subprocess.run(
            rantai_run(source.url, tmp_path, env),
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert first.returncode == 0, first.stderr[-3000:]
    before = store_dump(tmp_path / "rantai.db")

    # One source trickles (a fetch blocked in a read); another fails at once, so its task
    # waits out the 60 s delay before Prefect's next try: SIGTERM must cut both short.
    for attempt in range(2):  # every time, not once
        with hostile_source(coverage=trickle, enrollments=echo_headers(503)) as source:
            run = subprocess.Popen(
                rantai_run(source.url, tmp_path, env),
                cwd=REPO,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                fetching = poll(
                    lambda: dict(source.requests),
                    lambda seen: "coverage" in seen and seen.get("enrollments", 0) >= 2,
                    300,
                )
                assert "coverage" in fetching, "the fetch never started"
                time.sleep(1 + attempt)  # well inside the trickle
                run.send_signal(signal.SIGTERM)
                sent = time.monotonic()
                _, err = run.communicate(timeout=15)
                stopped_after = time.monotonic() - sent
            finally:
                if run.poll() is None:
                    run.kill()
                    run.communicate()
        assert run.returncode == 1, err[-3000:]
        assert err.strip().splitlines()[-1].startswith("rantai: stopped by SIGTERM"), err[-3000:]
        assert stopped_after < 15
        assert_no_token(err, "stderr")
    # Nothing stored by the stopped runs, nothing half-changed.
    after = store_dump(tmp_path / "rantai.db")
    assert after == before


@pytest.mark.usefixtures("prefect_server")
def test_a_token_in_a_source_url_stops_the_run_before_anything_records_it(
    tmp_path, capsys, monkeypatch
):
    from rantai.cli import main

    argv = ["--as-of", "2025-06-30", "--out", str(tmp_path / "out")]
    argv += ["--db", f"sqlite:///{tmp_path / 'rantai.db'}"]
    url = f"http://127.0.0.1:9/?access_token={quote(TOKEN, safe='')}"
    # On the command line: refused before the flow starts (its parameters are recorded).
    assert main(["run", "--source", url, *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rantai run: --source http://127.0.0.1:9?...: a source URL takes no")
    assert len(err.splitlines()) == 1
    assert_no_token(err, "stderr")
    # In a system's setting: the run stops as on unreadable input, naming the setting.
    with hostile_source() as source:
        monkeypatch.setenv("RANTAI_BPJS_URL", f"{source.url}/v1?key={TOKEN}")
        assert main(["run", "--source", source.url, "--token", "t", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("rantai: unreadable input: RANTAI_BPJS_URL: ")
    assert "takes no query string" in err
    assert_no_token(err, "stderr")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
