"""The Monev report's tables, assembled from the store's records, the stage engine's cases and
the flag history. Pure functions over frames: no files, no Prefect.

Every rule of the chain (which records are known on a date, when a stage starts, is complete or
stalled) is the stage engine's (`rantai.stages.evaluate`); this module only adds up what it
says, per programme, district and village, and replays the flag history run by run.

Where a worker would be counted twice (a stalled village transfer and the stalled premium
payment behind it; a stalled district transfer and its villages' stalls), it is counted once:
per unit the largest of its stages, per district the larger of the district's own case and the
sum of its villages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rantai.bounds import group_sum, whole
from rantai.chain import (
    Severity,
    covered_mask,
    known_mask,
    once_per_worker,
    unit_of_worker,
)
from rantai.monev.labels import display_name
from rantai.monev.league import KEY, coverage_league
from rantai.monev.protection import Protection
from rantai.records import SOURCES, STAGE_ORDER, FundingSource, Stage
from rantai.scope import Scope
from rantai.stages import Evaluation

if TYPE_CHECKING:
    from rantai.monev.cuts import Cut

# Age of money at rest, in days since it arrived where it sits: upper bounds and labels.
AGE_BUCKETS: list[tuple[int | None, str]] = [
    (30, "0-30"),
    (90, "31-90"),
    (180, "91-180"),
    (None, ">180"),
]

PROVINCE, DISTRICT, VILLAGE = "province", "district", "village"
LEVELS = (PROVINCE, DISTRICT, VILLAGE)

FUNNEL_MONEY = ["allocated", "transferred_to_districts", "transferred_to_villages", "premiums_paid"]
FUNNEL_WORKERS = ["workers_targeted", "workers_paid", "workers_active"]
FUNNEL_COLUMNS = [*FUNNEL_MONEY, *FUNNEL_WORKERS]


@dataclass(frozen=True)
class Monev:
    """Everything the report shows, as of one date and for one scope."""

    as_of: dt.date
    scope: Scope
    programs: pd.DataFrame  # the funnel per programme
    districts: pd.DataFrame  # the funnel per (programme, district)
    waiting: pd.DataFrame  # every started, unfinished step: its days waiting and SLA
    delays: pd.DataFrame  # per (programme, district, stage): waiting, stalled, median/max days
    money_at_rest: pd.DataFrame  # rupiah sitting at a level, where, since when
    history: pd.DataFrame  # per run date: open stalled steps and the workers in them
    losses: pd.DataFrame  # per (programme, district): workers in stalled steps, worker-days lost
    league: pd.DataFrame  # every village, ranked by coverage within its programme (league.py)
    stalls: pd.DataFrame  # the stalled steps, worst first, with first_flagged
    totals: dict[str, int] = field(default_factory=dict)
    # The opening section: families without their benefit, claims, cover today and over time.
    protection: Protection = field(default_factory=Protection)
    # Per village its longest unfinished step and whose move it is (league.py).
    to_visit: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Pagu / realisasi / sisa per step and quarter, per programme and district (realisasi.py).
    realisasi: pd.DataFrame = field(default_factory=pd.DataFrame)
    realisasi_districts: pd.DataFrame = field(default_factory=pd.DataFrame)
    # A district, kecamatan or branch cut (rantai.monev.cuts); None for a wider report.
    cut: Cut | None = None


def known_records(frames: Mapping[str, pd.DataFrame], as_of: dt.date) -> dict[str, pd.DataFrame]:
    """Each source's records known on `as_of` (by the record's own date), of known programmes
    (a source without programmes, branches, whole)."""
    as_of_ts = pd.Timestamp(as_of)
    programs = frames["programs"].drop_duplicates("program_id", keep="last")
    out = {"programs": programs.reset_index(drop=True)}
    for name, source in SOURCES.items():
        if name == "programs":
            continue
        frame = frames.get(name)
        if frame is None:
            frame = pd.DataFrame(columns=source.columns)
        keep = known_mask(frame, name, as_of_ts)
        if source.has_programme:
            keep &= frame["program_id"].isin(programs["program_id"])
        out[name] = frame.loc[keep].reset_index(drop=True)
    return out


def covered_workers(known: Mapping[str, pd.DataFrame], as_of: dt.date) -> pd.DataFrame:
    """Each enrolled worker with cover active on `as_of`: programme, village, unit, cover start.

    The engine's rule (AKTIF, coverage_start <= as_of <= coverage_end, enrolled workers only,
    distinct NIKs); `cover_start` is the earliest start among the worker's active rows. The
    NIK never leaves this function.
    """
    as_of_ts = pd.Timestamp(as_of)
    coverage = known["coverage"]
    active = coverage.loc[covered_mask(coverage, as_of_ts), ["program_id", "nik", "coverage_start"]]
    first_start = active.groupby(["program_id", "nik"], sort=False)["coverage_start"].min()
    enrolled = known["enrollments"].drop_duplicates(["program_id", "nik"], keep="last")
    workers = enrolled[["program_id", "nik", "village_code"]].join(
        first_start, on=["program_id", "nik"], how="inner"
    )
    funding = workers["program_id"].map(
        known["programs"].set_index("program_id")["funding_source"].astype(str)
    )
    village = workers["village_code"].astype(str)
    return pd.DataFrame(
        {
            "program_id": workers["program_id"].astype(str).to_numpy(),
            "village_code": village.to_numpy(),
            "unit_code": unit_of_worker(village, funding).to_numpy(),
            "cover_start": pd.to_datetime(workers["coverage_start"]).to_numpy(),
        }
    )


def program_funnel(
    evaluation: Evaluation, known: Mapping[str, pd.DataFrame], names: Mapping[str, str]
) -> pd.DataFrame:
    """The funnel per programme: the engine's metrics, with the programme's name and province."""
    metrics = pd.DataFrame(evaluation.programs)
    if metrics.empty:
        return pd.DataFrame(
            columns=["program_id", "name", "funding_source", "province_code", "province_name"]
            + FUNNEL_COLUMNS
        )
    programs = known["programs"].set_index("program_id")
    metrics["name"] = metrics["program_id"].map(programs["name"]).fillna("")
    metrics["province_name"] = metrics["province_code"].map(lambda c: display_name(names, c))
    return metrics[
        ["program_id", "name", "funding_source", "province_code", "province_name", *FUNNEL_COLUMNS]
    ]


def district_funnel(evaluation: Evaluation, names: Mapping[str, str]) -> pd.DataFrame:
    """The funnel per (programme, district), as the engine added it up (`Evaluation.districts`:
    the records known on the date, placed by their own region codes), with district names."""
    columns = ["program_id", "funding_source", "district_code", *FUNNEL_COLUMNS]
    frame = evaluation.districts.reindex(columns=columns).copy()
    frame.insert(3, "district_name", frame["district_code"].map(lambda c: display_name(names, c)))
    return frame.reset_index(drop=True)


def waiting_steps(evaluation: Evaluation) -> pd.DataFrame:
    """Every step that has started and is not complete: how long it has waited, and its SLA."""
    cases = evaluation.cases
    waiting = cases.loc[cases["start_date"].notna() & ~cases["complete"].astype(bool)]
    out = waiting[
        [
            "program_id",
            "funding_source",
            "district_code",
            "unit_code",
            "stage",
            "days_waiting",
            "sla_days",
            "stalled",
        ]
    ].copy()
    out["days_waiting"] = out["days_waiting"].astype("int64")
    out["sla_days"] = out["sla_days"].astype("int64")
    out["stalled"] = out["stalled"].astype(bool)
    return out.reset_index(drop=True)


def stage_delays(waiting: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """Per (programme, district, stage): steps waiting, stalled, median and longest wait, SLA."""
    columns = [
        "program_id",
        "district_code",
        "district_name",
        "stage",
        "sla_days",
        "waiting",
        "stalled",
        "median_days",
        "max_days",
    ]
    if waiting.empty:
        return pd.DataFrame(columns=columns)
    grouped = waiting.groupby(["program_id", "district_code", "stage"], sort=False)
    out = grouped.agg(
        sla_days=("sla_days", "max"),
        waiting=("unit_code", "size"),
        stalled=("stalled", "sum"),
        median_days=("days_waiting", "median"),
        max_days=("days_waiting", "max"),
    ).reset_index()
    out["median_days"] = out["median_days"].round().astype("int64")
    out["stalled"] = out["stalled"].astype("int64")
    out["district_name"] = out["district_code"].map(lambda c: display_name(names, c))
    out["_stage"] = out["stage"].map(STAGE_ORDER)
    out = out.sort_values(["program_id", "district_code", "_stage"])
    return out[columns].reset_index(drop=True)


def money_at_rest(evaluation: Evaluation, as_of: dt.date) -> pd.DataFrame:
    """Rupiah sitting at each level (province, district, village) and since when.

    Province: BKBK money decreed for a district and not yet sent to it (since the decree).
    District: BKBK money the district received and has not passed to its villages (since the
    first transfer reached it); APBD premiums not yet paid (since the decree).
    Village: the premium part of BKBK money the village received and has not paid (since the
    first transfer reached it); APBDes premiums not yet paid (since the decree).
    """
    cases = evaluation.cases
    started = cases.loc[cases["start_date"].notna()]
    stage = started["stage"]
    funding = started["funding_source"]
    is_village_unit = started["unit_code"].astype(str).str.len() > 5
    parts = []

    province = started.loc[stage == Stage.DISTRICT_TRANSFER.value]
    parts.append(_resting(province, PROVINCE, province["target"] - province["achieved"]))

    village_transfers = started.loc[stage == Stage.VILLAGE_TRANSFER.value]
    passed_on = group_sum(village_transfers, ["program_id", "district_code"], "achieved", True)
    since = village_transfers.groupby(["program_id", "district_code"])["start_date"].min()
    received = province.set_index(["program_id", "district_code"])
    at_district = received.join(passed_on.rename("passed_on")).join(since.rename("since"))
    at_district = at_district.loc[at_district["since"].notna()].reset_index()
    at_district["start_date"] = at_district["since"]
    parts.append(
        _resting(
            at_district,
            DISTRICT,
            at_district["achieved"] - at_district["passed_on"].fillna(0),
        )
    )

    premiums = started.loc[stage == Stage.PREMIUM_PAYMENT.value]
    apbd = premiums.loc[funding.loc[premiums.index] == FundingSource.APBD.value]
    parts.append(_resting(apbd, DISTRICT, apbd["amount_at_stake"]))

    at_village = premiums.loc[is_village_unit.loc[premiums.index]]
    received_by_village = village_transfers.set_index(["program_id", "unit_code"])["achieved"]
    got = at_village.join(received_by_village.rename("received"), on=["program_id", "unit_code"])
    is_bkbk = got["funding_source"] == FundingSource.BKBK.value
    # A BKBK village can only sit on what reached it; its own budget (APBDes) holds it all.
    premium_held = np.minimum(got["received"].fillna(0), got["target"]).where(
        is_bkbk, got["target"]
    )
    parts.append(_resting(got, VILLAGE, premium_held - got["achieved"]))

    out = pd.concat(parts, ignore_index=True)
    out = out.loc[out["amount"] > 0].copy()
    out["days"] = (pd.Timestamp(as_of) - out["since"]).dt.days.astype("int64")
    out["age"] = age_bucket(out["days"])
    out["since"] = out["since"].dt.date
    out["_level"] = out["level"].map({lvl: i for i, lvl in enumerate(LEVELS)})
    out = out.sort_values(["_level", "days", "holder_code"], ascending=[True, False, True])
    return out.drop(columns="_level").reset_index(drop=True)


def _resting(cases: pd.DataFrame, level: str, amount: pd.Series) -> pd.DataFrame:
    """Money at rest at one level: who holds it (the province, a district or a village)."""
    holder = cases["province_code"] if level == PROVINCE else cases["unit_code"]
    if level == DISTRICT:
        holder = cases["district_code"]
    return pd.DataFrame(
        {
            "level": level,
            "program_id": cases["program_id"].astype(str),
            "holder_code": holder.astype(str),
            "district_code": cases["district_code"].astype(str),
            "amount": whole(amount).clip(lower=0),
            "since": pd.to_datetime(cases["start_date"]),
        }
    )


def age_bucket(days: pd.Series) -> pd.Series:
    """The AGE_BUCKETS label of each number of days."""
    labels = pd.Series(AGE_BUCKETS[-1][1], index=days.index, dtype=object)
    for upper, label in reversed(AGE_BUCKETS[:-1]):
        labels = labels.where(days > upper, label)
    return labels


def stall_losses(stalls: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """Per (programme, district): workers in stalled steps and the worker-days without cover.

    Worker-days of a stalled step: its workers affected times its days overdue (each day past
    the due date, the workers who should have had cover by then did not).
    """
    columns = ["program_id", "district_code", "district_name", "stalled_steps", "workers"]
    if stalls.empty:
        return pd.DataFrame(columns=[*columns, "worker_days"])
    frame = stalls.assign(
        worker_days=stalls["workers_affected"].astype("int64")
        * stalls["days_overdue"].astype("int64")
    )
    workers = once_per_worker(frame, "workers_affected").rename("workers")
    worker_days = once_per_worker(frame, "worker_days")
    steps = frame.groupby(["program_id", "district_code"]).size().rename("stalled_steps")
    out = pd.concat([steps, workers, worker_days], axis=1).fillna(0).astype("int64").reset_index()
    out["district_name"] = out["district_code"].map(lambda c: display_name(names, c))
    out = out.sort_values(
        ["worker_days", "program_id", "district_code"], ascending=[False, True, True]
    )
    return out[[*columns, "worker_days"]].reset_index(drop=True)


def unprotected_history(
    runs: pd.DataFrame, events: pd.DataFrame, scope: Scope, as_of: dt.date
) -> pd.DataFrame:
    """Replay the flag history run by run: open stalled steps and the workers in them.

    `runs` has run_id, as_of, started_at (finished runs); `events` the flag_events rows. A
    step's workers are those at stake when it was (last) flagged. Points are per run date up
    to `as_of`; where several runs share a date, the last one's picture and all their changes.
    """
    columns = ["as_of", "open_steps", "workers", "opened", "resolved"]
    if runs.empty:
        return pd.DataFrame(columns=columns)
    if len(events):
        events = events.loc[scope.unit_mask(events)]
    by_run = {run_id: group for run_id, group in events.groupby("run_id", sort=False)}
    # A step is a (programme, unit, stage, case): each claim of a unit is a step of its own.
    open_steps: dict[tuple[str, str, str, str], int] = {}
    points = []
    for run in runs.sort_values("started_at").itertuples(index=False):
        mine = by_run.get(run.run_id)
        opened = resolved = 0
        if mine is not None:
            for row in mine.itertuples(index=False):
                case = getattr(row, "case_id", "")
                key = (
                    str(row.program_id),
                    str(row.unit_code),
                    str(row.stage),
                    "" if case is None or pd.isna(case) else str(case),
                )
                if row.event == "opened":
                    open_steps[key] = int(row.workers_affected or 0)
                    opened += 1
                elif open_steps.pop(key, None) is not None:
                    resolved += 1
        workers = 0
        if open_steps:
            frame = pd.DataFrame(
                [(p, u, s, w) for (p, u, s, _), w in open_steps.items()],
                columns=["program_id", "unit_code", "stage", "workers_affected"],
            )
            workers = int(once_per_worker(frame, "workers_affected").sum())
        points.append((pd.Timestamp(run.as_of).date(), len(open_steps), workers, opened, resolved))
    history = pd.DataFrame(points, columns=columns)
    history = history.loc[history["as_of"] <= as_of]
    if history.empty:
        return history.reset_index(drop=True)
    by_day = history.groupby("as_of", sort=True)
    return pd.DataFrame(
        {
            "open_steps": by_day["open_steps"].last(),
            "workers": by_day["workers"].last(),
            "opened": by_day["opened"].sum(),
            "resolved": by_day["resolved"].sum(),
        }
    ).reset_index()[columns]


def village_league(
    evaluation: Evaluation,
    known: Mapping[str, pd.DataFrame],
    covered: pd.DataFrame,
    as_of: dt.date,
    names: Mapping[str, str],
) -> pd.DataFrame:
    """The village league, within each programme (`rantai.monev.league.coverage_league`):
    ranked by the share of the promised worker-months covered; the day a village got its
    workers paid for covered is the cover start of the k-th of its workers to get cover, k the
    workers paid for."""
    protection = evaluation.protection
    needed = protection.set_index(KEY)["workers_paid"].astype("int64")
    return coverage_league(evaluation, known, _cover_complete_dates(covered, needed), as_of, names)


def _cover_complete_dates(covered: pd.DataFrame, needed: pd.Series) -> pd.Series:
    """Per (programme, unit): the cover start of its k-th worker to get cover, k = `needed`."""
    if covered.empty or needed.empty:
        return pd.Series(pd.NaT, index=needed.index, dtype="datetime64[ns]")
    ordered = covered.sort_values(["program_id", "unit_code", "cover_start"], kind="stable")
    ordered = ordered.assign(
        position=ordered.groupby(["program_id", "unit_code"], sort=False).cumcount() + 1
    )
    wanted = needed.rename("position").reset_index()
    hit = wanted.merge(ordered, on=["program_id", "unit_code", "position"], how="left")
    return pd.Series(
        pd.to_datetime(hit["cover_start"]).to_numpy(), index=needed.index, dtype="datetime64[ns]"
    )


def stalled_steps(
    stalls: pd.DataFrame, flags: pd.DataFrame, names: Mapping[str, str]
) -> pd.DataFrame:
    """The stalled steps, worst first, with the day each was first flagged and region names.

    Units are regions, so no personal data is here.
    """
    out = stalls.copy()
    if "case_id" not in out:
        out["case_id"] = ""
    out["case_id"] = out["case_id"].fillna("").astype(str)
    if len(flags):
        # A flag is a (programme, unit, stage, case): two claims of one village are two flags.
        key = ["program_id", "unit_code", "stage", "case_id"]
        known = flags.assign(
            case_id=flags["case_id"].fillna("").astype(str) if "case_id" in flags else ""
        )
        first = known.drop_duplicates(key, keep="last").set_index(key)["first_flagged"]
        out["first_flagged"] = first.reindex(pd.MultiIndex.from_frame(out[key])).to_numpy()
    else:
        out["first_flagged"] = None
    code = out["unit_code"].astype(str)
    out["unit_name"] = code.map(lambda c: display_name(names, c))
    out["subdistrict_name"] = [display_name(names, c[:8]) if len(c) > 5 else "" for c in code]
    out["district_name"] = out["district_code"].map(lambda c: display_name(names, c))
    return out.reset_index(drop=True)


def totals(
    programs: pd.DataFrame,
    stalls: pd.DataFrame,
    losses: pd.DataFrame,
    resting: pd.DataFrame,
    league: pd.DataFrame,
) -> dict[str, int]:
    """The headline numbers."""
    out: dict[str, Any] = {
        c: int(programs[c].sum()) if len(programs) else 0 for c in FUNNEL_COLUMNS
    }
    out["workers_unprotected"] = max(out["workers_targeted"] - out["workers_active"], 0)
    out["stalled_steps"] = len(stalls)
    out["critical_steps"] = (
        int((stalls["severity"] == Severity.CRITICAL).sum()) if len(stalls) else 0
    )
    out["amount_at_stake"] = int(stalls["amount_at_stake"].sum()) if len(stalls) else 0
    out["workers_in_stalls"] = int(losses["workers"].sum()) if len(losses) else 0
    out["worker_days_lost"] = int(losses["worker_days"].sum()) if len(losses) else 0
    out["money_at_rest"] = int(resting["amount"].sum()) if len(resting) else 0
    out["villages_with_money"] = int(league["money_received"].notna().sum()) if len(league) else 0
    out["villages_covered"] = int(league["covered"].sum()) if len(league) else 0
    return out
