"""The chain's facts, each stated once: known on a date, the district of a code, a worker's
unit, cover on a day, a worker's key."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from rantai.chain import (
    Severity,
    covered_mask,
    district_of,
    known_on,
    nik_ids,
    unit_of_worker,
    worker_keys,
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
