"""The report's opening section, Perlindungan: did the money become protection, and did the
protection reach the families who claimed it (contract v2).

The stage engine works out every figure (`Evaluation.protection`, `.failures`, `.claims`,
`.expiring`); this module only names the places and programmes, adds the rows up per
programme and district, and puts this year beside last year. Pure functions over frames: no
files, no Prefect. No NIK leaves it unmasked and no name enters it.

Two figures are this module's own, worked out from the engine's frames:
- months paid without cover, per unit: max(0, paid_worker_months - covered_worker_months),
  and their worth, those months times the programme's premium_rate_monthly (Rp16.800 when the
  programme gives none): what the premiums bought that BPJS does not show as cover. Unlike
  COVER_PERIOD's shortfall it keeps the months of workers not yet activated: the meeting asks
  what the money bought, whichever step lost it.
- last year: a programme's predecessor evaluated on the same day a year earlier, so that
  "covered" and "lapsed" compare like with like (its own year's cover, at the same point of it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from rantai.bounds import whole
from rantai.chain import add_months
from rantai.monev.labels import display_name
from rantai.records import DEFAULT_PREMIUM_RATE_MONTHLY, ClaimStatus, Stage, mask_nik
from rantai.scope import Scope
from rantai.stages import PROTECTION_COLUMNS, Evaluation

# Counts of protection.csv that add up over units, districts and programmes: its columns from
# workers_targeted to covered_worker_months.
PROTECTION_COUNTS = PROTECTION_COLUMNS[
    PROTECTION_COLUMNS.index("workers_targeted") : PROTECTION_COLUMNS.index("uncovered_worker_days")
]
GAP_COLUMNS = ["months_unused", "rupiah_unused"]
YEAR_FIGURES = ["workers_targeted", "workers_paid", "workers_covered", "workers_lapsed"]
CLAIM_COUNTS = ["filed", "paid", "rejected", "pending", "pending_overdue"]


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


FAILURE_TABLE = [
    "claim_id",
    "program_id",
    "program_name",
    "funding_source",
    "benefit",
    "event_date",
    "status",
    "unit_code",
    "unit_name",
    "subdistrict_name",
    "district_code",
    "district_name",
    "blocking_stage",
    "days_overdue_on_event",
    "responsible",
    "benefit_at_stake",
]
CLAIM_TABLE = [
    "claim_id",
    "program_id",
    "program_name",
    "benefit",
    "event_date",
    "claim_date",
    "status",
    "paid_amount",
    "paid_date",
    "days_to_payment",
    "overdue",
    "benefit_at_stake",
    "failure",
    "unit_code",
    "unit_name",
    "district_code",
    "district_name",
]
CLAIM_SUMMARY = [
    "program_id",
    "program_name",
    "benefit",
    *CLAIM_COUNTS,
    "benefits_paid",
    "median_days",
    "max_days",
    "failures",
]
UNIT_TABLE = [
    "program_id",
    "program_name",
    "funding_source",
    "district_code",
    "district_name",
    "unit_code",
    "unit_name",
    "subdistrict_name",
    *PROTECTION_COUNTS,
    "uncovered_worker_days",
    "premium_rate",
    *GAP_COLUMNS,
]
DISTRICT_TABLE = [
    "program_id",
    "program_name",
    "funding_source",
    "district_code",
    "district_name",
    *PROTECTION_COUNTS,
    *GAP_COLUMNS,
]
PROGRAM_TABLE = [
    "program_id",
    "program_name",
    "funding_source",
    "province_code",
    "province_name",
    "premium_rate",
    *PROTECTION_COUNTS,
    *GAP_COLUMNS,
]
EXPIRING_UNITS = [
    "program_id",
    "program_name",
    "district_code",
    "district_name",
    "unit_code",
    "unit_name",
    "subdistrict_name",
    "workers",
    "workers_covered",
    "first_end",
    "last_end",
]
EXPIRING_WORKERS = [
    "program_id",
    "district_code",
    "district_name",
    "unit_code",
    "unit_name",
    "nik_masked",
    "cover_end",
]
YEAR_TABLE = [
    "program_id",
    "program_name",
    "predecessor_id",
    "predecessor_name",
    "district_code",
    "district_name",
    *[f"{figure}_{when}" for figure in YEAR_FIGURES for when in ("before", "now")],
]


@dataclass(frozen=True)
class Protection:
    """The Perlindungan section's tables, as of the report's date and inside its scope."""

    failures: pd.DataFrame = field(default_factory=lambda: _empty(FAILURE_TABLE))
    claims: pd.DataFrame = field(default_factory=lambda: _empty(CLAIM_TABLE))
    claim_summary: pd.DataFrame = field(default_factory=lambda: _empty(CLAIM_SUMMARY))
    programs: pd.DataFrame = field(default_factory=lambda: _empty(PROGRAM_TABLE))
    districts: pd.DataFrame = field(default_factory=lambda: _empty(DISTRICT_TABLE))
    units: pd.DataFrame = field(default_factory=lambda: _empty(UNIT_TABLE))
    expiring_units: pd.DataFrame = field(default_factory=lambda: _empty(EXPIRING_UNITS))
    expiring: pd.DataFrame = field(default_factory=lambda: _empty(EXPIRING_WORKERS))
    year_on_year: pd.DataFrame = field(default_factory=lambda: _empty(YEAR_TABLE))
    last_year: dt.date | None = None  # the day the predecessors were evaluated on
    # Programmes whose successor is in the report: their workers are counted again in the
    # successor's units (contract v2), so the headline counts workers without them.
    superseded: tuple[str, ...] = ()
    totals: dict[str, int | None] = field(default_factory=dict)


def last_year_of(as_of: dt.date) -> dt.date:
    """The same day a year earlier (29 February: the 28th), by the contract's month rule."""
    day = add_months(np.array([as_of], dtype="datetime64[D]"), -12)[0]
    return pd.Timestamp(day).date()


