"""Realisasi as finance offices report it: pagu / realisasi / sisa / % per money step, per
programme and per district, per quarter (triwulan) of the programme's fiscal year (issue 15).

The money steps: the allocation (the decree, SK), DISTRICT_TRANSFER and VILLAGE_TRANSFER
(BKBK only), PREMIUM_PAYMENT. A step's **pagu** is what it should move: the allocated amounts
(allocations.allocated_amount; for premiums allocations.premium_amount) of the allocations
known on the report date. Its **realisasi** is the sum of its records (the decrees themselves,
the district and village transfers, the premium payments) known on the report date and dated
up to the end of the quarter: cumulative, *realisasi s.d. triwulan*, as a budget realisation
report reads; for the quarter under way, up to the report date. Records dated before the
fiscal year count in its first quarter, those after its last day in none (they are the next
year's). Each record is placed in the district of its own region code, as the funnel places it.
**sisa** = pagu - realisasi (negative when more moved than planned); **%** is realisasi / pagu
in tenths of a percent, rounded half up from the integers. Rupiah are whole ints throughout.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rantai.bounds import group_sum, whole
from rantai.chain import district_of
from rantai.monev.labels import display_name
from rantai.monev.league import tenths_of_percent
from rantai.records import FundingSource, Stage, fundings_with
from rantai.scope import Scope

ALLOCATION = "ALLOCATION"


@dataclass(frozen=True)
class MoneyStep:
    """One step of the money: its records (source, region code, amount, date) and its pagu."""

    step: str
    source: str
    code: str
    amount: str
    date: str
    pagu: str  # the allocations' column that is this step's pagu
    fundings: tuple[str, ...]


STEPS: list[MoneyStep] = [
    MoneyStep(
        ALLOCATION,
        "allocations",
        "unit_code",
        "allocated_amount",
        "decree_date",
        "allocated_amount",
        tuple(f.value for f in FundingSource),
    ),
    MoneyStep(
        Stage.DISTRICT_TRANSFER.value,
        "district_transfers",
        "district_code",
        "amount",
        "transfer_date",
        "allocated_amount",
        tuple(fundings_with(Stage.DISTRICT_TRANSFER)),
    ),
    MoneyStep(
        Stage.VILLAGE_TRANSFER.value,
        "village_transfers",
        "village_code",
        "amount",
        "transfer_date",
        "allocated_amount",
        tuple(fundings_with(Stage.VILLAGE_TRANSFER)),
    ),
    MoneyStep(
        Stage.PREMIUM_PAYMENT.value,
        "premium_payments",
        "payer_code",
        "amount",
        "paid_date",
        "premium_amount",
        tuple(fundings_with(Stage.PREMIUM_PAYMENT)),
    ),
]
STEP_ORDER = {s.step: i for i, s in enumerate(STEPS)}
QUARTERS = {1: "TW I", 2: "TW II", 3: "TW III", 4: "TW IV"}

COLUMNS = [
    "program_id",
    "program_name",
    "funding_source",
    "fiscal_year",
    "district_code",
    "district_name",
    "step",
    "quarter",
    "quarter_label",
    "until",
    "pagu",
    "realisasi",
    "sisa",
    "percent_tenths",
]
_KEY = ["program_id", "district_code", "step"]


def quarter_ends(fiscal_year: int) -> dict[int, dt.date]:
    """The last day of each quarter of a fiscal year (January to December)."""
    return {
        1: dt.date(fiscal_year, 3, 31),
        2: dt.date(fiscal_year, 6, 30),
        3: dt.date(fiscal_year, 9, 30),
        4: dt.date(fiscal_year, 12, 31),
    }


def quarters_reported(fiscal_year: int, as_of: dt.date) -> list[tuple[int, dt.date]]:
    """The quarters begun by `as_of` (at least the first), each with the day its realisasi
    counts to: its last day, or `as_of` for the quarter under way."""
    out = []
    for quarter, end in quarter_ends(fiscal_year).items():
        start = dt.date(fiscal_year, 3 * quarter - 2, 1)
        if start <= as_of or quarter == 1:
            out.append((quarter, min(end, as_of)))
    return out


def quarter_of(dates: pd.Series, fiscal_year: pd.Series) -> pd.Series:
    """The quarter of the fiscal year each date's money counts from: 1 before the year, 5
    (none) after it."""
    when = pd.to_datetime(dates)
    year = when.dt.year.to_numpy()
    fy = fiscal_year.to_numpy(dtype=np.int64)
    inside = (when.dt.month.to_numpy() - 1) // 3 + 1
    quarter = np.where(year < fy, 1, np.where(year > fy, 5, inside))
    return pd.Series(quarter.astype(np.int64), index=dates.index)


def realisasi_tables(
    known: Mapping[str, pd.DataFrame],
    as_of: dt.date,
    scope: Scope,
    names: Mapping[str, str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per programme, per district): COLUMNS, a row per step and quarter reported. The
    programme's rows are the sums of its districts' (district_code empty)."""
    programs = known["programs"].drop_duplicates("program_id", keep="last")
    catalogue = programs.set_index("program_id")
    pagu_parts, real_parts = [], []
    allocations = _in_scope(known["allocations"], "unit_code", scope)
    for step in STEPS:
        mine = allocations.loc[
            allocations["program_id"].map(catalogue["funding_source"]).isin(step.fundings)
        ]
        pagu_parts.append(_by_district(mine, "unit_code", step.pagu, step.step))
        records = _in_scope(known[step.source], step.code, scope)
        records = records.loc[
            records["program_id"].map(catalogue["funding_source"]).isin(step.fundings)
        ]
        if records.empty:
            continue
        placed = pd.DataFrame(
            {
                "program_id": records["program_id"].astype(object),
                "district_code": district_of(records[step.code].astype(str)).astype(object),
                "step": step.step,
                "quarter": quarter_of(
                    records[step.date],
                    records["program_id"].map(catalogue["fiscal_year"]).astype("int64"),
                ),
                "amount": records[step.amount],
            }
        )
        real_parts.append(group_sum(placed, [*_KEY, "quarter"], "amount").rename("amount"))
    pagu = pd.concat(pagu_parts) if pagu_parts else pd.Series(dtype="int64")
    sums = pd.concat(real_parts) if real_parts else pd.Series(dtype="int64")
    rows = []
    for program in programs.itertuples(index=False):
        reported = quarters_reported(int(program.fiscal_year), as_of)
        keys = _keys_of(pagu, sums, str(program.program_id))
        for quarter, until in reported:
            frame = keys.copy()
            frame["quarter"] = quarter
            frame["until"] = until
            rows.append(frame)
    if not rows:
        empty = pd.DataFrame(columns=COLUMNS)
        return empty, empty.copy()
    table = pd.concat(rows, ignore_index=True)
    key = pd.MultiIndex.from_frame(table[_KEY])
    # As objects: a gap must not turn the sums into floats.
    table["pagu"] = whole(pagu.astype(object).reindex(key)).to_numpy() if len(pagu) else 0
    table["realisasi"] = _cumulative(sums, table)
    districts = _finish(table, catalogue, names)
    cut = ["program_id", "step", "quarter", "until"]
    program_rows = pd.DataFrame(
        {"pagu": group_sum(table, cut, "pagu"), "realisasi": group_sum(table, cut, "realisasi")}
    ).reset_index()
    program_rows["district_code"] = ""
    return _finish(program_rows, catalogue, names), districts


