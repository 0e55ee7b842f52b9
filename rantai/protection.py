"""Protection over time and claims (contract v2): what the money bought, per unit and per claim.

- `claims_as_of`: every claim known on the evaluation date, as of that date (a PAID claim paid
  later is still SUBMITTED), placed in the unit of its worker's enrolment, with the benefit at
  stake and whether it is a protection failure (enrolled by the event, no cover of any
  programme on the event date).
- `protection`: protection.csv per (programme, unit): workers covered, lapsed, expiring within
  30 days and the worker-days without cover, counting the predecessor programme's workers and
  cover as the unit's, and the list of workers whose cover is about to end.

The stage engine (`rantai.stages`) builds the unit facts and judges the stages, including the
stage that blocked each failure; this module never evaluates a stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rantai.chain import district_of, worker_keys
from rantai.cover import Cover, containing, merged, uncovered_days
from rantai.records import JKM_BENEFIT, Benefit, ClaimStatus

# A worker covered today whose cover has ended 30 days later is expiring.
EXPIRING_DAYS = 30

PROTECTION_COLUMNS: list[str] = [
    "as_of",
    "program_id",
    "funding_source",
    "province_code",
    "district_code",
    "unit_code",
    "workers_targeted",
    "workers_paid",
    "workers_activated",
    "workers_covered",
    "workers_lapsed",
    "workers_expiring_30d",
    "paid_worker_months",
    "covered_worker_months",
    "uncovered_worker_days",
]

# protection_failures.csv: a claim whose worker had no cover on the event date. No NIK, no
# name. `Evaluation.failures` carries these and, after them, FAILURE_PLACE_COLUMNS.
FAILURE_COLUMNS: list[str] = [
    "claim_id",
    "program_id",
    "unit_code",
    "benefit",
    "event_date",
    "status",
    "blocking_stage",
    "days_overdue_on_event",
    "benefit_at_stake",
    "responsible",
]
FAILURE_PLACE_COLUMNS: list[str] = ["funding_source", "province_code", "district_code"]

# Every claim known on as_of, as of that day (no NIK): see `claims_as_of`.
CLAIM_COLUMNS: list[str] = [
    "claim_id",
    "program_id",
    "funding_source",
    "province_code",
    "district_code",
    "unit_code",
    "benefit",
    "event_date",
    "claim_date",
    "status",
    "paid_amount",
    "paid_date",
    "days_to_payment",
    "benefit_at_stake",
    "failure",
]

# The workers counted in workers_expiring_30d, one row each, with the last day of their cover.
# Holds NIKs: the Monev report may show them masked; nothing of it goes to Prefect.
EXPIRING_COLUMNS: list[str] = [
    "program_id",
    "funding_source",
    "province_code",
    "district_code",
    "unit_code",
    "nik",
    "cover_end",
]

# Per programme in summary.json, added by contract v2: sums over protection.csv.
PROTECTION_METRICS: list[str] = [
    "workers_activated",
    "workers_covered",
    "workers_lapsed",
    "paid_worker_months",
    "covered_worker_months",
]


def _day(value: pd.Timestamp) -> np.datetime64:
    return np.datetime64(value.date(), "D")


def claims_as_of(
    claims: pd.DataFrame, programs: pd.DataFrame, cover: Cover, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Every claim known on as_of (CLAIM_COLUMNS but `failure`, plus `nik`, the NIK's integer
    id, and `registered`, the enrolment's date), as of as_of."""
    programme = programs.set_index("program_id")
    position = cover.program_ids.get_indexer(claims["program_id"])
    keys = cover.key_of(position, cover.claim_niks)
    workers = cover.workers
    index = pd.Index(workers["key"])
    found = index.get_indexer(keys) if index.is_unique else np.full(len(keys), -1)
    found = np.where(position >= 0, found, -1)
    enrolled = found >= 0
    unit = np.append(workers["unit_code"].to_numpy(dtype=object), [None])[found]
    registered = np.append(
        np.asarray(workers["registered"], "datetime64[D]"), [np.datetime64("NaT")]
    )[found]

    paid_date = pd.to_datetime(claims["paid_date"])
    status = claims["status"].astype(str).to_numpy(dtype=object).copy()
    paid = (status == ClaimStatus.PAID.value) & (paid_date <= as_of).to_numpy(dtype=bool)
    # Before its payment date a PAID claim is still waiting.
    status[(status == ClaimStatus.PAID.value) & ~paid] = ClaimStatus.SUBMITTED.value
    paid_amount = pd.array(
        [
            int(v) if ok and pd.notna(v) else None
            for v, ok in zip(claims["paid_amount"], paid, strict=True)
        ],
        dtype="object",
    )
    benefit = claims["benefit"].astype(str).to_numpy(dtype=object)
    at_stake = np.full(len(benefit), None, dtype=object)
    at_stake[benefit == Benefit.JKM.value] = JKM_BENEFIT
    jkk = benefit == Benefit.JKK.value
    at_stake[jkk] = np.asarray(paid_amount, dtype=object)[jkk]
    claim_date = pd.to_datetime(claims["claim_date"])
    shown_paid = paid_date.where(paid)
    days = (shown_paid - claim_date).dt.days.astype("Int64")
    unit_series = pd.Series(unit, dtype=object)
    return pd.DataFrame(
        {
            "claim_id": claims["claim_id"].astype(str).to_numpy(dtype=object),
            "program_id": claims["program_id"].astype(str).to_numpy(dtype=object),
            "funding_source": claims["program_id"]
            .map(programme["funding_source"])
            .to_numpy(dtype=object),
            "province_code": claims["program_id"]
            .map(programme["province_code"])
            .to_numpy(dtype=object),
            "district_code": district_of(unit_series).to_numpy(dtype=object),
            "unit_code": unit,
            "benefit": benefit,
            "event_date": pd.to_datetime(claims["event_date"]).to_numpy(),
            "claim_date": claim_date.to_numpy(),
            "status": status,
            "paid_amount": np.asarray(paid_amount, dtype=object),
            "paid_date": shown_paid.to_numpy(),
            "days_to_payment": days.to_numpy(),
            "benefit_at_stake": pd.array(at_stake, dtype="Int64"),
            "nik": cover.claim_niks,
            "registered": registered,
            "enrolled": enrolled,
        }
    )


