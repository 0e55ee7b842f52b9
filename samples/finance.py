"""Each programme's money: allocations, district and village transfers, premium payments."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rantai.records import SOURCES, FundingSource
from samples.days import MONTHS, NO_DATE, YEAR_PREMIUM, cover_end, day_number, horizon
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
    plan: Plan,
    units: np.ndarray,
    target: np.ndarray,
    allocated: np.ndarray,
    decree: np.ndarray,
    cover_start: int = NO_DATE,
) -> pd.DataFrame:
    """One allocation line per unit; `cover_start` when the decree plans the cover from a day
    other than 1 January (left empty otherwise, as most decrees leave it)."""
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
            "cover_start": pd.Series(
                [None if cover_start == NO_DATE else cover_start] * len(units), dtype=object
            ),
        }
    )


def _payments(
    plan: Plan,
    payer: np.ndarray,
    batch1: np.ndarray,
    paid1: np.ndarray,
    batch2: np.ndarray,
    paid2: np.ndarray,
    period1: np.ndarray,
    period2: np.ndarray,
) -> pd.DataFrame:
    """A year's premiums for each batch of workers paid, each buying 12 months of cover from
    its period_start; payment_ref is numbered later."""
    rows = []
    for number, workers, day, start in ((1, batch1, paid1, period1), (2, batch2, paid2, period2)):
        paid = workers > 0
        rows.append(
            pd.DataFrame(
                {
                    "payment_id": (
                        f"PAY-{plan.funding.value}-{plan.year}-"
                        + undotted_codes(payer[paid])
                        + f"-{number}"
                    ).to_numpy(),
                    "program_id": plan.program_id,
                    "payer_code": payer[paid],
                    "paid_date": day[paid].astype(np.int64),
                    "amount": (workers[paid] * YEAR_PREMIUM).astype(np.int64),
                    "workers_count": workers[paid].astype(np.int64),
                    "months": MONTHS,
                    "payment_ref": "",
                    "period_start": start[paid].astype(np.int64),
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
    period1: np.ndarray,
    period2: np.ndarray,
    faults: tuple[np.ndarray, np.ndarray],
    renew: np.ndarray | None = None,
    end: int,
) -> pd.DataFrame:
    """Each unit's workers, numbered within the unit: paid in batch 1, paid in batch 2 (the
    last `gap` of the paid ones without active cover, `nonaktif` of them reported NON_AKTIF),
    unpaid up to target, then extras beyond target. Each batch's cover runs over its payment's
    period, except the planted faults: `late` days of activation lost, or `short` cover."""
    late, short = faults
    n = len(units)
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
            "reg_end_unpaid": np.minimum(decree + 200, end - 1).astype(np.int64),
            "spread": rng.random(n),
            "period1": np.where(batch1 > 0, period1, NO_DATE).astype(np.int64),
            "period2": np.where(batch2 > 0, period2, NO_DATE).astype(np.int64),
            "late": late.astype(np.int64),
            "short": short.astype(bool),
            "renew": np.zeros(n, dtype=bool) if renew is None else renew.astype(bool),
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


def _cover_faults(paying: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The story's planted cover faults, in a few paying units: BPJS activated the cover 15 to
    60 days after the period began (`late`, days), or recorded 6 months of the 12 paid
    (`short`)."""
    n = len(paying)
    u = rng.random(n)
    late = np.where(paying & (u < 0.04), rng.integers(15, 61, n), 0)
    short = paying & (u >= 0.04) & (u < 0.07)
    return late, short


