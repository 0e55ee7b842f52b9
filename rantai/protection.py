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

from rantai.chain import are_niks, district_of, nik_ids, worker_keys
from rantai.cover import Cover, containing, days, member, merged, sums, uncovered_days
from rantai.records import JKM_BENEFIT, Benefit, ClaimStatus, CoverageStatus

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
FAILURE_PLACE_COLUMNS: list[str] = [
    "funding_source",
    "province_code",
    "district_code",
    "branch_code",  # the BPJS branch serving the district (issue 15; "" when none is known)
]

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
    # A worker's key is unique by construction (`cover_of` keeps one enrolment per worker).
    found = np.where(position >= 0, pd.Index(workers["key"]).get_indexer(keys), -1)
    enrolled = found >= 0
    # Only the claimants' enrolments are looked up, not millions of workers' units and dates.
    at = found[enrolled]
    unit = np.full(len(found), None, dtype=object)
    unit[enrolled] = cover.units[workers["unit"].to_numpy()[at]]
    registered = np.full(len(found), np.datetime64("NaT"), dtype="datetime64[D]")
    registered[enrolled] = days(workers["registered"].to_numpy()[at])

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
    to_payment = (shown_paid - claim_date).dt.days.astype("Int64")
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
            "days_to_payment": to_payment.to_numpy(),
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
    rows, spans = _unit_workers(programs, cover)
    okey = rows["key"].to_numpy()
    span_key = spans["key"].to_numpy()
    now = containing(spans, today)
    if rows is cover.workers:
        # No predecessor anywhere: the unit's workers and cover are the programme's own.
        covered, activated = cover.covered_on(today), cover.activated
        covered_later = cover.covered_on(later).copy()
    else:
        covered = member(okey, span_key[now])
        covered_later = member(okey, span_key[containing(spans, later)])
        activated = member(okey, span_key)
    covered_later |= member(rows["nik"].to_numpy(), _renewals(ahead, cover, later))
    expiring = covered & ~covered_later
    program, unit = rows["program"].to_numpy(), rows["unit"].to_numpy()
    counts = sums(
        program,
        unit,
        cover.program_ids,
        cover.units,
        {
            "covered": covered,
            "lapsed": activated & ~covered,
            "expiring": expiring,
        },
        ("program_id", "unit_code"),
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
    start, end = days(table["planned_start"]), days(table["planned_end"])
    inside = (start <= today) & (today <= end)
    table["lapsed"] = np.where(inside, table["lapsed"], 0)

    # Worker-days without cover: each worker's merged cover, in each unit it belongs to.
    table_key = cover.place_keys(table["program_id"], table["unit_code"])
    # A unit with no enrolled worker (-1) gets a key of its own that no worker has.
    table_key = np.where(table_key >= 0, table_key, -1 - np.arange(len(table_key)))
    unit_of_row = pd.Index(table_key).get_indexer(cover.unit_keys(program, unit))
    hit = unit_of_row >= 0
    by_key = pd.Index(okey)
    if rows is cover.workers or by_key.is_unique:  # a programme's workers are, by their key
        # Each merged episode belongs to one row: look it up rather than join millions.
        row_of_span = by_key.get_indexer(span_key)
        span_unit = np.where(row_of_span >= 0, unit_of_row[row_of_span], -1)
        cover_rows = pd.DataFrame(
            {"unit": span_unit, "start": spans["start"].to_numpy(), "end": spans["end"].to_numpy()}
        ).loc[span_unit >= 0]
    else:
        members = pd.DataFrame({"unit": unit_of_row[hit], "key": okey[hit]})
        cover_rows = members.merge(spans, on="key")
    window = pd.DataFrame(
        {
            "first": start,
            "last": np.minimum(end, today),
            "target": table["target_workers"].astype("int64").to_numpy(),
        }
    )
    uncovered = uncovered_days(window, cover_rows)

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
            "uncovered_worker_days": uncovered,
        },
        columns=PROTECTION_COLUMNS,
    )
    out = out.sort_values(["program_id", "unit_code"], kind="stable").reset_index(drop=True)
    ending = spans.loc[now]
    ends = pd.Series(days(ending["end"]), index=ending["key"].to_numpy())
    ends = ends[~ends.index.duplicated()]
    return Protected(table=out, expiring=_expiring_list(rows.loc[expiring], ends, table, cover))


