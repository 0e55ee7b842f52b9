"""Scalar and vectorised parsers of the contract's value formats."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from rantai import parsing
from rantai.parsing import (
    NIK_PROBLEMS,
    as_text,
    nik_problem,
    parse_amount,
    parse_date,
    parse_int,
    valid_nik,
)

# --- amounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("16800", 16800),
        ("16.800", 16800),
        ("1.234.567", 1234567),
        ("Rp16.800", 16800),
        ("Rp 16.800", 16800),
        ("rp16.800", 16800),
        ("RP16800", 16800),
        (" 16.800 ", 16800),
        ("1", 1),
        ("99.999.999.999.999", 99_999_999_999_999),
        (16800, 16800),
        (16800.0, 16800),
        (np.int64(5), 5),
    ],
)
def test_parse_amount_accepts_whole_rupiah(raw: object, expected: int) -> None:
    assert parse_amount(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "16800.50",
        "16800,00",
        "16,800",
        "-16800",
        "0",
        "000",
        "Rp 0",
        "168.00",
        "1.68.00",
        "16.8000",
        ".800",
        "0.800",
        "Rp",
        "Rp  16.800",
        "Rp. 16.800",
        "16800 Rp",
        "١٦٨٠٠",  # Arabic-Indic digits
        "1" * 19,
        "",
        "   ",
        None,
        float("nan"),
        16800.5,
        0,
        -5,
        True,
        dt.date(2025, 1, 1),
    ],
)
def test_parse_amount_rejects_anything_else(raw: object) -> None:
    assert parse_amount(raw) is None


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-01-05", dt.date(2025, 1, 5)),
        ("05/01/2025", dt.date(2025, 1, 5)),
        (" 2025-01-05 ", dt.date(2025, 1, 5)),
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("29/02/2024", dt.date(2024, 2, 29)),
        ("9999-12-31", dt.date(9999, 12, 31)),
        (dt.date(2025, 3, 1), dt.date(2025, 3, 1)),
        (dt.datetime(2025, 3, 1, 0, 0), dt.date(2025, 3, 1)),
        (dt.datetime(2025, 3, 1, 10, 30), dt.date(2025, 3, 1)),
        (pd.Timestamp("2025-03-02"), dt.date(2025, 3, 2)),
    ],
)
def test_parse_date_accepts_iso_dmy_and_excel_dates(raw: object, expected: dt.date) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "2023-02-29",
        "30/02/2025",
        "31/04/2025",
        "2025-13-01",
        "2025-00-10",
        "0000-01-01",
        "2025-1-5",
        "5/1/2025",
        "2025/01/05",
        "05-01-2025",
        "01/05/25",
        "2025-01-05T00:00",
        "20250105",
        "",
        None,
        pd.NaT,
        45000,
    ],
)
def test_parse_date_rejects_anything_else(raw: object) -> None:
    assert parse_date(raw) is None


# --- ints -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", 12), ("007", 7), ("-3", -3), (" 5 ", 5), (5, 5), (5.0, 5), ("0", 0)],
)
def test_parse_int_accepts_digits(raw: object, expected: int) -> None:
    assert parse_int(raw) == expected


@pytest.mark.parametrize("raw", ["+3", "1.0", "1,0", "1.000", "one", "", None, 5.5, True, "1" * 19])
def test_parse_int_rejects_anything_else(raw: object) -> None:
    assert parse_int(raw) is None


# --- NIK --------------------------------------------------------------------------------------

VALID_MALE = "1508011005900001"  # Jambi, born 10 May 1990
VALID_FEMALE = "1508015005900001"  # Jambi, born 10 May 1990, DD + 40


@pytest.mark.parametrize(
    "nik",
    [
        VALID_MALE,
        VALID_FEMALE,
        "1508017112990001",  # woman born 31 Dec 1999: DD 71
        "1508012902000001",  # 29 Feb 2000
        "1508016902960001",  # woman born 29 Feb 1996
        "9204010101010001",  # province 92 exists
        1508015005900001,  # an Excel number cell
    ],
)
def test_valid_nik(nik: object) -> None:
    assert valid_nik(nik)
    assert nik_problem(nik) is None


@pytest.mark.parametrize(
    ("nik", "problem"),
    [
        ("150801500590001", 1),  # 15 digits
        ("15080150059000011", 1),  # 17 digits
        ("15080150059000a1", 1),
        ("1508-01-50059000", 1),
        ("", 1),
        (None, 1),
        ("9908015005900001", 2),  # no province 99
        ("2008015005900001", 2),  # nor 20
        ("1508013002900001", 3),  # 30 Feb
        ("1508017002900001", 3),  # 30 Feb, woman
        ("1508012902010001", 3),  # 29 Feb 2001/1901
        ("1508013605900001", 3),  # DD 36: neither a man's nor a woman's day
        ("1508010005900001", 3),  # day 0
        ("1508014005900001", 3),  # DD 40: a woman's day 0
        ("1508017205900001", 3),  # DD 72: a woman's day 32
        ("1508011013900001", 3),  # month 13
        ("1508011000900001", 3),  # month 0
        ("1508015005900000", 4),  # serial 0000
    ],
)
def test_invalid_nik(nik: object, problem: int) -> None:
    assert not valid_nik(nik)
    assert nik_problem(nik) == NIK_PROBLEMS[problem]


def test_nik_problem_reports_the_first_rule_broken() -> None:
    # Bad province, bad birth date and serial 0000 at once: the province is reported.
    assert nik_problem("9908013002900000") == NIK_PROBLEMS[2]


# --- text -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" a b ", "a b"),
        ("", None),
        ("  ", None),
        (None, None),
        (float("nan"), None),
        (16800.0, "16800"),
        (15.08, "15.08"),
        (1508012001, "1508012001"),
        (dt.datetime(2025, 1, 1), "2025-01-01"),
        (dt.datetime(2025, 1, 1, 10, 30), "2025-01-01 10:30:00"),
        (dt.date(2025, 1, 1), "2025-01-01"),
    ],
)
def test_as_text_shows_cells_as_written(raw: object, expected: str | None) -> None:
    assert as_text(raw) == expected


def test_texts_is_vectorised_as_text() -> None:
    raw = pd.Series([" a ", "", None, 16800.0, dt.datetime(2025, 1, 1)], index=[5, 6, 7, 8, 9])
    shown = parsing.texts(raw)
    assert list(shown.index) == [5, 6, 7, 8, 9]
    assert shown.tolist() == ["a", pd.NA, pd.NA, "16800", "2025-01-01"]


# --- vectorised parsers agree with the scalar ones ---------------------------------------------

TRICKY = [
    "16800",
    "16.800",
    "1.234.567",
    "Rp16.800",
    "Rp 16.800",
    "rp16.800",
    " Rp16800 ",
    "16800.50",
    "16800,00",
    "16,800",
    "-16800",
    "-3",
    "+3",
    "0",
    "007",
    "168.00",
    "1.68.00",
    "1" * 19,
    "2025-01-05",
    "05/01/2025",
    " 29/02/2024 ",
    "2023-02-29",
    "31/04/2025",
    "0000-01-01",
    "2025-1-5",
    VALID_MALE,
    VALID_FEMALE,
    "1508015005900000",
    "9908015005900001",
    "1508013002900001",
    "150801500590000",
    "15080150059000011",
    "١٦٨٠٠",
    "",
    "  ",
    None,
    float("nan"),
    pd.NA,
    pd.NaT,
    16800,
    16800.0,
    16800.5,
    0,
    True,
    1508015005900001,
    dt.date(2025, 3, 1),
    dt.datetime(2025, 3, 1, 10, 30),
]


def _series(values: list[object]) -> pd.Series:
    # An index that is not 0..n-1, to check results come back on the input's index.
    return pd.Series(values, index=range(100, 100 + len(values)), dtype=object)


def test_amounts_agree_with_parse_amount() -> None:
    values, ok = parsing.amounts(_series(TRICKY))
    expected = [parse_amount(v) for v in TRICKY]
    assert values.dtype == "Int64"
    assert list(values.index) == list(range(100, 100 + len(TRICKY)))
    assert [None if pd.isna(v) else int(v) for v in values] == expected
    assert ok.tolist() == [e is not None for e in expected]


def test_ints_agree_with_parse_int() -> None:
    values, ok = parsing.ints(_series(TRICKY))
    expected = [parse_int(v) for v in TRICKY]
    assert values.dtype == "Int64"
    assert [None if pd.isna(v) else int(v) for v in values] == expected
    assert ok.tolist() == [e is not None for e in expected]


def test_dates_agree_with_parse_date() -> None:
    values, ok = parsing.dates(_series(TRICKY))
    expected = [parse_date(v) for v in TRICKY]
    assert values.dtype == "datetime64[us]"
    assert [None if pd.isna(v) else v.date() for v in values] == expected
    assert ok.tolist() == [e is not None for e in expected]
    assert (values.dropna() == values.dropna().dt.normalize()).all()


def test_niks_agree_with_valid_nik() -> None:
    assert parsing.niks_valid(_series(TRICKY)).tolist() == [valid_nik(v) for v in TRICKY]
    assert parsing.nik_problems(_series(TRICKY)).tolist() == [nik_problem(v) for v in TRICKY]


@pytest.mark.parametrize("dtype", ["object", "str", "string"])
def test_vectorised_parsers_take_any_text_dtype(dtype: str) -> None:
    raw = pd.Series(["Rp 16.800", None, "05/01/2025", VALID_FEMALE], dtype=dtype)
    # A NIK's 16 digits are more rupiah than one amount may carry (bounds.AMOUNT_MAX).
    assert parsing.amounts(raw)[1].tolist() == [True, False, False, False]
    assert parsing.dates(raw)[1].tolist() == [False, False, True, False]
    assert parsing.niks_valid(raw).tolist() == [False, False, False, True]


def test_vectorised_parsers_take_an_empty_series() -> None:
    empty = pd.Series([], dtype=object)
    assert len(parsing.amounts(empty)[0]) == 0
    assert len(parsing.dates(empty)[0]) == 0
    assert len(parsing.ints(empty)[0]) == 0
    assert len(parsing.niks_valid(empty)) == 0


def test_niks_valid_handles_a_column_larger_than_one_chunk() -> None:
    n = parsing._NIK_CHUNK + 3
    niks = pd.Series([VALID_FEMALE] * n)
    niks.iloc[-1] = "1508015005900000"
    valid = parsing.niks_valid(niks)
    assert valid.sum() == n - 1
    assert not valid.iloc[-1]
