"""Anomaly checks: records that are each valid but do not add up together.

They do not stop a step (the stage rules decide that); they are what an auditor asks about:
one NIK enrolled twice, premiums for more workers than enrolled, transfers above the
allocation, cover nobody paid for, premiums paid by a village that never received money.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from rantai.bounds import group_sum, whole
from rantai.chain import (
    are_niks,
    covered_mask,
    district_of,
    known_on,
    nik_ids,
    unit_of_worker,
    worker_keys,
)
from rantai.records import SOURCES, FundingSource, mask_nik

ANOMALY_COLUMNS = ["check", "program_id", "unit_code", "subject", "observed", "expected", "detail"]

# The checks' names; they are listed in the order their functions are registered below.
NIK_ENROLLED_TWICE = "NIK_ENROLLED_TWICE"
PAID_MORE_THAN_ENROLLED = "PAID_MORE_THAN_ENROLLED"
TRANSFER_ABOVE_ALLOCATION = "TRANSFER_ABOVE_ALLOCATION"
COVERAGE_WITHOUT_PAYMENT = "COVERAGE_WITHOUT_PAYMENT"
PAYMENT_WITHOUT_TRANSFER = "PAYMENT_WITHOUT_TRANSFER"


def _pair_keys(
    left: pd.DataFrame, right: pd.DataFrame, right_nik: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """One int64 per (nik, program_id) row of each frame, equal exactly when both are equal;
    None when there are too many programmes to pack them so. `right_nik`: `nik_ids` of the
    right frame's NIKs, when known already."""
    programs = pd.Index(pd.unique(pd.concat([left["program_id"], right["program_id"]])))
    if right_nik is not None:
        (left_nik,) = nik_ids(left["nik"])
        if not (are_niks(left_nik) and are_niks(right_nik)):
            right_nik = None  # codes hold only within one call: work both out together
    if right_nik is None:
        left_nik, right_nik = nik_ids(left["nik"], right["nik"])
    keys = worker_keys(
        [programs.get_indexer(frame["program_id"]) for frame in (left, right)],
        [left_nik, right_nik],
    )
    return None if keys is None else (keys[0], keys[1])


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
    def enrolled_nik_ids(self) -> np.ndarray:
        """The enrolled workers' NIKs as integers (`rantai.chain.nik_ids`)."""
        return nik_ids(self.enrollments["nik"])[0]

    @cached_property
    def enrolled_unit(self) -> pd.Series:
        """Each enrolment's unit (`rantai.chain.unit_of_worker`)."""
        return unit_of_worker(
            self.enrollments["village_code"].astype(str),
            self.enrollments["program_id"].map(self.funding),
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


@_check(NIK_ENROLLED_TWICE)
def _nik_enrolled_twice(records: _Records) -> pd.DataFrame | None:
    """One NIK enrolled more than once (in one programme or several)."""
    repeated = pd.Series(records.enrolled_nik_ids).duplicated(keep=False).to_numpy()
    twice = records.enrollments[repeated]
    if len(twice):
        grouped = twice.groupby("nik").agg(
            programs=("program_id", lambda s: ", ".join(sorted(set(s)))),
            villages=("village_code", lambda s: ", ".join(sorted(set(s)))),
            n=("program_id", "size"),
        )
        return pd.DataFrame(
            {
                "program_id": grouped["programs"],
                "unit_code": grouped["villages"],
                "subject": [mask_nik(n) for n in grouped.index],
                "observed": grouped["n"],
                "expected": 1,
                "detail": "the same NIK is enrolled "
                + grouped["n"].astype(str)
                + " times (programmes: "
                + grouped["programs"]
                + "; villages: "
                + grouped["villages"]
                + ")",
            }
        ).reset_index(drop=True)
    return None


@_check(PAID_MORE_THAN_ENROLLED)
def _paid_more_than_enrolled(records: _Records) -> pd.DataFrame | None:
    """Premiums paid for more workers than a unit has enrolled."""
    # A worker is enrolled once per programme (the enrollments' key is nik and program_id),
    # so counting rows counts workers.
    enrolled = (
        records.enrollments.assign(unit_code=records.enrolled_unit)
        .groupby(["program_id", "unit_code"])
        .size()
        .rename("enrolled")
    )
    paid = records.payments.groupby(["program_id", "payer_code"])["workers_count"].sum()
    paid.index = paid.index.set_names(["program_id", "unit_code"])
    both = pd.concat([paid.rename("paid"), enrolled], axis=1).fillna(0).astype("int64")
    over = both[both["paid"] > both["enrolled"]].reset_index()
    if len(over):
        return over.assign(
            subject=over["unit_code"],
            observed=over["paid"],
            expected=over["enrolled"],
            detail="premiums paid for "
            + over["paid"].astype(str)
            + " workers, "
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
    keys = _pair_keys(active, records.enrollments, records.enrolled_nik_ids)
    if keys is not None and (enrolled_at := pd.Index(keys[1])).is_unique:
        # An enrollment's key is unique: look each cover's worker up by its one integer.
        position = enrolled_at.get_indexer(keys[0])
        once = (position >= 0) & ~pd.Series(keys[0]).duplicated().to_numpy()
        covered = pd.DataFrame(
            {
                "program_id": active["program_id"].to_numpy(dtype=object)[once],
                "unit_code": records.enrolled_unit.to_numpy(dtype=object)[position[once]],
            }
        )
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


# The checks in the order they are listed: the order they are registered in above.
CHECKS: tuple[str, ...] = tuple(_CHECKS)
