"""Facts of the chain that every rule reads: which records are known on a date, the district of
a code, the unit a worker counts for, who is covered on a day, a worker's key, how bad a stall is.

One function each, called by the stage rules (`rantai.stages`), the anomalies
(`rantai.anomalies`) and the Monev report (`rantai.monev`), so that none of them can say it
differently. Vectorised: a national run has 75,000 desa and millions of workers.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from rantai.records import SOURCES, CoverageStatus, FundingSource


class Severity(StrEnum):
    """How bad a stalled step is: CRITICAL once it is overdue by more than its SLA."""

    CRITICAL = "CRITICAL"
    WARNING = "WARNING"


# Worst first, for sorting.
SEVERITY_ORDER: dict[str, int] = {s.value: i for i, s in enumerate(Severity)}

# A valid NIK is 16 digits and starts with a province code (no leading zero): at least this,
# and below NIK_BOUND, so its integer value identifies it.
_NIK_LEAST = 10**15
NIK_BOUND = 10**16


def _dates(column: pd.Series) -> pd.Series:
    """A date column as datetimes; one that holds them already is used as it is, not copied."""
    return column if pd.api.types.is_datetime64_any_dtype(column) else pd.to_datetime(column)


def known_mask(frame: pd.DataFrame, source: str, as_of: dt.date | pd.Timestamp) -> pd.Series:
    """Which of a source's records are known on `as_of`: those whose own date (decree_date,
    transfer_date, paid_date, registered_date, coverage_start) is on or before it."""
    date = SOURCES[source].known_date
    if date is None:
        return pd.Series(True, index=frame.index)
    return _dates(frame[date]) <= pd.Timestamp(as_of)


def known_on(frame: pd.DataFrame, source: str, as_of: dt.date | pd.Timestamp) -> pd.DataFrame:
    """A source's records known on `as_of` (see `known_mask`)."""
    if SOURCES[source].known_date is None:
        return frame
    return frame.loc[known_mask(frame, source, as_of)]


def district_of(codes: pd.Series) -> pd.Series:
    """The district part of each dotted code (`15.08.01.2001` -> `15.08`); a missing code
    stays missing. Millions of workers live in tens of thousands of villages: each distinct
    code is cut once."""
    position, distinct = pd.factorize(codes)
    cut = pd.Series(distinct, dtype=object).astype(str).str.slice(0, 5).to_numpy(dtype=object)
    district = np.append(cut, np.array([None], dtype=object))[position]
    return pd.Series(pd.array(district, dtype=codes.dtype), index=codes.index, name=codes.name)


def unit_of_worker(village_codes: pd.Series, funding_sources: pd.Series) -> pd.Series:
    """The unit a worker counts for: the village of the enrolment, or its district for an
    APBD programme (the district pays)."""
    return village_codes.where(
        funding_sources.to_numpy(dtype=object) != FundingSource.APBD.value,
        district_of(village_codes),
    )


def covered_mask(coverage: pd.DataFrame, day: dt.date | pd.Timestamp) -> np.ndarray[Any, Any]:
    """Which coverage rows hold cover on `day`: AKTIF, coverage_start <= day <= coverage_end.
    (Only the rows of enrolled workers count: the caller joins them to the enrolments.)"""
    day = pd.Timestamp(day)
    start, end = _dates(coverage["coverage_start"]), _dates(coverage["coverage_end"])
    aktif = coverage["status"].to_numpy(dtype=object) == CoverageStatus.AKTIF.value
    return aktif & (start <= day).to_numpy(dtype=bool) & (end >= day).to_numpy(dtype=bool)


