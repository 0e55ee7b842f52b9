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

from rantai import protection
from rantai.bounds import group_sum, whole
from rantai.branches import branch_of
from rantai.chain import (
    SEVERITY_ORDER,
    Severity,
    district_of,
    known_mask,
    period_end,
    period_starts,
    workers_paid,
)
from rantai.cover import Cover, cover_of, days
from rantai.protection import (
    CLAIM_COLUMNS,
    EXPIRING_COLUMNS,
    FAILURE_COLUMNS,
    FAILURE_PLACE_COLUMNS,
    PROTECTION_COLUMNS,
    PROTECTION_METRICS,
)
from rantai.records import (
    DEFAULT_PREMIUM_RATE_MONTHLY,
    SLA_COLUMNS,
    SLA_DEFAULTS,
    SOURCES,
    STAGE_ORDER,
    ClaimStatus,
    FundingSource,
    Kind,
    Responsible,
    Stage,
    fundings_with,
    responsible_for,
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
    "responsible",  # whose move the stalled step is (Responsible; issue 15)
    # The BPJS branch serving the unit's district ("" when none is known; issue 15). Last:
    # stalls.csv has it after first_flagged and status (rantai.report.STALL_COLUMNS).
    "branch_code",
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
    "amount_known",  # False where the amount at stake is unknown (a JKK claim not yet paid)
    # The village's transfer waits for the village's complete request (issue 15).
    "awaiting_request",
    "responsible",  # whose move the case is (records.responsible_for)
    "branch_code",  # the BPJS branch serving the unit's district (rantai.branches)
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

_KEY = ["program_id", "unit_code"]

# What the evaluation reads of each source: copying only these keeps millions of names out of
# it, and a store read for it can leave out the rest.
COLUMNS_USED: Mapping[str, list[str]] = {
    "programs": [
        "program_id",
        "funding_source",
        "province_code",
        "fiscal_year",
        "premium_rate_monthly",
        "predecessor_id",
        "pks_date",
        *SLA_COLUMNS,
    ],
    "allocations": [
        "program_id",
        "unit_code",
        "allocated_amount",
        "premium_amount",
        "target_workers",
        "months",
        "decree_date",
        "cover_start",
    ],
    "district_transfers": ["program_id", "district_code", "amount", "transfer_date"],
    "village_transfers": ["program_id", "village_code", "amount", "transfer_date"],
    "enrollments": ["program_id", "nik", "village_code", "registered_date"],
    "premium_payments": [
        "program_id",
        "payer_code",
        "amount",
        "workers_count",
        "months",
        "paid_date",
        "period_start",
    ],
    "coverage": ["program_id", "nik", "status", "coverage_start", "coverage_end"],
    "claims": [
        "claim_id",
        "nik",
        "program_id",
        "benefit",
        "event_date",
        "claim_date",
        "status",
        "paid_amount",
        "paid_date",
    ],
    # Optional (issue 15): a village's request for its BKBK transfer.
    "village_requests": ["program_id", "village_code", "submitted_date", "complete_date"],
    # Optional (issue 15): the BPJS branch serving each district.
    "branches": ["branch_code", "district_code"],
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
    known = known_records(frames, as_of_ts)
    programs = _programs(known["programs"], _requesting(frames.get("village_requests")))
    cover = cover_of(known["enrollments"], known["coverage"], known["claims"], programs)
    units = unit_facts(known, programs, cover, as_of_ts)
    claims = protection.claims_as_of(known["claims"], programs, cover, as_of_ts)
    cases = pd.concat(
        [chain_cases(units), _claim_cases(claims)],
        ignore_index=True,
    )
    cases = _judge(cases, sla_table(programs), as_of_ts, known["branches"])
    districts = _district_metrics(programs, known, units, cover, as_of_ts)
    worked = protection.protection(units, programs, cover, known["ahead"], as_of_ts)
    failures = _failures(protection.failed_claims(claims, cover), known, programs, cover)
    claims = claims.assign(failure=claims["claim_id"].isin(failures["claim_id"]))
    return Evaluation(
        cases=cases,
        stalls=_stalls(cases, as_of_ts.date()),
        programs=_program_metrics(programs, districts, worked.table, claims, failures),
        districts=districts,
        protection=worked.table,
        failures=failures,
        claims=claims[CLAIM_COLUMNS],
        expiring=worked.expiring,
    )


def known_records(
    frames: Mapping[str, pd.DataFrame], as_of: pd.Timestamp
) -> dict[str, pd.DataFrame]:
    """Each source's used columns, typed, known on `as_of`; and under "ahead" the AKTIF-or-not
    coverage rows that start within the 30 days after it (a renewal already arranged)."""
    known = {
        name: _known_typed(frames.get(name), name, as_of)
        for name in COLUMNS_USED
        if name != "coverage"
    }
    horizon = as_of + pd.Timedelta(days=protection.EXPIRING_DAYS)
    coverage = _known_typed(frames.get("coverage"), "coverage", horizon)
    later = (coverage["coverage_start"] > as_of).to_numpy(dtype=bool)
    known["coverage"] = coverage.loc[~later].reset_index(drop=True)
    known["ahead"] = coverage.loc[later].reset_index(drop=True)
    return known


def unit_facts(
    known: Mapping[str, pd.DataFrame],
    programs: pd.DataFrame,
    cover: Cover,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """One row per (programme, unit) with an allocation: its allocation sums, decree and planned
    cover, transfers, payments, workers paid and activated, months paid and covered."""
    # Records of a programme that is not in the programs frame have nothing to be judged by.
    allocations = known["allocations"].merge(
        programs[["program_id", "funding_source", "province_code", "fiscal_year"]],
        on="program_id",
    )
    units = _units(allocations)
    district_transfers = _sum_first(
        known["district_transfers"], "district_code", "amount", "transfer_date"
    )
    village_transfers = _sum_first(
        known["village_transfers"], "village_code", "amount", "transfer_date"
    )
    units = units.join(
        district_transfers.rename(columns=_prefix("district_")), on=["program_id", "district_code"]
    )
    units = units.join(
        village_transfers.rename(columns=_prefix("village_")), on=["program_id", "unit_code"]
    )
    units = units.join(_completed_requests(known.get("village_requests"), as_of), on=_KEY)
    units = units.join(_payments(known["premium_payments"]), on=_KEY)
    units = units.join(_worker_facts(cover, as_of), on=_KEY)
    for column in (
        "district_sum",
        "village_sum",
        "paid",
        "workers_paid",
        "paid_worker_months",
        "workers_active",
        "workers_activated",
        "covered_worker_months",
    ):
        units[column] = whole(units[column])
    # The months expected of each worker paid for (COVER_PERIOD's m).
    paid_workers = units["workers_paid"].to_numpy(dtype=np.int64)
    units["months_expected"] = np.where(
        paid_workers > 0,
        units["paid_worker_months"].to_numpy(dtype=np.int64) // np.maximum(paid_workers, 1),
        0,
    )
    units = units.join(_short_workers(units, cover), on=_KEY)
    units["workers_short"] = whole(units["workers_short"])
    programme = programs.set_index("program_id")
    position = programme.index.get_indexer(units["program_id"])
    pks = pd.to_datetime(programme["pks_date"]).to_numpy(dtype="datetime64[ns]")
    units["pks_date"] = np.append(pks, np.datetime64("NaT"))[position]
    rate = programme["premium_rate_monthly"].to_numpy(dtype=np.int64)
    units["rate"] = np.append(rate, DEFAULT_PREMIUM_RATE_MONTHLY)[position]
    requesting = programme["requesting"].to_numpy(dtype=bool)
    units["requesting"] = np.append(requesting, False)[position]
    return units


def _requesting(requests: pd.DataFrame | None) -> set[str]:
    """The programmes whose villages apply for their transfer: those with any stored request
    (issue 15), whatever its date. Without one, VILLAGE_TRANSFER keeps its v1 rule."""
    if requests is None or requests.empty:
        return set()
    return set(requests["program_id"].dropna().astype(str))


def _completed_requests(requests: pd.DataFrame | None, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per (programme, village) with a request known on `as_of`: the day it was complete,
    NaT while it is not (no complete_date, or one after `as_of`)."""
    if requests is None or requests.empty:
        index = pd.MultiIndex.from_arrays([[], []], names=_KEY)
        return pd.DataFrame({"request_complete": pd.Series(dtype="datetime64[ns]")}, index=index)
    complete = pd.to_datetime(requests["complete_date"]).astype("datetime64[ns]")
    complete = complete.where(complete <= as_of)
    out = pd.DataFrame(
        {
            "program_id": requests["program_id"].astype(object),
            "unit_code": requests["village_code"].astype(object),
            "request_complete": complete,
        }
    )
    return out.drop_duplicates(_KEY, keep="last").set_index(_KEY)


def _failures(
    failed: pd.DataFrame,
    known: Mapping[str, pd.DataFrame],
    programs: pd.DataFrame,
    cover: Cover,
) -> pd.DataFrame:
    """protection_failures.csv: each failed claim with the first stage of its worker's unit (for
    BKBK after its district's DISTRICT_TRANSFER) that had started and was not complete on the
    event date, evaluated as of the event date, and who had to act.

    One evaluation for all of them: each (programme, unit, event date) becomes a programme of
    its own holding only the records of that unit known on that date; the chain's cases are
    then worked out once, as for any evaluation."""
    columns = FAILURE_COLUMNS + FAILURE_PLACE_COLUMNS
    if failed.empty:
        return pd.DataFrame(columns=columns)
    failed = failed.assign(event_date=pd.to_datetime(failed["event_date"]))
    instances = failed[["program_id", "unit_code", "event_date"]].drop_duplicates(ignore_index=True)
    instances["instance"] = [f"{p}\x1f{i}" for i, p in enumerate(instances["program_id"])]
    instances["district_code"] = district_of(instances["unit_code"].astype(str))
    cases = _cases_on_event_days(instances, known, programs, cover)
    blocking = _first_blocking(instances, cases)
    out = failed.merge(
        instances[["program_id", "unit_code", "event_date", "instance"]],
        on=["program_id", "unit_code", "event_date"],
    ).merge(blocking, on="instance", how="left")
    out["blocking_stage"] = out["blocking_stage"].fillna(Responsible.NONE.value)
    out["days_overdue_on_event"] = out["days_overdue_on_event"].fillna(0).astype("int64")
    out["responsible"] = out["responsible"].fillna(Responsible.NONE.value)
    out["event_date"] = out["event_date"].dt.date
    out["branch_code"] = branch_of(out["district_code"], known.get("branches"))
    out = out.sort_values(["event_date", "claim_id"], kind="stable", ignore_index=True)
    return out[columns]


def _cases_on_event_days(
    instances: pd.DataFrame,
    known: Mapping[str, pd.DataFrame],
    programs: pd.DataFrame,
    cover: Cover,
) -> pd.DataFrame:
    """The unit cases of each instance (a programme's unit on an event date), judged as of
    that date, with `instance` as their programme."""
    event = instances.set_index("instance")["event_date"]

    def per_instance(frame: pd.DataFrame, on: dict[str, str], date: str) -> pd.DataFrame:
        keyed = frame.merge(
            instances[["instance", *on.values()]].rename(columns={v: k for k, v in on.items()}),
            on=list(on),
        )
        keyed = keyed.loc[keyed[date] <= keyed["instance"].map(event)]
        return keyed.assign(program_id=keyed["instance"]).drop(columns="instance")

    allocations = known["allocations"].assign(
        _district=district_of(known["allocations"]["unit_code"].astype(str))
    )
    frames = {
        "allocations": _unit_and_rest_of_district(
            per_instance(
                allocations,
                {"program_id": "program_id", "_district": "district_code"},
                "decree_date",
            ).drop(columns="_district"),
            instances,
        ),
        "district_transfers": per_instance(
            known["district_transfers"],
            {"program_id": "program_id", "district_code": "district_code"},
            "transfer_date",
        ),
        "village_transfers": per_instance(
            known["village_transfers"],
            {"program_id": "program_id", "village_code": "unit_code"},
            "transfer_date",
        ),
        "premium_payments": per_instance(
            known["premium_payments"],
            {"program_id": "program_id", "payer_code": "unit_code"},
            "paid_date",
        ),
    }
    requests = known.get("village_requests")
    if requests is not None and not requests.empty:
        requests = per_instance(
            requests, {"program_id": "program_id", "village_code": "unit_code"}, "submitted_date"
        )
        # Complete on the event day only if complete by then.
        on_event = requests["program_id"].map(event)
        frames["village_requests"] = requests.assign(
            complete_date=requests["complete_date"].where(requests["complete_date"] <= on_event)
        )
    copies = programs.merge(instances[["program_id", "instance"]], on="program_id")
    copies = copies.assign(program_id=copies["instance"]).drop(columns="instance")
    copies = copies.reset_index(drop=True)
    instance_cover = _cover_on_event_days(instances, copies, cover)
    latest = instances["event_date"].max()
    units = unit_facts(frames, copies, instance_cover, latest)
    # Judged as any case is (due date, completeness); whether it had started and how overdue
    # it was are each instance's own event date's (`_first_blocking`).
    cases = _judge(chain_cases(units), sla_table(copies), latest)
    return cases.rename(columns={"program_id": "instance"})


def _unit_and_rest_of_district(allocations: pd.DataFrame, instances: pd.DataFrame) -> pd.DataFrame:
    """An instance's allocation lines: its unit's own, and the rest of its district's added up
    into one line (all the district's DISTRICT_TRANSFER needs of them: their sum and first
    decree), so that the district's other villages are not each judged again per instance."""
    unit = allocations["program_id"].map(instances.set_index("instance")["unit_code"])
    own = (allocations["unit_code"] == unit).to_numpy()
    rest = allocations.loc[~own]
    if rest.empty:
        return allocations
    keys = ["program_id"]
    grouped = rest.groupby(keys, sort=False)
    summed = pd.DataFrame(
        {
            "allocated_amount": group_sum(rest, keys, "allocated_amount"),
            "premium_amount": group_sum(rest, keys, "premium_amount"),
            "target_workers": grouped["target_workers"].sum(),
            "months": grouped["months"].max(),
            "decree_date": grouped["decree_date"].min(),
            "cover_start": grouped["cover_start"].min(),
            "_district": district_of(grouped["unit_code"].first().astype(str)),
        }
    ).reset_index()
    # Not a region code: a line of the district that matches no unit, transfer or worker.
    summed["unit_code"] = summed.pop("_district") + ".rest"
    return pd.concat([allocations.loc[own], summed], ignore_index=True)


def _cover_on_event_days(instances: pd.DataFrame, copies: pd.DataFrame, cover: Cover) -> Cover:
    """The workers of each instance's unit registered by its event date, and their episodes
    that started by then, keyed by the instance as their programme."""
    program_ids = pd.Index(copies["program_id"])
    at = pd.DataFrame(
        {
            "program": cover.program_ids.get_indexer(instances["program_id"]),
            "unit": pd.Index(cover.units).get_indexer(instances["unit_code"]),
            "position": program_ids.get_indexer(instances["instance"]),
            "event": days(instances["event_date"]),
        }
    )
    workers = cover.workers.merge(at, on=["program", "unit"])
    workers = workers.loc[days(workers["registered"]) <= days(workers["event"])]
    # Each (instance, worker) row its own key: thousands of instances cannot be packed with
    # NIKs into one int64 as programmes are.
    workers = workers.assign(instance_key=np.arange(len(workers), dtype=np.int64))
    episodes = cover.episodes.merge(workers[["key", "position", "event", "instance_key"]], on="key")
    episodes = episodes.loc[days(episodes["start"]) <= days(episodes["event"])]
    keys = (workers["instance_key"].to_numpy(), episodes["instance_key"].to_numpy())
    return Cover(
        program_ids=program_ids,
        villages=cover.villages,
        units=cover.units,
        workers=workers.assign(program=workers["position"], key=keys[0]).drop(
            columns=["position", "event", "instance_key"]
        ),
        episodes=episodes.assign(program=episodes["position"], key=keys[1]).drop(
            columns=["position", "event", "instance_key"]
        ),
        aktif=cover.aktif.iloc[:0],
        claim_niks=cover.claim_niks[:0],
    )


def _first_blocking(instances: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """Per instance: the first stage in chain order, of its unit (and for BKBK its district's
    DISTRICT_TRANSFER), that had started and was not complete on the event date; how overdue
    it was then (0 if not yet due)."""
    cases = cases.merge(
        instances[["instance", "unit_code", "district_code", "event_date"]].rename(
            columns={"unit_code": "_unit", "district_code": "_district"}
        ),
        on="instance",
    )
    own = cases["unit_code"] == cases["_unit"]
    district_case = (cases["stage"] == Stage.DISTRICT_TRANSFER.value) & (
        cases["unit_code"] == cases["_district"]
    )
    started = cases["start_date"].notna() & (cases["start_date"] <= cases["event_date"])
    open_ = cases.loc[(own | district_case) & started & ~cases["complete"]].copy()
    open_["_rank"] = open_["stage"].map(STAGE_ORDER)
    first = open_.sort_values(["instance", "_rank"], kind="stable").drop_duplicates("instance")
    overdue = (first["event_date"] - first["due_date"]).dt.days.clip(lower=0)
    return pd.DataFrame(
        {
            "instance": first["instance"].to_numpy(),
            "blocking_stage": first["stage"].to_numpy(dtype=object),
            "days_overdue_on_event": overdue.astype("int64").to_numpy(),
            "responsible": first["responsible"].to_numpy(dtype=object),
        }
    )


def chain_cases(units: pd.DataFrame) -> pd.DataFrame:
    """Every unit stage's case, not yet judged (no due date, completeness or severity)."""
    cases = pd.concat(
        [
            _district_cases(units),
            _village_transfer_cases(units),
            _premium_cases(units),
            _coverage_cases(units),
            _cover_period_cases(units),
        ],
        ignore_index=True,
    )
    cases["case_id"] = ""
    return cases


def responsible_of(
    stage: pd.Series, funding: pd.Series, awaiting_request: pd.Series | None = None
) -> pd.Series:
    """Whose move each stage of a programme's funding source is (`records.responsible_for`),
    worked out once per distinct (stage, funding, awaiting a village's request) triple."""
    if awaiting_request is None:
        awaiting_request = pd.Series(False, index=stage.index)
    triples = pd.MultiIndex.from_arrays(
        [stage.astype(str), funding.astype(str), awaiting_request.fillna(False).astype(bool)]
    )
    codes, distinct = triples.factorize()
    who = np.array([responsible_for(s, f, bool(a)).value for s, f, a in distinct], dtype=object)
    return pd.Series(who[codes] if len(codes) else [], index=stage.index, dtype=object)


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
            empty = "datetime64[ns]" if spec.kind is Kind.DATE else "object"
            out[column] = pd.Series(None, index=frame.index, dtype=empty)
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


def _programs(programs: pd.DataFrame, requesting: set[str] | None = None) -> pd.DataFrame:
    """Programmes with plain-string funding source and each stage's SLA override as Int64;
    `requesting`: whether its villages apply for their transfer (`_requesting`)."""
    out = programs.drop_duplicates("program_id", keep="last").copy()
    out["requesting"] = out["program_id"].astype(str).isin(requesting or set())
    out["funding_source"] = out["funding_source"].astype(str).astype(object)
    for column in SLA_COLUMNS:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
    rate = pd.to_numeric(out["premium_rate_monthly"], errors="coerce")
    out["premium_rate_monthly"] = rate.fillna(DEFAULT_PREMIUM_RATE_MONTHLY).astype("int64")
    out["fiscal_year"] = pd.to_numeric(out["fiscal_year"], errors="coerce").astype("Int64")
    out["pks_date"] = pd.to_datetime(out["pks_date"])
    predecessor = out["predecessor_id"].astype(object)
    out["predecessor_id"] = predecessor.where(predecessor.notna(), None)
    return out.sort_values("program_id").reset_index(drop=True)


def _units(allocations: pd.DataFrame) -> pd.DataFrame:
    """One row per (programme, unit): the sums of its allocation lines and its earliest decree."""
    keys = ["program_id", "unit_code", "funding_source", "province_code"]
    # Planned cover: each line's period of `months` from its cover_start (1 January of the
    # fiscal year when not given); the unit's runs from the earliest start to the latest end.
    new_year = pd.to_datetime(
        allocations["fiscal_year"].astype("Int64").astype(str) + "-01-01", errors="coerce"
    )
    cover_start = pd.to_datetime(allocations["cover_start"]).fillna(new_year)
    lines = allocations.assign(
        _cover_start=cover_start,
        _cover_end=pd.to_datetime(period_end(cover_start, allocations["months"].astype("int64"))),
    )
    grouped = lines.groupby(keys, sort=False)
    units = pd.DataFrame(
        {
            "allocated": group_sum(allocations, keys, "allocated_amount"),
            "premium": group_sum(allocations, keys, "premium_amount"),
            "target_workers": grouped["target_workers"].sum(),
            "decree_date": grouped["decree_date"].min(),
            "planned_start": grouped["_cover_start"].min(),
            "planned_end": grouped["_cover_end"].max(),
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
    """Per (programme, payer): rupiah paid, workers paid (the most paid for in any one month,
    `rantai.chain.workers_paid`), paid worker-months and the first and latest payment dates."""
    keys = ["program_id", "payer_code"]
    grouped = payments.groupby(keys, sort=False)
    payer = grouped.ngroup().to_numpy()
    period = period_starts(payments)
    months = payments["months"].astype("int64")
    count = payments["workers_count"].astype("int64")
    peak = workers_paid(payer, period, months, count)
    out = pd.DataFrame(
        {
            "paid": group_sum(payments, keys, "amount"),
            "worker_months": (count * months)
            .groupby([payments[k] for k in keys], sort=False)
            .sum(),
            "paid_first": grouped["paid_date"].min(),
            "paid_last": grouped["paid_date"].max(),
        }
    )
    # ngroup numbers the groups in the order groupby(sort=False) lists them.
    out["workers_paid"] = peak.reindex(np.arange(len(out))).fillna(0).astype("int64").to_numpy()
    out = out.rename(columns={"worker_months": "paid_worker_months"})
    out.index = out.index.set_names(_KEY)
    return out


def _worker_facts(cover: Cover, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per (programme, unit): workers active on as_of (v1: an AKTIF episode contains it),
    workers activated (an AKTIF episode in the programme that started by as_of) and their
    months of cover (episodes of a worker merged first)."""
    return cover.by_unit(
        {
            "workers_active": cover.covered_on(np.datetime64(as_of.date(), "D")),
            "workers_activated": cover.activated,
            "covered_worker_months": cover.months,
        }
    )


def _short_workers(units: pd.DataFrame, cover: Cover) -> pd.Series:
    """Per (programme, unit): activated workers whose months of cover are fewer than the months
    expected of each worker paid for (COVER_PERIOD's workers_affected)."""
    unit_key = cover.place_keys(units["program_id"], units["unit_code"])
    expected = pd.Series(units["months_expected"].to_numpy(dtype=np.int64), index=unit_key)
    expected = expected[(unit_key >= 0) & ~expected.index.duplicated()]
    workers = cover.workers
    worker_unit = cover.unit_keys(workers["program"].to_numpy(), workers["unit"].to_numpy())
    wanted = expected.reindex(worker_unit).fillna(0).to_numpy(dtype=np.int64)
    short = cover.activated & (cover.months < wanted)
    return cover.by_unit({"workers_short": short})["workers_short"]


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
    """BKBK: VILLAGE_TRANSFER starts with the first transfer to the village's district.

    Where the programme's villages apply for it (village_requests, issue 15): until the
    village's request is complete the move is the village's and the district's SLA has not
    started (the case keeps the usual start: the village's own wait); once complete, the move
    is the district's, counted from the later of the usual start and the complete_date."""
    bkbk = units.loc[units["funding_source"] == FundingSource.BKBK.value]
    usual = bkbk["district_first"]
    complete = bkbk["request_complete"]
    requesting = bkbk["requesting"].astype(bool)
    awaiting = requesting & complete.isna()
    counted = requesting & complete.notna()
    later = complete.where(complete > usual, usual)
    cases = _unit_cases(
        bkbk,
        Stage.VILLAGE_TRANSFER,
        start=usual.where(~counted, later),
        target=bkbk["allocated"],
        achieved=bkbk["village_sum"],
        amount_at_stake=bkbk["allocated"] - bkbk["village_sum"],
        workers_affected=bkbk["target_workers"],
    )
    cases["awaiting_request"] = awaiting.to_numpy(dtype=bool)
    return cases


def _premium_cases(units: pd.DataFrame) -> pd.DataFrame:
    """PREMIUM_PAYMENT starts when BKBK money reaches the village, else with the decree."""
    is_bkbk = units["funding_source"] == FundingSource.BKBK.value
    # APBD and APBDES: the later of the decree and the PKS with BPJS, when a PKS date is given.
    own = units[["decree_date", "pks_date"]].max(axis=1)
    return _unit_cases(
        units,
        Stage.PREMIUM_PAYMENT,
        start=units["village_first"].where(is_bkbk, own),
        target=units["premium"],
        achieved=units["paid"],
        amount_at_stake=units["premium"] - units["paid"],
        workers_affected=units["target_workers"] - units["workers_paid"],
    )


def _coverage_cases(units: pd.DataFrame) -> pd.DataFrame:
    """COVERAGE_ACTIVATION (v2): every worker paid for activated, from the first payment on,
    whether or not the cover has ended since."""
    return _unit_cases(
        units,
        Stage.COVERAGE_ACTIVATION,
        start=units["paid_first"],
        target=units["workers_paid"],
        achieved=units["workers_activated"],
        amount_at_stake=pd.Series(0, index=units.index, dtype="int64"),
        workers_affected=units["workers_paid"] - units["workers_activated"],
    )


def _cover_period_cases(units: pd.DataFrame) -> pd.DataFrame:
    """COVER_PERIOD: the months paid for are covered, from the latest payment on. The months of
    workers not yet activated are COVERAGE_ACTIVATION's, never counted twice."""
    paid_months = units["paid_worker_months"].astype("int64")
    not_activated = (units["workers_paid"] - units["workers_activated"]).clip(lower=0)
    due_months = (paid_months - not_activated * units["months_expected"]).clip(lower=0)
    shortfall = (due_months - units["covered_worker_months"]).clip(lower=0)
    return _unit_cases(
        units,
        Stage.COVER_PERIOD,
        start=units["paid_last"],
        target=due_months,
        achieved=units["covered_worker_months"],
        amount_at_stake=shortfall * units["rate"],
        workers_affected=units["workers_short"],
    )


def _claim_cases(claims: pd.DataFrame) -> pd.DataFrame:
    """CLAIM_PAYMENT: one case per claim of an enrolled worker, in the unit of the enrolment,
    from the claim date until it is paid (by as_of) or rejected. The benefit is at stake."""
    placed = claims.loc[claims["unit_code"].notna()]
    decided = placed["status"].isin([ClaimStatus.PAID.value, ClaimStatus.REJECTED.value])
    return pd.DataFrame(
        {
            "program_id": placed["program_id"],
            "funding_source": placed["funding_source"],
            "province_code": placed["province_code"],
            "district_code": placed["district_code"],
            "unit_code": placed["unit_code"],
            "stage": Stage.CLAIM_PAYMENT.value,
            "case_id": placed["claim_id"],
            "start_date": pd.to_datetime(placed["claim_date"]),
            "target": 1,
            "achieved": decided.astype("int64"),
            "amount_at_stake": placed["benefit_at_stake"],
            "workers_affected": 1,
        }
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


def sla_table(programs: pd.DataFrame) -> pd.DataFrame:
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


def _judge(
    cases: pd.DataFrame,
    sla: pd.DataFrame,
    as_of: pd.Timestamp,
    branches: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Due dates, completeness, stalls, severity, what is at stake, whose move and the BPJS
    branch (from `branches`, "" without) of every case."""
    cases = cases.merge(sla, on=["program_id", "stage"], how="left")
    # One dtype for text whatever the mix of cases (pandas may infer `str` for some frames).
    text = ["program_id", "funding_source", "province_code", "district_code", "unit_code"]
    for column in [*text, "stage", "case_id"]:
        cases[column] = cases[column].astype(object)
    # A JKK claim's benefit is unknown until paid: empty, not zero (CLAIM_PAYMENT).
    cases["amount_known"] = cases["amount_at_stake"].notna().to_numpy(dtype=bool)
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
    awaiting = cases.get("awaiting_request", pd.Series(False, index=cases.index))
    cases["awaiting_request"] = awaiting.astype(object).fillna(False).astype(bool)
    cases["responsible"] = responsible_of(
        cases["stage"], cases["funding_source"], cases["awaiting_request"]
    )
    cases["branch_code"] = branch_of(cases["district_code"], branches)
    cases["_stage_rank"] = cases["stage"].map(STAGE_ORDER)
    cases = cases.sort_values(
        ["program_id", "district_code", "unit_code", "_stage_rank", "case_id"], kind="stable"
    )
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
    known = stalled["amount_known"].to_numpy(dtype=bool)
    if not known.all():
        amounts = stalled["amount_at_stake"].astype(object)
        amounts[~known] = None
        stalled["amount_at_stake"] = amounts
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
    programs: pd.DataFrame,
    known: Mapping[str, pd.DataFrame],
    units: pd.DataFrame,
    cover: Cover,
    as_of: pd.Timestamp,
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
        # Workers paid are counted per unit (the most paid for in one month), then added up.
        "workers_paid": by_district(units, "unit_code", "workers_paid"),
        "workers_active": by_district(_active_workers(cover, as_of), "village_code", "active"),
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


def _active_workers(cover: Cover, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per (programme, village): enrolled workers an AKTIF episode covers on as_of (v1's
    workers_active)."""
    active = cover.covered_on(np.datetime64(as_of.date(), "D"))
    return cover.by_village({"active": active}).reset_index()


def _program_metrics(
    programs: pd.DataFrame,
    districts: pd.DataFrame,
    protected: pd.DataFrame,
    claims: pd.DataFrame,
    failures: pd.DataFrame,
) -> list[dict[str, Any]]:
    """Each programme's funnel on `as_of`: its districts' sums, zero where nothing is known."""
    metrics = pd.DataFrame(
        {column: group_sum(districts, "program_id", column) for column in PROGRAM_METRICS}
    )
    metrics = metrics.reindex(programs["program_id"]).apply(whole)
    cover = pd.DataFrame(
        {column: group_sum(protected, "program_id", column) for column in PROTECTION_METRICS}
    )
    cover = cover.reindex(programs["program_id"]).apply(whole)
    statuses = claims.groupby(["program_id", "status"]).size()
    paid = claims.loc[claims["status"] == ClaimStatus.PAID.value]
    benefits_paid = paid.groupby("program_id")["paid_amount"].apply(
        lambda v: sum(int(x) for x in v.dropna())
    )
    out = []
    for program, row, protection_row in zip(
        programs.itertuples(index=False),
        metrics.itertuples(index=False),
        cover.itertuples(index=False),
        strict=True,
    ):
        program_id = str(program.program_id)
        record: dict[str, Any] = {
            "program_id": program_id,
            "funding_source": str(program.funding_source),
            "province_code": str(program.province_code),
        }
        record.update({name: int(value) for name, value in zip(PROGRAM_METRICS, row, strict=True)})
        record.update(
            {
                name: int(value)
                for name, value in zip(PROTECTION_METRICS, protection_row, strict=True)
            }
        )
        record["claims"] = {
            status.value: int(statuses.get((program_id, status.value), 0)) for status in ClaimStatus
        }
        record["benefits_paid"] = int(benefits_paid.get(program_id, 0))
        at_stake = failures.loc[failures["program_id"] == program_id, "benefit_at_stake"]
        record["protection_failures"] = len(at_stake)
        record["benefit_at_stake"] = sum(int(v) for v in at_stake.dropna())
        out.append(record)
    return out
