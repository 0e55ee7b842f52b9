"""Anomaly checks: records that are each valid but do not add up together.

They do not stop a step (the stage rules decide that); they are what an auditor asks about:
one NIK enrolled twice, premiums for more workers than enrolled, transfers above the
allocation, cover nobody paid for, premiums paid by a village that never received money.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

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

# The checks, in the order they are listed.
NIK_ENROLLED_TWICE = "NIK_ENROLLED_TWICE"
PAID_MORE_THAN_ENROLLED = "PAID_MORE_THAN_ENROLLED"
TRANSFER_ABOVE_ALLOCATION = "TRANSFER_ABOVE_ALLOCATION"
COVERAGE_WITHOUT_PAYMENT = "COVERAGE_WITHOUT_PAYMENT"
PAYMENT_WITHOUT_TRANSFER = "PAYMENT_WITHOUT_TRANSFER"
CHECKS = (
    NIK_ENROLLED_TWICE,
    PAID_MORE_THAN_ENROLLED,
    TRANSFER_ABOVE_ALLOCATION,
    COVERAGE_WITHOUT_PAYMENT,
    PAYMENT_WITHOUT_TRANSFER,
)


def _known(frames: Mapping[str, pd.DataFrame], name: str, as_of: pd.Timestamp) -> pd.DataFrame:
    frame = frames.get(name)
    if frame is None or frame.empty:
        return pd.DataFrame(columns=SOURCES[name].columns)
    return known_on(frame, name, as_of)


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


def _frame(rows: pd.DataFrame, check: str) -> pd.DataFrame:
    rows = rows.assign(check=check)
    return rows.reindex(columns=ANOMALY_COLUMNS)


def find_anomalies(frames: Mapping[str, pd.DataFrame], as_of: dt.date) -> pd.DataFrame:
    """Every anomaly on `as_of`, NIKs masked, sorted by check, programme, unit and subject."""
    day = pd.Timestamp(as_of)
    programs = _known(frames, "programs", day)
    funding = programs.set_index("program_id")["funding_source"].astype(str)
    allocations = _known(frames, "allocations", day)
    enrollments = _known(frames, "enrollments", day)
    payments = _known(frames, "premium_payments", day)
    coverage = _known(frames, "coverage", day)
    found = []

    nik_ids_enrolled = nik_ids(enrollments["nik"])[0]
    twice = enrollments[pd.Series(nik_ids_enrolled).duplicated(keep=False).to_numpy()]
    if len(twice):
        grouped = twice.groupby("nik").agg(
            programs=("program_id", lambda s: ", ".join(sorted(set(s)))),
            villages=("village_code", lambda s: ", ".join(sorted(set(s)))),
            n=("program_id", "size"),
        )
        found.append(
            _frame(
                pd.DataFrame(
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
                ).reset_index(drop=True),
                NIK_ENROLLED_TWICE,
            )
        )

    enrolled_unit = unit_of_worker(
        enrollments["village_code"].astype(str), enrollments["program_id"].map(funding)
    )
    # A worker is enrolled once per programme (the enrollments' key is nik and program_id),
    # so counting rows counts workers.
    enrolled = (
        enrollments.assign(unit_code=enrolled_unit)
        .groupby(["program_id", "unit_code"])
        .size()
        .rename("enrolled")
    )
    paid = payments.groupby(["program_id", "payer_code"])["workers_count"].sum()
    paid.index = paid.index.set_names(["program_id", "unit_code"])
    both = pd.concat([paid.rename("paid"), enrolled], axis=1).fillna(0).astype("int64")
    over = both[both["paid"] > both["enrolled"]].reset_index()
    if len(over):
        found.append(
            _frame(
                over.assign(
                    subject=over["unit_code"],
                    observed=over["paid"],
                    expected=over["enrolled"],
                    detail="premiums paid for "
                    + over["paid"].astype(str)
                    + " workers, "
                    + over["enrolled"].astype(str)
                    + " enrolled",
                ),
                PAID_MORE_THAN_ENROLLED,
            )
        )

    allocated = group_sum(allocations, ["program_id", "unit_code"], "allocated_amount", sort=True)
    allocated_district = group_sum(
        allocations.assign(district=district_of(allocations["unit_code"].astype(str))),
        ["program_id", "district"],
        "allocated_amount",
        sort=True,
    )
    for name, column, allocation in (
        ("district_transfers", "district_code", allocated_district),
        ("village_transfers", "village_code", allocated),
    ):
        sent = group_sum(_known(frames, name, day), ["program_id", column], "amount", sort=True)
        sent.index = sent.index.set_names(["program_id", "unit_code"])
        allocation = allocation.copy()
        allocation.index = allocation.index.set_names(["program_id", "unit_code"])
        pair = pd.concat([sent.rename("sent"), allocation.rename("allocated")], axis=1)
        pair = pair.apply(whole)
        above = pair[pair["sent"] > pair["allocated"]].reset_index()
        if len(above):
            found.append(
                _frame(
                    above.assign(
                        subject=above["unit_code"],
                        observed=above["sent"],
                        expected=above["allocated"],
                        detail=name.replace("_", " ")
                        + " total "
                        + above["sent"].astype(str)
                        + " above the allocation of "
                        + above["allocated"].astype(str),
                    ),
                    TRANSFER_ABOVE_ALLOCATION,
                )
            )

    active = coverage[covered_mask(coverage, day)]
    # Each covered worker with the unit of their enrollment; two active periods are one worker.
    keys = _pair_keys(active, enrollments, nik_ids_enrolled)
    if keys is not None and (enrolled_at := pd.Index(keys[1])).is_unique:
        # An enrollment's key is unique: look each cover's worker up by its one integer.
        position = enrolled_at.get_indexer(keys[0])
        once = (position >= 0) & ~pd.Series(keys[0]).duplicated().to_numpy()
        covered = pd.DataFrame(
            {
                "program_id": active["program_id"].to_numpy(dtype=object)[once],
                "unit_code": enrolled_unit.to_numpy(dtype=object)[position[once]],
            }
        )
    else:
        units = enrollments[["nik", "program_id"]].assign(unit_code=enrolled_unit)
        covered = active[["nik", "program_id"]].merge(units, on=["nik", "program_id"])
        covered = covered.drop_duplicates(["nik", "program_id"])
    workers = covered.groupby(["program_id", "unit_code"]).size()
    if len(workers):
        paid_units = pd.MultiIndex.from_frame(
            payments[["program_id", "payer_code"]].drop_duplicates(),
            names=["program_id", "unit_code"],
        )
        workers = workers[~workers.index.isin(paid_units)]
    if len(workers):
        counts = workers.rename("nik").reset_index()
        found.append(
            _frame(
                counts.assign(
                    subject=counts["unit_code"],
                    observed=counts["nik"],
                    expected=0,
                    detail=counts["nik"].astype(str)
                    + " workers covered (AKTIF) where no premium payment is recorded",
                ),
                COVERAGE_WITHOUT_PAYMENT,
            )
        )

    bkbk = payments[payments["program_id"].map(funding) == FundingSource.BKBK.value]
    received = _known(frames, "village_transfers", day)[["program_id", "village_code"]]
    early = _without(
        bkbk, received.rename(columns={"village_code": "payer_code"}), ["program_id", "payer_code"]
    )
    if len(early):
        sums = group_sum(early, ["program_id", "payer_code"], "amount", sort=True).reset_index()
        found.append(
            _frame(
                sums.assign(
                    unit_code=sums["payer_code"],
                    subject=sums["payer_code"],
                    observed=sums["amount"],
                    expected=0,
                    detail="premiums of "
                    + sums["amount"].astype(str)
                    + " paid by a village that has received no BKBK transfer",
                ),
                PAYMENT_WITHOUT_TRANSFER,
            )
        )

    if not found:
        return pd.DataFrame(columns=ANOMALY_COLUMNS)
    result = pd.concat(found, ignore_index=True)
    order = {c: i for i, c in enumerate(CHECKS)}
    result = result.assign(_order=result["check"].map(order))
    result = result.sort_values(["_order", "program_id", "unit_code", "subject"], kind="stable")
    return result.drop(columns="_order").reset_index(drop=True)