def _unit_workers(programs: pd.DataFrame, cover: Cover) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The workers that count for each (programme, unit), as rows of owner (programme
    position), unit, nik and key (one per owner and worker): each programme's own enrolled
    workers and, for a programme with a predecessor, the predecessor's enrolled in the same
    unit. With them the merged cover of each key: the owner's own AKTIF episodes, and its
    predecessor's."""
    workers = cover.workers
    spans = cover.spans
    successors = _successors(programs, cover)
    if successors.empty:
        return workers, spans
    rows = workers[["program", "unit", "nik", "key"]]
    inherited = workers[["program", "unit", "nik"]].merge(successors, on="program")
    episodes = cover.episodes[["program", "nik", "start", "end"]].merge(successors, on="program")
    keys = worker_keys(
        [inherited["owner"].to_numpy(), episodes["owner"].to_numpy()],
        [inherited["nik"].to_numpy(), episodes["nik"].to_numpy()],
    )
    assert keys is not None
    inherited_rows = pd.DataFrame(
        {
            "program": inherited["owner"].to_numpy(),
            "unit": inherited["unit"].to_numpy(),
            "nik": inherited["nik"].to_numpy(),
            "key": keys[0],
        }
    )
    heirs = successors["owner"].to_numpy()
    is_heir = member(rows["program"].to_numpy(), heirs)
    together = pd.concat([rows.loc[is_heir], inherited_rows], ignore_index=True)
    together = together.drop_duplicates(["program", "unit", "nik"])
    rows = pd.concat([rows.loc[~is_heir], together], ignore_index=True)
    # The heirs' cover merges their own episodes with their predecessors'.
    own = cover.episodes.loc[member(cover.episodes["program"].to_numpy(), heirs)]
    heir_spans = merged(
        np.concatenate([own["key"].to_numpy(), keys[1]]),
        np.concatenate([days(own["start"]), days(episodes["start"])]),
        np.concatenate([days(own["end"]), days(episodes["end"])]),
    )
    own_keys = set(own["key"].tolist())
    spans = spans.loc[~spans["key"].isin(own_keys)]
    return rows, pd.concat([spans, heir_spans], ignore_index=True)


def _successors(programs: pd.DataFrame, cover: Cover) -> pd.DataFrame:
    """Each programme with a known predecessor: program (the predecessor's position) ->
    owner (the successor's position)."""
    predecessor = programs.set_index("program_id")["predecessor_id"].reindex(cover.program_ids)
    named = predecessor.astype(object).where(predecessor.notna(), None)
    before = cover.program_ids.get_indexer(named)
    has = before >= 0
    return pd.DataFrame({"program": before[has], "owner": np.flatnonzero(has)})


def _renewals(ahead: pd.DataFrame, cover: Cover, later: np.datetime64) -> np.ndarray[Any, Any]:
    """NIKs (as ids) with an AKTIF episode of any programme that starts within the 30 days
    after as_of and still holds on the 30th day: that renewal is already arranged."""
    if ahead.empty:
        return np.array([], dtype=np.int64)
    aktif = ahead["status"].to_numpy(dtype=object) == CoverageStatus.AKTIF.value
    holds = (
        aktif & (days(ahead["coverage_start"]) <= later) & (later <= days(ahead["coverage_end"]))
    )
    if not holds.any():
        return np.array([], dtype=np.int64)
    ids = nik_ids(ahead.loc[holds, "nik"])[0]
    # Ids of NIKs that are not valid numbers hold only within one call: nothing to match.
    return ids if are_niks(ids) else np.array([], dtype=np.int64)


def _expiring_list(
    rows: pd.DataFrame, ends: pd.Series, table: pd.DataFrame, cover: Cover
) -> pd.DataFrame:
    """The workers counted in workers_expiring_30d, with the last day of their cover."""
    place = table.set_index(["program_id", "unit_code"])[
        ["funding_source", "province_code", "district_code"]
    ]
    if rows.empty:
        return pd.DataFrame(columns=EXPIRING_COLUMNS)
    chosen = pd.DataFrame(
        {
            "program_id": cover.program_ids.to_numpy()[rows["program"].to_numpy()],
            "unit_code": cover.units[rows["unit"].to_numpy()],
            "nik": rows["nik"].to_numpy(),
            "cover_end": ends.reindex(rows["key"].to_numpy()).to_numpy(),
        }
    ).join(place, on=["program_id", "unit_code"], how="inner")
    return pd.DataFrame(
        {
            "program_id": chosen["program_id"].to_numpy(dtype=object),
            "funding_source": chosen["funding_source"].to_numpy(dtype=object),
            "province_code": chosen["province_code"].to_numpy(dtype=object),
            "district_code": chosen["district_code"].to_numpy(dtype=object),
            "unit_code": chosen["unit_code"].to_numpy(dtype=object),
            "nik": [f"{n:016d}" for n in chosen["nik"].tolist()],
            "cover_end": pd.to_datetime(chosen["cover_end"]).dt.date.to_numpy(),
        },
        columns=EXPIRING_COLUMNS,
    ).sort_values(["program_id", "unit_code", "cover_end"], kind="stable", ignore_index=True)
