"""A province's story: its programmes, their money and their workers, typed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rantai.records import SOURCES, FundingSource
from samples.claims import claims_known_on, story_claims
from samples.days import HORIZON, NO_DATE, RATE, day_number
from samples.finance import Parts, apbd_parts, apbdes_parts, bkbk_parts, previous_cover_ends
from samples.places import villages_in
from samples.plans import Plan, province_plans
from samples.requests import branches, requests_known_on, village_requests
from samples.workers import unit_workers


@dataclass
class Story:
    """A province's typed records (cut at as_of) and what bad rows are made from."""

    province: str
    plans: list[Plan]
    parts: dict[str, Parts]
    typed: dict[str, pd.DataFrame]
    workers: pd.DataFrame
    cutoff: int  # as_of as a day number
    taken: set[int]  # NIKs in use, so bad rows' new workers do not collide
    next_ref: Callable[[], str]


def province_story(
    province: str, seed: int, as_of: dt.date, plans: list[Plan] | None = None
) -> Story:
    """Every typed record of a province's story (its own plans unless given), as delivered on
    as_of: records dated later are left out, and a claim paid later is still SUBMITTED."""
    plan_rng, unit_rng, worker_rng, claim_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence([seed, int(province)]).spawn(4)
    )
    own = plans is None  # the province's own plans tell the fixed story, claims included
    if plans is None:
        plans = province_plans(province, plan_rng)
    parts: dict[str, Parts] = {}
    apbdes_desa: set[str] = set()
    # APBDES desa pay their own workers, so a province's BKBK leaves them out.
    for plan in sorted(plans, key=lambda p: p.funding is not FundingSource.APBDES):
        # A successor renews from where its predecessor's cover ends, unit by unit.
        before = parts.get(plan.predecessor)
        previous = previous_cover_ends(before) if before is not None else None
        if plan.funding is FundingSource.APBDES:
            parts[plan.program_id] = apbdes_parts(plan, unit_rng)
            apbdes_desa |= set(parts[plan.program_id].fate.index)
        elif plan.funding is FundingSource.APBD:
            parts[plan.program_id] = apbd_parts(plan, unit_rng, previous)
        else:
            desa = villages_in(plan.scope, desa_only=True)
            desa = desa[~np.isin(desa, list(apbdes_desa))]
            parts[plan.program_id] = bkbk_parts(plan, desa, unit_rng, previous)
    ordered = [parts[p.program_id] for p in plans]

    workers = unit_workers(pd.concat([p.units for p in ordered], ignore_index=True), worker_rng)
    workers = renew_workers(workers, plans, parts)
    claims = story_claims(workers, parts, HORIZON, province, claim_rng, fixed_story=own)
    programs = pd.DataFrame(
        {
            "program_id": [p.program_id for p in plans],
            "funding_source": [p.funding.value for p in plans],
            "province_code": province,
            "fiscal_year": [p.year for p in plans],
            "name": [p.name for p in plans],
            # BKBK and APBD decrees state the rate; Dana Desa budgets leave it to the default.
            "premium_rate_monthly": [
                None if p.funding is FundingSource.APBDES else RATE for p in plans
            ],
            "sla_district_days": None,
            "sla_village_days": None,
            "sla_premium_days": None,
            "sla_coverage_days": None,
            "predecessor_id": [p.predecessor or None for p in plans],
            "pks_date": [None if p.pks == NO_DATE else p.pks for p in plans],
        },
        dtype=object,
    )
    # BPJS numbers its receipts in the order the money arrives.
    payments = pd.concat([p.payments for p in ordered], ignore_index=True)
    payments = payments.sort_values(["paid_date", "payment_id"], kind="stable", ignore_index=True)
    refs: Iterator[int] = iter(range(int(province) * 10_000 + 1, 10**6))
    paid_year = pd.to_datetime(payments["paid_date"].to_numpy(), unit="D").year
    payments["payment_ref"] = [f"BPJSTK-{y}-{next(refs):06d}" for y in paid_year]
    payments = payments.sort_values(["program_id", "payer_code", "payment_id"], kind="stable")
    last_year = int(max(p.year for p in plans)) if plans else 2025

    def next_ref() -> str:
        return f"BPJSTK-{last_year}-{next(refs):06d}"

    covered = workers[workers["status"].isin(["AKTIF", "NON_AKTIF"])]
    typed = {
        "programs": programs,
        "allocations": pd.concat([p.allocations for p in ordered], ignore_index=True),
        "district_transfers": pd.concat([p.district_transfers for p in ordered], ignore_index=True),
        "village_transfers": pd.concat([p.village_transfers for p in ordered], ignore_index=True),
        "enrollments": workers[SOURCES["enrollments"].columns],
        "premium_payments": payments,
        "coverage": covered[SOURCES["coverage"].columns],
        "claims": claims,
        # The optional sources of issue 15: the fixed story's only (none: no file).
        **{name: _empty(name) for name in OPTIONAL_SOURCES},
    }
    cutoff = day_number(as_of)
    typed["claims"] = claims_known_on(claims, cutoff)
    if own:
        request_rng = np.random.default_rng(np.random.SeedSequence([seed, int(province), 15]))
        requests = village_requests(plans, parts, province, request_rng)
        typed["village_requests"] = requests_known_on(requests, cutoff)
        typed["branches"] = branches(province)
    for name, source in SOURCES.items():
        frame = typed[name]
        if source.known_date is not None and len(frame):
            frame = frame[frame[source.known_date].astype(np.int64) <= cutoff]
        typed[name] = frame.reset_index(drop=True)
    taken = set(workers["nik"].astype(np.int64).tolist())
    return Story(province, plans, parts, typed, workers, cutoff, taken, next_ref)


# Sources a folder may leave out (issue 15); a story without their records writes no file.
OPTIONAL_SOURCES = ("village_requests", "branches")


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in SOURCES[name].columns})


_PERSON = ["nik", "name", "village_code", "occupation", "kpj_no"]


def renew_workers(
    workers: pd.DataFrame, plans: list[Plan], parts: dict[str, Parts]
) -> pd.DataFrame:
    """Last year's covered workers renewed into this year's programme, in the units that renew
    (`Parts.units.renew`): the unit's k-th worker of this year is its k-th AKTIF worker of the
    predecessor, the same person (NIK, name, village, KPJ) enrolled again. Their covers meet
    where the unit paid before the old cover ended, and leave a lapse where it paid later."""
    for plan in plans:
        if not plan.predecessor or plan.predecessor not in parts:
            continue
        units = parts[plan.program_id].units
        renewing = units.loc[units["renew"].to_numpy(), "unit_code"]
        if not len(renewing):
            continue
        program = workers["program_id"].to_numpy()
        in_unit = workers["unit_code"].isin(renewing).to_numpy()
        before = workers[
            (program == plan.predecessor) & in_unit & (workers["status"].to_numpy() == "AKTIF")
        ]
        before = before.assign(k=before.groupby("unit_code", sort=False).cumcount())
        now = workers.loc[(program == plan.program_id) & in_unit, ["unit_code", "pos"]]
        pairs = now.reset_index().merge(
            before[["unit_code", "k", *_PERSON]],
            left_on=["unit_code", "pos"],
            right_on=["unit_code", "k"],
        )
        workers.loc[pairs["index"].to_numpy(), _PERSON] = pairs[_PERSON].to_numpy()
    return workers