def predecessors(programs: pd.DataFrame) -> pd.DataFrame:
    """(program_id, predecessor_id) for each programme whose predecessor is a known programme."""
    if "predecessor_id" not in programs or programs.empty:
        return _empty(["program_id", "predecessor_id"])
    pairs = programs[["program_id", "predecessor_id"]].dropna()
    pairs = pairs.loc[
        pairs["predecessor_id"].astype(str).ne("")
        & pairs["predecessor_id"].isin(programs["program_id"])
    ]
    return pairs.astype(str).drop_duplicates().reset_index(drop=True)


def predecessor_frames(
    frames: Mapping[str, pd.DataFrame], pairs: pd.DataFrame
) -> dict[str, pd.DataFrame] | None:
    """The records of the predecessor programmes (and of theirs, whose workers count for them),
    to evaluate last year on; None when no programme has a predecessor."""
    if pairs.empty:
        return None
    wanted = set(pairs["predecessor_id"])
    programs = frames["programs"]
    if "predecessor_id" in programs:
        before = programs.loc[programs["program_id"].isin(wanted), "predecessor_id"]
        wanted |= set(before.dropna().astype(str))
    return {
        name: frame.loc[frame["program_id"].isin(wanted)] if "program_id" in frame else frame
        for name, frame in frames.items()
    }


def build_protection(
    evaluation: Evaluation,
    programs: pd.DataFrame,
    names: Mapping[str, str],
    scope: Scope,
    before: Evaluation | None = None,
    last_year: dt.date | None = None,
) -> Protection:
    """The section's tables from the engine's frames (`before`: the predecessors' evaluation on
    `last_year`). `programs` are the known programme records (name, rate, predecessor)."""
    catalogue = _catalogue(programs)
    failures = failure_table(_in_scope(evaluation.failures, scope), catalogue, names)
    claims = claim_table(
        _in_scope(evaluation.claims, scope, ("unit_code", "district_code", "province_code")),
        evaluation.stalls,
        catalogue,
        names,
    )
    units = unit_table(_in_scope(evaluation.protection, scope), catalogue, names)
    superseded = superseded_programmes(units, predecessors(programs))
    expiring = once_per_worker(_in_scope(evaluation.expiring, scope), superseded)
    year = _empty(YEAR_TABLE)
    if before is not None:
        # The predecessors are other programmes than a programme's scope: only its regions hold.
        regions = replace(scope, program_id=None)
        then = unit_table(_in_scope(before.protection, regions), catalogue, names)
        pairs = predecessors(programs)
        if scope.program_id is not None:
            pairs = pairs.loc[pairs["program_id"] == scope.program_id]
        year = year_on_year(units, then, pairs, catalogue, names)
    protection = Protection(
        failures=failures,
        claims=claims,
        claim_summary=claim_summary(claims),
        programs=program_table(units, catalogue, names),
        districts=district_table(units),
        units=units,
        expiring_units=expiring_units(expiring, units, catalogue, names),
        expiring=expiring_workers(expiring, names),
        year_on_year=year,
        last_year=last_year if before is not None else None,
        superseded=tuple(sorted(superseded)),
    )
    return Protection(**{**protection.__dict__, "totals": protection_totals(protection)})


