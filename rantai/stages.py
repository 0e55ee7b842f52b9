"""Stage rules: which steps of the chain have stalled on a given date, and each programme's funnel.

Pure functions over pandas frames, vectorised over every village at once (a national run has
75,000 desa and a few million workers). The rules are CONTRACT.md's "Stage rules"; the SLA
defaults come from `rantai.records.SLA_DEFAULTS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from rantai.bounds import group_sum, whole
from rantai.chain import (
    SEVERITY_ORDER,
    Severity,
    covered_mask,
    district_of,
    known_mask,
    nik_ids,
    unit_of_worker,
    worker_keys,
)
from rantai.records import (
    SLA_COLUMNS,
    SLA_DEFAULTS,
    SOURCES,
    STAGE_ORDER,
    FundingSource,
    Kind,
    Stage,
    fundings_with,
)

STALL_COLUMNS: list[str] = [
    "as_of",
    "program_id",
    "funding_source",
    "province_code",
    "district_code",
    "unit_code",
    "stage",
    "case_id",
    "start_date",
    "due_date",
    "days_waiting",
    "days_overdue",
    "amount_at_stake",
    "workers_affected",
    "severity",
]

CASE_COLUMNS: list[str] = [
    "program_id",
    "funding_source",
    "province_code",
    "district_code",
    "unit_code",
    "stage",
    "case_id",
    "start_date",
    "due_date",
    "sla_days",
    "target",
    "achieved",
    "complete",
    "stalled",
    "days_waiting",
    "days_overdue",
    "amount_at_stake",
    "workers_affected",
    "severity",
]

PROGRAM_METRICS: list[str] = [
    "allocated",
    "transferred_to_districts",
    "transferred_to_villages",
    "premiums_paid",
    "workers_targeted",
    "workers_paid",
    "workers_active",
]

# protection.csv (contract v2): one row per (programme, unit) that has an allocation.
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

# protection_failures.csv (contract v2): a claim whose worker had no cover on the event date.
# No NIK, no name. `Evaluation.failures` carries these and, after them, FAILURE_PLACE_COLUMNS.
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

# Every claim known on as_of, as of that day (no NIK): status as of as_of (a PAID claim paid
# after as_of is still SUBMITTED), the unit of its worker's enrolment (None: not enrolled),
# days from claim to payment for a paid one, and whether it is a protection failure.
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

# The workers counted in protection.csv's workers_expiring_30d, one row each, with the last
# day of their cover: the list to act on before cover lapses. Holds NIKs: the Monev report may
# show them masked; nothing of it goes to Prefect.
EXPIRING_COLUMNS: list[str] = [
    "program_id",
    "funding_source",
    "province_code",
    "district_code",
    "unit_code",
    "nik",
    "cover_end",
]

# Per programme in summary.json, added by contract v2 (each a sum over protection.csv, or over
# the programme's claims and failures).
PROTECTION_METRICS: list[str] = [
    "workers_activated",
    "workers_covered",
    "workers_lapsed",
    "paid_worker_months",
    "covered_worker_months",
]

_KEY = ["program_id", "unit_code"]

# What the evaluation reads of each source: copying only these keeps millions of names out of
# it, and a store read for it can leave out the rest.
COLUMNS_USED: Mapping[str, list[str]] = {
    "programs": [
        "program_id",
        "funding_source",
        "province_code",
        *SLA_COLUMNS,
    ],
    "allocations": [
        "program_id",
        "unit_code",
        "allocated_amount",
        "premium_amount",
        "target_workers",
        "decree_date",
    ],
    "district_transfers": ["program_id", "district_code", "amount", "transfer_date"],
    "village_transfers": ["program_id", "village_code", "amount", "transfer_date"],
    "enrollments": ["program_id", "nik", "village_code", "registered_date"],
    "premium_payments": ["program_id", "payer_code", "amount", "workers_count", "paid_date"],
    "coverage": ["program_id", "nik", "status", "coverage_start", "coverage_end"],
}
_INT_STALL_COLUMNS = ["days_waiting", "days_overdue", "amount_at_stake", "workers_affected"]


@dataclass(frozen=True)
class Evaluation:
    """The result of evaluating the chain on one date."""

    cases: pd.DataFrame  # every (program_id, unit_code, stage) that exists, started or not
    stalls: pd.DataFrame  # the stalled cases: STALL_COLUMNS, in the contract's order
    programs: list[dict[str, Any]]  # per programme metrics for summary.json, by program_id
    # The funnel per (programme, district): PROGRAM_METRICS, the programme metrics' parts.
    districts: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Records that are each valid but do not add up (rantai.anomalies); filled in by the caller.
    anomalies: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Contract v2: protection per unit (PROTECTION_COLUMNS), the protection failures
    # (FAILURE_COLUMNS + FAILURE_PLACE_COLUMNS), every known claim (CLAIM_COLUMNS) and the
    # workers whose cover ends within 30 days (EXPIRING_COLUMNS).
    protection: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=PROTECTION_COLUMNS)
    )
    failures: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=FAILURE_COLUMNS + FAILURE_PLACE_COLUMNS)
    )
    claims: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CLAIM_COLUMNS))
    expiring: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EXPIRING_COLUMNS))


def evaluate(frames: Mapping[str, pd.DataFrame], as_of: dt.date) -> Evaluation:
    """Evaluate every stage of every programme on `as_of` from the sources' valid records."""
    as_of_ts = pd.Timestamp(as_of).normalize()
    known = {name: _known_typed(frames.get(name), name, as_of_ts) for name in COLUMNS_USED}
    programs = _programs(known["programs"])

    # Records of a programme that is not in the programs frame have nothing to be judged by.
    allocations = known["allocations"].merge(
        programs[["program_id", "funding_source", "province_code"]], on="program_id"
    )
    units = _units(allocations)
    district_transfers = _sum_first(
        known["district_transfers"], "district_code", "amount", "transfer_date"
    )
    village_transfers = _sum_first(
        known["village_transfers"], "village_code", "amount", "transfer_date"
    )
    payments = _payments(known["premium_payments"])
    workers = _village_workers(known["enrollments"], known["coverage"], programs, as_of_ts)
    active_by_unit = _active_by_unit(workers, programs)

    units = units.join(
        district_transfers.rename(columns=_prefix("district_")), on=["program_id", "district_code"]
    )
    units = units.join(
        village_transfers.rename(columns=_prefix("village_")), on=["program_id", "unit_code"]
    )
    units = units.join(payments, on=_KEY)
    units = units.join(active_by_unit, on=_KEY)
    for column in ("district_sum", "village_sum", "paid", "workers_paid", "workers_active"):
        units[column] = whole(units[column])

    cases = pd.concat(
        [
            _district_cases(units),
            _village_transfer_cases(units),
            _premium_cases(units),
            _coverage_cases(units),
        ],
        ignore_index=True,
    )
    cases["case_id"] = ""
    cases = _judge(cases, _sla_table(programs), as_of_ts)
    districts = _district_metrics(programs, known, workers)
    return Evaluation(
        cases=cases,
        stalls=_stalls(cases, as_of_ts.date()),
        programs=_program_metrics(programs, districts),
        districts=districts,
    )


