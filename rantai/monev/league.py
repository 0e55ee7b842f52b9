"""The village league, within one programme, and the villages to visit (issue 15).

A league across programmes compares clocks that start at different events (a BKBK village's
at its first transfer, an APBDes village's at the decree), so every ranking here is within one
programme. The awards (Kalimantan Timur's, the Paritrana village category) are for coverage:

- `coverage_league`: each village of a programme ranked by the share of its promise kept: the
  worker-months of cover it promised (target_workers x months, over its allocation lines)
  against the worker-months of cover its workers have (the engine's `covered_worker_months`,
  protection.csv: merged AKTIF episodes of this programme's activated workers, as COVER_PERIOD
  counts them). 100 % is every targeted worker covered for the whole planned period. Months
  beyond the promise (more workers than targeted, longer cover) count no more than it.
  Tie rule: the same share, the village that promised more worker-months first, then the one
  that got its workers paid for covered sooner after its money arrived, then the village code. The days from money received to covered are there too, ranked within the
  programme only.
- `villages_to_visit`: per village, its longest unfinished step (started, not complete), with
  whose move it is, ranked within the programme by days waiting.

Nothing here judges cover or a stage: the figures are the stage engine's (`rantai.stages`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from rantai.monev.labels import (
    RESPONSIBLE,
    STAGES,
    angka,
    desa_called,
    display_name,
    persen_tenths,
)
from rantai.records import STAGE_ORDER, Stage
from rantai.stages import Evaluation

KEY = ["program_id", "unit_code"]

LEAGUE_COLUMNS = [
    "coverage_rank",
    "program_id",
    "funding_source",
    "unit_code",
    "village_name",
    "subdistrict_code",
    "subdistrict_name",
    "district_code",
    "district_name",
    "workers_targeted",
    "promised_worker_months",
    "covered_worker_months",
    "coverage_tenths",
    "workers_paid",
    "workers_activated",
    "workers_covered",
    "money_received",
    "covered_on",
    "days",
    "covered",
    "speed_rank",
    "premium_due",
    "premium_paid",
]

VISIT_COLUMNS = [
    "visit_rank",
    "program_id",
    "funding_source",
    "unit_code",
    "village_name",
    "subdistrict_code",
    "subdistrict_name",
    "district_code",
    "district_name",
    "stage",
    "case_id",
    "responsible",
    "start_date",
    "due_date",
    "days_waiting",
    "days_overdue",
    "stalled",
    "severity",
    "workers_affected",
    "amount_at_stake",
    "unfinished_steps",
]


def tenths_of_percent(part: pd.Series, whole: pd.Series) -> pd.Series:
    """part / whole in tenths of a percent, rounded half up, from integers (None where whole
    is 0): 1 of 3 is 333 (33.3 %). For display only; never a rupiah."""
    p = part.to_numpy(dtype=object)
    w = whole.to_numpy(dtype=object)
    out = [
        None if int(b) == 0 else (2000 * int(a) + int(b)) // (2 * int(b))
        for a, b in zip(p, w, strict=True)
    ]
    return pd.Series(out, index=part.index, dtype=object)


def promised_worker_months(allocations: pd.DataFrame) -> pd.Series:
    """Per (programme, unit): target_workers x months, over its allocation lines."""
    if allocations.empty:
        return pd.Series(dtype="int64", index=pd.MultiIndex.from_arrays([[], []], names=KEY))
    lines = allocations.assign(
        _promised=allocations["target_workers"].astype("int64")
        * allocations["months"].astype("int64")
    )
    return lines.groupby(KEY)["_promised"].sum().astype("int64")


def _places(frame: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """The village's, its kecamatan's and its district's names beside their codes."""
    code = frame["unit_code"].astype(str)
    frame["village_name"] = code.map(lambda c: display_name(names, c))
    frame["subdistrict_code"] = code.str.slice(0, 8)
    frame["subdistrict_name"] = frame["subdistrict_code"].map(lambda c: display_name(names, c))
    frame["district_name"] = frame["district_code"].map(lambda c: display_name(names, c))
    return frame


def _is_village(codes: pd.Series) -> pd.Series:
    return codes.astype(str).str.len() > 5


def _rank_within_programme(frame: pd.DataFrame, by: list[str], ascending: list[bool]) -> pd.Series:
    """1, 2, 3 ... within each programme, in the order of `by` (unique ranks)."""
    ordered = frame.sort_values(["program_id", *by], ascending=[True, *ascending], kind="stable")
    rank = ordered.groupby("program_id", sort=False).cumcount() + 1
    return rank.reindex(frame.index)