def failed_claims(claims: pd.DataFrame, cover: Cover) -> pd.DataFrame:
    """The claims whose NIK had no AKTIF episode, of any programme, containing the event date,
    although enrolled in the claim's programme by then (registered_date <= event_date)."""
    event = np.asarray(claims["event_date"], "datetime64[D]")
    eligible = claims["enrolled"].to_numpy(dtype=bool) & (
        np.asarray(claims["registered"], "datetime64[D]") <= event
    )
    candidates = claims.loc[eligible]
    if candidates.empty:
        return candidates
    niks = candidates["nik"].to_numpy()
    aktif = cover.aktif.loc[cover.aktif["nik"].isin(niks)]
    pairs = candidates[["claim_id", "nik", "event_date"]].merge(aktif, on="nik")
    covered = pairs.loc[containing(pairs, pairs["event_date"].to_numpy()), "claim_id"]
    return candidates.loc[~candidates["claim_id"].isin(covered)]


@dataclass(frozen=True)
class Protected:
    """protection.csv's rows, and the workers whose cover ends within 30 days."""

    table: pd.DataFrame
    expiring: pd.DataFrame


def protection(
    units: pd.DataFrame,
    programs: pd.DataFrame,
    cover: Cover,
    ahead: pd.DataFrame,
    as_of: pd.Timestamp,
) -> Protected:
    """Protection per (programme, unit) on as_of (CONTRACT.md v2, "Protection, per unit").

    `units` are the stage engine's unit facts (allocation sums, planned cover, workers paid and
    activated, months paid and covered); `ahead` the coverage rows that start within the 30
    days after as_of."""
    today = _day(as_of)
    later = today + np.timedelta64(EXPIRING_DAYS, "D")
    owners = _owners(programs, cover)
    workers = cover.workers
    # The unit's workers: this programme's, with its predecessor's enrolled in the same unit.
    rows = workers[["program", "nik", "unit_code"]].merge(owners, on="program")
    rows = rows.drop_duplicates(["owner", "unit_code", "nik"], ignore_index=True)
    episodes = cover.episodes[["program", "nik", "start", "end"]].merge(owners, on="program")
    packed = worker_keys(
        [rows["owner"].to_numpy(), episodes["owner"].to_numpy()],
        [rows["nik"].to_numpy(), episodes["nik"].to_numpy()],
    )
    assert packed is not None
    rows["okey"], episodes["okey"] = packed
    joined = merged(episodes["okey"].to_numpy(), episodes["start"], episodes["end"])
    spans = joined.rename(columns={"key": "okey"})

    now = spans.loc[containing(spans, today)]
    end_now = pd.Series(now["end"].to_numpy(), index=now["okey"].to_numpy())
    end_now = end_now[~end_now.index.duplicated()]
    on_later = set(spans.loc[containing(spans, later), "okey"].tolist())
    renewed = _renewals(ahead, cover, later)
    covered = rows["okey"].isin(end_now.index).to_numpy()
    covered_later = rows["okey"].isin(on_later).to_numpy() | rows["nik"].isin(renewed).to_numpy()
    activated = rows["okey"].isin(spans["okey"]).to_numpy()
    expiring = covered & ~covered_later

    program_ids = cover.program_ids.to_numpy()
    rows["program_id"] = program_ids[rows["owner"].to_numpy()]
    counts = (
        pd.DataFrame(
            {
                "program_id": rows["program_id"],
                "unit_code": rows["unit_code"],
                "covered": covered.astype(np.int64),
                "lapsed": (activated & ~covered).astype(np.int64),
                "expiring": expiring.astype(np.int64),
            }
        )
        .groupby(["program_id", "unit_code"], sort=False)[["covered", "lapsed", "expiring"]]
        .sum()
    )

    table = units[
        [
            "program_id",
            "funding_source",
            "province_code",
            "district_code",
            "unit_code",
            "target_workers",
            "workers_paid",
            "workers_activated",
            "paid_worker_months",
            "covered_worker_months",
            "planned_start",
            "planned_end",
        ]
    ].join(counts, on=["program_id", "unit_code"])
    for column in ("covered", "lapsed", "expiring"):
        table[column] = table[column].fillna(0).astype("int64")
    start = np.asarray(table["planned_start"], "datetime64[D]")
    end = np.asarray(table["planned_end"], "datetime64[D]")
    inside = (start <= today) & (today <= end)
    table["lapsed"] = np.where(inside, table["lapsed"], 0)

    # Worker-days without cover: each worker's merged cover, in each unit it belongs to.
    position = pd.MultiIndex.from_frame(table[["program_id", "unit_code"]])
    member = rows[["program_id", "unit_code", "okey"]].assign(
        unit=position.get_indexer(pd.MultiIndex.from_frame(rows[["program_id", "unit_code"]]))
    )
    member = member.loc[member["unit"] >= 0]
    cover_rows = member[["unit", "okey"]].merge(spans, on="okey")
    window = pd.DataFrame(
        {
            "first": start,
            "last": np.minimum(end, today),
            "target": table["target_workers"].astype("int64").to_numpy(),
        }
    )
    days = uncovered_days(window, cover_rows)

    out = pd.DataFrame(
        {
            "as_of": as_of.date(),
            "program_id": table["program_id"].to_numpy(dtype=object),
            "funding_source": table["funding_source"].to_numpy(dtype=object),
            "province_code": table["province_code"].to_numpy(dtype=object),
            "district_code": table["district_code"].to_numpy(dtype=object),
            "unit_code": table["unit_code"].to_numpy(dtype=object),
            "workers_targeted": table["target_workers"].astype("int64").to_numpy(),
            "workers_paid": table["workers_paid"].astype("int64").to_numpy(),
            "workers_activated": table["workers_activated"].astype("int64").to_numpy(),
            "workers_covered": table["covered"].to_numpy(),
            "workers_lapsed": table["lapsed"].to_numpy(),
            "workers_expiring_30d": table["expiring"].to_numpy(),
            "paid_worker_months": table["paid_worker_months"].astype("int64").to_numpy(),
            "covered_worker_months": table["covered_worker_months"].astype("int64").to_numpy(),
            "uncovered_worker_days": days,
        },
        columns=PROTECTION_COLUMNS,
    )
    out = out.sort_values(["program_id", "unit_code"], kind="stable").reset_index(drop=True)
    return Protected(table=out, expiring=_expiring_list(rows, expiring, end_now, table))


