"""Anomaly checks: records that are each valid but do not add up together.

They do not stop a step (the stage rules decide that); they are what an auditor asks about:
one NIK whose cover is paid twice by two programmes, premiums for more workers than enrolled,
transfers above the allocation, cover nobody paid for, premiums paid by a village that never
received money, a payment whose amount is not workers x rate x months, a claim of a worker
the programme never enrolled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from rantai.bounds import SAFE_TOTAL, group_sum, whole
from rantai.chain import (
    are_niks,
    covered_mask,
    district_of,
    known_on,
    merge_episodes,
    nik_ids,
    period_starts,
    unit_of_worker,
    worker_keys,
    workers_paid,
)
from rantai.records import (
    DEFAULT_PREMIUM_RATE_MONTHLY,
    SOURCES,
    CoverageStatus,
    FundingSource,
    mask_nik,
)

ANOMALY_COLUMNS = ["check", "program_id", "unit_code", "subject", "observed", "expected", "detail"]

# The checks' names; they are listed in the order their functions are registered below.
NIK_ENROLLED_TWICE = "NIK_ENROLLED_TWICE"
PAID_MORE_THAN_ENROLLED = "PAID_MORE_THAN_ENROLLED"
TRANSFER_ABOVE_ALLOCATION = "TRANSFER_ABOVE_ALLOCATION"
COVERAGE_WITHOUT_PAYMENT = "COVERAGE_WITHOUT_PAYMENT"
PAYMENT_WITHOUT_TRANSFER = "PAYMENT_WITHOUT_TRANSFER"
# Contract v2.
PAYMENT_AMOUNT_MISMATCH = "PAYMENT_AMOUNT_MISMATCH"
CLAIM_WITHOUT_ENROLLMENT = "CLAIM_WITHOUT_ENROLLMENT"

# Two programmes' AKTIF covers of one NIK that share this many days or more are cover paid
# twice; fewer is a renewal whose covers meet or overlap by a few days (contract v2).
DOUBLE_COVER_DAYS = 30

# What the checks read of each source (a store read for them may leave out the rest; the
# claims are read whole). An optional column left out reads as its default.
COLUMNS_USED: Mapping[str, list[str]] = {
    "programs": ["program_id", "funding_source", "premium_rate_monthly"],
    "allocations": ["program_id", "unit_code", "allocated_amount", "decree_date"],
    "district_transfers": ["program_id", "district_code", "amount", "transfer_date"],
    "village_transfers": ["program_id", "village_code", "amount", "transfer_date"],
    "enrollments": ["program_id", "nik", "village_code", "registered_date"],
    "premium_payments": [
        "payment_id",
        "program_id",
        "payer_code",
        "amount",
        "workers_count",
        "months",
        "paid_date",
        "period_start",
    ],
    "coverage": ["program_id", "nik", "status", "coverage_start", "coverage_end"],
    "claims": ["claim_id", "nik", "program_id", "claim_date"],
}


def columns_read(used: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """What an evaluation that reads `used` (the stage rules' columns) and finds the anomalies
    reads of each source: both lists, once each. A source the checks never read
    (village_requests, branches) is read for the stage rules' columns alone. Every source the
    evaluation reads is listed: an unlisted one is read back from the store, which an
    evaluation of the records as delivered must not do before the load has written them."""
    return {name: list(dict.fromkeys([*used[name], *COLUMNS_USED.get(name, [])])) for name in used}


def _pair_keys(records: _Records, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """One int64 per (nik, program_id) of each of `rows` and of each enrolment, equal exactly
    when both are equal; None when there are too many programmes to pack them so."""
    enrolled_ids, ids = records.with_enrolled_ids(rows["nik"])
    keys = worker_keys(
        [records.program_codes(rows["program_id"]), records.enrolled_program], [ids, enrolled_ids]
    )
    return None if keys is None else (keys[0], keys[1])


def _text(codes: pd.Series) -> pd.Series:
    """Codes as str objects: a column of them as it is (pandas' str dtype is slower to group
    and cut by the million), anything else converted."""
    return codes if codes.dtype == object else codes.astype(str).astype(object)


def _distinct(values: np.ndarray) -> bool:
    """Whether sorted values are all different."""
    return not bool((values[1:] == values[:-1]).any())


def _without(rows: pd.DataFrame, others: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Rows whose key has no match in `others`."""
    marked = rows.merge(others[key].drop_duplicates(), on=key, how="left", indicator=True)
    return marked[marked["_merge"] == "left_only"].drop(columns="_merge")


@dataclass
class _Records:
    """The records known on the evaluation date, and what several checks share, worked out
    once (the enrolled workers' NIK ids and units: millions of rows at national scale)."""

    frames: Mapping[str, pd.DataFrame]
    day: pd.Timestamp

    def known(self, name: str) -> pd.DataFrame:
        """A source's records known on the day (see `rantai.chain.known_on`)."""
        frame = self.frames.get(name)
        if frame is None or frame.empty:
            return pd.DataFrame(columns=SOURCES[name].columns)
        absent = [
            column
            for column, spec in SOURCES[name].specs.items()
            if not spec.required and column not in frame
        ]
        if absent:  # an optional column not read: its default (None) applies
            frame = frame.assign(**dict.fromkeys(absent))
        return known_on(frame, name, self.day)

    @cached_property
    def funding(self) -> pd.Series:
        """Each programme's funding source, by program_id."""
        return self.known("programs").set_index("program_id")["funding_source"].astype(str)

    @cached_property
    def allocations(self) -> pd.DataFrame:
        return self.known("allocations")

    @cached_property
    def enrollments(self) -> pd.DataFrame:
        return self.known("enrollments")

    @cached_property
    def payments(self) -> pd.DataFrame:
        return self.known("premium_payments")

    @cached_property
    def coverage(self) -> pd.DataFrame:
        return self.known("coverage")

    @cached_property
    def claims(self) -> pd.DataFrame:
        """The claims known on the day: filed (claim_date) on or before it."""
        return self.known("claims")

    @cached_property
    def enrolled_nik_ids(self) -> np.ndarray:
        """The enrolled workers' NIKs as integers (`rantai.chain.nik_ids`)."""
        return nik_ids(self.enrollments["nik"])[0]

    def with_enrolled_ids(self, niks: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """`nik_ids` of the enrolments and of `niks`, comparable: the enrolments' own when both
        are valid NIKs (no second pass over millions), else both worked out together."""
        enrolled = self.enrolled_nik_ids
        (ids,) = nik_ids(niks)
        if are_niks(enrolled) and are_niks(ids):
            return enrolled, ids
        enrolled, ids = nik_ids(self.enrollments["nik"], niks)
        return enrolled, ids

    @cached_property
    def program_names(self) -> list[str]:
        """The programmes, one code each: a programme's code is its position here. The known
        programmes, then any other a record names (a frame handed in as it is may)."""
        return sorted({str(p) for p in self.known("programs")["program_id"]})

    def program_codes(self, column: pd.Series) -> np.ndarray:
        """Each row's programme as its code (`program_names`): millions of rows naming a few
        hundred programmes are looked up, not hashed into groups."""
        codes = pd.Index(self.program_names).get_indexer(column)
        if (codes < 0).any():
            self.program_names.extend(sorted({str(p) for p in column[codes < 0]}))
            codes = pd.Index(self.program_names).get_indexer(column)
        return codes.astype(np.int64)

    @cached_property
    def enrolled_program(self) -> np.ndarray:
        """Each enrolment's programme code (`program_codes`)."""
        return self.program_codes(self.enrollments["program_id"])

    @cached_property
    def enrolled_unit_key(self) -> tuple[np.ndarray, np.ndarray]:
        """Each enrolment's (programme, unit) as one int (-1 without a unit), and the units
        that int's remainder indexes: counting ints per unit, not grouping millions of
        strings."""
        unit, units = pd.factorize(self.enrolled_unit)
        width = max(len(units), 1)
        key = np.where(unit >= 0, self.enrolled_program * width + unit, -1)
        return key, np.asarray(units, dtype=object)

    def count_per_unit(self, enrolments: np.ndarray | slice) -> pd.Series:
        """The enrolments at these positions (or a slice) counted per (program_id, unit_code)."""
        key, units = self.enrolled_unit_key
        values, counts = np.unique(key[enrolments], return_counts=True)
        counts, values = counts[values >= 0], values[values >= 0]
        width = max(len(units), 1)
        names = np.array(self.program_names, dtype=object)
        index = pd.MultiIndex.from_arrays(
            [names[values // width], units[values % width]], names=["program_id", "unit_code"]
        )
        return pd.Series(counts.astype(np.int64), index=index)

    @cached_property
    def enrolled_unit(self) -> pd.Series:
        """Each enrolment's unit (`rantai.chain.unit_of_worker`)."""
        codes = self.enrolled_program
        funding = self.funding.reindex(self.program_names).to_numpy(dtype=object)
        return unit_of_worker(
            _text(self.enrollments["village_code"]),
            pd.Series(funding[codes], index=self.enrollments.index, dtype=object),
        )


# The checks, each a small function registered under its name, listed in registration order.
_CHECKS: dict[str, Callable[[_Records], pd.DataFrame | None]] = {}


def _check(
    name: str,
) -> Callable[
    [Callable[[_Records], pd.DataFrame | None]], Callable[[_Records], pd.DataFrame | None]
]:
    def register(
        function: Callable[[_Records], pd.DataFrame | None],
    ) -> Callable[[_Records], pd.DataFrame | None]:
        _CHECKS[name] = function
        return function

    return register


def find_anomalies(frames: Mapping[str, pd.DataFrame], as_of: dt.date) -> pd.DataFrame:
    """Every anomaly on `as_of`, NIKs masked, sorted by check, programme, unit and subject."""
    records = _Records(frames, pd.Timestamp(as_of))
    found = []
    for name, check in _CHECKS.items():
        rows = check(records)
        if rows is not None and len(rows):
            found.append(rows.assign(check=name).reindex(columns=ANOMALY_COLUMNS))
    if not found:
        return pd.DataFrame(columns=ANOMALY_COLUMNS)
    result = pd.concat(found, ignore_index=True)
    order = {c: i for i, c in enumerate(CHECKS)}
    result = result.assign(_order=result["check"].map(order))
    result = result.sort_values(["_order", "program_id", "unit_code", "subject"], kind="stable")
    return result.drop(columns="_order").reset_index(drop=True)


def _days(column: pd.Series) -> np.ndarray:
    """A date column as whole days since 1970 (int64): interval arithmetic on plain ints."""
    return _day_numbers(pd.to_datetime(column))


def _day_numbers(dates: pd.Series) -> np.ndarray:
    """Dates (any datetime unit) as whole days since 1970."""
    return dates.to_numpy().astype("datetime64[D]").astype(np.int64)


def _day_text(days: np.ndarray) -> pd.Series:
    """Days since 1970 as `YYYY-MM-DD` text."""
    return pd.Series(np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype(str))


def _programmes_per_nik(
    ids: np.ndarray, programs: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Enrolments sorted by NIK id, then programme code: that order, where each NIK's run of
    enrolments opens and closes in it, and whether the NIK has two programmes or more (the
    first and the last of its run differ)."""
    order = np.lexsort((programs, ids))
    nik, program = ids[order], programs[order]
    opens = np.flatnonzero(np.r_[True, nik[1:] != nik[:-1]]) if len(nik) else np.array([], int)
    closes = np.r_[opens[1:], len(nik)] - 1
    return order, opens, closes, program[opens] != program[closes]


@_check(NIK_ENROLLED_TWICE)
def _nik_enrolled_twice(records: _Records) -> pd.DataFrame | None:
    """One NIK enrolled in two programmes whose AKTIF covers share 30 days or more: cover paid
    twice (contract v2). One row per NIK and pair of programmes: program_id "A, B" (sorted),
    unit_code the units of the two enrolments ("U" when they are one, else "U1, U2"), subject
    the masked NIK, observed the days covered by both programmes (both ends counted), expected
    0. Each programme's episodes of the NIK that overlap or touch are merged first, so the days
    are the days both programmes cover however their covers are cut (two short covers inside a
    long one add up; for one episode each, min(end) - max(start) + 1).

    An episode is a coverage row known on the day (coverage_start on or before it), counted
    whole: a second cover already recorded is paid twice though its days lie ahead. A worker
    renewed into next year's programme, whose covers meet or overlap by fewer than 30 days,
    is not an anomaly; nor is a NIK enrolled in two programmes with cover of only one of them.
    One NIK cannot be enrolled twice in one programme (the enrolments' key is nik and
    program_id: a second row is a correction of the first): rows repeated in a frame handed in
    are one enrolment, and its overlapping covers one cover, never cover paid twice.

    Vectorised: the enrolments, sorted by NIK id and programme code, give the NIKs of two
    programmes or more; only their episodes are looked at, sorted by NIK and start, each
    compared with the next ones of its NIK that start before it ends (a sweep by distance,
    not a loop per worker).
    """
    enrollments = records.enrollments
    coverage = records.coverage
    if enrollments.empty or coverage.empty:
        return None
    enrolled_program = records.enrolled_program
    order, opens, closes, several = _programmes_per_nik(records.enrolled_nik_ids, enrolled_program)
    if not several.any():  # the common case, worked out before any cover is looked at
        return None
    # The AKTIF rows' four columns only (not a copy of every column of millions of rows).
    aktif = coverage["status"].to_numpy(dtype=object) == CoverageStatus.AKTIF.value
    enrolled_ids, cover_ids = records.with_enrolled_ids(coverage["nik"][aktif])
    if enrolled_ids is not records.enrolled_nik_ids:  # ids worked out again, with the covers'
        order, opens, closes, several = _programmes_per_nik(enrolled_ids, enrolled_program)
    cover_program = records.program_codes(coverage["program_id"][aktif])
    programmes = len(records.program_names)
    nik, program = enrolled_ids[order], enrolled_program[order]
    niks = nik[opens[several]]  # sorted, distinct: a NIK's place here is its dense id
    inside = np.repeat(several, closes - opens + 1)
    dense = np.repeat(np.arange(len(niks)), (closes - opens + 1)[several])
    # One int per (NIK, programme) enrolment, sorted; repeated rows of one are one enrolment.
    enrolment = dense * programmes + program[inside]
    rows = order[inside]
    first = np.r_[True, enrolment[1:] != enrolment[:-1]]
    enrolment, rows = enrolment[first], rows[first]
    # Their AKTIF episodes in programmes they are enrolled in, each keyed by its enrolment.
    place = np.minimum(np.searchsorted(niks, cover_ids), len(niks) - 1)
    theirs = niks[place] == cover_ids
    key = place[theirs] * programmes + cover_program[theirs]
    at = np.minimum(np.searchsorted(enrolment, key), len(enrolment) - 1)
    matched = enrolment[at] == key
    key, row = key[matched], rows[at[matched]]
    start = _days(coverage["coverage_start"][aktif])[theirs][matched]
    end = _days(coverage["coverage_end"][aktif])[theirs][matched]
    if not len(key):
        return None
    repeated = pd.Series(key).duplicated(keep=False).to_numpy()
    if repeated.any():
        # Episodes of one enrolment that overlap or touch are one cover.
        merged = merge_episodes(
            key[repeated],
            start[repeated].astype("datetime64[D]"),
            end[repeated].astype("datetime64[D]"),
        )
        merged_key = merged["key"].to_numpy(dtype=np.int64)
        row = np.r_[row[~repeated], rows[np.searchsorted(enrolment, merged_key)]]
        key = np.r_[key[~repeated], merged_key]
        start = np.r_[start[~repeated], _day_numbers(merged["start"])]
        end = np.r_[end[~repeated], _day_numbers(merged["end"])]
    nik, program = key // programmes, key % programmes
    order = np.lexsort((start, nik))
    row, start, end, nik, program = (a[order] for a in (row, start, end, nik, program))
    # Each episode against the next ones of its NIK that start before it ends (sorted by start,
    # once one starts after it ends, so do all the rest): pairs of two programmes only.
    firsts, seconds = [], []
    earlier = np.arange(len(row) - 1)
    distance = 1
    while len(earlier):
        later = earlier + distance
        meets = (nik[later] == nik[earlier]) & (start[later] <= end[earlier])
        earlier, later = earlier[meets], later[meets]
        other = program[later] != program[earlier]
        firsts.append(earlier[other])
        seconds.append(later[other])
        distance += 1
        earlier = earlier[earlier + distance < len(row)]
    if not sum(len(f) for f in firsts):
        return None
    i, j = np.concatenate(firsts), np.concatenate(seconds)
    names = np.array(records.program_names, dtype=object)
    a_first = names[program[i]] < names[program[j]]
    pairs = pd.DataFrame(
        {
            "nik": nik[i],
            "a": np.where(a_first, program[i], program[j]),
            "b": np.where(a_first, program[j], program[i]),
            "row_a": np.where(a_first, row[i], row[j]),
            "row_b": np.where(a_first, row[j], row[i]),
            # start[j] >= start[i] and <= end[i]: both cover from start[j].
            "since": start[j],
            "until": np.minimum(end[i], end[j]),
        }
    )
    pairs["days"] = pairs["until"] - pairs["since"] + 1
    twice = pairs.groupby(["nik", "a", "b"], sort=False).agg(
        row_a=("row_a", "first"),
        row_b=("row_b", "first"),
        days=("days", "sum"),
        since=("since", "min"),
        until=("until", "max"),
    )
    twice = twice[twice["days"] >= DOUBLE_COVER_DAYS].reset_index()
    if twice.empty:
        return None
    units = records.enrolled_unit.to_numpy(dtype=object)
    unit_a = pd.Series(units[twice["row_a"]], dtype=object).astype(str)
    unit_b = pd.Series(units[twice["row_b"]], dtype=object).astype(str)
    low, high = unit_a.where(unit_a <= unit_b, unit_b), unit_b.where(unit_a <= unit_b, unit_a)
    raw = enrollments["nik"].to_numpy(dtype=object)[twice["row_a"]]
    days = twice["days"].astype("int64")
    return pd.DataFrame(
        {
            "program_id": pd.Series(names[twice["a"]]) + ", " + pd.Series(names[twice["b"]]),
            "unit_code": low.where(low == high, low + ", " + high),
            "subject": [mask_nik(n) for n in raw],
            "observed": days,
            "expected": 0,
            "detail": "AKTIF cover of both programmes for "
            + days.astype(str)
            + " days ("
            + _day_text(twice["since"].to_numpy())
            + " to "
            + _day_text(twice["until"].to_numpy())
            + "): cover paid twice (a renewal overlaps by fewer than "
            + str(DOUBLE_COVER_DAYS)
            + " days)",
        }
    )


@_check(PAID_MORE_THAN_ENROLLED)
def _paid_more_than_enrolled(records: _Records) -> pd.DataFrame | None:
    """Premiums paid for more workers than a unit has enrolled. Workers paid as contract v2
    counts them (`rantai.chain.workers_paid`: the most workers paid for in any one calendar
    month, so six monthly payments of 3 are 3 workers, not 18); a payment's period starts at
    its period_start, or its paid_date when it has none."""
    # A worker is enrolled once per programme (the enrollments' key is nik and program_id),
    # so counting rows counts workers.
    enrolled = records.count_per_unit(slice(None)).rename("enrolled")
    payments = records.payments
    if payments.empty:
        return None
    unit, units = pd.MultiIndex.from_frame(
        payments[["program_id", "payer_code"]].astype(str), names=["program_id", "unit_code"]
    ).factorize()
    paid = workers_paid(
        unit, period_starts(payments), payments["months"], payments["workers_count"]
    )
    paid.index = units[paid.index.to_numpy(dtype=np.int64)].set_names(["program_id", "unit_code"])
    both = pd.concat([paid.rename("paid"), enrolled], axis=1).fillna(0).astype("int64")
    over = both[both["paid"] > both["enrolled"]].reset_index()
    if len(over):
        return over.assign(
            subject=over["unit_code"],
            observed=over["paid"],
            expected=over["enrolled"],
            detail="premiums paid for "
            + over["paid"].astype(str)
            + " workers (the most in any one month), "
            + over["enrolled"].astype(str)
            + " enrolled",
        )
    return None


@_check(TRANSFER_ABOVE_ALLOCATION)
def _transfer_above_allocation(records: _Records) -> pd.DataFrame | None:
    """District or village transfers adding up to more than the allocation they carry."""
    allocations = records.allocations
    allocated = group_sum(allocations, ["program_id", "unit_code"], "allocated_amount", sort=True)
    allocated_district = group_sum(
        allocations.assign(district=district_of(allocations["unit_code"].astype(str))),
        ["program_id", "district"],
        "allocated_amount",
        sort=True,
    )
    found = []
    for name, column, allocation in (
        ("district_transfers", "district_code", allocated_district),
        ("village_transfers", "village_code", allocated),
    ):
        sent = group_sum(records.known(name), ["program_id", column], "amount", sort=True)
        sent.index = sent.index.set_names(["program_id", "unit_code"])
        allocation = allocation.copy()
        allocation.index = allocation.index.set_names(["program_id", "unit_code"])
        pair = pd.concat([sent.rename("sent"), allocation.rename("allocated")], axis=1)
        pair = pair.apply(whole)
        above = pair[pair["sent"] > pair["allocated"]].reset_index()
        if len(above):
            found.append(
                above.assign(
                    subject=above["unit_code"],
                    observed=above["sent"],
                    expected=above["allocated"],
                    detail=name.replace("_", " ")
                    + " total "
                    + above["sent"].astype(str)
                    + " above the allocation of "
                    + above["allocated"].astype(str),
                )
            )
    return pd.concat(found, ignore_index=True) if found else None


@_check(COVERAGE_WITHOUT_PAYMENT)
def _coverage_without_payment(records: _Records) -> pd.DataFrame | None:
    """Workers covered (AKTIF) in a unit where no premium payment is recorded."""
    active = records.coverage[covered_mask(records.coverage, records.day)]
    # Each covered worker with the unit of their enrollment; two active periods are one worker.
    keys = _pair_keys(records, active)
    order = None if keys is None else np.argsort(keys[1], kind="stable")
    enrolled = None if keys is None or order is None else keys[1][order]
    if keys is not None and order is not None and enrolled is not None and _distinct(enrolled):
        # An enrollment's key is unique: look each cover's worker up by its one integer
        # (sorted, searched: no hashing of millions), each worker once.
        at = np.minimum(np.searchsorted(enrolled, keys[0]), max(len(enrolled) - 1, 0))
        first = np.zeros(len(keys[0]), dtype=bool)
        first[np.unique(keys[0], return_index=True)[1]] = True
        found = first & (enrolled[at] == keys[0]) if len(enrolled) else first & False
        workers = records.count_per_unit(order[at[found]])
    else:
        units = records.enrollments[["nik", "program_id"]].assign(unit_code=records.enrolled_unit)
        covered = active[["nik", "program_id"]].merge(units, on=["nik", "program_id"])
        covered = covered.drop_duplicates(["nik", "program_id"])
        workers = covered.groupby(["program_id", "unit_code"]).size()
    if len(workers):
        paid_units = pd.MultiIndex.from_frame(
            records.payments[["program_id", "payer_code"]].drop_duplicates(),
            names=["program_id", "unit_code"],
        )
        workers = workers[~workers.index.isin(paid_units)]
    if len(workers):
        counts = workers.rename("nik").reset_index()
        return counts.assign(
            subject=counts["unit_code"],
            observed=counts["nik"],
            expected=0,
            detail=counts["nik"].astype(str)
            + " workers covered (AKTIF) where no premium payment is recorded",
        )
    return None


@_check(PAYMENT_WITHOUT_TRANSFER)
def _payment_without_transfer(records: _Records) -> pd.DataFrame | None:
    """Premiums paid by a BKBK village that has received no village transfer."""
    bkbk = records.payments[
        records.payments["program_id"].map(records.funding) == FundingSource.BKBK.value
    ]
    received = records.known("village_transfers")[["program_id", "village_code"]]
    early = _without(
        bkbk, received.rename(columns={"village_code": "payer_code"}), ["program_id", "payer_code"]
    )
    if len(early):
        sums = group_sum(early, ["program_id", "payer_code"], "amount", sort=True).reset_index()
        return sums.assign(
            unit_code=sums["payer_code"],
            subject=sums["payer_code"],
            observed=sums["amount"],
            expected=0,
            detail="premiums of "
            + sums["amount"].astype(str)
            + " paid by a village that has received no BKBK transfer",
        )
    return None


def _premium_due(workers: pd.Series, rates: pd.Series, months: pd.Series) -> pd.Series:
    """workers x rate x months in exact rupiah: int64 while every product fits, else Python
    ints (a payment's bounds allow 10 million workers at Rp 99 trillion a month)."""
    w, r, m = (np.asarray(whole(c), dtype=np.int64) for c in (workers, rates, months))
    if not len(w) or float((w.astype(float) * r * m).max()) < SAFE_TOTAL:
        return pd.Series(w * r * m, index=workers.index, dtype="int64")
    exact = w.astype(object) * r.astype(object) * m.astype(object)
    return pd.Series(exact, index=workers.index, dtype=object)


@_check(PAYMENT_AMOUNT_MISMATCH)
def _payment_amount_mismatch(records: _Records) -> pd.DataFrame | None:
    """A premium payment whose amount is not workers_count x premium_rate_monthly x months
    (the programme's rate, Rp16,800 when it gives none): money paid for cover it does not
    buy, or cover bought with money not accounted for. One row per payment, by payment_id."""
    payments = records.payments
    if payments.empty:
        return None
    programs = records.known("programs").drop_duplicates("program_id")
    rate = programs.set_index("program_id")["premium_rate_monthly"]
    rates = payments["program_id"].map(rate).fillna(DEFAULT_PREMIUM_RATE_MONTHLY)
    due = _premium_due(payments["workers_count"], rates, payments["months"])
    amount = whole(payments["amount"])
    off = (amount != due).to_numpy(dtype=bool)
    if not off.any():
        return None
    wrong = payments[off]
    return pd.DataFrame(
        {
            "program_id": wrong["program_id"],
            "unit_code": wrong["payer_code"],
            "subject": wrong["payment_id"],
            "observed": amount[off],
            "expected": due[off],
            "detail": "paid "
            + amount[off].astype(str)
            + " for "
            + wrong["workers_count"].astype(str)
            + " workers x "
            + wrong["months"].astype(str)
            + " months at "
            + whole(rates[off]).astype(str)
            + " a month",
        }
    ).reset_index(drop=True)


@_check(CLAIM_WITHOUT_ENROLLMENT)
def _claim_without_enrollment(records: _Records) -> pd.DataFrame | None:
    """A claim known on the day (filed on or before it) whose NIK is not enrolled in the
    claim's programme by the day: BPJS pays, or is asked to pay, for a worker the programme
    never registered. It has no unit (a unit is an enrolment's); subject the masked NIK, the
    claim_id in the detail, one row per claim."""
    claims = records.claims
    if claims.empty:
        return None
    # Claims are few, enrolments millions: only the claimants' enrolments are compared.
    enrolled_ids, claimed_ids = records.with_enrolled_ids(claims["nik"])
    claimants = np.unique(claimed_ids)
    place = np.minimum(np.searchsorted(claimants, enrolled_ids), max(len(claimants) - 1, 0))
    theirs = records.enrollments[claimants[place] == enrolled_ids]
    lost = _without(claims, theirs, ["nik", "program_id"])
    if lost.empty:
        return None
    lost = lost.sort_values("claim_id", kind="stable")
    filed = pd.to_datetime(lost["claim_date"]).dt.strftime("%Y-%m-%d")
    return pd.DataFrame(
        {
            "program_id": lost["program_id"].to_numpy(dtype=object),
            "unit_code": None,
            "subject": [mask_nik(n) for n in lost["nik"]],
            "observed": 0,
            "expected": 1,
            "detail": (
                "claim "
                + lost["claim_id"].astype(str)
                + " (filed "
                + filed
                + ") of a NIK not enrolled in the programme by "
                + records.day.strftime("%Y-%m-%d")
            ).to_numpy(dtype=object),
        }
    )


# The checks in the order they are listed: the order they are registered in above.
CHECKS: tuple[str, ...] = tuple(_CHECKS)