def superseded_programmes(units: pd.DataFrame, pairs: pd.DataFrame) -> set[str]:
    """The programmes in the report whose successor is in the report too (last year's)."""
    present = set(units["program_id"].astype(str)) if len(units) else set()
    named = pairs.loc[pairs["program_id"].isin(present), "predecessor_id"]
    return set(named) & present


def once_per_worker(expiring: pd.DataFrame, superseded: set[str]) -> pd.DataFrame:
    """Each worker once in the list to renew: a worker of last year's programme is counted in
    the successor's unit too (contract v2), and is listed there, where the renewal is."""
    if expiring.empty:
        return expiring
    later = expiring["program_id"].astype(str).isin(superseded)
    ranked = expiring.assign(_earlier=later.to_numpy()).sort_values(
        ["_earlier", "program_id"], kind="stable"
    )
    kept = ranked.drop_duplicates("nik", keep="first").sort_index()
    return kept.drop(columns="_earlier").reset_index(drop=True)


def _catalogue(programs: pd.DataFrame) -> pd.DataFrame:
    """Per programme id: its name, funding, province, monthly premium rate and predecessor."""
    frame = programs.drop_duplicates("program_id", keep="last").set_index("program_id")
    rate = frame.get("premium_rate_monthly", pd.Series(index=frame.index, dtype="float64"))
    predecessor = frame.get("predecessor_id", pd.Series(index=frame.index, dtype=object))
    return pd.DataFrame(
        {
            "name": frame.get("name", pd.Series("", index=frame.index)).fillna("").astype(str),
            "funding_source": frame["funding_source"].astype(str),
            "province_code": frame["province_code"].astype(str),
            "premium_rate": whole(
                pd.to_numeric(rate, errors="coerce").fillna(DEFAULT_PREMIUM_RATE_MONTHLY)
            ),
            "predecessor_id": predecessor,
        },
        index=frame.index,
    )


def _in_scope(
    frame: pd.DataFrame, scope: Scope, place: tuple[str, ...] = ("unit_code",)
) -> pd.DataFrame:
    """Rows inside the scope, placed by the first of `place` that is known (a claim of a worker
    not enrolled has no unit: its district, else its programme's province, places it)."""
    if scope.is_everything or frame.empty:
        return frame.reset_index(drop=True)
    where = frame[place[0]].astype(object)
    for column in place[1:]:
        if column in frame:
            where = where.where(where.notna(), frame[column])
    placed = frame.assign(_place=where.fillna("").astype(str))
    return frame.loc[scope.unit_mask(placed, "_place").to_numpy()].reset_index(drop=True)


def _names_of(codes: pd.Series, names: Mapping[str, str]) -> pd.Series:
    """Each region code's display name (looked up once per distinct code)."""
    text = codes.astype(object).where(codes.notna(), "").astype(str)
    lookup = {c: display_name(names, c) for c in pd.unique(text)}
    return text.map(lookup)


def _subdistrict_names(codes: pd.Series, names: Mapping[str, str]) -> pd.Series:
    """The subdistrict (kecamatan) of each village code; empty for a district unit."""
    text = codes.astype(object).where(codes.notna(), "").astype(str)
    return _names_of(text.str.slice(0, 8).where(text.str.len() > 5, ""), names)


def _program_names(ids: pd.Series, catalogue: pd.DataFrame) -> pd.Series:
    return ids.astype(str).map(catalogue["name"]).fillna("")