def _owners(programs: pd.DataFrame, cover: Cover) -> pd.DataFrame:
    """Whose workers and cover count for which programme: each programme's own, and its
    predecessor's for it (program -> owner)."""
    positions = np.arange(len(cover.program_ids))
    own = pd.DataFrame({"program": positions, "owner": positions})
    predecessor = programs.set_index("program_id")["predecessor_id"].reindex(cover.program_ids)
    before = cover.program_ids.get_indexer(
        predecessor.astype(object).where(predecessor.notna(), None)
    )
    has = before >= 0
    inherited = pd.DataFrame({"program": before[has], "owner": positions[has]})
    return pd.concat([own, inherited], ignore_index=True).drop_duplicates(ignore_index=True)


def _renewals(ahead: pd.DataFrame, cover: Cover, later: np.datetime64) -> set[int]:
    """NIKs with an AKTIF episode of any programme that starts within the 30 days after as_of
    and still holds on the 30th day: that renewal is already arranged."""
    if ahead.empty:
        return set()
    aktif = (ahead["status"].astype(str) == "AKTIF").to_numpy()
    starts = np.asarray(ahead["coverage_start"], "datetime64[D]")
    ends = np.asarray(ahead["coverage_end"], "datetime64[D]")
    holds = aktif & (starts <= later) & (later <= ends)
    if not holds.any():
        return set()
    from rantai.chain import nik_ids

    known = cover.workers["nik"].to_numpy()
    ids = nik_ids(ahead.loc[holds, "nik"])[0]
    if len(known) and not (known.min() >= 10**15 and (ids.min() if len(ids) else 10**15) >= 10**15):
        return set()  # NIKs that are not valid numbers cannot be matched across calls
    return set(ids.tolist())


