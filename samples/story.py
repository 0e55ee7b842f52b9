"""A province's story: its programmes, their money and their workers, typed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rantai.records import SOURCES, FundingSource
from samples.days import FISCAL_YEAR, RATE, day_number
from samples.finance import Parts, apbd_parts, apbdes_parts, bkbk_parts
from samples.places import villages_in
from samples.plans import Plan, province_plans
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
    """Every typed record of a province's story (its own plans unless given), cut at as_of."""
    plan_rng, unit_rng, worker_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence([seed, int(province)]).spawn(3)
    )
    if plans is None:
        plans = province_plans(province, plan_rng)
    parts: dict[str, Parts] = {}
    apbdes_desa: set[str] = set()
    # APBDES desa pay their own workers, so a province's BKBK leaves them out.
    for plan in sorted(plans, key=lambda p: p.funding is not FundingSource.APBDES):
        if plan.funding is FundingSource.APBDES:
            parts[plan.program_id] = apbdes_parts(plan, unit_rng)
            apbdes_desa |= set(parts[plan.program_id].fate.index)
        elif plan.funding is FundingSource.APBD:
            parts[plan.program_id] = apbd_parts(plan, unit_rng)
        else:
            desa = villages_in(plan.scope, desa_only=True)
            desa = desa[~np.isin(desa, list(apbdes_desa))]
            parts[plan.program_id] = bkbk_parts(plan, desa, unit_rng)
    ordered = [parts[p.program_id] for p in plans]

    workers = unit_workers(pd.concat([p.units for p in ordered], ignore_index=True), worker_rng)
    programs = pd.DataFrame(
        {
            "program_id": [p.program_id for p in plans],
            "funding_source": [p.funding.value for p in plans],
            "province_code": province,
            "fiscal_year": FISCAL_YEAR,
            "name": [p.name for p in plans],
            # BKBK and APBD decrees state the rate; Dana Desa budgets leave it to the default.
            "premium_rate_monthly": [
                None if p.funding is FundingSource.APBDES else RATE for p in plans
            ],
            "sla_district_days": None,
            "sla_village_days": None,
            "sla_premium_days": None,
            "sla_coverage_days": None,
        },
        dtype=object,
    )
    # BPJS numbers its receipts in the order the money arrives.
    payments = pd.concat([p.payments for p in ordered], ignore_index=True)
    payments = payments.sort_values(["paid_date", "payment_id"], kind="stable", ignore_index=True)
    refs: Iterator[int] = iter(range(int(province) * 10_000 + 1, 10**6))
    payments["payment_ref"] = [f"BPJSTK-{FISCAL_YEAR}-{next(refs):06d}" for _ in payments.index]
    payments = payments.sort_values(["program_id", "payer_code", "payment_id"], kind="stable")

    def next_ref() -> str:
        return f"BPJSTK-{FISCAL_YEAR}-{next(refs):06d}"

    covered = workers[workers["status"].isin(["AKTIF", "NON_AKTIF"])]
    typed = {
        "programs": programs,
        "allocations": pd.concat([p.allocations for p in ordered], ignore_index=True),
        "district_transfers": pd.concat([p.district_transfers for p in ordered], ignore_index=True),
        "village_transfers": pd.concat([p.village_transfers for p in ordered], ignore_index=True),
        "enrollments": workers[SOURCES["enrollments"].columns],
        "premium_payments": payments,
        "coverage": covered[SOURCES["coverage"].columns],
        "claims": pd.DataFrame(columns=SOURCES["claims"].columns),
    }
    cutoff = day_number(as_of)
    for name, source in SOURCES.items():
        frame = typed[name]
        if source.known_date is not None and len(frame):
            frame = frame[frame[source.known_date].astype(np.int64) <= cutoff]
        typed[name] = frame.reset_index(drop=True)
    taken = set(workers["nik"].astype(np.int64).tolist())
    return Story(province, plans, parts, typed, workers, cutoff, taken, next_ref)