def failure_table(
    failures: pd.DataFrame, catalogue: pd.DataFrame, names: Mapping[str, str]
) -> pd.DataFrame:
    """The families without their benefit, as the engine found them (by event date), with the
    programme's and places' names. No NIK and no name: the engine's frame has none."""
    if failures.empty:
        return _empty(FAILURE_TABLE)
    out = failures.copy()
    out["program_name"] = _program_names(out["program_id"], catalogue)
    if "funding_source" not in out:
        out["funding_source"] = out["program_id"].map(catalogue["funding_source"])
    out["unit_name"] = _names_of(out["unit_code"], names)
    out["subdistrict_name"] = _subdistrict_names(out["unit_code"], names)
    out["district_name"] = _names_of(out["district_code"], names)
    out["benefit_at_stake"] = pd.array(out["benefit_at_stake"], dtype="Int64")
    out["days_overdue_on_event"] = whole(out["days_overdue_on_event"])
    return out[FAILURE_TABLE].reset_index(drop=True)


def claim_table(
    claims: pd.DataFrame,
    stalls: pd.DataFrame,
    catalogue: pd.DataFrame,
    names: Mapping[str, str],
) -> pd.DataFrame:
    """Every claim known on the date (no NIK), with names, and whether it is pending past its
    SLA (a CLAIM_PAYMENT stall of the engine, whose case is the claim)."""
    if claims.empty:
        return _empty(CLAIM_TABLE)
    out = claims.copy()
    overdue: set[str] = set()
    if len(stalls) and "case_id" in stalls:
        late = stalls.loc[stalls["stage"] == Stage.CLAIM_PAYMENT.value, "case_id"]
        overdue = set(late.astype(str))
    out["overdue"] = out["claim_id"].astype(str).isin(overdue)
    out["program_name"] = _program_names(out["program_id"], catalogue)
    out["unit_name"] = _names_of(out["unit_code"], names)
    out["district_name"] = _names_of(out["district_code"], names)
    out["failure"] = out["failure"].fillna(False).astype(bool)
    for column in ("paid_amount", "days_to_payment", "benefit_at_stake"):
        out[column] = pd.array(out[column], dtype="Int64")
    return out[CLAIM_TABLE].reset_index(drop=True)


def claim_summary(claims: pd.DataFrame) -> pd.DataFrame:
    """Per (programme, benefit): claims filed, paid, rejected, pending (of which past the SLA),
    rupiah paid, median and longest days from claim to payment, protection failures."""
    if claims.empty:
        return _empty(CLAIM_SUMMARY)
    status = claims["status"].astype(str)
    pending = status == ClaimStatus.SUBMITTED.value
    frame = pd.DataFrame(
        {
            "program_id": claims["program_id"],
            "program_name": claims["program_name"],
            "benefit": claims["benefit"],
            "filed": 1,
            "paid": (status == ClaimStatus.PAID.value).astype("int64"),
            "rejected": (status == ClaimStatus.REJECTED.value).astype("int64"),
            "pending": pending.astype("int64"),
            "pending_overdue": (pending & claims["overdue"]).astype("int64"),
            "benefits_paid": claims["paid_amount"].fillna(0).astype("int64"),
            "days": claims["days_to_payment"].astype("float64"),
            "failures": claims["failure"].astype("int64"),
        }
    )
    grouped = frame.groupby(["program_id", "program_name", "benefit"], sort=True)
    out = grouped[[*CLAIM_COUNTS, "benefits_paid", "failures"]].sum()
    out["median_days"] = _days_stat(grouped["days"].median())
    out["max_days"] = _days_stat(grouped["days"].max())
    return out.reset_index()[CLAIM_SUMMARY]


def _days_stat(values: pd.Series) -> pd.Series:
    """Days as whole numbers (a median halfway rounds half up), empty where none was paid."""
    return pd.Series(pd.array(np.floor(values + 0.5), dtype="Int64"), index=values.index)