def stall_summary_line(stalls: pd.DataFrame) -> str:
    """One line for a run's final state: `12 stalled: 3 VILLAGE_TRANSFER, 9 PREMIUM_PAYMENT`."""
    if stalls.empty:
        return "0 stalled"
    counts = stalls["stage"].astype(str).value_counts()
    parts = [f"{counts[s]} {s}" for s in STAGE_ORDER if counts.get(s, 0) > 0]
    return f"{len(stalls)} stalled: " + ", ".join(parts)


def _known_typed(frame: pd.DataFrame | None, name: str, as_of: pd.Timestamp) -> pd.DataFrame:
    """A source's used columns, typed, with only the records known on `as_of`."""
    source = SOURCES[name]
    specs = {column: source.specs[column] for column in COLUMNS_USED[name]}
    if frame is None or frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=_empty_dtype(specs[c].kind)) for c in specs})
    out = pd.DataFrame(index=frame.index)
    for column, spec in specs.items():
        if column not in frame.columns:
            # Only optional columns can be absent from valid records.
            out[column] = pd.Series(pd.NA, index=frame.index, dtype="object")
        elif spec.kind is Kind.DATE and not pd.api.types.is_datetime64_any_dtype(frame[column]):
            out[column] = pd.to_datetime(frame[column])
        else:
            out[column] = frame[column]
    if source.known_date is not None:
        out = out.loc[known_mask(out, name, as_of)]
    return out.reset_index(drop=True)


