"""A protection failure is news once: the first run that finds it records it (in its own
transaction) and announces it; later runs over the same claims find nothing new."""

from __future__ import annotations

import datetime as dt

import pytest

from rantai.store.engine import engine_for
from rantai.store.failures import read_failure_reports, record_failures
from tests.protection_frames import failures, no_failures

DAY1, DAY2 = dt.date(2025, 6, 30), dt.date(2025, 7, 1)


def record(db_url: str, frame, as_of: dt.date, run_id: str):  # type: ignore[no-untyped-def]
    with engine_for(db_url).begin() as conn:
        return record_failures(conn, frame, as_of, run_id)


def test_the_first_run_reports_each_failure_and_the_next_none(db_url):
    first = record(db_url, failures(), DAY1, "run-1")
    assert list(first["claim_id"]) == ["KLM-0001", "KLM-0002"]
    # The new failures keep the evaluation's columns (the events are built from them).
    assert list(first.columns) == list(failures().columns)

    again = record(db_url, failures(), DAY2, "run-2")
    assert again.empty

    with engine_for(db_url).connect() as conn:
        reported = read_failure_reports(conn).sort_values("claim_id")
    assert reported.to_dict("records") == [
        {
            "claim_id": "KLM-0001",
            "program_id": "jambi-bkbk-2025",
            "unit_code": "15.08.01.2002",
            "first_reported": DAY1,
            "run_id": "run-1",
        },
        {
            "claim_id": "KLM-0002",
            "program_id": "inhil-apbd-2025",
            "unit_code": "14.04",
            "first_reported": DAY1,
            "run_id": "run-1",
        },
    ]


def test_only_the_claims_not_yet_reported_are_new(db_url):
    record(db_url, failures().iloc[:1], DAY1, "run-1")
    new = record(db_url, failures(), DAY2, "run-2")
    assert list(new["claim_id"]) == ["KLM-0002"]
    with engine_for(db_url).connect() as conn:
        days = dict(read_failure_reports(conn)[["claim_id", "first_reported"]].values.tolist())
    assert days == {"KLM-0001": DAY1, "KLM-0002": DAY2}


def test_no_failures_nothing_recorded(db_url):
    assert record(db_url, no_failures(), DAY1, "run-1").empty
    with engine_for(db_url).connect() as conn:
        assert read_failure_reports(conn).empty


def test_a_run_that_does_not_commit_reports_nothing(db_url):
    """Killed before its transaction commits, a run has announced nothing the store keeps: the
    next run finds the same failures new."""
    with pytest.raises(RuntimeError), engine_for(db_url).begin() as conn:
        record_failures(conn, failures(), DAY1, "killed")
        raise RuntimeError("killed mid-settle")
    assert len(record(db_url, failures(), DAY1, "run-2")) == 2
