"""Each programme's money: allocations, district and village transfers, premium payments."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rantai.records import SOURCES, FundingSource
from samples.days import FISCAL_YEAR, HORIZON, MONTHS, NO_DATE, YEAR_PREMIUM, day_number
from samples.places import undotted_codes, villages_in
from samples.plans import Plan


@dataclass
class Parts:
    """One programme's typed records (dates as day numbers) and the plan of its units' workers."""

    allocations: pd.DataFrame
    payments: pd.DataFrame
    units: pd.DataFrame  # one row per unit: how many workers, paid when, covered how
    fate: pd.Series  # unit_code -> what happened to it, to choose bad rows from
    district_transfers: pd.DataFrame = field(default_factory=lambda: _empty("district_transfers"))
    village_transfers: pd.DataFrame = field(default_factory=lambda: _empty("village_transfers"))


def _empty(source: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in SOURCES[source].columns})


def scaled_targets(target: np.ndarray, scale: float) -> np.ndarray:
    """Workers targeted per unit at a plan's scale; at least one."""
    if scale == 1.0:
        return target
    return np.maximum(1, np.rint(target * scale)).astype(np.int64)


def _floor_thousand(values: np.ndarray) -> np.ndarray:
    return (values // 1000 * 1000).astype(np.int64)


def _allocations(
    plan: Plan, units: np.ndarray, target: np.ndarray, allocated: np.ndarray, decree: np.ndarray
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "allocation_id": ("AL-" + plan.program_id + "-" + undotted_codes(units)).to_numpy(),
            "program_id": plan.program_id,
            "unit_code": units,
            "allocated_amount": allocated.astype(np.int64),
            "premium_amount": (target * YEAR_PREMIUM).astype(np.int64),
            "target_workers": target.astype(np.int64),
            "months": MONTHS,
            "decree_date": decree.astype(np.int64),
        }
    )