def _empty_dtype(kind: Kind) -> str:
    if kind is Kind.DATE:
        return "datetime64[ns]"
    if kind in (Kind.AMOUNT, Kind.INT):
        return "int64"
    return "object"


def _programs(programs: pd.DataFrame) -> pd.DataFrame:
    """Programmes with plain-string funding source and each stage's SLA override as Int64."""
    out = programs.drop_duplicates("program_id", keep="last").copy()
    out["funding_source"] = out["funding_source"].astype(str)
    for column in SLA_COLUMNS:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
    return out.sort_values("program_id").reset_index(drop=True)


def _units(allocations: pd.DataFrame) -> pd.DataFrame:
    """One row per (programme, unit): the sums of its allocation lines and its earliest decree."""
    keys = ["program_id", "unit_code", "funding_source", "province_code"]
    grouped = allocations.groupby(keys, sort=False)
    units = pd.DataFrame(
        {
            "allocated": group_sum(allocations, keys, "allocated_amount"),
            "premium": group_sum(allocations, keys, "premium_amount"),
            "target_workers": grouped["target_workers"].sum(),
            "decree_date": grouped["decree_date"].min(),
        }
    ).reset_index()
    units["district_code"] = district_of(units["unit_code"].astype(str))
    return units


def _sum_first(frame: pd.DataFrame, code: str, amount: str, date: str) -> pd.DataFrame:
    """Per (programme, code): the sum of amounts and the first date, indexed for a join."""
    keys = ["program_id", code]
    grouped = frame.groupby(keys, sort=False)
    return pd.DataFrame({"sum": group_sum(frame, keys, amount), "first": grouped[date].min()})


def _prefix(prefix: str) -> dict[str, str]:
    return {"sum": prefix + "sum", "first": prefix + "first"}


def _payments(payments: pd.DataFrame) -> pd.DataFrame:
    """Per (programme, payer): rupiah paid, workers paid for and the first payment date."""
    grouped = payments.groupby(["program_id", "payer_code"], sort=False)
    out = pd.DataFrame(
        {
            "paid": group_sum(payments, ["program_id", "payer_code"], "amount"),
            "workers_paid": grouped["workers_count"].sum(),
            "paid_first": grouped["paid_date"].min(),
        }
    )
    out.index = out.index.set_names(_KEY)
    return out