def _expiring_list(
    rows: pd.DataFrame, expiring: np.ndarray[Any, Any], end_now: pd.Series, table: pd.DataFrame
) -> pd.DataFrame:
    """The workers counted in workers_expiring_30d, with the last day of their cover."""
    chosen = rows.loc[expiring]
    place = table.set_index(["program_id", "unit_code"])[
        ["funding_source", "province_code", "district_code"]
    ]
    chosen = chosen.join(place, on=["program_id", "unit_code"], how="inner")
    niks = chosen["nik"].to_numpy(dtype=np.int64)
    return pd.DataFrame(
        {
            "program_id": chosen["program_id"].to_numpy(dtype=object),
            "funding_source": chosen["funding_source"].to_numpy(dtype=object),
            "province_code": chosen["province_code"].to_numpy(dtype=object),
            "district_code": chosen["district_code"].to_numpy(dtype=object),
            "unit_code": chosen["unit_code"].to_numpy(dtype=object),
            "nik": [f"{n:016d}" for n in niks.tolist()],
            "cover_end": pd.to_datetime(end_now.reindex(chosen["okey"].to_numpy()).to_numpy()).date,
        },
        columns=EXPIRING_COLUMNS,
    ).sort_values(["program_id", "unit_code", "cover_end"], kind="stable", ignore_index=True)