def _payments(
    plan: Plan,
    payer: np.ndarray,
    batch1: np.ndarray,
    paid1: np.ndarray,
    batch2: np.ndarray,
    paid2: np.ndarray,
) -> pd.DataFrame:
    """A year's premiums for each batch of workers paid; payment_ref is numbered later."""
    rows = []
    for number, workers, day in ((1, batch1, paid1), (2, batch2, paid2)):
        paid = workers > 0
        rows.append(
            pd.DataFrame(
                {
                    "payment_id": (
                        f"PAY-{plan.funding.value}-" + undotted_codes(payer[paid]) + f"-{number}"
                    ).to_numpy(),
                    "program_id": plan.program_id,
                    "payer_code": payer[paid],
                    "paid_date": day[paid].astype(np.int64),
                    "amount": (workers[paid] * YEAR_PREMIUM).astype(np.int64),
                    "workers_count": workers[paid].astype(np.int64),
                    "months": MONTHS,
                    "payment_ref": "",
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _unit_plan(
    plan: Plan,
    units: np.ndarray,
    rng: np.random.Generator,
    *,
    target: np.ndarray,
    enrolled: np.ndarray,
    batch1: np.ndarray,
    paid1: np.ndarray,
    batch2: np.ndarray,
    paid2: np.ndarray,
    gap: np.ndarray,
    nonaktif: np.ndarray,
    extra_nonaktif: np.ndarray,
    decree: np.ndarray,
) -> pd.DataFrame:
    """Each unit's workers, numbered within the unit: paid in batch 1, paid in batch 2 (the
    last `gap` of the paid ones without active cover, `nonaktif` of them reported NON_AKTIF),
    unpaid up to target, then extras beyond target."""
    return pd.DataFrame(
        {
            "program_id": plan.program_id,
            "unit_code": units,
            "pool": plan.scope if plan.funding is FundingSource.APBD else "",
            "coastal": plan.coastal,
            "target": target.astype(np.int64),
            "enrolled": enrolled.astype(np.int64),
            "batch1": batch1.astype(np.int64),
            "paid1": np.where(batch1 > 0, paid1, NO_DATE).astype(np.int64),
            "batch2": batch2.astype(np.int64),
            "paid2": np.where(batch2 > 0, paid2, NO_DATE).astype(np.int64),
            "active": (batch1 + batch2 - gap).astype(np.int64),
            "nonaktif": nonaktif.astype(np.int64),
            "extra_nonaktif": extra_nonaktif.astype(bool),
            "reg_start": (decree + 5).astype(np.int64),
            "reg_end_unpaid": np.minimum(decree + 200, HORIZON - 1).astype(np.int64),
            "spread": rng.random(len(units)),
        }
    )


def _coverage_gaps(
    paid_workers: np.ndarray, share: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """In a `share` of paying units, some paid workers are not active: NON_AKTIF or no row."""
    n = len(paid_workers)
    has_gap = (paid_workers > 0) & (rng.random(n) < share)
    gap = np.where(has_gap, 1 + (rng.random(n) * np.maximum(1, paid_workers // 3)).astype(int), 0)
    gap = np.minimum(gap, paid_workers)
    nonaktif = (rng.random(n) * (gap + 1)).astype(int).clip(0, gap)
    return gap, nonaktif


def _headcount(
    target: np.ndarray, paying: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Workers enrolled: a few units enrol one to three beyond target (a waiting list, shown
    NON_AKTIF in half of the paying ones), a few unpaid ones fewer (lists still coming in)."""
    n = len(target)
    extra = np.where(rng.random(n) < 0.10, rng.integers(1, 4, n), 0)
    short = np.where(~paying & (rng.random(n) < 0.10), rng.integers(1, 4, n), 0)
    enrolled = np.maximum(1, target + extra - short)
    extra_nonaktif = paying & (extra > 0) & (rng.random(n) < 0.5)
    return enrolled, extra_nonaktif


def bkbk_parts(plan: Plan, desa: np.ndarray, rng: np.random.Generator) -> Parts:
    """Province money through districts to every desa, stalling mostly between the two."""
    n = len(desa)
    districts, d_idx = np.unique(np.array([c[:5] for c in desa], dtype=object), return_inverse=True)
    nd = len(districts)
    year = FISCAL_YEAR

    # One governor's decree per district, in February.
    decree = (day_number(f"{year}-02-03") + rng.integers(0, 21, nd))[d_idx]
    target = scaled_targets(rng.integers(10, 61, n), plan.scale)
    # Some desa get an operational share on top of the premiums.
    admin = np.where(rng.random(n) < 0.3, rng.integers(5, 21, n) * 50_000, 0)
    allocated = target * YEAR_PREMIUM + admin
    allocations = _allocations(plan, desa, target, allocated, decree)

    # All the money reached the districts: one tranche in March, or a second in April.
    district_total = np.zeros(nd, dtype=np.int64)
    np.add.at(district_total, d_idx, allocated)
    tranche1 = day_number(f"{year}-03-03") + rng.integers(0, 26, nd)
    tranche2 = day_number(f"{year}-04-01") + rng.integers(0, 25, nd)
    two_tranches = rng.random(nd) < 0.5
    share = _floor_thousand(district_total * rng.uniform(0.5, 0.7, nd))
    first = np.where(two_tranches, share, district_total)
    district_transfers = pd.concat(
        [
            pd.DataFrame(
                {
                    "transfer_id": [f"DT-{d}-1" for d in districts],
                    "district_code": districts,
                    "amount": first,
                    "transfer_date": tranche1,
                }
            ),
            pd.DataFrame(
                {
                    "transfer_id": [f"DT-{d}-2" for d in districts[two_tranches]],
                    "district_code": districts[two_tranches],
                    "amount": (district_total - first)[two_tranches],
                    "transfer_date": tranche2[two_tranches],
                }
            ),
        ],
        ignore_index=True,
    ).sort_values(["transfer_date", "district_code"], kind="stable", ignore_index=True)
    district_transfers.insert(1, "program_id", plan.program_id)
    # The provincial treasury numbers its SP2D through the year, other payments in between.
    start_no = int(rng.integers(100, 400))
    district_transfers["sp2d_no"] = [
        f"{start_no + i * 7:04d}/SP2D/BKBK/{year}" for i in range(len(district_transfers))
    ]

    # Districts differ most: some pass the money on to nearly every desa, some to few.
    district_rate = np.clip(rng.normal(0.5, 0.18, nd), 0.15, 0.9)
    received = rng.random(n) < district_rate[d_idx]
    partial = ~received & (rng.random(n) < 0.18)
    v = rng.random(n)
    recent = received & (v < 0.03)  # money arrived in the last fortnight: not yet due to pay
    sitting = received & (v >= 0.03) & (v < 0.18)
    paying = received & (v >= 0.18)
    partial_payer = partial & (rng.random(n) < 0.5)

    earliest = tranche1[d_idx] + 7
    latest = HORIZON - 30
    first_vt = earliest + (rng.beta(1.3, 2.5, n) * np.maximum(0, latest - earliest)).astype(int)
    first_vt = np.where(recent, HORIZON - rng.integers(1, 14, n), first_vt)
    # Some idle money arrived only weeks ago: those premium stalls are fresh (WARNING).
    lately = sitting & (rng.random(n) < 0.2)
    first_vt = np.where(lately, HORIZON - rng.integers(15, 29, n), first_vt)
    second_tranche = received & ~recent & ~lately & (rng.random(n) < 0.25)
    second_vt = np.minimum(first_vt + rng.integers(20, 91, n), HORIZON - 25)
    amount1 = np.where(second_tranche, _floor_thousand(allocated * 0.5), allocated)
    amount1 = np.where(partial, _floor_thousand(allocated * rng.uniform(0.4, 0.7, n)), amount1)

    undotted = undotted_codes(desa).to_numpy()
    got = received | partial
    village_transfers = pd.concat(
        [
            pd.DataFrame(
                {
                    "transfer_id": "VT-" + undotted[got],
                    "village_code": desa[got],
                    "amount": amount1[got],
                    "transfer_date": first_vt[got],
                }
            ),
            pd.DataFrame(
                {
                    "transfer_id": "VT-" + undotted[second_tranche] + "-2",
                    "village_code": desa[second_tranche],
                    "amount": (allocated - amount1)[second_tranche],
                    "transfer_date": second_vt[second_tranche],
                }
            ),
        ],
        ignore_index=True,
    ).sort_values(["village_code", "transfer_date"], kind="stable", ignore_index=True)
    village_transfers.insert(1, "program_id", plan.program_id)
    # Each district treasury numbers its own SP2D through the year.
    district = village_transfers["village_code"].str.slice(0, 5)
    in_date_order = village_transfers.assign(d=district).sort_values(
        ["d", "transfer_date", "village_code"], kind="stable"
    )
    number = (in_date_order.groupby("d").cumcount() * 3 + 500).reindex(village_transfers.index)
    village_transfers["sp2d_no"] = (
        number.map("{:04d}".format)
        + "/SP2D/BKBK/"
        + district.str.replace(".", "", regex=False)
        + f"/{year}"
    ).to_numpy()

    # Desa pay once the money is in, mostly within weeks; some in two batches of workers.
    # Cover takes days to start, so payments stop a little before the report date.
    last_vt = np.where(second_tranche, second_vt, first_vt)
    cutoff = HORIZON - 8 - rng.integers(0, 15, n)
    paid1 = np.minimum(last_vt + rng.integers(3, 41, n), cutoff)
    paid1 = np.where(partial_payer, np.minimum(first_vt + rng.integers(5, 41, n), cutoff), paid1)
    two_batches = paying & (rng.random(n) < 0.12)
    split = np.maximum(1, (target * rng.uniform(0.5, 0.8, n)).astype(int))
    affordable = np.maximum(1, np.minimum(target - 1, amount1 // YEAR_PREMIUM))
    batch1 = np.where(paying, np.where(two_batches, split, target), 0)
    batch1 = np.where(partial_payer, affordable, batch1)
    batch2 = np.where(two_batches, target - split, 0)
    paid2 = np.minimum(paid1 + rng.integers(20, 120, n), cutoff)
    payments = _payments(plan, desa, batch1, paid1, batch2, paid2)

    gap, nonaktif = _coverage_gaps(batch1 + batch2, 0.06, rng)
    enrolled, extra_nonaktif = _headcount(target, batch1 > 0, rng)
    units = _unit_plan(
        plan,
        desa,
        rng,
        target=target,
        enrolled=enrolled,
        batch1=batch1,
        paid1=paid1,
        batch2=batch2,
        paid2=paid2,
        gap=gap,
        nonaktif=nonaktif,
        extra_nonaktif=extra_nonaktif,
        decree=decree,
    )
    fate = np.select(
        [recent, sitting, paying & (gap > 0), paying, partial_payer, partial],
        ["recent", "sitting", "coverage_gap", "paid", "partial_paid", "partial"],
        "none",
    )
    return Parts(
        allocations,
        payments,
        units,
        pd.Series(fate, index=desa),
        district_transfers,
        village_transfers,
    )


def apbdes_parts(plan: Plan, rng: np.random.Generator) -> Parts:
    """Desa paying their own workers' premiums from Dana Desa, after the village budget decree."""
    pool = villages_in(plan.scope, desa_only=True)
    count = min(plan.desa_count, len(pool))
    desa = np.sort(rng.choice(pool, size=count, replace=False))
    n = len(desa)
    decree = day_number(f"{FISCAL_YEAR}-01-06") + rng.integers(0, 80, n)
    target = scaled_targets(rng.integers(8, 31, n), plan.scale)
    allocated = target * YEAR_PREMIUM + np.where(
        rng.random(n) < 0.2, rng.integers(1, 11, n) * 100_000, 0
    )
    allocations = _allocations(plan, desa, target, allocated, decree)

    u = rng.random(n)
    late = (u >= 0.52) & (u < 0.66)  # paid months after the decree, but paid in full
    two_batches = (u >= 0.66) & (u < 0.78)
    one_batch = (u >= 0.78) & (u < 0.88)  # paid for some workers, the rest still waiting
    unpaid = u >= 0.88
    paid1 = np.where(
        late,
        np.minimum(decree + rng.integers(45, 201, n), HORIZON - 8),
        decree + rng.integers(7, 29, n),
    )
    split = np.maximum(1, (target * rng.uniform(0.5, 0.8, n)).astype(int))
    batch1 = np.where(unpaid, 0, np.where(two_batches | one_batch, split, target))
    batch2 = np.where(two_batches, target - split, 0)
    paid2 = np.minimum(paid1 + rng.integers(30, 151, n), HORIZON - 8)
    payments = _payments(plan, desa, batch1, paid1, batch2, paid2)

    gap, nonaktif = _coverage_gaps(batch1 + batch2, 0.12, rng)
    enrolled, extra_nonaktif = _headcount(target, ~unpaid, rng)
    units = _unit_plan(
        plan,
        desa,
        rng,
        target=target,
        enrolled=enrolled,
        batch1=batch1,
        paid1=paid1,
        batch2=batch2,
        paid2=paid2,
        gap=gap,
        nonaktif=nonaktif,
        extra_nonaktif=extra_nonaktif,
        decree=decree,
    )
    fate = np.select(
        [unpaid, one_batch, gap > 0], ["unpaid", "partial_paid", "coverage_gap"], "paid"
    )
    return Parts(allocations, payments, units, pd.Series(fate, index=desa))


def apbd_parts(plan: Plan, rng: np.random.Generator) -> Parts:
    """A district paying for its workers itself: one allocation, one payment for a first batch."""
    district = np.array([plan.scope], dtype=object)
    target = np.array([plan.target])
    decree = np.array([plan.decree])
    allocations = _allocations(plan, district, target, target * YEAR_PREMIUM, decree)
    batch1 = np.array([plan.first_batch])
    paid1 = np.array([plan.paid])
    none = np.zeros(1, dtype=int)
    payments = _payments(plan, district, batch1, paid1, none, none)
    nonaktif = rng.integers(10, 31, 1)
    gap = nonaktif + rng.integers(5, 21, 1)
    units = _unit_plan(
        plan,
        district,
        rng,
        target=target,
        enrolled=target,
        batch1=batch1,
        paid1=paid1,
        batch2=none,
        paid2=none,
        gap=gap,
        nonaktif=nonaktif,
        extra_nonaktif=none,
        decree=decree,
    )
    return Parts(allocations, payments, units, pd.Series(["coverage_gap"], index=district))