def _village_workers(
    enrollments: pd.DataFrame,
    coverage: pd.DataFrame,
    programs: pd.DataFrame,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """Per (programme, village): distinct workers enrolled, and how many have active cover."""
    covered = coverage.loc[covered_mask(coverage, as_of), ["program_id", "nik"]]
    program_ids = pd.Index(programs["program_id"])
    enrolled_program = program_ids.get_indexer(enrollments["program_id"])
    # Hashing millions of NIK strings is the expensive part, so each (programme, NIK) pair
    # becomes one int64; dedup, membership and grouping then run on integers.
    packed = worker_keys(
        [enrolled_program, program_ids.get_indexer(covered["program_id"])],
        nik_ids(enrollments["nik"], covered["nik"]),
    )
    if packed is None:  # more programmes than int64 keys can hold: never at any real scale
        raise ValueError(f"{len(program_ids)} programmes are too many to evaluate at once")
    enrolled_key, covered_key = packed
    keys = pd.Series(enrolled_key)
    # Workers of a programme not in the programs frame have no case to count towards.
    kept = (~keys.duplicated(keep="last") & (enrolled_program >= 0)).to_numpy()
    village_code, villages = pd.factorize(enrollments["village_code"].to_numpy(dtype=object)[kept])
    workers = pd.DataFrame(
        {
            "program": enrolled_program[kept],
            "village": village_code,
            "active": keys.isin(covered_key).to_numpy()[kept],
        }
    )
    grouped = workers.groupby(["program", "village"], sort=False)["active"]
    counts = pd.DataFrame({"enrolled": grouped.size(), "active": grouped.sum()}).reset_index()
    return pd.DataFrame(
        {
            "program_id": program_ids.to_numpy()[counts["program"].to_numpy()],
            "village_code": np.asarray(villages, dtype=object)[counts["village"].to_numpy()],
            "enrolled": counts["enrolled"].astype("int64").to_numpy(),
            "active": counts["active"].astype("int64").to_numpy(),
        }
    )


def _active_by_unit(village_workers: pd.DataFrame, programs: pd.DataFrame) -> pd.Series:
    """Active workers per (programme, unit); an APBD programme's unit is the village's district."""
    funding = village_workers["program_id"].map(programs.set_index("program_id")["funding_source"])
    unit = unit_of_worker(village_workers["village_code"].astype(str), funding)
    active = village_workers.groupby([village_workers["program_id"], unit.rename("unit_code")])
    return active["active"].sum().rename("workers_active")


def _district_cases(units: pd.DataFrame) -> pd.DataFrame:
    """BKBK: one DISTRICT_TRANSFER case per (programme, district), over its villages' lines."""
    bkbk = units.loc[units["funding_source"] == FundingSource.BKBK.value]
    keys = ["program_id", "district_code", "funding_source", "province_code"]
    grouped = bkbk.groupby(keys, sort=False)
    district = pd.DataFrame(
        {
            "allocated": group_sum(bkbk, keys, "allocated"),
            "target_workers": grouped["target_workers"].sum(),
            "start_date": grouped["decree_date"].min(),
            "transferred": grouped["district_sum"].first(),
        }
    ).reset_index()
    return pd.DataFrame(
        {
            "program_id": district["program_id"],
            "funding_source": district["funding_source"],
            "province_code": district["province_code"],
            "district_code": district["district_code"],
            "unit_code": district["district_code"],
            "stage": Stage.DISTRICT_TRANSFER.value,
            "start_date": district["start_date"],
            "target": district["allocated"],
            "achieved": district["transferred"],
            "amount_at_stake": district["allocated"] - district["transferred"],
            "workers_affected": district["target_workers"],
        }
    )


def _village_transfer_cases(units: pd.DataFrame) -> pd.DataFrame:
    """BKBK: VILLAGE_TRANSFER starts with the first transfer to the village's district."""
    bkbk = units.loc[units["funding_source"] == FundingSource.BKBK.value]
    return _unit_cases(
        bkbk,
        Stage.VILLAGE_TRANSFER,
        start=bkbk["district_first"],
        target=bkbk["allocated"],
        achieved=bkbk["village_sum"],
        amount_at_stake=bkbk["allocated"] - bkbk["village_sum"],
        workers_affected=bkbk["target_workers"],
    )


def _premium_cases(units: pd.DataFrame) -> pd.DataFrame:
    """PREMIUM_PAYMENT starts when BKBK money reaches the village, else with the decree."""
    is_bkbk = units["funding_source"] == FundingSource.BKBK.value
    return _unit_cases(
        units,
        Stage.PREMIUM_PAYMENT,
        start=units["village_first"].where(is_bkbk, units["decree_date"]),
        target=units["premium"],
        achieved=units["paid"],
        amount_at_stake=units["premium"] - units["paid"],
        workers_affected=units["target_workers"] - units["workers_paid"],
    )


def _coverage_cases(units: pd.DataFrame) -> pd.DataFrame:
    """COVERAGE_ACTIVATION: every worker paid for must be active from the first payment on."""
    return _unit_cases(
        units,
        Stage.COVERAGE_ACTIVATION,
        start=units["paid_first"],
        target=units["workers_paid"],
        achieved=units["workers_active"],
        amount_at_stake=pd.Series(0, index=units.index, dtype="int64"),
        workers_affected=units["workers_paid"] - units["workers_active"],
    )


def _unit_cases(
    units: pd.DataFrame,
    stage: Stage,
    *,
    start: pd.Series,
    target: pd.Series,
    achieved: pd.Series,
    amount_at_stake: pd.Series,
    workers_affected: pd.Series,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "program_id": units["program_id"],
            "funding_source": units["funding_source"],
            "province_code": units["province_code"],
            "district_code": units["district_code"],
            "unit_code": units["unit_code"],
            "stage": stage.value,
            "start_date": start,
            "target": target,
            "achieved": achieved,
            "amount_at_stake": amount_at_stake,
            "workers_affected": workers_affected,
        }
    )