def _periods(
    paid: np.ndarray, rng: np.random.Generator, previous: np.ndarray | None, end: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each payment's period_start: cover begins one to seven days after the money arrives,
    or, for a unit renewing last year's workers whose cover runs on, the day after it ends
    (the renewal paid in advance). Returns the starts and which units renew; a unit renews
    only when its new cover starts early enough to be in force by `end`."""
    start = paid + rng.integers(1, 8, len(paid))
    if previous is None:
        return start, np.zeros(len(paid), dtype=bool)
    renew = (previous != NO_DATE) & (paid != NO_DATE) & (previous + 1 <= end - 10)
    return np.where(renew, np.maximum(start, previous + 1), start), renew


def bkbk_parts(
    plan: Plan, desa: np.ndarray, rng: np.random.Generator, previous: pd.Series | None = None
) -> Parts:
    """Province money through districts to every desa, stalling mostly between the two.
    `previous`: the last day of each desa's cover under the predecessor programme."""
    n = len(desa)
    districts, d_idx = np.unique(np.array([c[:5] for c in desa], dtype=object), return_inverse=True)
    nd = len(districts)
    year = plan.year
    end = horizon(year)

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
                    "transfer_id": [f"DT-{year}-{d}-1" for d in districts],
                    "district_code": districts,
                    "amount": first,
                    "transfer_date": tranche1,
                }
            ),
            pd.DataFrame(
                {
                    "transfer_id": [f"DT-{year}-{d}-2" for d in districts[two_tranches]],
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
    district_rate = np.clip(rng.normal(plan.reach, 0.18, nd), 0.05, 0.9)
    received = rng.random(n) < district_rate[d_idx]
    partial = ~received & (rng.random(n) < 0.18)
    v = rng.random(n)
    recent = received & (v < 0.03)  # money arrived in the last fortnight: not yet due to pay
    sitting = received & (v >= 0.03) & (v < 0.18)
    paying = received & (v >= 0.18)
    partial_payer = partial & (rng.random(n) < 0.5)

    earliest = tranche1[d_idx] + 7
    latest = end - 30
    first_vt = earliest + (rng.beta(1.3, 2.5, n) * np.maximum(0, latest - earliest)).astype(int)
    first_vt = np.where(recent, end - rng.integers(1, 14, n), first_vt)
    # Some idle money arrived only weeks ago: those premium stalls are fresh (WARNING).
    lately = sitting & (rng.random(n) < 0.2)
    first_vt = np.where(lately, end - rng.integers(15, 29, n), first_vt)
    second_tranche = received & ~recent & ~lately & (rng.random(n) < 0.25)
    second_vt = np.minimum(first_vt + rng.integers(20, 91, n), end - 25)
    amount1 = np.where(second_tranche, _floor_thousand(allocated * 0.5), allocated)
    amount1 = np.where(partial, _floor_thousand(allocated * rng.uniform(0.4, 0.7, n)), amount1)

    undotted = undotted_codes(desa).to_numpy()
    got = received | partial
    village_transfers = pd.concat(
        [
            pd.DataFrame(
                {
                    "transfer_id": f"VT-{year}-" + undotted[got],
                    "village_code": desa[got],
                    "amount": amount1[got],
                    "transfer_date": first_vt[got],
                }
            ),
            pd.DataFrame(
                {
                    "transfer_id": f"VT-{year}-" + undotted[second_tranche] + "-2",
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
    cutoff = end - 8 - rng.integers(0, 15, n)
    paid1 = np.minimum(last_vt + rng.integers(3, 41, n), cutoff)
    paid1 = np.where(partial_payer, np.minimum(first_vt + rng.integers(5, 41, n), cutoff), paid1)
    two_batches = paying & (rng.random(n) < 0.12)
    split = np.maximum(1, (target * rng.uniform(0.5, 0.8, n)).astype(int))
    affordable = np.maximum(1, np.minimum(target - 1, amount1 // YEAR_PREMIUM))
    batch1 = np.where(paying, np.where(two_batches, split, target), 0)
    batch1 = np.where(partial_payer, affordable, batch1)
    batch2 = np.where(two_batches, target - split, 0)
    paid2 = np.minimum(paid1 + rng.integers(20, 120, n), cutoff)
    before = _previous_ends(previous, desa)
    period1, renew = _periods(paid1, rng, before, end)
    period2, _ = _periods(paid2, rng, before, end)
    renew &= batch1 > 0
    payments = _payments(plan, desa, batch1, paid1, batch2, paid2, period1, period2)

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
        period1=period1,
        period2=period2,
        faults=_cover_faults(batch1 > 0, rng),
        renew=renew,
        end=end,
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
    year, end = plan.year, horizon(plan.year)
    decree = day_number(f"{year}-01-06") + rng.integers(0, 80, n)
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
        np.minimum(decree + rng.integers(45, 201, n), end - 8),
        decree + rng.integers(7, 29, n),
    )
    split = np.maximum(1, (target * rng.uniform(0.5, 0.8, n)).astype(int))
    batch1 = np.where(unpaid, 0, np.where(two_batches | one_batch, split, target))
    batch2 = np.where(two_batches, target - split, 0)
    paid2 = np.minimum(paid1 + rng.integers(30, 151, n), end - 8)
    period1, _ = _periods(paid1, rng, None, end)
    period2, _ = _periods(paid2, rng, None, end)
    payments = _payments(plan, desa, batch1, paid1, batch2, paid2, period1, period2)

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
        period1=period1,
        period2=period2,
        faults=_cover_faults(~unpaid, rng),
        end=end,
    )
    fate = np.select(
        [unpaid, one_batch, gap > 0], ["unpaid", "partial_paid", "coverage_gap"], "paid"
    )
    return Parts(allocations, payments, units, pd.Series(fate, index=desa))


def apbd_parts(plan: Plan, rng: np.random.Generator, previous: pd.Series | None = None) -> Parts:
    """A district paying for its workers itself: one allocation, one payment for a first batch.
    With a predecessor whose cover runs on, the new cover starts the day after it ends."""
    district = np.array([plan.scope], dtype=object)
    target = np.array([plan.target])
    decree = np.array([plan.decree])
    allocated = np.maximum(target * YEAR_PREMIUM, plan.allocated)
    batch1 = np.array([plan.first_batch])
    paid1 = np.array([plan.paid])
    none = np.zeros(1, dtype=int)
    before = _previous_ends(previous, district)
    # A district pays after its PKS; BPJS starts the cover the next day.
    period1 = np.where(before != NO_DATE, np.maximum(paid1 + 1, before + 1), paid1 + 1)
    allocations = _allocations(plan, district, target, allocated, decree, int(period1[0]))
    payments = _payments(plan, district, batch1, paid1, none, none, period1, none)
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
        period1=period1,
        period2=none,
        faults=(none, none.astype(bool)),
        renew=before != NO_DATE,
        end=horizon(plan.year),
    )
    return Parts(allocations, payments, units, pd.Series(["coverage_gap"], index=district))


def _previous_ends(previous: pd.Series | None, units: np.ndarray) -> np.ndarray:
    """The last day of each unit's cover under the predecessor (NO_DATE where it had none)."""
    if previous is None:
        return np.full(len(units), NO_DATE, dtype=np.int64)
    ends = previous.reindex(pd.Index(units, dtype=object)).fillna(NO_DATE)
    return ends.to_numpy(dtype=np.int64)


def previous_cover_ends(parts: Parts) -> pd.Series:
    """unit_code -> the last day of the cover its payments bought (NO_DATE if unpaid): what a
    successor programme renews from."""
    units = parts.units
    ends = np.full(len(units), NO_DATE, dtype=np.int64)
    for column in ("period1", "period2"):
        start = units[column].to_numpy()
        ends = np.maximum(ends, np.where(start != NO_DATE, cover_end(start), NO_DATE))
    return pd.Series(ends, index=units["unit_code"].to_numpy())