def nik_ids(*columns: pd.Series) -> list[np.ndarray[Any, Any]]:
    """Each column's NIKs as int64, equal exactly when the NIKs are: hashing millions of NIK
    strings (to merge, count distinct or find repeats) costs seconds, integers a fraction.
    Valid NIKs give their own values; anything else gives codes that hold within this call."""
    cells = [c.to_numpy(dtype=object) for c in columns]
    try:
        numbers = [c.astype(np.int64) for c in cells]
        if all(((n >= _NIK_LEAST) & (n < NIK_BOUND)).all() for n in numbers):
            return numbers
    except (TypeError, ValueError, OverflowError):
        pass
    codes = pd.factorize(np.concatenate(cells))[0].astype(np.int64)
    bounds = np.cumsum([0, *(len(c) for c in cells)])
    return [codes[start:stop] for start, stop in zip(bounds[:-1], bounds[1:], strict=True)]


def are_niks(ids: np.ndarray[Any, Any]) -> bool:
    """Whether `nik_ids` gave the NIKs' own values (not codes that only hold within a call)."""
    return not len(ids) or bool(ids.min() >= _NIK_LEAST)


def worker_keys(
    programs: list[np.ndarray[Any, Any]], ids: list[np.ndarray[Any, Any]]
) -> list[np.ndarray[Any, Any]] | None:
    """One int64 per (programme, worker): `programs` are programme codes (-1 for none) and
    `ids` the workers' `nik_ids` of one call, pairwise. Equal exactly when both are equal;
    None when there are too many programmes to pack them so."""
    width = (
        NIK_BOUND
        if all(are_niks(i) for i in ids)
        else max((int(i.max()) + 1 for i in ids if len(i)), default=1)
    )
    slots = max((int(p.max()) + 2 for p in programs if len(p)), default=1)
    if slots >= 2**63 // width:
        return None
    return [
        (program.astype(np.int64) + 1) * width + worker
        for program, worker in zip(programs, ids, strict=True)
    ]


def once_per_worker(frame: pd.DataFrame, value: str) -> pd.Series:
    """A per-step quantity added up so that each worker counts once, per (programme, district).

    A unit counts the largest of its stalled steps (a stalled transfer and the premium behind
    it are the same workers); a district counts the larger of its own case (a district
    transfer covers all its villages' workers) and the sum of its villages.
    """
    if frame.empty:
        return pd.Series(
            dtype="int64",
            index=pd.MultiIndex.from_arrays([[], []], names=["program_id", "district_code"]),
        )
    per_unit = frame.groupby(["program_id", "unit_code"], sort=False)[value].max().reset_index()
    per_unit["district_code"] = district_of(per_unit["unit_code"].astype(str))
    own = per_unit["unit_code"] == per_unit["district_code"]
    key = ["program_id", "district_code"]
    district_case = per_unit.loc[own].groupby(key)[value].sum()
    villages = per_unit.loc[~own].groupby(key)[value].sum()
    both = pd.concat([district_case.rename("own"), villages.rename("villages")], axis=1)
    return both.fillna(0).max(axis=1).astype("int64").rename(value)


# --- periods (contract v2): months of cover, episodes, workers paid ----------------------------