def unit_table(
    protection: pd.DataFrame, catalogue: pd.DataFrame, names: Mapping[str, str]
) -> pd.DataFrame:
    """protection.csv's rows with names, and each unit's months paid without cover and their
    worth in rupiah."""
    if protection.empty:
        return _empty(UNIT_TABLE)
    out = protection.copy()
    for column in [*PROTECTION_COUNTS, "uncovered_worker_days"]:
        out[column] = whole(out[column])
    out["program_name"] = _program_names(out["program_id"], catalogue)
    out["unit_name"] = _names_of(out["unit_code"], names)
    out["subdistrict_name"] = _subdistrict_names(out["unit_code"], names)
    out["district_name"] = _names_of(out["district_code"], names)
    rate = out["program_id"].map(catalogue["premium_rate"])
    out["premium_rate"] = whole(rate.fillna(DEFAULT_PREMIUM_RATE_MONTHLY))
    out["months_unused"] = (out["paid_worker_months"] - out["covered_worker_months"]).clip(lower=0)
    # Exact past 64 bits: a rate may be up to AMOUNT_MAX and months add up over payments.
    out["rupiah_unused"] = whole(
        out["months_unused"].astype(object) * out["premium_rate"].astype(object)
    )
    return out[UNIT_TABLE].reset_index(drop=True)


def district_table(units: pd.DataFrame) -> pd.DataFrame:
    """The units' figures added up per (programme, district)."""
    if units.empty:
        return _empty(DISTRICT_TABLE)
    keys = ["program_id", "program_name", "funding_source", "district_code", "district_name"]
    out = units.groupby(keys, sort=True)[[*PROTECTION_COUNTS, *GAP_COLUMNS]].sum()
    return out.reset_index()[DISTRICT_TABLE]


def program_table(
    units: pd.DataFrame, catalogue: pd.DataFrame, names: Mapping[str, str]
) -> pd.DataFrame:
    """The units' figures added up per programme (summary.json's per-programme figures are the
    same sums of protection.csv), the biggest promise first."""
    if units.empty:
        return _empty(PROGRAM_TABLE)
    out = units.groupby("program_id", sort=True)[[*PROTECTION_COUNTS, *GAP_COLUMNS]].sum()
    out = out.reset_index()
    ids = out["program_id"]
    out["program_name"] = _program_names(ids, catalogue)
    out["funding_source"] = ids.map(catalogue["funding_source"]).fillna("")
    out["province_code"] = ids.map(catalogue["province_code"]).fillna("")
    out["province_name"] = _names_of(out["province_code"], names)
    out["premium_rate"] = whole(ids.map(catalogue["premium_rate"]).fillna(0))
    out = out.sort_values(["workers_targeted", "program_id"], ascending=[False, True])
    return out[PROGRAM_TABLE].reset_index(drop=True)


def expiring_units(
    expiring: pd.DataFrame,
    units: pd.DataFrame,
    catalogue: pd.DataFrame,
    names: Mapping[str, str],
) -> pd.DataFrame:
    """Per unit: the workers whose cover ends within 30 days, of its workers covered today, and
    the first and last day a cover ends: the list to act on, the soonest first."""
    if expiring.empty:
        return _empty(EXPIRING_UNITS)
    ends = pd.to_datetime(expiring["cover_end"])
    grouped = expiring.assign(_end=ends).groupby(
        ["program_id", "district_code", "unit_code"], sort=False
    )
    out = grouped.agg(
        workers=("_end", "size"), first_end=("_end", "min"), last_end=("_end", "max")
    ).reset_index()
    covered = units.set_index(["program_id", "unit_code"])["workers_covered"]
    out["workers_covered"] = whole(
        pd.Series(
            covered.reindex(pd.MultiIndex.from_frame(out[["program_id", "unit_code"]])).to_numpy(),
            index=out.index,
        ).fillna(0)
    )
    out["program_name"] = _program_names(out["program_id"], catalogue)
    out["unit_name"] = _names_of(out["unit_code"], names)
    out["subdistrict_name"] = _subdistrict_names(out["unit_code"], names)
    out["district_name"] = _names_of(out["district_code"], names)
    out = out.sort_values(
        ["first_end", "workers", "program_id", "unit_code"], ascending=[True, False, True, True]
    )
    out["first_end"] = out["first_end"].dt.date
    out["last_end"] = out["last_end"].dt.date
    return out[EXPIRING_UNITS].reset_index(drop=True)


