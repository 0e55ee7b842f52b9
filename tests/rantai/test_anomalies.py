"""Anomaly checks: each one found where the records do not add up, none where they do."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from rantai.anomalies import CHECKS, find_anomalies
from rantai.records import DEFAULT_PREMIUM_RATE_MONTHLY
from rantai.store.queries import typed

AS_OF = dt.date(2025, 6, 30)
V1, V2 = "15.08.01.2001", "15.08.01.2002"
NIK1, NIK2, NIK3 = "1508010101900001", "1508010101900002", "1508010101900003"
# A worker's year of premiums at the default rate (Rp16,800 x 12), and the base's two workers.
YEAR = 12 * DEFAULT_PREMIUM_RATE_MONTHLY
TWO = 2 * YEAR


def frames(**rows: list[dict]) -> dict[str, pd.DataFrame]:
    base = {
        "programs": [
            {
                "program_id": "bk",
                "funding_source": "BKBK",
                "province_code": "15",
                "fiscal_year": 2025,
                "name": "BKBK",
            },
            {
                "program_id": "ds",
                "funding_source": "APBDES",
                "province_code": "15",
                "fiscal_year": 2025,
                "name": "APBDes",
            },
        ],
        "allocations": [
            {
                "allocation_id": "A1",
                "program_id": "bk",
                "unit_code": V1,
                "allocated_amount": TWO,
                "premium_amount": TWO,
                "target_workers": 2,
                "months": 12,
                "decree_date": "2025-01-01",
            },
        ],
        "district_transfers": [
            {
                "transfer_id": "D1",
                "program_id": "bk",
                "district_code": "15.08",
                "amount": TWO,
                "transfer_date": "2025-02-01",
                "sp2d_no": "x",
            },
        ],
        "village_transfers": [
            {
                "transfer_id": "T1",
                "program_id": "bk",
                "village_code": V1,
                "amount": TWO,
                "transfer_date": "2025-03-01",
                "sp2d_no": "x",
            },
        ],
        "enrollments": [
            {
                "nik": n,
                "name": "x",
                "village_code": V1,
                "occupation": "petani",
                "program_id": "bk",
                "registered_date": "2025-01-01",
            }
            for n in (NIK1, NIK2)
        ],
        "premium_payments": [
            {
                "payment_id": "P1",
                "program_id": "bk",
                "payer_code": V1,
                "paid_date": "2025-03-05",
                "amount": TWO,
                "workers_count": 2,
                "months": 12,
                "payment_ref": "r",
            },
        ],
        "coverage": [
            {
                "nik": n,
                "program_id": "bk",
                "kpj_no": None,
                "coverage_start": "2025-03-10",
                "coverage_end": "2025-12-31",
                "status": "AKTIF",
            }
            for n in (NIK1, NIK2)
        ],
        "claims": [],
    }
    for name, extra in rows.items():
        base[name] = base[name] + extra
    return {name: typed(pd.DataFrame(r), name) for name, r in base.items()}


def checks(found: pd.DataFrame) -> list[tuple]:
    return list(
        found[["check", "program_id", "unit_code", "observed", "expected"]].itertuples(
            index=False, name=None
        )
    )


def test_consistent_records_have_no_anomalies():
    assert find_anomalies(frames(), AS_OF).empty


# Contract v2: one NIK enrolled in two programmes with AKTIF cover of both overlapping by 30
# days or more. Worker NIK1 of bk is covered 2025-03-10..2025-12-31 (the base's cover).
LATE = dt.date(2026, 1, 31)  # every episode below is known by then


def enrolled(nik: str, program: str, village: str = V2, on: str = "2025-01-01") -> dict:
    return {
        "nik": nik,
        "name": "x",
        "village_code": village,
        "occupation": "petani",
        "program_id": program,
        "registered_date": on,
    }


def cover(nik: str, program: str, start: str, end: str, status: str = "AKTIF") -> dict:
    return {
        "nik": nik,
        "program_id": program,
        "kpj_no": None,
        "coverage_start": start,
        "coverage_end": end,
        "status": status,
    }


def only(found: pd.DataFrame, check: str) -> pd.DataFrame:
    return found[found["check"] == check].reset_index(drop=True)


def twice(coverage: list[dict], as_of: dt.date = LATE, **rows: list[dict]) -> pd.DataFrame:
    """NIK_ENROLLED_TWICE rows when NIK1 is enrolled in ds too (in V2), with `coverage`."""
    rows.setdefault("enrollments", [enrolled(NIK1, "ds")])
    found = find_anomalies(frames(coverage=coverage, **rows), as_of)
    return only(found, "NIK_ENROLLED_TWICE")


def test_nik_covered_twice_for_30_days_is_one_masked_row():
    # ds from 2025-12-02: both cover 2025-12-02..2025-12-31, 30 days counting both ends.
    found = twice([cover(NIK1, "ds", "2025-12-02", "2026-12-01")])
    assert checks(found) == [("NIK_ENROLLED_TWICE", "bk, ds", f"{V1}, {V2}", 30, 0)]
    assert found["subject"].tolist() == ["1508********0001"]
    assert "2025-12-02" in found["detail"][0] and "2025-12-31" in found["detail"][0]
    assert NIK1 not in found.to_csv()


def test_covers_overlapping_29_days_or_touching_are_a_renewal():
    # 2025-12-03..2025-12-31 is 29 days; a cover from the 31st meets for one day; one from
    # 2026-01-01 starts the day after bk's ends.
    for start in ("2025-12-03", "2025-12-31", "2026-01-01"):
        assert twice([cover(NIK1, "ds", start, "2026-12-01")]).empty, start


def test_non_aktif_episodes_and_programmes_not_enrolled_in_are_ignored():
    assert twice([cover(NIK1, "ds", "2025-03-10", "2025-12-31", "NON_AKTIF")]).empty
    # Enrolled in ds but never covered by it: v1 flagged this, v2 does not.
    assert twice([]).empty
    # Covered by ds without being enrolled in it: not "enrolled in two programmes".
    assert twice([cover(NIK1, "ds", "2025-03-10", "2025-12-31")], enrollments=[]).empty


def test_an_episode_counts_once_it_is_known():
    late_cover = [cover(NIK1, "ds", "2025-12-02", "2026-12-01")]
    assert twice(late_cover, as_of=dt.date(2025, 12, 1)).empty
    # Known from its first day: the double cover is in the records, its days still ahead.
    assert len(twice(late_cover, as_of=dt.date(2025, 12, 2))) == 1


def test_days_covered_by_both_add_up_over_episodes_one_row_per_pair():
    # Two short ds covers inside bk's: 20 + 15 days covered twice, one row for the pair.
    found = twice(
        [
            cover(NIK1, "ds", "2025-04-01", "2025-04-20"),
            cover(NIK1, "ds", "2025-06-01", "2025-06-15"),
        ]
    )
    assert checks(found) == [("NIK_ENROLLED_TWICE", "bk, ds", f"{V1}, {V2}", 35, 0)]


def test_three_programmes_give_a_row_per_pair():
    bk26 = {
        "program_id": "bk26",
        "funding_source": "BKBK",
        "province_code": "15",
        "fiscal_year": 2026,
        "name": "BKBK 2026",
    }
    found = twice(
        [
            cover(NIK1, "ds", "2025-03-10", "2025-12-31"),
            cover(NIK1, "bk26", "2025-06-01", "2026-05-31"),
        ],
        programs=[bk26],
        enrollments=[enrolled(NIK1, "ds"), enrolled(NIK1, "bk26", V1)],
    )
    # bk and ds share 297 days; bk26 shares 2025-06-01..2025-12-31 (214 days) with each.
    assert checks(found) == [
        ("NIK_ENROLLED_TWICE", "bk, bk26", V1, 214, 0),
        ("NIK_ENROLLED_TWICE", "bk, ds", f"{V1}, {V2}", 297, 0),
        ("NIK_ENROLLED_TWICE", "bk26, ds", f"{V1}, {V2}", 214, 0),
    ]


def test_niks_that_are_not_numbers_are_matched_as_text():
    """A frame handed in as it is may carry NIKs that are no valid number (validation would
    quarantine them): they are compared as text, and still masked."""
    odd = "15O8010101900001"  # a letter O
    found = find_anomalies(
        frames(
            enrollments=[enrolled(odd, "bk", V1), enrolled(odd, "ds")],
            coverage=[
                cover(odd, "bk", "2025-03-10", "2025-12-31"),
                cover(odd, "ds", "2025-11-01", "2026-10-31"),
            ],
            claims=[claim("K9", odd, "bk"), claim("K8", odd, "ds", filed="2025-02-01")],
        ),
        LATE,
    )
    assert checks(only(found, "NIK_ENROLLED_TWICE")) == [
        ("NIK_ENROLLED_TWICE", "bk, ds", f"{V1}, {V2}", 61, 0)
    ]
    assert only(found, "CLAIM_WITHOUT_ENROLLMENT").empty
    assert odd not in found.to_csv()


def test_one_programme_twice_is_not_enrolled_twice():
    """The enrolments' key is (nik, program_id): a second row of one programme is the same
    enrolment, and its overlapping covers are one cover (merged), never cover paid twice."""
    found = twice(
        [cover(NIK1, "bk", "2025-04-01", "2025-12-31")],
        enrollments=[enrolled(NIK1, "bk", V1)],
    )
    assert found.empty


def test_payment_for_more_workers_than_enrolled():
    found = find_anomalies(
        frames(
            premium_payments=[
                {
                    "payment_id": "P2",
                    "program_id": "bk",
                    "payer_code": V1,
                    "paid_date": "2025-04-01",
                    "amount": YEAR,
                    "workers_count": 1,
                    "months": 12,
                    "payment_ref": "r",
                }
            ]
        ),
        AS_OF,
    )
    assert checks(found) == [("PAID_MORE_THAN_ENROLLED", "bk", V1, 3, 2)]


def test_transfers_above_allocation_at_both_levels():
    found = find_anomalies(
        frames(
            district_transfers=[
                {
                    "transfer_id": "D2",
                    "program_id": "bk",
                    "district_code": "15.08",
                    "amount": 1,
                    "transfer_date": "2025-02-02",
                    "sp2d_no": "y",
                }
            ],
            village_transfers=[
                {
                    "transfer_id": "T2",
                    "program_id": "bk",
                    "village_code": V1,
                    "amount": 5,
                    "transfer_date": "2025-03-02",
                    "sp2d_no": "y",
                }
            ],
        ),
        AS_OF,
    )
    assert checks(found) == [
        ("TRANSFER_ABOVE_ALLOCATION", "bk", "15.08", TWO + 1, TWO),
        ("TRANSFER_ABOVE_ALLOCATION", "bk", V1, TWO + 5, TWO),
    ]


# A worker of programme bk in village V2.
OJEK_IN_V2 = {
    "nik": NIK3,
    "name": "x",
    "village_code": V2,
    "occupation": "ojek",
    "program_id": "bk",
    "registered_date": "2025-01-01",
}


def test_coverage_without_payment_and_payment_without_transfer():
    found = find_anomalies(
        frames(
            allocations=[
                {
                    "allocation_id": "A2",
                    "program_id": "bk",
                    "unit_code": V2,
                    "allocated_amount": YEAR,
                    "premium_amount": YEAR,
                    "target_workers": 1,
                    "months": 12,
                    "decree_date": "2025-01-01",
                }
            ],
            enrollments=[OJEK_IN_V2],
            # Two periods of cover, both active: one worker all the same.
            coverage=[
                {
                    "nik": NIK3,
                    "program_id": "bk",
                    "kpj_no": None,
                    "coverage_start": start,
                    "coverage_end": "2025-12-31",
                    "status": "AKTIF",
                }
                for start in ("2025-03-10", "2025-04-01")
            ],
        ),
        AS_OF,
    )
    assert checks(found) == [("COVERAGE_WITHOUT_PAYMENT", "bk", V2, 1, 0)]
    early = find_anomalies(
        frames(
            premium_payments=[
                {
                    "payment_id": "P9",
                    "program_id": "bk",
                    "payer_code": V2,
                    "paid_date": "2025-04-01",
                    "amount": YEAR,
                    "workers_count": 1,
                    "months": 12,
                    "payment_ref": "r",
                }
            ]
        ),
        AS_OF,
    )
    assert ("PAYMENT_WITHOUT_TRANSFER", "bk", V2, YEAR, 0) in checks(early)


def test_covered_workers_are_counted_once_even_with_repeated_enrollment_rows():
    """Rows handed in as they are (the store's key makes them unique; a frame need not be):
    a worker enrolled twice in one programme, with cover, is one worker covered."""
    found = find_anomalies(
        frames(
            enrollments=[OJEK_IN_V2, OJEK_IN_V2],
            coverage=[
                {
                    "nik": NIK3,
                    "program_id": "bk",
                    "kpj_no": None,
                    "coverage_start": "2025-03-10",
                    "coverage_end": "2025-12-31",
                    "status": "AKTIF",
                }
            ],
        ),
        AS_OF,
    )
    assert ("COVERAGE_WITHOUT_PAYMENT", "bk", V2, 1, 0) in checks(found)


def test_records_after_as_of_are_not_anomalies_yet():
    later = frames(
        premium_payments=[
            {
                "payment_id": "P2",
                "program_id": "bk",
                "payer_code": V1,
                "paid_date": "2025-07-01",
                "amount": YEAR,
                "workers_count": 1,
                "months": 12,
                "payment_ref": "r",
            }
        ]
    )
    assert find_anomalies(later, AS_OF).empty
    assert not find_anomalies(later, dt.date(2025, 7, 1)).empty


def test_six_monthly_payments_of_two_are_two_workers_paid():
    """v2's workers paid: the most workers paid for in any one month, not the sum."""
    monthly = frames(
        premium_payments=[
            {
                "payment_id": f"M{month}",
                "program_id": "bk",
                "payer_code": V1,
                "paid_date": f"2025-0{month}-01",
                "amount": 2 * DEFAULT_PREMIUM_RATE_MONTHLY,
                "workers_count": 2,
                "months": 1,
                "payment_ref": "r",
            }
            for month in range(1, 7)
        ]
    )
    payments = monthly["premium_payments"]
    monthly["premium_payments"] = payments[payments["payment_id"] != "P1"]
    assert find_anomalies(monthly, AS_OF).empty


def test_a_payment_for_next_years_cover_does_not_add_to_this_years_workers():
    # P1 pays 2 workers for the months April 2025..March 2026; this one from April 2026.
    later = {
        "payment_id": "P2",
        "program_id": "bk",
        "payer_code": V1,
        "paid_date": "2025-04-01",
        "amount": YEAR,
        "workers_count": 1,
        "months": 12,
        "payment_ref": "r",
        "period_start": "2026-04-01",
    }
    assert find_anomalies(frames(premium_payments=[later]), AS_OF).empty
    same_year = frames(premium_payments=[{**later, "period_start": None}])
    assert checks(find_anomalies(same_year, AS_OF)) == [("PAID_MORE_THAN_ENROLLED", "bk", V1, 3, 2)]


def test_payment_amount_off_by_one_rupiah():
    for amount in (TWO + 1, TWO - 1):
        records = frames()
        records["premium_payments"].loc[0, "amount"] = amount
        found = find_anomalies(records, AS_OF)
        assert checks(found) == [("PAYMENT_AMOUNT_MISMATCH", "bk", V1, amount, TWO)]
        assert found["subject"].tolist() == ["P1"]
        assert "2 workers" in found["detail"][0] and "12 months" in found["detail"][0]


def test_payment_amount_counts_months_and_the_programmes_rate():
    half_year = {
        "payment_id": "P2",
        "program_id": "ds",
        "payer_code": V2,
        "paid_date": "2025-04-01",
        "amount": 3 * 6 * DEFAULT_PREMIUM_RATE_MONTHLY,
        "workers_count": 3,
        "months": 6,
        "payment_ref": "r",
    }
    found = find_anomalies(frames(premium_payments=[half_year]), AS_OF)
    assert only(found, "PAYMENT_AMOUNT_MISMATCH").empty
    # bk's own rate, Rp20,000 a month: P1's Rp403,200 should have been 2 x 20,000 x 12.
    records = frames()
    records["programs"]["premium_rate_monthly"] = pd.array([20_000, None], dtype="Int64")
    assert checks(find_anomalies(records, AS_OF)) == [
        ("PAYMENT_AMOUNT_MISMATCH", "bk", V1, TWO, 480_000)
    ]
    records["premium_payments"].loc[0, "amount"] = 480_000
    assert find_anomalies(records, AS_OF).empty


def test_payment_amount_is_checked_once_the_payment_is_known():
    records = frames()
    records["premium_payments"].loc[0, "amount"] = TWO + 1
    assert find_anomalies(records, dt.date(2025, 3, 4)).empty
    assert len(find_anomalies(records, dt.date(2025, 3, 5))) == 1


def claim(claim_id: str, nik: str, program: str, filed: str = "2025-05-03") -> dict:
    return {
        "claim_id": claim_id,
        "nik": nik,
        "program_id": program,
        "benefit": "JKM",
        "event_date": "2025-05-01",
        "claim_date": filed,
        "status": "SUBMITTED",
        "paid_amount": None,
        "paid_date": None,
        "reject_reason": None,
    }


def test_claim_without_enrollment_in_its_programme():
    found = find_anomalies(
        frames(
            claims=[
                claim("K1", NIK1, "bk"),  # enrolled in bk: fine
                claim("K2", NIK3, "bk"),  # never enrolled
                claim("K3", NIK1, "ds"),  # enrolled, but in bk, not ds
                claim("K4", NIK3, "bk", filed="2025-07-01"),  # not known yet
            ]
        ),
        AS_OF,
    )
    assert checks(found) == [
        ("CLAIM_WITHOUT_ENROLLMENT", "bk", None, 0, 1),
        ("CLAIM_WITHOUT_ENROLLMENT", "ds", None, 0, 1),
    ]
    assert found["subject"].tolist() == ["1508********0003", "1508********0001"]
    assert "K2" in found["detail"][0] and "K3" in found["detail"][1]
    assert NIK1 not in found.to_csv() and NIK3 not in found.to_csv()


def test_claim_is_matched_to_enrolments_by_the_evaluation_date():
    # Filed on 2025-06-30; the worker enrolled that same day, or the day after.
    filed = claim("K1", NIK3, "bk", filed="2025-06-30")
    on_the_day = frames(claims=[filed], enrollments=[enrolled(NIK3, "bk", V1, "2025-06-30")])
    assert only(find_anomalies(on_the_day, AS_OF), "CLAIM_WITHOUT_ENROLLMENT").empty
    day_after = frames(claims=[filed], enrollments=[enrolled(NIK3, "bk", V1, "2025-07-01")])
    assert len(only(find_anomalies(day_after, AS_OF), "CLAIM_WITHOUT_ENROLLMENT")) == 1
    assert only(find_anomalies(day_after, dt.date(2025, 7, 1)), "CLAIM_WITHOUT_ENROLLMENT").empty


def test_no_nik_in_any_cell():
    found = find_anomalies(
        frames(
            enrollments=[enrolled(NIK1, "ds")],
            coverage=[cover(NIK1, "ds", "2025-03-10", "2025-12-31")],
            claims=[claim("K2", NIK3, "bk"), claim("K3", NIK2, "ds")],
        ),
        LATE,
    )
    assert {"NIK_ENROLLED_TWICE", "CLAIM_WITHOUT_ENROLLMENT"} <= set(found["check"])
    assert not re.search(r"\d{16}", found.to_csv())


def test_checks_are_listed_v1_first_then_v2():
    assert CHECKS == (
        "NIK_ENROLLED_TWICE",
        "PAID_MORE_THAN_ENROLLED",
        "TRANSFER_ABOVE_ALLOCATION",
        "COVERAGE_WITHOUT_PAYMENT",
        "PAYMENT_WITHOUT_TRANSFER",
        "PAYMENT_AMOUNT_MISMATCH",
        "CLAIM_WITHOUT_ENROLLMENT",
    )
