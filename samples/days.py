"""Dates of the story as day numbers (integers keep the generator vectorised)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from rantai.chain import period_end
from rantai.records import DEFAULT_PREMIUM_RATE_MONTHLY

DEMO_AS_OF = dt.date(2025, 11, 7)
FISCAL_YEAR = 2025

RATE = DEFAULT_PREMIUM_RATE_MONTHLY
MONTHS = 12
YEAR_PREMIUM = RATE * MONTHS  # one worker's premium for the year
EPOCH = dt.date(1970, 1, 1)
NO_DATE = -1  # a day number meaning "none"; 1969-12-31 is never a story date


def day_number(value: dt.date | str) -> int:
    """Days since 1970-01-01: the story computes dates as integers to stay vectorised."""
    date = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return (date - EPOCH).days


# The story is told as reported on DEMO_AS_OF; nothing in it happens later.
HORIZON = day_number(DEMO_AS_OF)


def horizon(year: int) -> int:
    """The last day a programme of fiscal year `year` still acts in the story: its year's end,
    or the report date for this year's programmes (the story knows nothing later)."""
    return min(HORIZON, day_number(f"{year}-12-31"))


def cover_end(starts: np.ndarray, months: int | np.ndarray = MONTHS) -> np.ndarray:
    """The last day of `months` of cover from each start (day numbers; `rantai.chain.period_end`,
    so a start on the 31st ends as the contract clamps it)."""
    days = np.asarray(starts, dtype=np.int64).astype("datetime64[D]")
    return period_end(days, months).astype(np.int64)