def _days(dates: pd.Series | np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.asarray(dates, dtype="datetime64[D]")


def add_months(dates: pd.Series | np.ndarray[Any, Any], months: Any) -> np.ndarray[Any, Any]:
    """`d + k months`: the same day of the month k months later, clamped to the last day of a
    shorter month (2025-01-31 + 1 month = 2025-02-28). Vectorised over dates and k."""
    days = _days(dates)
    month = days.astype("datetime64[M]")
    day_of_month = (days - month.astype("datetime64[D]")).astype(np.int64)  # 0-based
    target = month + np.asarray(months, dtype=np.int64)
    month_length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    return target.astype("datetime64[D]") + np.minimum(day_of_month, month_length - 1)


def period_end(starts: pd.Series | np.ndarray[Any, Any], months: Any) -> np.ndarray[Any, Any]:
    """The last day of a period of k months from s: (s + k months) - 1 day."""
    return add_months(starts, months) - np.timedelta64(1, "D")


def episode_months(
    starts: pd.Series | np.ndarray[Any, Any], ends: pd.Series | np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """The months of each episode: the largest k with start + k months - 1 day <= end
    (2025-05-15..2026-05-14 is 12; 2025-03-12..2025-12-31 is 9; shorter than a month is 0)."""
    start, end = _days(starts), _days(ends)
    # The months between the two calendar months is the answer, or one more or one less.
    guess = (end.astype("datetime64[M]") - start.astype("datetime64[M]")).astype(np.int64)
    months = guess - 1
    for k in (guess, guess + 1):
        months = np.where(period_end(start, k) <= end, k, months)
    return np.maximum(months, 0)


def merge_episodes(
    keys: np.ndarray[Any, Any],
    starts: pd.Series | np.ndarray[Any, Any],
    ends: pd.Series | np.ndarray[Any, Any],
) -> pd.DataFrame:
    """Episodes of one key (a worker) that overlap or touch, one ending the day before the next
    starts, merged into one: a frame of key, start, end, one row per merged episode, sorted.
    One sweep over episodes sorted by key and start, no row-by-row loop."""
    frame = pd.DataFrame({"key": keys, "start": _days(starts), "end": _days(ends)})
    frame = frame.sort_values(["key", "start"], kind="stable").reset_index(drop=True)
    if frame.empty:
        return frame
    key = frame["key"].to_numpy()
    # The latest end so far within the key, before each row.
    reach = frame.groupby("key", sort=False)["end"].cummax().to_numpy()
    before = np.empty_like(reach)
    before[1:] = reach[:-1]
    new_key = np.ones(len(frame), dtype=bool)
    new_key[1:] = key[1:] != key[:-1]
    starts_new = new_key | (frame["start"].to_numpy() > before + np.timedelta64(1, "D"))
    episode = np.cumsum(starts_new)
    merged = frame.groupby(episode, sort=False).agg(
        key=("key", "first"), start=("start", "min"), end=("end", "max")
    )
    return merged.reset_index(drop=True)


def period_starts(payments: pd.DataFrame) -> pd.Series:
    """The first day of the cover each payment buys: its period_start, else its paid_date."""
    return pd.to_datetime(payments["period_start"]).fillna(pd.to_datetime(payments["paid_date"]))


def workers_paid(
    units: np.ndarray[Any, Any],
    period_starts: pd.Series | np.ndarray[Any, Any],
    months: Any,
    workers_count: Any,
) -> pd.Series:
    """A unit's workers paid: a payment pays for its workers_count in every calendar month whose
    first day lies in its period; the unit's figure is the most workers paid for in any one
    month (one payment of 10 for 12 months: 10; six monthly payments of 3: 3; 1,500 from
    April and a top-up of 500 from July: 2,000). Indexed by unit."""
    start = _days(period_starts)
    end = period_end(start, months)
    start_month = start.astype("datetime64[M]")
    # The first month whose first day is in the period: the start's own when it is a 1st.
    first = np.where(start == start_month.astype("datetime64[D]"), start_month, start_month + 1)
    last = end.astype("datetime64[M]")
    paying = first <= last
    count = np.asarray(workers_count, dtype=np.int64)[paying]
    unit = np.asarray(units, dtype=object)[paying]
    # A sweep: each payment adds its workers from its first month and takes them away after
    # its last; the running sum per unit, month by month, peaks at the answer.
    events = pd.DataFrame(
        {
            "unit": np.concatenate([unit, unit]),
            "month": np.concatenate([first[paying], last[paying] + 1]),
            "change": np.concatenate([count, -count]),
        }
    )
    by_month = events.groupby(["unit", "month"], sort=True)["change"].sum()
    running = by_month.groupby(level="unit", sort=False).cumsum()
    peak = running.groupby(level="unit", sort=False).max()
    return peak.clip(lower=0).astype("int64").rename("workers_paid")
