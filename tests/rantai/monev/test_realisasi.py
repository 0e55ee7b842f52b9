"""Realisasi: pagu / realisasi / sisa / % per money step and quarter, per programme and
district (rantai.monev.realisasi), worked by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from rantai.monev.data import known_records
from rantai.monev.realisasi import quarters_reported, realisasi_tables
from rantai.scope import Scope
from tests.rantai.test_stages import (
    BUNGO,
    INHU_APBDES,
    JAMBI,
    JAMBI_BKBK,
    LUBUK_NIUR,
    PEDUKUN,
    RIAU,
    SELAM_PAUNG,
    SUNGAI_GUNTUNG_TENGAH,
    allocation,
    district_transfer,
    payment,
    program,
    typed,
    village_transfer,
)

KERINCI = "15.01"
M = 1_000_000


def sources() -> dict[str, list[dict[str, Any]]]:
    """BKBK Jambi 2025: Bungo (Pedukun 100 jt, Lubuk Niur 50 jt) and Kerinci (Selam Paung
    30 jt), premiums 60 + 30 + 20 jt; APBDes Inhu 2025: one village, 10 jt, premium 8 jt."""
    return {
        "programs": [program(JAMBI_BKBK, "BKBK", JAMBI), program(INHU_APBDES, "APBDES", RIAU)],
        "allocations": [
            allocation(JAMBI_BKBK, PEDUKUN, 100 * M, 60 * M, 10, "2025-01-20"),
            allocation(JAMBI_BKBK, LUBUK_NIUR, 50 * M, 30 * M, 5, "2025-01-20"),
            allocation(JAMBI_BKBK, SELAM_PAUNG, 30 * M, 20 * M, 3, "2025-04-10"),
            allocation(INHU_APBDES, SUNGAI_GUNTUNG_TENGAH, 10 * M, 8 * M, 2, "2024-12-25"),
        ],
        "district_transfers": [
            district_transfer(JAMBI_BKBK, BUNGO, 90 * M, "2025-03-31"),  # the last day of TW I
            district_transfer(JAMBI_BKBK, BUNGO, 60 * M, "2025-04-01"),
            district_transfer(JAMBI_BKBK, KERINCI, 30 * M, "2025-08-01"),
        ],
        "village_transfers": [
            village_transfer(JAMBI_BKBK, PEDUKUN, 100 * M, "2025-05-02"),
            village_transfer(JAMBI_BKBK, LUBUK_NIUR, 20 * M, "2025-07-15"),
            # Dated after the report date: not known yet.
            village_transfer(JAMBI_BKBK, SELAM_PAUNG, 30 * M, "2025-08-20"),
        ],
        "premium_payments": [
            payment(JAMBI_BKBK, PEDUKUN, "2025-06-01", 60 * M, 10),
            payment(INHU_APBDES, SUNGAI_GUNTUNG_TENGAH, "2025-02-03", 5 * M, 2),
        ],
    }


AS_OF = dt.date(2025, 8, 15)


def tables(as_of: dt.date = AS_OF, scope: Scope | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames = {name: typed(name, rows) for name, rows in sources().items()}
    return realisasi_tables(known_records(frames, as_of), as_of, scope or Scope(), {})


def cut(frame: pd.DataFrame, **where: Any) -> list[tuple[Any, ...]]:
    rows = frame
    for column, value in where.items():
        rows = rows.loc[rows[column] == value]
    return [
        (r.quarter, r.until, r.pagu, r.realisasi, r.sisa, r.percent_tenths)
        for r in rows.itertuples(index=False)
    ]


def test_quarters_reported_are_those_begun_each_to_its_end_or_the_report_date() -> None:
    assert quarters_reported(2025, dt.date(2025, 8, 15)) == [
        (1, dt.date(2025, 3, 31)),
        (2, dt.date(2025, 6, 30)),
        (3, dt.date(2025, 8, 15)),
    ]
    assert quarters_reported(2025, dt.date(2026, 2, 1))[-1] == (4, dt.date(2025, 12, 31))
    assert quarters_reported(2025, dt.date(2024, 12, 1)) == [(1, dt.date(2024, 12, 1))]


def test_realisasi_is_cumulative_to_each_quarter_end_and_sisa_is_pagu_less_realisasi() -> None:
    _, districts = tables()
    q1, q2, q3 = dt.date(2025, 3, 31), dt.date(2025, 6, 30), AS_OF
    assert cut(districts, district_code=BUNGO, step="DISTRICT_TRANSFER") == [
        (1, q1, 150 * M, 90 * M, 60 * M, 600),
        (2, q2, 150 * M, 150 * M, 0, 1000),
        (3, q3, 150 * M, 150 * M, 0, 1000),
    ]
    assert cut(districts, district_code=BUNGO, step="VILLAGE_TRANSFER") == [
        (1, q1, 150 * M, 0, 150 * M, 0),
        (2, q2, 150 * M, 100 * M, 50 * M, 667),
        (3, q3, 150 * M, 120 * M, 30 * M, 800),
    ]
    # Premiums: pagu is the premium part.
    assert cut(districts, district_code=BUNGO, step="PREMIUM_PAYMENT")[-1] == (
        3,
        q3,
        90 * M,
        60 * M,
        30 * M,
        667,
    )
    # Kerinci: decreed in April, transferred in August; its village transfer is not known yet.
    assert cut(districts, district_code=KERINCI, step="ALLOCATION") == [
        (1, q1, 30 * M, 0, 30 * M, 0),
        (2, q2, 30 * M, 30 * M, 0, 1000),
        (3, q3, 30 * M, 30 * M, 0, 1000),
    ]
    assert cut(districts, district_code=KERINCI, step="VILLAGE_TRANSFER")[-1][3] == 0
    # The APBDes programme has no transfer steps; its December decree counts in TW I.
    inhu = districts.loc[districts["program_id"] == INHU_APBDES]
    assert sorted(set(inhu["step"])) == ["ALLOCATION", "PREMIUM_PAYMENT"]
    assert cut(inhu, step="PREMIUM_PAYMENT")[0] == (1, q1, 8 * M, 5 * M, 3 * M, 625)
    for frame in tables():
        assert (frame["sisa"] == frame["pagu"] - frame["realisasi"]).all()
        for column in ("pagu", "realisasi", "sisa"):
            assert frame[column].dtype == "int64", column


def test_a_programmes_rows_are_the_sums_of_its_districts() -> None:
    programs, districts = tables()
    keys = ["program_id", "step", "quarter"]
    summed = districts.groupby(keys)[["pagu", "realisasi", "sisa"]].sum()
    mine = programs.set_index(keys)[["pagu", "realisasi", "sisa"]]
    pd.testing.assert_frame_equal(mine.sort_index(), summed.sort_index())
    assert (programs["district_code"] == "").all()
    bkbk = programs.loc[(programs["program_id"] == JAMBI_BKBK) & (programs["quarter"] == 3)]
    assert [(r.step, r.pagu, r.realisasi, r.percent_tenths) for r in bkbk.itertuples()] == [
        ("ALLOCATION", 180 * M, 180 * M, 1000),
        ("DISTRICT_TRANSFER", 180 * M, 180 * M, 1000),
        ("VILLAGE_TRANSFER", 180 * M, 120 * M, 667),
        ("PREMIUM_PAYMENT", 110 * M, 60 * M, 545),
    ]


def test_money_after_the_fiscal_year_is_the_next_years_and_a_scope_cuts_the_records() -> None:
    extra = sources()
    extra["premium_payments"].append(payment(JAMBI_BKBK, LUBUK_NIUR, "2026-01-10", 30 * M, 5))
    frames = {name: typed(name, rows) for name, rows in extra.items()}
    as_of = dt.date(2026, 2, 1)
    _, districts = realisasi_tables(known_records(frames, as_of), as_of, Scope(), {})
    bungo = cut(districts, program_id=JAMBI_BKBK, district_code=BUNGO, step="PREMIUM_PAYMENT")
    assert bungo[-1] == (4, dt.date(2025, 12, 31), 90 * M, 60 * M, 30 * M, 667)

    programs, districts = tables(scope=Scope(program_id=JAMBI_BKBK, codes=(KERINCI,)))
    assert set(districts["district_code"]) == {KERINCI}
    assert set(programs["program_id"]) == {JAMBI_BKBK}
    assert programs.loc[programs["step"] == "ALLOCATION", "pagu"].tolist() == [30 * M] * 3
