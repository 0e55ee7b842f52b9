"""The chain's facts, each stated once: known on a date, the district of a code, a worker's
unit, cover on a day, a worker's key."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from rantai.chain import (
    Severity,
    add_months,
    covered_mask,
    district_of,
    episode_months,
    known_on,
    merge_episodes,
    nik_ids,
    period_end,
    unit_of_worker,
    worker_keys,
    workers_paid,
)

NIK_A = "1508014107900001"
NIK_B = "1404015203880002"


def test_a_record_is_known_from_its_own_date_on():
    payments = pd.DataFrame({"paid_date": pd.to_datetime(["2025-03-01", "2025-03-02"])})
    assert len(known_on(payments, "premium_payments", dt.date(2025, 3, 1))) == 1
    assert len(known_on(payments, "premium_payments", dt.date(2025, 3, 2))) == 2


def test_programmes_have_no_date_and_are_always_known():
    programs = pd.DataFrame({"program_id": ["p"]})
    assert len(known_on(programs, "programs", dt.date(1990, 1, 1))) == 1


def test_the_district_of_a_village_a_district_and_a_missing_code():
    codes = pd.Series(["15.08.01.2001", "15.08", None, "15.08.01.2001"], dtype=object)
    districts = district_of(codes)
    assert districts[[0, 1, 3]].tolist() == ["15.08", "15.08", "15.08"]
    assert pd.isna(districts[2])


def test_an_apbd_worker_counts_for_the_district_others_for_the_village():
    villages = pd.Series(["14.04.01.2002", "15.08.01.2001", "14.02.01.2014"])
    funding = pd.Series(["APBD", "BKBK", "APBDES"])
    assert unit_of_worker(villages, funding).tolist() == ["14.04", "15.08.01.2001", "14.02.01.2014"]


def test_cover_holds_from_its_first_to_its_last_day_and_only_when_aktif():
    coverage = pd.DataFrame(
        {
            "status": ["AKTIF", "AKTIF", "NON_AKTIF"],
            "coverage_start": pd.to_datetime(["2025-03-12", "2025-01-01", "2025-01-01"]),
            "coverage_end": pd.to_datetime(["2025-12-31", "2025-03-11", "2025-12-31"]),
        }
    )
    assert covered_mask(coverage, dt.date(2025, 3, 11)).tolist() == [False, True, False]
    assert covered_mask(coverage, dt.date(2025, 3, 12)).tolist() == [True, False, False]
    assert covered_mask(coverage, dt.date(2025, 12, 31)).tolist() == [True, False, False]
    assert covered_mask(coverage, dt.date(2026, 1, 1)).tolist() == [False, False, False]


def test_a_worker_key_is_equal_exactly_when_programme_and_nik_are():
    enrolled = pd.Series([NIK_A, NIK_B, NIK_A])
    covered = pd.Series([NIK_B, NIK_A])
    keys = worker_keys([np.array([0, 0, 1]), np.array([0, 1])], nik_ids(enrolled, covered))
    assert keys is not None
    left, right = keys
    assert len(set(left)) == 3
    assert right[0] == left[1] and right[1] == left[2]


def test_nik_like_text_that_is_not_a_valid_nik_still_keys_workers_apart():
    # A leading zero is no valid NIK, so its integer value would not identify it: codes instead.
    enrolled = pd.Series(["0508014107900001", "508014107900001"])
    keys = worker_keys([np.array([0, 0])], nik_ids(enrolled))
    assert keys is not None and keys[0][0] != keys[0][1]


def test_severity_is_critical_before_warning():
    assert [s.value for s in Severity] == ["CRITICAL", "WARNING"]


# --- periods (contract v2), worked by hand from the contract's text -----------------------------


def _d(*texts: str) -> np.ndarray:
    return np.array(texts, dtype="datetime64[D]")


def test_a_month_later_is_the_same_day_clamped_to_a_shorter_month():
    starts = _d("2025-01-31", "2025-01-31", "2024-01-31", "2025-03-15", "2025-12-31")
    later = add_months(starts, np.array([1, 2, 1, 12, 2]))
    assert (
        later.tolist()
        == _d("2025-02-28", "2025-03-31", "2024-02-29", "2026-03-15", "2026-02-28").tolist()
    )


def test_a_period_of_k_months_ends_the_day_before_its_anniversary():
    assert period_end(_d("2025-01-01"), 12).tolist() == _d("2025-12-31").tolist()
    assert period_end(_d("2025-05-15"), 12).tolist() == _d("2026-05-14").tolist()
    assert period_end(_d("2025-01-31"), 1).tolist() == _d("2025-02-27").tolist()


def test_the_months_of_an_episode_are_whole_months_from_its_start():
    starts = _d("2025-05-15", "2025-03-12", "2025-01-01", "2025-01-01", "2025-06-10", "2025-01-31")
    ends = _d("2026-05-14", "2025-12-31", "2025-01-31", "2025-01-30", "2025-06-10", "2025-02-27")
    assert episode_months(starts, ends).tolist() == [12, 9, 1, 0, 0, 1]


def test_an_episode_ending_the_day_before_or_after_its_anniversary():
    starts = _d("2025-03-12", "2025-03-12", "2025-03-12")
    ends = _d("2025-04-10", "2025-04-11", "2025-04-12")
    assert episode_months(starts, ends).tolist() == [0, 1, 1]


def test_episodes_that_overlap_or_touch_merge_and_a_gap_keeps_them_apart():
    merged = merge_episodes(
        np.array([1, 1, 1, 2, 2]),
        _d("2025-01-01", "2025-07-01", "2025-03-01", "2025-01-01", "2025-07-02"),
        _d("2025-06-30", "2025-12-31", "2025-04-30", "2025-06-30", "2025-12-31"),
    )
    # Worker 1: Jan-Jun touches Jul-Dec (and swallows Mar-Apr); worker 2 has a one-day gap.
    assert merged["key"].tolist() == [1, 2, 2]
    assert (
        merged["start"].to_numpy(dtype="datetime64[D]").tolist()
        == _d("2025-01-01", "2025-01-01", "2025-07-02").tolist()
    )
    assert (
        merged["end"].to_numpy(dtype="datetime64[D]").tolist()
        == _d("2025-12-31", "2025-06-30", "2025-12-31").tolist()
    )


def test_workers_paid_is_the_most_paid_for_in_any_one_month():
    paid = workers_paid(
        np.array(["one", *["monthly"] * 6, "batch", "batch"], dtype=object),
        _d(
            "2025-01-01",
            *(f"2025-{m:02d}-01" for m in range(1, 7)),
            "2025-04-01",
            "2025-07-01",
        ),
        np.array([12, 1, 1, 1, 1, 1, 1, 9, 6]),
        np.array([10, 3, 3, 3, 3, 3, 3, 1500, 500]),
    )
    assert paid.to_dict() == {"batch": 2000, "monthly": 3, "one": 10}


def test_a_payment_pays_only_for_months_whose_first_day_is_in_its_period():
    # From 15 March for one month: no first of a month inside [15 Mar, 14 Apr] but 1 April.
    # From 2 March for 1 month: [2 Mar, 1 Apr] holds 1 April. From 2 March, a period ending
    # 31 March would hold none: months are whole, so the shortest period already holds one.
    paid = workers_paid(
        np.array(["a", "a"], dtype=object), _d("2025-03-15", "2025-05-01"), [1, 1], [4, 6]
    )
    assert paid.to_dict() == {"a": 6}
    overlapping = workers_paid(
        np.array(["b", "b"], dtype=object), _d("2025-03-15", "2025-04-01"), [1, 1], [4, 6]
    )
    assert overlapping.to_dict() == {"b": 10}
