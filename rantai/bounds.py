"""The bounds every stored value keeps, so that whatever validation lets in can be evaluated.

One place for them: validation quarantines what lies outside, the command line refuses an
evaluation date outside, and the evaluation relies on them (no overflow, no out-of-range date).
Sums of amounts are exact whatever the row count: `group_sum` and `whole` below.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

# Dates a record or an evaluation may carry. pandas' nanosecond timestamps end in 2262; these
# bounds keep every date and every date plus an SLA inside that range.
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2099, 12, 31)
# A coverage_end later than DATE_MAX (9999-12-31 is a common way to write "no end") means
# open-ended cover: it is stored, and evaluated, as DATE_MAX, which no evaluation date passes.
OPEN_END = DATE_MAX

# The most rupiah one amount may carry: 14 digits, below Rp 100 trillion (the whole national
# budget is about Rp 3,600 trillion a year, spread over hundreds of thousands of lines).
AMOUNT_MAX = 99_999_999_999_999
# The most days an SLA may grant: ten years. DATE_MAX plus this is still far inside 2262.
SLA_DAYS_MAX = 3_650
# The most workers one allocation line or one payment may count: the nation's target. Sums of
# counts need no care: passing 2**53 would take 900 million lines at this bound.
WORKERS_MAX = 10_000_000

# Amounts, though, can add up past 64 bits (92,234 lines of AMOUNT_MAX do). Below this total a
# column's sums, sums of sums and their differences are exact in int64, and in the float64 that
# pandas turns an int column with gaps into; past it they are Python ints.
SAFE_TOTAL = 2**53


def fits(values: pd.Series | np.ndarray) -> bool:
    """Whether the non-negative whole numbers' total is below SAFE_TOTAL (int64 is exact)."""
    array = np.asarray(values)
    if array.dtype == object:
        return sum(abs(int(v)) for v in array if not pd.isna(v)) < SAFE_TOTAL
    # A float total is off by far less than the margin between SAFE_TOTAL and 2**63.
    return float(np.abs(array).sum(dtype=np.float64)) < SAFE_TOTAL


def whole(values: pd.Series) -> pd.Series:
    """Whole numbers with gaps as 0: int64 while they fit, else exact Python ints (object)."""
    filled = values.fillna(0)
    if filled.dtype != object:
        return filled.astype("int64")
    numbers = [int(v) for v in filled.tolist()]
    if fits(np.array(numbers, dtype=object)):
        return pd.Series(numbers, index=values.index, dtype="int64", name=values.name)
    return pd.Series(numbers, index=values.index, dtype=object, name=values.name)


def group_sum(
    frame: pd.DataFrame, keys: str | list[str], column: str, sort: bool = False
) -> pd.Series:
    """`frame.groupby(keys, sort=sort)[column].sum()` of non-negative whole numbers, exact
    whatever the row count: int64 where the column fits, else Python ints.

    pandas sums an object column of Python ints in int64 too, and wraps. Past SAFE_TOTAL each
    value is split into its high and low 32 bits, each summed in int64 (exact up to 2**31
    rows), and the two sums joined per group as Python ints.
    """
    values = frame[column]
    if fits(values):
        return frame.groupby(keys, sort=sort)[column].sum().astype("int64")
    if values.dtype == object:
        numbers = [int(v) for v in values.tolist()]
        high = np.array([v >> 32 for v in numbers], dtype=np.int64)
        low = np.array([v & 0xFFFFFFFF for v in numbers], dtype=np.int64)
    else:
        array = values.to_numpy(dtype=np.int64)
        high, low = array >> 32, array & 0xFFFFFFFF
    names = [keys] if isinstance(keys, str) else keys
    halves = frame[names].assign(_high=high, _low=low)
    sums = halves.groupby(keys, sort=sort)[["_high", "_low"]].sum()
    totals = [
        (int(h) << 32) + int(lo)
        for h, lo in zip(sums["_high"].tolist(), sums["_low"].tolist(), strict=True)
    ]
    return whole(pd.Series(totals, index=sums.index, dtype=object, name=column))