def _in_scope(frame: pd.DataFrame, code: str, scope: Scope) -> pd.DataFrame:
    if frame.empty or scope.is_everything:
        return frame
    return frame.loc[scope.unit_mask(frame, code)]


def _by_district(frame: pd.DataFrame, code: str, column: str, step: str) -> pd.Series:
    """Per (programme, district, step): the sum of `column`."""
    keyed = pd.DataFrame(
        {
            "program_id": frame["program_id"].astype(object),
            "district_code": district_of(frame[code].astype(str)).astype(object),
            "step": step,
            column: frame[column],
        }
    )
    return group_sum(keyed, _KEY, column).rename("pagu")


def _keys_of(pagu: pd.Series, sums: pd.Series, program_id: str) -> pd.DataFrame:
    """Every (programme, district, step) of one programme with a pagu or a record."""
    found = []
    for series in (pagu, sums):
        if len(series):
            index = series.index.to_frame(index=False)
            found.append(index.loc[index["program_id"] == program_id, _KEY])
    if not found:
        return pd.DataFrame(columns=_KEY)
    return pd.concat(found, ignore_index=True).drop_duplicates().reset_index(drop=True)


def _cumulative(sums: pd.Series, table: pd.DataFrame) -> np.ndarray:
    """Each row's realisasi: its step's records in its district dated in its quarter or an
    earlier one."""
    if not len(sums) or table.empty:
        return np.zeros(len(table), dtype=np.int64)
    by_quarter = sums.astype(object).unstack("quarter", fill_value=0)
    by_quarter = by_quarter.reindex(columns=[1, 2, 3, 4], fill_value=0)
    running = by_quarter.cumsum(axis=1)
    rows = running.reindex(pd.MultiIndex.from_frame(table[_KEY]))
    values = rows.to_numpy(dtype=object)
    picked = [
        0 if pd.isna(values[i, q - 1]) else int(values[i, q - 1])
        for i, q in enumerate(table["quarter"].tolist())
    ]
    return np.asarray(whole(pd.Series(picked, dtype=object)).to_numpy())