def coverage_league(
    evaluation: Evaluation,
    known: Mapping[str, pd.DataFrame],
    covered_on: pd.Series,
    as_of: dt.date,
    names: Mapping[str, str],
) -> pd.DataFrame:
    """Every village with an allocation, ranked within its programme by the share of its
    promised worker-months that are covered (see the module). `covered_on`: per (programme,
    unit) the day the village got its workers paid for covered (NaT where not), as
    `rantai.monev.data.cover_complete_dates` finds it; the speed columns count to it."""
    protection = evaluation.protection
    villages = protection.loc[_is_village(protection["unit_code"])]
    league = villages[
        [
            "program_id",
            "funding_source",
            "district_code",
            "unit_code",
            "workers_targeted",
            "workers_paid",
            "workers_activated",
            "workers_covered",
            "covered_worker_months",
        ]
    ].copy()
    for column in ("program_id", "funding_source", "district_code", "unit_code"):
        league[column] = league[column].astype(object)
    index = pd.MultiIndex.from_frame(league[KEY])
    promised = promised_worker_months(known["allocations"]).reindex(index).fillna(0)
    league["promised_worker_months"] = promised.astype("int64").to_numpy()
    counted = np.minimum(
        league["covered_worker_months"].to_numpy(dtype=np.int64),
        league["promised_worker_months"].to_numpy(dtype=np.int64),
    )
    league["coverage_tenths"] = tenths_of_percent(
        pd.Series(counted, index=league.index), league["promised_worker_months"]
    )
    # Equal fractions are equal floats (IEEE division rounds the same rational the same way):
    # the tie rule below decides between them.
    share = counted / np.maximum(league["promised_worker_months"].to_numpy(dtype=np.int64), 1)
    league["_share"] = share

    # Speed, within the programme only: from money received (the premium step's start) to the
    # workers paid for covered.
    cases = evaluation.cases.set_index(KEY)
    premium = cases.loc[cases["stage"] == Stage.PREMIUM_PAYMENT.value]
    activation = cases.loc[cases["stage"] == Stage.COVERAGE_ACTIVATION.value]
    league["money_received"] = premium["start_date"].reindex(index).to_numpy()
    league["premium_due"] = premium["target"].reindex(index).fillna(0).astype("int64").to_numpy()
    league["premium_paid"] = premium["achieved"].reindex(index).fillna(0).astype("int64").to_numpy()
    done = activation["complete"].reindex(index).fillna(False).astype(bool).to_numpy()
    league["covered"] = (
        (league["premium_paid"] >= league["premium_due"])
        & done
        & (league["workers_paid"] > 0)
        & league["money_received"].notna()
    )
    when = pd.to_datetime(covered_on.reindex(index).to_numpy())
    league["covered_on"] = pd.Series(when, index=league.index).where(league["covered"])
    end = league["covered_on"].fillna(pd.Timestamp(as_of))
    waited = (end - pd.to_datetime(league["money_received"])).dt.days.clip(lower=0)
    league["days"] = waited.astype("Int64")
    # For the tie rule: the days it took a village that got there, none for one that did not.
    league["days_covered"] = league["days"].where(league["covered"])

    league["coverage_rank"] = _rank_within_programme(
        league,
        ["_share", "promised_worker_months", "days_covered", "unit_code"],
        [False, False, True, True],
    ).astype("int64")
    fast = league.loc[league["covered"]]
    league["speed_rank"] = _rank_within_programme(
        fast, ["days", "workers_covered", "unit_code"], [True, False, True]
    ).reindex(league.index)
    league["speed_rank"] = league["speed_rank"].astype("Int64")
    league = _places(league, names)
    league["money_received"] = pd.to_datetime(league["money_received"]).dt.date
    league["covered_on"] = league["covered_on"].dt.date.where(league["covered"], None)
    league = league.sort_values(["program_id", "coverage_rank"], kind="stable")
    return league.reset_index(drop=True)[LEAGUE_COLUMNS]


