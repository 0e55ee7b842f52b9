"""The HTTP connector against the simulator's app on loopback (real HTTP, uvicorn in a thread),
with scripted faults so that each retry rule is seen exactly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from connectors.files import UnreadableInput, read_folder
from connectors.http import (
    BadPage,
    FetchStats,
    RetryPolicy,
    SourceClient,
    SourceRefused,
    SourceRejected,
    SourceUnavailable,
    canonical_checksum,
)
from connectors.simulator import Misbehaviour, running
from connectors.sources import (
    SYSTEMS,
    BpjsKetenagakerjaan,
    ProvincialTreasury,
    VillageFinance,
    endpoints,
    system_for,
)
from rantai.records import SOURCES
from rantai.settings import Settings
from tests.chain_folders import claims_load, first_load, write
from tests.simulated import dead_port

TOKEN = "test-token-3b7e"
QUICK = RetryPolicy(max_attempts=4, backoff_seconds=0.01, max_backoff_seconds=0.05)


def client(
    system: type[SourceClient], url: str, token: str | None = TOKEN, **options
) -> SourceClient:
    options.setdefault("retry", QUICK)
    options.setdefault("read_timeout", 0.3)
    return system(url, token, seed=7, **options)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    first_load(tmp_path / "in")
    return tmp_path / "in"


def test_every_contract_file_has_exactly_one_system():
    held = [c for system in SYSTEMS for c in system.collections]
    assert sorted(held) == sorted(SOURCES)
    assert system_for("programs") is ProvincialTreasury
    assert system_for("village_transfers") is VillageFinance
    assert system_for("coverage") is BpjsKetenagakerjaan
    # Contract v2: BPJS decides and pays the JKK and JKM claims, so it reports them.
    assert system_for("claims") is BpjsKetenagakerjaan
    assert "claims" in BpjsKetenagakerjaan.collections
    # Issue 15: the DPMD's system takes the villages' requests; BPJS knows its branches.
    assert system_for("village_requests") is VillageFinance
    assert system_for("branches") is BpjsKetenagakerjaan


def test_bpjs_reports_claims_exactly_as_the_folder_connector_gives_them(folder):
    claims_load(folder)
    expected = read_folder(folder)["claims"].rows
    with running(folder, TOKEN, Misbehaviour(script=("http-503", "truncated"))) as (url, _):
        stats = FetchStats()
        with client(BpjsKetenagakerjaan, url, page_size=3) as c:
            fetched = c.fetch("claims", stats=stats)
            since = c.fetch("claims", fetched.snapshot)
    assert fetched.raw is not None and fetched.raw.rows.equals(expected)
    assert fetched.raw.origin == f"{url}/v1/claims"
    assert list(fetched.raw.rows["claim_id"]) == ["CLM-1", "CLM-2", "CLM-3", "CLM-4"]
    # Empty cells (a SUBMITTED claim's paid_amount) arrive empty, not as text.
    assert fetched.raw.rows["paid_amount"].isna().tolist() == [False, True, True, False]
    assert stats.pages == 2 and stats.retries == 2
    assert since.raw is None  # nothing changed since


def test_a_bpjs_without_claims_delivers_nothing_new_for_them(folder):
    # A v1 BPJS (no claims file) is "nothing new from that source", not an error.
    with running(folder, TOKEN) as (url, _):
        fetched = client(BpjsKetenagakerjaan, url).fetch("claims")
    assert fetched.raw is None


def test_records_come_out_exactly_as_the_folder_connector_gives_them(folder):
    files = read_folder(folder)
    with running(folder, TOKEN) as (url, _):
        for source, raw in files.items():
            stats = FetchStats()
            # No fault is scripted: a generous read timeout, so a page slowed by a loaded
            # machine is not taken for one (the 0.3 s default keeps the fault tests quick).
            with client(system_for(source), url, page_size=3, read_timeout=10.0) as c:
                fetched = c.fetch(source, stats=stats)
            assert fetched.raw is not None
            assert fetched.raw.rows.equals(raw.rows), source
            assert fetched.raw.origin == f"{url}/v1/{source}"
            assert stats.pages == -(-len(raw.rows) // 3)
            assert stats.requests == stats.pages and stats.retries == 0
            records = raw.rows.astype(object).where(raw.rows.notna(), None).values.tolist()
            assert fetched.raw.checksum == canonical_checksum(list(raw.rows.columns), records)


@pytest.mark.parametrize(
    ("fault", "seen_as"),
    [
        ("http-500", "http-500"),
        ("http-502", "http-502"),
        ("http-503", "http-503"),
        ("http-429", "http-429"),
        ("slow", "timeout"),
        ("truncated", "invalid-page"),
        ("drop", "broken-body"),
    ],
)
def test_each_transient_fault_is_retried_and_nothing_is_lost(folder, fault, seen_as):
    expected = read_folder(folder)["allocations"].rows
    # The fault hits the second page, twice in a row.
    script = ("ok", fault, fault)
    behaviour = Misbehaviour(script=script, slow_ms=600, retry_after=0)
    with running(folder, TOKEN, behaviour) as (url, tally):
        stats = FetchStats()
        fetched = client(ProvincialTreasury, url, page_size=3).fetch("allocations", stats=stats)
    assert fetched.raw is not None and fetched.raw.rows.equals(expected)
    assert dict(stats.faults) == {seen_as: 2}
    assert (stats.requests, stats.retries, stats.pages) == (5, 2, 3)
    assert tally.faults[fault] == 2


def test_retry_after_is_honoured(folder):
    behaviour = Misbehaviour(script=("http-429",), retry_after=1)
    with running(folder, TOKEN, behaviour) as (url, _):
        stats = FetchStats()
        client(ProvincialTreasury, url).fetch("programs", stats=stats)
    assert stats.retries == 1
    # The client's planned wait (not a measured time): at least the second the server asked for.
    assert 1.0 <= stats.waited_seconds < 1.0 + QUICK.backoff_seconds + 1e-9


def test_a_page_that_stays_invalid_is_reported_with_its_url_and_page(folder):
    behaviour = Misbehaviour(script=("ok",) + ("truncated",) * 4)
    with running(folder, TOKEN, behaviour) as (url, _):
        stats = FetchStats()
        with pytest.raises(BadPage) as raised:
            client(ProvincialTreasury, url, page_size=3).fetch("allocations", stats=stats)
    message = str(raised.value)
    assert message.startswith("allocations: page 2 at ")
    assert f"{url}/v1/allocations" in message and "not valid JSON" in message
    assert "after 4 tries" in message
    assert stats.requests == 5 and stats.faults["invalid-page"] == 4


def test_a_wrong_token_is_refused_at_once_naming_the_source_not_the_token(folder):
    with running(folder, TOKEN) as (url, tally):
        stats = FetchStats()
        with pytest.raises(SourceRefused) as raised:
            client(BpjsKetenagakerjaan, url, token="not-the-token-9c1d", read_timeout=10.0).fetch(
                "coverage", stats=stats
            )
    message = str(raised.value)
    assert message.startswith("coverage: ") and "refused the token (401" in message
    assert "not-the-token-9c1d" not in message and TOKEN not in message
    assert stats.requests == 1 and stats.retries == 0
    assert tally.statuses[401] == 1


def test_other_client_errors_are_not_retried(folder):
    class Unknown(SourceClient):
        collections = ("payslips",)

    with running(folder, TOKEN) as (url, tally):
        stats = FetchStats()
        with pytest.raises(SourceRejected, match=r"payslips: .*/v1/payslips answered 404"):
            client(Unknown, url).fetch("payslips", stats=stats)
        assert stats.requests == 1
        stats = FetchStats()
        with pytest.raises(SourceRejected, match="answered 400"):
            client(ProvincialTreasury, url).fetch("programs", "yesterday", stats)
        assert stats.requests == 1
    assert tally.requests == 2


def test_a_source_that_does_not_answer_is_unavailable_after_every_attempt():
    with dead_port() as url:
        stats = FetchStats()
        with pytest.raises(
            SourceUnavailable, match=r"enrollments: page 1 at .*Connection refused.*after 4 tries"
        ):
            client(BpjsKetenagakerjaan, url).fetch("enrollments", stats=stats)
    assert stats.requests == 4 and stats.faults == {"connection": 4}


def test_a_rate_limit_slows_the_client_but_every_record_arrives(folder):
    expected = read_folder(folder)["enrollments"].rows
    with running(folder, TOKEN, Misbehaviour(rate_limit=5)) as (url, tally):
        stats = FetchStats()
        fetched = client(BpjsKetenagakerjaan, url, page_size=1).fetch("enrollments", stats=stats)
    assert fetched.raw is not None and fetched.raw.rows.equals(expected)
    assert tally.faults["rate-limited"] >= 1
    assert stats.faults["http-429"] == tally.faults["rate-limited"]


def test_updated_since_returns_only_what_changed(tmp_path):
    folder = tmp_path / "in"
    header = ["program_id", "funding_source", "province_code", "fiscal_year", "name", "updated_at"]
    write(
        folder,
        "programs",
        header,
        [
            ["p-old", "APBD", "14", "2025", "Old", "2025-01-01T00:00:00Z"],
            ["p-new", "APBD", "14", "2025", "New", "2025-03-01T00:00:00+00:00"],
        ],
    )
    with running(folder, TOKEN) as (url, _):
        c = client(ProvincialTreasury, url)
        everything = c.fetch("programs")
        since_feb = c.fetch("programs", "2025-02-01T00:00:00Z")
        nothing = c.fetch("programs", everything.snapshot)
    assert everything.raw is not None and list(everything.raw.rows["program_id"]) == [
        "p-old",
        "p-new",
    ]
    # updated_at says when a record changed; it is not one of the record's fields.
    assert "updated_at" not in everything.raw.rows.columns
    assert since_feb.raw is not None and list(since_feb.raw.rows["program_id"]) == ["p-new"]
    assert since_feb.raw.origin.endswith("/v1/programs?updated_since=2025-02-01T00:00:00Z")
    assert nothing.raw is None
    snapshot = dt.datetime.fromisoformat(everything.snapshot)
    assert snapshot.tzinfo is not None and snapshot > dt.datetime(2025, 3, 1, tzinfo=dt.UTC)


def test_records_missing_a_required_field_are_unreadable_input(tmp_path):
    folder = tmp_path / "in"
    write(folder, "coverage", ["nik", "program_id", "kpj_no"], [["1", "p", "k"]])
    with running(folder, TOKEN) as (url, _), pytest.raises(UnreadableInput) as raised:
        client(BpjsKetenagakerjaan, url).fetch("coverage")
    assert "coverage at " in str(raised.value) and "coverage_start" in str(raised.value)


def test_credentials_in_a_url_are_refused():
    with pytest.raises(ValueError, match="not the URL") as raised:
        ProvincialTreasury("http://user:s3cret@127.0.0.1:9/")
    assert "s3cret" not in str(raised.value)


def test_each_system_may_have_its_own_url_and_token(monkeypatch):
    monkeypatch.setenv("RANTAI_BPJS_URL", "http://bpjs.example:8080/")
    monkeypatch.setenv("RANTAI_BPJS_TOKEN", "bpjs-token")
    found = {e.source: e for e in endpoints("http://treasury.example", Settings(), None)}
    assert found["programs"].url == "http://treasury.example" and found["programs"].token is None
    assert found["coverage"].url == "http://bpjs.example:8080"
    assert found["coverage"].token is not None
    assert found["coverage"].token.get_secret_value() == "bpjs-token"
    assert "bpjs-token" not in repr(found["coverage"])
    assert found["claims"].url == "http://bpjs.example:8080" == found["coverage"].url
    assert found["claims"].token == found["coverage"].token