def expiring_workers(expiring: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """Each worker whose cover ends within 30 days, the NIK masked (`1508********0001`): whom
    to renew, by when. The raw NIK goes no further than this function."""
    if expiring.empty:
        return _empty(EXPIRING_WORKERS)
    out = pd.DataFrame(
        {
            "program_id": expiring["program_id"].astype(str),
            "district_code": expiring["district_code"],
            "district_name": _names_of(expiring["district_code"], names),
            "unit_code": expiring["unit_code"],
            "unit_name": _names_of(expiring["unit_code"], names),
            "nik_masked": expiring["nik"].astype(str).map(mask_nik),
            "cover_end": pd.to_datetime(expiring["cover_end"]).dt.date,
        }
    )
    out = out.sort_values(["cover_end", "program_id", "unit_code", "nik_masked"], kind="stable")
    return out[EXPIRING_WORKERS].reset_index(drop=True)


def year_on_year(
    now: pd.DataFrame,
    then: pd.DataFrame,
    pairs: pd.DataFrame,
    catalogue: pd.DataFrame,
    names: Mapping[str, str],
) -> pd.DataFrame:
    """Per programme with a predecessor and per district: workers targeted, paid, covered and
    lapsed last year (the predecessor, a year earlier) against this year (the programme, now)."""
    if pairs.empty:
        return _empty(YEAR_TABLE)
    keys = ["program_id", "district_code"]
    mine = now.loc[now["program_id"].isin(pairs["program_id"])]
    this_year = mine.groupby(keys)[YEAR_FIGURES].sum() if len(mine) else None
    before = then.merge(
        pairs.rename(columns={"program_id": "successor"}),
        left_on="program_id",
        right_on="predecessor_id",
    )
    last_year = None
    if len(before):
        before = before.drop(columns="program_id").rename(columns={"successor": "program_id"})
        last_year = before.groupby(keys)[YEAR_FIGURES].sum()
    if this_year is None and last_year is None:
        return _empty(YEAR_TABLE)
    parts = [
        frame.rename(columns=lambda c, w=when: f"{c}_{w}")
        for frame, when in ((last_year, "before"), (this_year, "now"))
        if frame is not None
    ]
    out = pd.concat(parts, axis=1).reset_index()
    for figure in YEAR_FIGURES:
        for when in ("before", "now"):
            column = f"{figure}_{when}"
            out[column] = whole(out[column].fillna(0)) if column in out else 0
    predecessor = pairs.drop_duplicates("program_id").set_index("program_id")["predecessor_id"]
    out["predecessor_id"] = out["program_id"].map(predecessor)
    out["program_name"] = _program_names(out["program_id"], catalogue)
    out["predecessor_name"] = _program_names(out["predecessor_id"], catalogue)
    out["district_name"] = _names_of(out["district_code"], names)
    out = out.sort_values(keys)
    return out[YEAR_TABLE].reset_index(drop=True)


def protection_totals(protection: Protection) -> dict[str, int | None]:
    """The section's headline numbers (days: None when no claim was paid)."""
    failures, claims, units = protection.failures, protection.claims, protection.units
    at_stake = pd.array(failures["benefit_at_stake"], dtype="Int64")
    out: dict[str, int | None] = {
        "failures": len(failures),
        "failure_rupiah": int(at_stake.sum()) if len(failures) else 0,
        "failures_unknown_rupiah": int(pd.isna(at_stake).sum()) if len(failures) else 0,
        "units": len(units),
        "units_expiring": len(protection.expiring_units),
    }
    summary = protection.claim_summary
    for column in [*CLAIM_COUNTS, "benefits_paid"]:
        out[f"claims_{column}" if column in CLAIM_COUNTS else column] = (
            int(summary[column].sum()) if len(summary) else 0
        )
    days = pd.to_numeric(claims["days_to_payment"], errors="coerce").dropna()
    out["median_days"] = int(np.floor(days.median() + 0.5)) if len(days) else None
    out["max_days"] = int(days.max()) if len(days) else None
    # Workers once each: without the programmes whose successor counts them again. Months and
    # rupiah are each programme's own payments and cover: all of them add up.
    counted = units.loc[~units["program_id"].astype(str).isin(protection.superseded)]
    for column in PROTECTION_COUNTS:
        frame = units if column.endswith("_months") else counted
        out[column] = int(frame[column].sum()) if len(frame) else 0
    for column in GAP_COLUMNS:
        out[column] = int(units[column].sum()) if len(units) else 0
    out["programs_superseded"] = len(protection.superseded)
    return out
