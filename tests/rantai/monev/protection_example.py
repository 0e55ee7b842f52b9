"""A small worked example of the engine's contract v2 frames, filled by hand (as
`rantai.stages.evaluate` will fill them), for the Perlindungan section's tests.

As of 2025-09-15:
- bkbk-2025 (Jambi, BKBK, Rp16.800 a month, predecessor bkbk-2024) in Bungo (15.08):
  V1 15.08.01.2001 10 targeted and paid for, 8 activated, 6 covered today, 2 lapsed, 3 ending
  within 30 days, 120 worker-months paid and 80 covered (40 months, Rp672.000, without cover);
  V2 15.08.01.2002 5 workers, all covered, 60 months paid and covered.
- apbd-2025 (Indragiri Hilir, APBD, no rate given: Rp16.800) 14.04: 20 targeted, 15 paid and
  covered, 2 ending; 180 months paid and 190 covered (more cover than paid: nothing unused).
- Claims: C-1 JKM in V2 paid in 10 days, C-6 JKM in V2 paid in 14; C-2 JKM in V1 (no cover on
  the event: V1's village transfer was 12 days overdue) pending past its SLA; C-5 JKM of a
  worker not enrolled, pending; C-4 JKK in 14.04 paid Rp5 juta in 21 days; C-3 JKK in 14.04
  rejected, no cover on the event (the district's premium payment had started, not yet due).
- A year earlier (2024-09-15) bkbk-2024 had, in Bungo, 8 targeted, 4 paid for, 3 covered; in
  Tebo (15.09) 5 targeted and paid for, 4 covered, 1 lapsed.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rantai.stages import (
    CLAIM_COLUMNS,
    EXPIRING_COLUMNS,
    FAILURE_COLUMNS,
    FAILURE_PLACE_COLUMNS,
    PROTECTION_COLUMNS,
    STALL_COLUMNS,
    Evaluation,
)

AS_OF = dt.date(2025, 9, 15)
LAST_YEAR = dt.date(2024, 9, 15)
V1, V2, INHIL = "15.08.01.2001", "15.08.01.2002", "14.04"
JKM = 42_000_000

NAMES = {
    "14": "Riau",
    "14.04": "Kabupaten Indragiri Hilir",
    "15": "Jambi",
    "15.08": "Kabupaten Bungo",
    "15.08.01": "Pelepat",
    "15.08.01.2001": "Rantau Keloyang",
    "15.08.01.2002": "Sungai Berembang",
    "15.09": "Kabupaten Tebo",
    "15.09.01.2001": "Teluk Kuali",
}

PROGRAMS = pd.DataFrame(
    {
        "program_id": ["bkbk-2024", "bkbk-2025", "apbd-2025"],
        "funding_source": ["BKBK", "BKBK", "APBD"],
        "province_code": ["15", "15", "14"],
        "fiscal_year": [2024, 2025, 2025],
        "name": ["BKBK Jambi 2024", "BKBK Jambi 2025", "APBD Inhil 2025"],
        "premium_rate_monthly": [16_800, 16_800, None],
        "predecessor_id": [None, "bkbk-2024", None],
    }
)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def protection_rows(as_of: dt.date, rows: list[tuple]) -> pd.DataFrame:
    """protection.csv rows: (program, funding, province, district, unit, targeted, paid,
    activated, covered, lapsed, expiring, paid months, covered months, uncovered days)."""
    return pd.DataFrame([(as_of, *r) for r in rows], columns=PROTECTION_COLUMNS)


def evaluation() -> Evaluation:
    protection = protection_rows(
        AS_OF,
        [
            ("apbd-2025", "APBD", "14", "14.04", INHIL, 20, 15, 15, 15, 0, 2, 180, 190, 900),
            ("bkbk-2025", "BKBK", "15", "15.08", V1, 10, 10, 8, 6, 2, 3, 120, 80, 500),
            ("bkbk-2025", "BKBK", "15", "15.08", V2, 5, 5, 5, 5, 0, 0, 60, 60, 0),
        ],
    )
    failures = pd.DataFrame(
        [
            ("C-2", "bkbk-2025", V1, "JKM", d("2025-08-10"), "SUBMITTED", "VILLAGE_TRANSFER",
             12, JKM, "DISTRICT", "BKBK", "15", "15.08", ""),
            ("C-3", "apbd-2025", INHIL, "JKK", d("2025-09-01"), "REJECTED", "PREMIUM_PAYMENT",
             0, None, "DISTRICT", "APBD", "14", "14.04", ""),
        ],
        columns=FAILURE_COLUMNS + FAILURE_PLACE_COLUMNS,
    )  # fmt: skip
    failures["benefit_at_stake"] = failures["benefit_at_stake"].astype("Int64")
    claims = pd.DataFrame(
        [
            ("C-1", "bkbk-2025", "BKBK", "15", "15.08", V2, "JKM", d("2025-06-01"),
             d("2025-06-03"), "PAID", JKM, d("2025-06-13"), 10, JKM, False),
            ("C-6", "bkbk-2025", "BKBK", "15", "15.08", V2, "JKM", d("2025-07-01"),
             d("2025-07-01"), "PAID", JKM, d("2025-07-15"), 14, JKM, False),
            ("C-4", "apbd-2025", "APBD", "14", "14.04", INHIL, "JKK", d("2025-07-01"),
             d("2025-07-02"), "PAID", 5_000_000, d("2025-07-23"), 21, 5_000_000, False),
            ("C-2", "bkbk-2025", "BKBK", "15", "15.08", V1, "JKM", d("2025-08-10"),
             d("2025-08-12"), "SUBMITTED", None, None, None, JKM, True),
            ("C-3", "apbd-2025", "APBD", "14", "14.04", INHIL, "JKK", d("2025-09-01"),
             d("2025-09-02"), "REJECTED", None, None, None, None, True),
            ("C-5", "bkbk-2025", "BKBK", "15", None, None, "JKM", d("2025-09-01"),
             d("2025-09-05"), "SUBMITTED", None, None, None, JKM, False),
        ],
        columns=CLAIM_COLUMNS,
    )  # fmt: skip
    for column in ("paid_amount", "days_to_payment", "benefit_at_stake"):
        claims[column] = claims[column].astype("Int64")
    expiring = pd.DataFrame(
        [
            ("bkbk-2025", "BKBK", "15", "15.08", V1, "1508015501900003", d("2025-09-30")),
            ("bkbk-2025", "BKBK", "15", "15.08", V1, "1508010101900001", d("2025-10-05")),
            ("bkbk-2025", "BKBK", "15", "15.08", V1, "1508010101900002", d("2025-09-30")),
            ("apbd-2025", "APBD", "14", "14.04", INHIL, "1404010101900007", d("2025-10-01")),
            ("apbd-2025", "APBD", "14", "14.04", INHIL, "1404010101900008", d("2025-09-20")),
        ],
        columns=EXPIRING_COLUMNS,
    )
    stalls = pd.DataFrame(
        [
            (AS_OF, "bkbk-2025", "BKBK", "15", "15.08", V1, "CLAIM_PAYMENT", "C-2",
             d("2025-08-12"), d("2025-08-26"), 34, 20, JKM, 1, "CRITICAL", "BPJS", ""),
        ],
        columns=STALL_COLUMNS,
    )  # fmt: skip
    return Evaluation(
        cases=pd.DataFrame(),
        stalls=stalls,
        programs=[],
        protection=protection,
        failures=failures,
        claims=claims,
        expiring=expiring,
    )


def last_year() -> Evaluation:
    return Evaluation(
        cases=pd.DataFrame(),
        stalls=pd.DataFrame(columns=STALL_COLUMNS),
        programs=[],
        protection=protection_rows(
            LAST_YEAR,
            [
                ("bkbk-2024", "BKBK", "15", "15.08", V1, 8, 4, 3, 3, 0, 0, 48, 30, 100),
                ("bkbk-2024", "BKBK", "15", "15.09", "15.09.01.2001", 5, 5, 5, 4, 1, 0, 60, 50, 0),
            ],
        ),
    )