def _sla_table(programs: pd.DataFrame) -> pd.DataFrame:
    """SLA days per (programme, stage): the programme's override, else the default table's."""
    parts = []
    for stage, sla in SLA_DEFAULTS.items():
        default = programs["funding_source"].map(sla.for_funding).astype("int64")
        parts.append(
            pd.DataFrame(
                {
                    "program_id": programs["program_id"],
                    "stage": stage.value,
                    "sla_days": programs[sla.column].fillna(default).astype("int64"),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _judge(cases: pd.DataFrame, sla: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Due dates, completeness, stalls, severity and what is at stake for every case."""
    cases = cases.merge(sla, on=["program_id", "stage"], how="left")
    for column in ("target", "achieved", "amount_at_stake", "workers_affected"):
        cases[column] = whole(cases[column]).clip(lower=0)
    cases["start_date"] = pd.to_datetime(cases["start_date"])
    cases["due_date"] = cases["start_date"] + pd.to_timedelta(cases["sla_days"], unit="D")
    cases["complete"] = cases["achieved"] >= cases["target"]
    started = cases["start_date"].notna()
    cases["stalled"] = started & ~cases["complete"] & (cases["due_date"] < as_of)
    cases["days_waiting"] = (as_of - cases["start_date"]).dt.days.astype("Int64")
    cases["days_overdue"] = (as_of - cases["due_date"]).dt.days.astype("Int64")
    critical = (cases["days_overdue"] > cases["sla_days"]).fillna(False).to_numpy(dtype=bool)
    severity = np.where(critical, Severity.CRITICAL.value, Severity.WARNING.value).astype(object)
    severity[~cases["stalled"].to_numpy()] = None
    # object, not str: pandas would turn None into NaN in a str column.
    cases["severity"] = pd.Series(severity, index=cases.index, dtype=object)
    cases["_stage_rank"] = cases["stage"].map(STAGE_ORDER)
    cases = cases.sort_values(["program_id", "district_code", "unit_code", "_stage_rank"])
    return cases[CASE_COLUMNS].reset_index(drop=True)


def _stalls(cases: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The stalled cases in the contract's columns and order, worst first."""
    stalled = cases.loc[cases["stalled"]].copy()
    if stalled.empty:
        empty = {c: pd.Series(dtype="object") for c in STALL_COLUMNS}
        empty.update({c: pd.Series(dtype="int64") for c in _INT_STALL_COLUMNS})
        return pd.DataFrame(empty)[STALL_COLUMNS]
    stalled["as_of"] = as_of
    stalled["start_date"] = stalled["start_date"].dt.date
    stalled["due_date"] = stalled["due_date"].dt.date
    for column in _INT_STALL_COLUMNS:
        stalled[column] = whole(stalled[column])
    stalled["_severity_rank"] = stalled["severity"].map(SEVERITY_ORDER)
    stalled["_stage_rank"] = stalled["stage"].map(STAGE_ORDER)
    stalled = stalled.sort_values(
        ["_severity_rank", "days_overdue", "unit_code", "_stage_rank", "program_id", "case_id"],
        ascending=[True, False, True, True, True, True],
        kind="stable",
    )
    return stalled[STALL_COLUMNS].reset_index(drop=True)


# The money each funnel step counts, and the stage that moves it (a programme without that
# stage shows 0 for it, whatever was delivered).
_STEP_OF_MONEY = {
    "transferred_to_districts": Stage.DISTRICT_TRANSFER,
    "transferred_to_villages": Stage.VILLAGE_TRANSFER,
}


def _district_metrics(
    programs: pd.DataFrame, known: Mapping[str, pd.DataFrame], workers: pd.DataFrame
) -> pd.DataFrame:
    """The funnel per (programme, district) on `as_of`: the sums of the records known then,
    each placed in the district of its own region code. The one place the funnel is added up:
    the programme metrics are its sums, and the Monev report shows it as it is."""

    def by_district(frame: pd.DataFrame, code: str, value: str) -> pd.Series:
        keyed = pd.DataFrame(
            {
                "program_id": frame["program_id"].astype(str),
                "district_code": district_of(frame[code].astype(str)),
                value: frame[value],
            }
        )
        return group_sum(keyed, ["program_id", "district_code"], value)

    allocations, payments = known["allocations"], known["premium_payments"]
    parts = {
        "allocated": by_district(allocations, "unit_code", "allocated_amount"),
        "transferred_to_districts": by_district(
            known["district_transfers"], "district_code", "amount"
        ),
        "transferred_to_villages": by_district(
            known["village_transfers"], "village_code", "amount"
        ),
        "premiums_paid": by_district(payments, "payer_code", "amount"),
        "workers_targeted": by_district(allocations, "unit_code", "target_workers"),
        "workers_paid": by_district(payments, "payer_code", "workers_count"),
        "workers_active": by_district(workers, "village_code", "active"),
    }
    present = [s.rename(k) for k, s in parts.items() if len(s)]
    index = pd.MultiIndex.from_arrays([[], []], names=["program_id", "district_code"])
    metrics = (
        pd.concat(present, axis=1).reindex(columns=PROGRAM_METRICS)
        if present
        else pd.DataFrame(columns=PROGRAM_METRICS, index=index)
    ).reset_index()
    # Records of a programme not in the programs frame have nothing to be judged by.
    programme = programs.set_index("program_id")
    metrics = metrics.loc[metrics["program_id"].isin(programme.index)].reset_index(drop=True)
    funding = metrics["program_id"].map(programme["funding_source"]).astype(object)
    metrics.insert(1, "funding_source", funding)
    metrics.insert(2, "province_code", metrics["program_id"].map(programme["province_code"]))
    for column in PROGRAM_METRICS:
        metrics[column] = whole(metrics[column])
    for column, stage in _STEP_OF_MONEY.items():
        metrics.loc[~funding.isin(fundings_with(stage)), column] = 0
    return metrics.sort_values(["program_id", "district_code"]).reset_index(drop=True)


def _program_metrics(programs: pd.DataFrame, districts: pd.DataFrame) -> list[dict[str, Any]]:
    """Each programme's funnel on `as_of`: its districts' sums, zero where nothing is known."""
    metrics = pd.DataFrame(
        {column: group_sum(districts, "program_id", column) for column in PROGRAM_METRICS}
    )
    metrics = metrics.reindex(programs["program_id"]).apply(whole)
    out = []
    for program, row in zip(
        programs.itertuples(index=False), metrics.itertuples(index=False), strict=True
    ):
        record: dict[str, Any] = {
            "program_id": str(program.program_id),
            "funding_source": str(program.funding_source),
            "province_code": str(program.province_code),
        }
        record.update({name: int(value) for name, value in zip(PROGRAM_METRICS, row, strict=True)})
        out.append(record)
    return out