def villages_to_visit(evaluation: Evaluation, names: Mapping[str, str]) -> pd.DataFrame:
    """Per (programme, village): its longest-waiting unfinished step (started, not complete;
    the same wait: the earlier step in chain order), whose move it is, and how many steps of
    the village are unfinished. Ranked within the programme: most days waiting first, then
    stalled before within its SLA, then most workers affected, then the village code.

    Whose move: the case's, as the engine worked it out (stages.py, `records.responsible_for`;
    stalls.csv names the same)."""
    cases = evaluation.cases
    open_ = cases.loc[
        _is_village(cases["unit_code"])
        & cases["start_date"].notna()
        & ~cases["complete"].astype(bool)
    ].copy()
    if open_.empty:
        return pd.DataFrame(columns=VISIT_COLUMNS)
    open_["case_id"] = open_["case_id"].fillna("").astype(str)
    open_["_order"] = open_["stage"].map(STAGE_ORDER)
    counts = open_.groupby(KEY).size().rename("unfinished_steps")
    longest = open_.sort_values(
        [*KEY, "days_waiting", "_order", "case_id"],
        ascending=[True, True, False, True, True],
        kind="stable",
    ).drop_duplicates(KEY)
    longest = longest.join(counts, on=KEY)
    longest["responsible"] = longest["responsible"].astype(object)
    longest["stalled"] = longest["stalled"].astype(bool)
    longest["days_waiting"] = longest["days_waiting"].astype("int64")
    longest["days_overdue"] = longest["days_overdue"].astype("int64").clip(lower=0)
    longest["workers_affected"] = longest["workers_affected"].astype("int64")
    amounts = longest["amount_at_stake"].astype(object)
    longest["amount_at_stake"] = amounts.where(longest["amount_known"].astype(bool), None)
    longest["start_date"] = pd.to_datetime(longest["start_date"]).dt.date
    longest["due_date"] = pd.to_datetime(longest["due_date"]).dt.date
    longest["visit_rank"] = _rank_within_programme(
        longest,
        ["days_waiting", "stalled", "workers_affected", "unit_code"],
        [False, False, False, True],
    ).astype("int64")
    longest = _places(longest, names)
    longest = longest.sort_values(["program_id", "visit_rank"], kind="stable")
    return longest.reset_index(drop=True)[VISIT_COLUMNS]


def top_by_coverage(league: pd.DataFrame, n: int = 5) -> dict[str, pd.DataFrame]:
    """Per programme: its `n` best villages by coverage, in rank order."""
    return {
        str(program_id): rows.sort_values("coverage_rank").head(n).reset_index(drop=True)
        for program_id, rows in league.groupby("program_id", sort=True)
    }


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows for the template, an unknown value (NA, NaT) as None."""
    if frame.empty:
        return []
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def programme_groups(
    league: pd.DataFrame, to_visit: pd.DataFrame, programs: pd.DataFrame, shown: int
) -> list[dict[str, Any]]:
    """For the HTML: per programme with villages (the biggest first), its `shown` best
    villages by coverage and its `shown` villages most in need of a visit."""
    order = programs.sort_values(["allocated", "program_id"], ascending=[False, True])
    groups = []
    for program in order.itertuples(index=False):
        program_id = str(program.program_id)
        mine = league.loc[league["program_id"] == program_id]
        visit = to_visit.loc[to_visit["program_id"] == program_id] if len(to_visit) else to_visit
        if mine.empty and visit.empty:
            continue
        full = mine["coverage_tenths"].dropna()
        groups.append(
            {
                "program_id": program_id,
                "name": str(program.name or program_id),
                "funding_source": str(program.funding_source),
                "villages": len(mine),
                "villages_full": int((full >= 1000).sum()),
                "top": _rows(mine.sort_values("coverage_rank").head(shown)),
                "visit": _rows(visit.sort_values("visit_rank").head(shown)),
                "visit_total": len(visit),
            }
        )
    return groups


FINDINGS_PROGRAMMES = 2


def league_findings(groups: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(Indonesian, English) sentences for the top of the report: per programme (the biggest
    few), the village to reward for coverage and the village to visit, and whose move it is."""
    findings = []
    for group in groups[:FINDINGS_PROGRAMMES]:
        name = group["name"]
        if group["top"]:
            r = group["top"][0]
            share = persen_tenths(r["coverage_tenths"])
            findings.append(
                (
                    f"{name}: cakupan tertinggi {desa_called(r['village_name'])} (Kec. "
                    f"{r['subdistrict_name']}, {r['district_name']}), {share} dari "
                    f"{angka(r['promised_worker_months'])} bulan-pekerja yang dijanjikan.",
                    f"{name}: best coverage {r['village_name']} village ({r['subdistrict_name']}, "
                    f"{r['district_name']}), {share} of {angka(r['promised_worker_months'])} "
                    "worker-months promised.",
                )
            )
        if group["visit"]:
            r = group["visit"][0]
            stage = STAGES.get(str(r["stage"]), (str(r["stage"]),) * 2)
            who = RESPONSIBLE.get(str(r["responsible"]), (str(r["responsible"]),) * 2)
            findings.append(
                (
                    f"{name}: perlu dikunjungi {desa_called(r['village_name'])} (Kec. "
                    f"{r['subdistrict_name']}, {r['district_name']}), "
                    f"{stage[0].lower()} menunggu {angka(r['days_waiting'])} hari; harus "
                    f"bertindak: {who[0].lower()}.",
                    f"{name}: to visit {r['village_name']} village ({r['subdistrict_name']}, "
                    f"{r['district_name']}), {stage[1].lower()} waiting "
                    f"{angka(r['days_waiting'])} days; {who[1]} must act.",
                )
            )
    return findings