def _finish(table: pd.DataFrame, catalogue: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """sisa, %, names and labels; rows in programme, district, step and quarter order."""
    table = table.copy()
    table["pagu"] = whole(table["pagu"])
    table["realisasi"] = whole(table["realisasi"])
    table["sisa"] = whole(
        pd.Series(
            [int(p) - int(r) for p, r in zip(table["pagu"], table["realisasi"], strict=True)],
            index=table.index,
            dtype=object,
        )
    )
    table["percent_tenths"] = tenths_of_percent(table["realisasi"], table["pagu"])
    table["program_name"] = table["program_id"].map(catalogue["name"]).fillna("").astype(object)
    table["funding_source"] = table["program_id"].map(catalogue["funding_source"]).astype(object)
    table["fiscal_year"] = table["program_id"].map(catalogue["fiscal_year"]).astype("int64")
    table["district_name"] = [
        display_name(names, c) if c else "" for c in table["district_code"].astype(str)
    ]
    table["quarter"] = table["quarter"].astype("int64")
    table["quarter_label"] = table["quarter"].map(QUARTERS)
    table["_step"] = table["step"].map(STEP_ORDER)
    table = table.sort_values(
        ["program_id", "district_code", "_step", "quarter"], kind="stable"
    ).reset_index(drop=True)
    return table[COLUMNS]


def programme_tables(table: pd.DataFrame) -> list[dict[str, object]]:
    """For the HTML: per programme, a row per step with its pagu and, per quarter reported,
    realisasi, sisa and %."""
    groups = []
    for program_id, rows in table.groupby("program_id", sort=True):
        quarters = sorted(set(rows["quarter"].astype(int)))
        until = {int(q): u for q, u in zip(rows["quarter"], rows["until"], strict=True)}
        steps = []
        for _, cells in rows.groupby(rows["step"].map(STEP_ORDER), sort=True):
            by_quarter = {int(r.quarter): r for r in cells.itertuples(index=False)}
            last = by_quarter[max(by_quarter)]
            steps.append(
                {
                    "step": str(cells["step"].iloc[0]),
                    "pagu": int(last.pagu),
                    "cells": [
                        {
                            "realisasi": int(by_quarter[q].realisasi),
                            "percent_tenths": by_quarter[q].percent_tenths,
                        }
                        if q in by_quarter
                        else None
                        for q in quarters
                    ],
                    "sisa": int(last.sisa),
                }
            )
        groups.append(
            {
                "program_id": str(program_id),
                "name": str(rows["program_name"].iloc[0] or program_id),
                "fiscal_year": int(rows["fiscal_year"].iloc[0]),
                "quarters": [
                    {
                        "label": QUARTERS[q],
                        "until": until[q],
                        "partial": until[q] != quarter_ends(int(rows["fiscal_year"].iloc[0]))[q],
                    }
                    for q in quarters
                ],
                "steps": steps,
            }
        )
    return groups
