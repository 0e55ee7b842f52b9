"""Anomaly checks: each one found where the records do not add up, none where they do."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rantai.anomalies import find_anomalies
from rantai.store.queries import typed

AS_OF = dt.date(2025, 6, 30)
V1, V2 = "15.08.01.2001", "15.08.01.2002"
NIK1, NIK2, NIK3 = "1508010101900001", "1508010101900002", "1508010101900003"


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
                "allocated_amount": 1000,
                "premium_amount": 1000,
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
                "amount": 1000,
                "transfer_date": "2025-02-01",
                "sp2d_no": "x",
            },
        ],
        "village_transfers": [
            {
                "transfer_id": "T1",
                "program_id": "bk",
                "village_code": V1,
                "amount": 1000,
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
                "amount": 1000,
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


def test_nik_enrolled_in_two_programmes_is_masked():
    found = find_anomalies(
        frames(
            enrollments=[
                {
                    "nik": NIK1,
                    "name": "x",
                    "village_code": V2,
                    "occupation": "petani",
                    "program_id": "ds",
                    "registered_date": "2025-01-01",
                }
            ]
        ),
        AS_OF,
    )
    assert checks(found) == [("NIK_ENROLLED_TWICE", "bk, ds", f"{V1}, {V2}", 2, 1)]
    assert found["subject"].tolist() == ["1508********0001"]
    assert NIK1 not in found.to_csv()


def test_payment_for_more_workers_than_enrolled():
    found = find_anomalies(
        frames(
            premium_payments=[
                {
                    "payment_id": "P2",
                    "program_id": "bk",
                    "payer_code": V1,
                    "paid_date": "2025-04-01",
                    "amount": 500,
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
        ("TRANSFER_ABOVE_ALLOCATION", "bk", "15.08", 1001, 1000),
        ("TRANSFER_ABOVE_ALLOCATION", "bk", V1, 1005, 1000),
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
                    "allocated_amount": 500,
                    "premium_amount": 500,
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
                    "amount": 100,
                    "workers_count": 0 + 1,
                    "months": 12,
                    "payment_ref": "r",
                }
            ]
        ),
        AS_OF,
    )
    assert ("PAYMENT_WITHOUT_TRANSFER", "bk", V2, 100, 0) in checks(early)


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
                "amount": 500,
                "workers_count": 1,
                "months": 12,
                "payment_ref": "r",
            }
        ]
    )
    assert find_anomalies(later, AS_OF).empty
    assert not find_anomalies(later, dt.date(2025, 7, 1)).empty
