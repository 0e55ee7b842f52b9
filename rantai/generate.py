"""Realistic contract input folders on the real gazetteer, for demos, tests and benchmarks.

The story is fiscal year 2025 as the sources reported it on 2025-11-07 (`DEMO_AS_OF`):

- Jambi (15), BKBK `jambi-bkbk-2025` over every desa: all money reached the districts (one or
  two tranches, March-April), but only about half the desa received their village transfer
  (the rest stalled, some with a partial tranche); of the desa that received money about 15%
  sit on it without paying premiums; of those that paid a few have fewer workers active than
  paid, and some coverage rows are NON_AKTIF.
- Riau (14): APBD `inhil-apbd-2025`, Kabupaten Indragiri Hilir paying for 2,000 workers but
  only a first 1,500 so far; APBDES `inhu-apbdes-2025`, desa of Kabupaten Indragiri Hulu
  paying from Dana Desa, some short or not at all, some with coverage gaps.
- Any other province: the same three shapes (BKBK over its desa, APBD in one district,
  APBDES in another), as far as its gazetteer has desa for them.

Frames hold every value as the text a CSV would carry, with the variety real submissions have
(`DD/MM/YYYY` dates, `Rp 201.600` amounts, undotted codes). A handful of bad rows, each
breaking exactly one contract rule, are extra rows chosen so that quarantining them leaves the
story's stalls unchanged:

| source | reason | the row |
| --- | --- | --- |
| allocations | NOT_A_DESA | a BKBK allocation for a kelurahan |
| allocations | INCONSISTENT | a BKBK allocation line with premium_amount > allocated_amount |
| allocations | REGION_MISMATCH | an APBDES allocation for a desa of the next province |
| district_transfers | INCONSISTENT | a district transfer for the APBD programme |
| village_transfers | BAD_DATE | a transfer dated `31/02/2025` to a desa that got nothing |
| village_transfers | DUPLICATE_ID_CONFLICT | one transfer_id twice, different amounts (2 rows) |
| enrollments | INVALID_NIK | a NIK of 15 digits |
| enrollments | UNKNOWN_REGION | a village code that is not in the gazetteer |
| enrollments | MISSING_FIELD | an empty name |
| premium_payments | BAD_AMOUNT | an amount written `9,475,200` |
| premium_payments | UNKNOWN_PROGRAM | last year's programme id |
| premium_payments | REGION_MISMATCH | an APBD payment with a desa as payer |
| premium_payments | BAD_INT | months written `12 bulan` |
| coverage | INCONSISTENT | coverage_end before coverage_start |
| coverage | INCONSISTENT | status `NONAKTIF` |

The first nine BKBK rows come with a BKBK programme, the APBD and APBDES ones with theirs; the
demo has all fifteen (16 rows). An `as_of` other than `DEMO_AS_OF` gives the same story as far
as it was known that day: records dated after `as_of` are left out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rantai.records import DEFAULT_PREMIUM_RATE_MONTHLY, SOURCES, FundingSource, Kind
from rantai.regions import load_gazetteer

DEMO_AS_OF = dt.date(2025, 11, 7)
FISCAL_YEAR = 2025

_RATE = DEFAULT_PREMIUM_RATE_MONTHLY
_MONTHS = 12
_YEAR_PREMIUM = _RATE * _MONTHS  # one worker's premium for the year
_EPOCH = dt.date(1970, 1, 1)
_NO_DATE = -1  # a day number meaning "none"; 1969-12-31 is never a story date


def _day(value: dt.date | str) -> int:
    """Days since 1970-01-01: the story computes dates as integers to stay vectorised."""
    date = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return (date - _EPOCH).days


# The story is told as reported on DEMO_AS_OF; nothing in it happens later.
_HORIZON = _day(DEMO_AS_OF)
_COVERAGE_END = _day(f"{FISCAL_YEAR}-12-31")

# --- people ------------------------------------------------------------------------------


def _words(text: str) -> np.ndarray:
    return np.array(text.split(), dtype=object)


_MALE_FIRST = _words(
    "Ahmad Muhammad Budi Rahmat Agus Joko Dedi Eko Hendra Irwan Yusuf Andi Rudi Syahrial "
    "Zulkifli Abdul Arif Bambang Darmawan Fajar Hasan Iskandar Junaidi Lukman Mulyadi Nasrul "
    "Rizki Samsul Taufik Usman Wahyu Yudi Zainal Firdaus Herman Ismail Jamal Khairul Rusli "
    "Sofyan Suparman Slamet Sutrisno Amran Azhar Safrizal"
)
_MALE_SECOND = _words(
    "Santoso Hidayat Fauzi Saputra Setiawan Nugroho Pratama Wijaya Hakim Rahman Syahputra "
    "Hamzah Effendi Gunawan Kurniawan Ramadhan Firmansyah Hermawan Sulaiman Ibrahim Hasbi "
    "Anwar Yunus Azmi Arifin Syafii Maulana Hidayatullah"
)
_FEMALE_FIRST = _words(
    "Siti Nur Dewi Sri Rina Yuliana Fitri Ani Rahmawati Wati Nurhayati Sumarni Indah Ratna "
    "Maya Lina Eka Dian Yanti Rosmawati Nurul Erni Fatimah Halimah Juliana Kartini Mariana "
    "Suryani Zubaidah Asmah Rohani"
)
_FEMALE_SECOND = _words(
    "Aminah Aisyah Lestari Rahayu Wulandari Handayani Susanti Purnamasari Hasanah Maryam "
    "Khadijah Nurjanah Fitriani Anggraini Safitri Ningsih Yulianti Sari Rahmadani Marlina"
)
# Batak and Malay family names, common in Jambi and Riau for men and women alike.
_FAMILY = _words("Harahap Nasution Siregar Lubis Hasibuan Simatupang Tanjung Batubara Daulay Pohan")

# The work of the people these programmes protect, with relative weights for men and women;
# rural Sumatra, so farming and rubber tapping lead.
_OCCUPATIONS = np.array(
    [
        "petani",
        "buruh tani",
        "penyadap karet",
        "nelayan",
        "buruh harian lepas",
        "pedagang kaki lima",
        "ojek",
        "kuli bangunan",
        "asisten rumah tangga",
        "pekerja serabutan",
        "pengrajin",
        "pemulung",
        "marbot/penjaga masjid",
        "guru ngaji",
    ],
    dtype=object,
)
_OCC_MALE = np.array([20, 12, 10, 6, 12, 6, 7, 8, 0, 9, 2, 2, 3, 3], dtype=float)
_OCC_FEMALE = np.array([14, 16, 8, 1, 10, 14, 0, 0, 15, 8, 7, 3, 0, 4], dtype=float)
# Coastal districts (Indragiri Hilir) live from fishing more than from rubber.
_COASTAL_BOOST = np.array([1, 1, 0.5, 6, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], dtype=float)

_FEMALE_SHARE = 0.38
# Aged 18 to 60 throughout the fiscal year.
_BIRTH_FIRST = _day("1965-11-08")
_BIRTH_LAST = _day("2006-12-31")


# --- the gazetteer, as arrays --------------------------------------------------------------


@lru_cache(maxsize=1)
def _regions() -> pd.DataFrame:
    """Every code with its length and desa flag, sorted (built once per process)."""
    codes = pd.Series(sorted(load_gazetteer().names), dtype=object)
    length = codes.str.len()
    return pd.DataFrame(
        {
            "code": codes,
            "length": length,
            "is_desa": (length == 13) & (codes.str.slice(9, 10) == "2"),
        }
    )


def _villages(parent: str, desa_only: bool) -> np.ndarray:
    """Village codes inside a region, sorted."""
    regions = _regions()
    mask = (regions["length"] == 13) & regions["code"].str.startswith(parent + ".")
    if desa_only:
        mask &= regions["is_desa"]
    return regions.loc[mask, "code"].to_numpy(dtype=object)


def _title(name: str) -> str:
    """`KAB. INDRAGIRI HILIR` -> `Kabupaten Indragiri Hilir`; `DKI JAKARTA` -> `DKI Jakarta`."""
    words = name.replace("KAB.", "KABUPATEN").split()
    return " ".join(w if w in {"DKI", "DI"} else w.capitalize() for w in words)


def _slug(name: str) -> str:
    """`KAB. ACEH SELATAN` -> `aceh-selatan`; `KOTA DUMAI` -> `kota-dumai`."""
    bare = re.sub(r"^KAB\.\s*", "", name)
    return re.sub(r"[^a-z0-9]+", "-", bare.lower()).strip("-")


def _undotted(codes: np.ndarray | pd.Series) -> pd.Series:
    return pd.Series(codes, dtype=object).str.replace(".", "", regex=False)


# --- programme plans -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """One programme to generate: who pays, where, and the story's fixed numbers if any."""

    funding: FundingSource
    program_id: str
    name: str
    scope: str  # the province for BKBK, the district for APBD and APBDES
    target: int = 0  # APBD: workers targeted
    first_batch: int = 0  # APBD: workers in its one payment so far
    decree: int = _NO_DATE  # APBD: decree day
    paid: int = _NO_DATE  # APBD: payment day
    desa_count: int = 0  # APBDES: desa taking part
    coastal: bool = False
    scale: float = 1.0  # workers per unit relative to the story's (a national load sets it)


def _plans(province: str, rng: np.random.Generator) -> list[_Plan]:
    """The programmes of a province: the fixed story for Jambi and Riau, its shapes elsewhere."""
    year = FISCAL_YEAR
    if province == "15":
        return [
            _Plan(
                FundingSource.BKBK,
                f"jambi-bkbk-{year}",
                f"BKBK Jaminan Sosial Ketenagakerjaan Pekerja Rentan Provinsi Jambi {year}",
                "15",
            )
        ]
    if province == "14":
        return [
            _Plan(
                FundingSource.APBD,
                f"inhil-apbd-{year}",
                f"Perlindungan Pekerja Rentan APBD Kabupaten Indragiri Hilir {year}",
                "14.04",
                target=2000,
                first_batch=1500,
                decree=_day(f"{year}-01-15"),
                paid=_day(f"{year}-03-12"),
                coastal=True,
            ),
            _Plan(
                FundingSource.APBDES,
                f"inhu-apbdes-{year}",
                f"Iuran Pekerja Rentan dari Dana Desa Kabupaten Indragiri Hulu {year}",
                "14.02",
                desa_count=int(rng.integers(70, 91)),
            ),
        ]
    return _generic_plans(province, rng)


def _generic_plans(province: str, rng: np.random.Generator) -> list[_Plan]:
    gazetteer = load_gazetteer()
    year = FISCAL_YEAR
    regions = _regions()
    villages = regions[(regions["length"] == 13) & regions["code"].str.startswith(province + ".")]
    district_of = villages["code"].str.slice(0, 5)
    desa_per_district = villages[villages["is_desa"]].groupby(district_of).size()
    villages_per_district = villages.groupby(district_of).size()
    plans: list[_Plan] = []
    # Dana Desa matters most in the district with most desa; BKBK needs desa at all.
    apbdes_district = None
    if len(desa_per_district):
        apbdes_district = str(desa_per_district.sort_values(kind="stable").index[-1])
        province_name = gazetteer.name(province)
        plans.append(
            _Plan(
                FundingSource.BKBK,
                f"{_slug(province_name)}-bkbk-{year}",
                "BKBK Jaminan Sosial Ketenagakerjaan Pekerja Rentan "
                f"Provinsi {_title(province_name)} {year}",
                province,
            )
        )
    candidates = villages_per_district[villages_per_district.index != apbdes_district]
    if not len(candidates):
        candidates = villages_per_district
    if len(candidates):
        district = str(candidates.index[int(rng.integers(len(candidates)))])
        target = int(rng.choice([1000, 1500, 2000, 2500, 3000]))
        name = gazetteer.name(district)
        plans.append(
            _Plan(
                FundingSource.APBD,
                f"{_slug(name)}-apbd-{year}",
                f"Perlindungan Pekerja Rentan APBD {_title(name)} {year}",
                district,
                target=target,
                first_batch=int(round(target * rng.uniform(0.6, 0.85), -2)),
                decree=_day(f"{year}-01-06") + int(rng.integers(0, 40)),
                paid=_day(f"{year}-03-03") + int(rng.integers(0, 40)),
            )
        )
    if apbdes_district is not None:
        name = gazetteer.name(apbdes_district)
        plans.append(
            _Plan(
                FundingSource.APBDES,
                f"{_slug(name)}-apbdes-{year}",
                f"Iuran Pekerja Rentan dari Dana Desa {_title(name)} {year}",
                apbdes_district,
                desa_count=min(int(desa_per_district[apbdes_district]), int(rng.integers(60, 101))),
            )
        )
    return plans


# --- units: allocations, transfers, payments and each unit's worker plan ------------------


@dataclass
class _Parts:
    """One programme's typed records (dates as day numbers) and the plan of its units' workers."""

    allocations: pd.DataFrame
    payments: pd.DataFrame
    units: pd.DataFrame  # one row per unit: how many workers, paid when, covered how
    fate: pd.Series  # unit_code -> what happened to it, to choose bad rows from
    district_transfers: pd.DataFrame = field(default_factory=lambda: _empty("district_transfers"))
    village_transfers: pd.DataFrame = field(default_factory=lambda: _empty("village_transfers"))


def _empty(source: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in SOURCES[source].columns})


def _scaled(target: np.ndarray, scale: float) -> np.ndarray:
    """Workers targeted per unit at a plan's scale; at least one."""
    if scale == 1.0:
        return target
    return np.maximum(1, np.rint(target * scale)).astype(np.int64)


def _floor_thousand(values: np.ndarray) -> np.ndarray:
    return (values // 1000 * 1000).astype(np.int64)


def _allocations(
    plan: _Plan, units: np.ndarray, target: np.ndarray, allocated: np.ndarray, decree: np.ndarray
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "allocation_id": ("AL-" + plan.program_id + "-" + _undotted(units)).to_numpy(),
            "program_id": plan.program_id,
            "unit_code": units,
            "allocated_amount": allocated.astype(np.int64),
            "premium_amount": (target * _YEAR_PREMIUM).astype(np.int64),
            "target_workers": target.astype(np.int64),
            "months": _MONTHS,
            "decree_date": decree.astype(np.int64),
        }
    )


def _payments(
    plan: _Plan,
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
                        f"PAY-{plan.funding.value}-" + _undotted(payer[paid]) + f"-{number}"
                    ).to_numpy(),
                    "program_id": plan.program_id,
                    "payer_code": payer[paid],
                    "paid_date": day[paid].astype(np.int64),
                    "amount": (workers[paid] * _YEAR_PREMIUM).astype(np.int64),
                    "workers_count": workers[paid].astype(np.int64),
                    "months": _MONTHS,
                    "payment_ref": "",
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _unit_plan(
    plan: _Plan,
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
            "paid1": np.where(batch1 > 0, paid1, _NO_DATE).astype(np.int64),
            "batch2": batch2.astype(np.int64),
            "paid2": np.where(batch2 > 0, paid2, _NO_DATE).astype(np.int64),
            "active": (batch1 + batch2 - gap).astype(np.int64),
            "nonaktif": nonaktif.astype(np.int64),
            "extra_nonaktif": extra_nonaktif.astype(bool),
            "reg_start": (decree + 5).astype(np.int64),
            "reg_end_unpaid": np.minimum(decree + 200, _HORIZON - 1).astype(np.int64),
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


def _bkbk(plan: _Plan, desa: np.ndarray, rng: np.random.Generator) -> _Parts:
    """Province money through districts to every desa, stalling mostly between the two."""
    n = len(desa)
    districts, d_idx = np.unique(np.array([c[:5] for c in desa], dtype=object), return_inverse=True)
    nd = len(districts)
    year = FISCAL_YEAR

    # One governor's decree per district, in February.
    decree = (_day(f"{year}-02-03") + rng.integers(0, 21, nd))[d_idx]
    target = _scaled(rng.integers(10, 61, n), plan.scale)
    # Some desa get an operational share on top of the premiums.
    admin = np.where(rng.random(n) < 0.3, rng.integers(5, 21, n) * 50_000, 0)
    allocated = target * _YEAR_PREMIUM + admin
    allocations = _allocations(plan, desa, target, allocated, decree)

    # All the money reached the districts: one tranche in March, or a second in April.
    district_total = np.zeros(nd, dtype=np.int64)
    np.add.at(district_total, d_idx, allocated)
    tranche1 = _day(f"{year}-03-03") + rng.integers(0, 26, nd)
    tranche2 = _day(f"{year}-04-01") + rng.integers(0, 25, nd)
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
    latest = _HORIZON - 30
    first_vt = earliest + (rng.beta(1.3, 2.5, n) * np.maximum(0, latest - earliest)).astype(int)
    first_vt = np.where(recent, _HORIZON - rng.integers(1, 14, n), first_vt)
    # Some idle money arrived only weeks ago: those premium stalls are fresh (WARNING).
    lately = sitting & (rng.random(n) < 0.2)
    first_vt = np.where(lately, _HORIZON - rng.integers(15, 29, n), first_vt)
    second_tranche = received & ~recent & ~lately & (rng.random(n) < 0.25)
    second_vt = np.minimum(first_vt + rng.integers(20, 91, n), _HORIZON - 25)
    amount1 = np.where(second_tranche, _floor_thousand(allocated * 0.5), allocated)
    amount1 = np.where(partial, _floor_thousand(allocated * rng.uniform(0.4, 0.7, n)), amount1)

    undotted = _undotted(desa).to_numpy()
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
    cutoff = _HORIZON - 8 - rng.integers(0, 15, n)
    paid1 = np.minimum(last_vt + rng.integers(3, 41, n), cutoff)
    paid1 = np.where(partial_payer, np.minimum(first_vt + rng.integers(5, 41, n), cutoff), paid1)
    two_batches = paying & (rng.random(n) < 0.12)
    split = np.maximum(1, (target * rng.uniform(0.5, 0.8, n)).astype(int))
    affordable = np.maximum(1, np.minimum(target - 1, amount1 // _YEAR_PREMIUM))
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
    return _Parts(
        allocations,
        payments,
        units,
        pd.Series(fate, index=desa),
        district_transfers,
        village_transfers,
    )


def _apbdes(plan: _Plan, rng: np.random.Generator) -> _Parts:
    """Desa paying their own workers' premiums from Dana Desa, after the village budget decree."""
    pool = _villages(plan.scope, desa_only=True)
    count = min(plan.desa_count, len(pool))
    desa = np.sort(rng.choice(pool, size=count, replace=False))
    n = len(desa)
    decree = _day(f"{FISCAL_YEAR}-01-06") + rng.integers(0, 80, n)
    target = _scaled(rng.integers(8, 31, n), plan.scale)
    allocated = target * _YEAR_PREMIUM + np.where(
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
        np.minimum(decree + rng.integers(45, 201, n), _HORIZON - 8),
        decree + rng.integers(7, 29, n),
    )
    split = np.maximum(1, (target * rng.uniform(0.5, 0.8, n)).astype(int))
    batch1 = np.where(unpaid, 0, np.where(two_batches | one_batch, split, target))
    batch2 = np.where(two_batches, target - split, 0)
    paid2 = np.minimum(paid1 + rng.integers(30, 151, n), _HORIZON - 8)
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
    return _Parts(allocations, payments, units, pd.Series(fate, index=desa))


def _apbd(plan: _Plan, rng: np.random.Generator) -> _Parts:
    """A district paying for its workers itself: one allocation, one payment for a first batch."""
    district = np.array([plan.scope], dtype=object)
    target = np.array([plan.target])
    decree = np.array([plan.decree])
    allocations = _allocations(plan, district, target, target * _YEAR_PREMIUM, decree)
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
    return _Parts(allocations, payments, units, pd.Series(["coverage_gap"], index=district))


# --- workers: enrollments and coverage -----------------------------------------------------


def _pick(values: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    return values[rng.integers(0, len(values), n)]


def _occupations(female: np.ndarray, coastal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(len(female))
    choice = np.zeros(len(female), dtype=int)
    for is_female, weights in ((False, _OCC_MALE), (True, _OCC_FEMALE)):
        for is_coastal in (False, True):
            w = weights * _COASTAL_BOOST if is_coastal else weights
            mask = (female == is_female) & (coastal == is_coastal)
            choice[mask] = np.searchsorted(np.cumsum(w) / w.sum(), u[mask], side="right")
    return _OCCUPATIONS[np.minimum(choice, len(_OCCUPATIONS) - 1)]


def _names(female: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(female)
    first = np.where(female, _pick(_FEMALE_FIRST, rng, n), _pick(_MALE_FIRST, rng, n))
    second = np.where(female, _pick(_FEMALE_SECOND, rng, n), _pick(_MALE_SECOND, rng, n))
    family = _pick(_FAMILY, rng, n)
    form = rng.random(n)
    two = first + " " + second
    # Many Indonesians carry a single name; Batak and some Malay families add a family name.
    return np.where(form < 0.12, first, np.where(form < 0.85, two, two + " " + family))


def _niks(
    villages: pd.Series, female: np.ndarray, rng: np.random.Generator, taken: set[int]
) -> np.ndarray:
    """Valid NIKs, unique and not in `taken`: kecamatan, birth date (+40 for women), serial."""
    n = len(villages)
    kecamatan = villages.str.replace(".", "", regex=False).str.slice(0, 6).astype(np.int64)
    birth = pd.to_datetime(rng.integers(_BIRTH_FIRST, _BIRTH_LAST + 1, n), unit="D")
    ddmmyy = (birth.day + 40 * female) * 10_000 + birth.month * 100 + birth.year % 100
    # As 64-bit integers: kecamatan codes start at 11, so every NIK has 16 digits.
    base = kecamatan.to_numpy() * 10**10 + np.asarray(ddmmyy, dtype=np.int64) * 10**4
    # Serials count people born on one day in one kecamatan, so they are mostly small.
    nik = base + rng.integers(1, 200, n)
    excluded = np.fromiter(taken, dtype=np.int64, count=len(taken)) if n > 64 else None
    for _ in range(50):
        clash = pd.Series(nik).duplicated().to_numpy().copy()
        if excluded is None:
            # A bad row's one new worker: a set lookup beats sorting the province's NIKs.
            clash |= np.array([int(v) in taken for v in nik], dtype=bool)
        else:
            clash |= np.isin(nik, excluded)
        if not clash.any():
            return nik
        nik[clash] = base[clash] + rng.integers(1, 10_000, int(clash.sum()))
    raise RuntimeError("could not draw unique NIKs")  # pragma: no cover


def _workers(units: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One row per enrolled worker of every unit, with their cover as BPJS will report it."""
    counts = units["enrolled"].to_numpy()
    total = int(counts.sum())
    unit = np.repeat(np.arange(len(units)), counts)
    pos = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)

    def col(name: str) -> np.ndarray:
        return units[name].to_numpy()[unit]

    villages = col("unit_code").copy()
    pools = col("pool")
    for pool in sorted(set(units["pool"]) - {""}):
        # An APBD district's workers live anywhere in it, desa or kelurahan.
        mask = pools == pool
        villages[mask] = _pick(_villages(pool, desa_only=False), rng, int(mask.sum()))

    batch1, target = col("batch1"), col("target")
    paid = batch1 + col("batch2")
    active, nonaktif = col("active"), col("nonaktif")
    status = np.select(
        [pos < active, pos < active + nonaktif, pos < paid, pos < target, col("extra_nonaktif")],
        ["AKTIF", "NON_AKTIF", "MISSING", "UNPAID", "NON_AKTIF"],
        "UNPAID",
    )
    # The payment that covered each worker; extras reported NON_AKTIF came with the first.
    paid_day = np.where(pos < batch1, col("paid1"), np.where(pos < paid, col("paid2"), _NO_DATE))
    paid_day = np.where((pos >= target) & (status == "NON_AKTIF"), col("paid1"), paid_day)

    reg_start = col("reg_start")
    reg_end = np.maximum(
        np.where(paid_day != _NO_DATE, paid_day - 1, col("reg_end_unpaid")), reg_start
    )
    # Registration comes in drives: each unit registers most of its workers over a few weeks.
    window = reg_end - reg_start + 1
    drive = (col("spread") * window * 0.6).astype(int)
    registered = reg_start + drive + (rng.random(total) * (window - drive)).astype(int)

    female = rng.random(total) < _FEMALE_SHARE
    nik = _niks(pd.Series(villages, dtype=object), female, rng, set())
    coverage_start = np.where(
        paid_day != _NO_DATE, np.minimum(paid_day + rng.integers(1, 8, total), _HORIZON), _NO_DATE
    )
    kpj = rng.integers(10**10, 10**11, total).astype(str).astype(object)
    return pd.DataFrame(
        {
            "nik": nik.astype(str).astype(object),
            "name": _names(female, rng),
            "village_code": villages,
            "occupation": _occupations(female, col("coastal").astype(bool), rng),
            "program_id": col("program_id"),
            "registered_date": registered.astype(np.int64),
            "unit_code": col("unit_code"),
            "status": status,
            "coverage_start": coverage_start.astype(np.int64),
            "coverage_end": _COVERAGE_END,
            # BPJS leaves the membership number out for some newly registered workers.
            "kpj_no": np.where(rng.random(total) < 0.04, "", kpj),
        }
    )


# --- the story of a province -----------------------------------------------------------------


@dataclass
class _Story:
    """A province's typed records (cut at as_of) and what bad rows are made from."""

    province: str
    plans: list[_Plan]
    parts: dict[str, _Parts]
    typed: dict[str, pd.DataFrame]
    workers: pd.DataFrame
    cutoff: int  # as_of as a day number
    taken: set[int]  # NIKs in use, so bad rows' new workers do not collide
    next_ref: Callable[[], str]


def _story(province: str, seed: int, as_of: dt.date, plans: list[_Plan] | None = None) -> _Story:
    """Every typed record of a province's story (its own plans unless given), cut at as_of."""
    plan_rng, unit_rng, worker_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence([seed, int(province)]).spawn(3)
    )
    if plans is None:
        plans = _plans(province, plan_rng)
    parts: dict[str, _Parts] = {}
    apbdes_desa: set[str] = set()
    # APBDES desa pay their own workers, so a province's BKBK leaves them out.
    for plan in sorted(plans, key=lambda p: p.funding is not FundingSource.APBDES):
        if plan.funding is FundingSource.APBDES:
            parts[plan.program_id] = _apbdes(plan, unit_rng)
            apbdes_desa |= set(parts[plan.program_id].fate.index)
        elif plan.funding is FundingSource.APBD:
            parts[plan.program_id] = _apbd(plan, unit_rng)
        else:
            desa = _villages(plan.scope, desa_only=True)
            desa = desa[~np.isin(desa, list(apbdes_desa))]
            parts[plan.program_id] = _bkbk(plan, desa, unit_rng)
    ordered = [parts[p.program_id] for p in plans]

    workers = _workers(pd.concat([p.units for p in ordered], ignore_index=True), worker_rng)
    programs = pd.DataFrame(
        {
            "program_id": [p.program_id for p in plans],
            "funding_source": [p.funding.value for p in plans],
            "province_code": province,
            "fiscal_year": FISCAL_YEAR,
            "name": [p.name for p in plans],
            # BKBK and APBD decrees state the rate; Dana Desa budgets leave it to the default.
            "premium_rate_monthly": [
                None if p.funding is FundingSource.APBDES else _RATE for p in plans
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
    }
    cutoff = _day(as_of)
    for name, source in SOURCES.items():
        frame = typed[name]
        if source.known_date is not None and len(frame):
            frame = frame[frame[source.known_date].astype(np.int64) <= cutoff]
        typed[name] = frame.reset_index(drop=True)
    taken = set(workers["nik"].astype(np.int64).tolist())
    return _Story(province, plans, parts, typed, workers, cutoff, taken, next_ref)


# --- corrections: the next delivery of the same sources -------------------------------------


def _corrected(
    typed: dict[str, pd.DataFrame], share: float, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    """`share` of each source's records corrected: same key, different content, still valid.

    Budgets revised, transfers and payments re-dated as the bank statement shows them, SP2D
    numbers and KPJ cards fixed, occupations corrected, BPJS activating cover it had reported
    NON_AKTIF. Row order and count stay, so the unchanged rows render as before.
    """
    out = dict(typed)
    for name, correct in _CORRECTIONS.items():
        frame = typed[name]
        count = round(len(frame) * share)
        if not count:
            continue
        rows = np.sort(rng.choice(len(frame), count, replace=False))
        frame = frame.copy()
        correct(frame, frame.index[rows], rng)
        out[name] = frame
    return out


def _revise_budget(frame: pd.DataFrame, rows: pd.Index, rng: np.random.Generator) -> None:
    frame.loc[rows, "allocated_amount"] += rng.integers(1, 11, len(rows)) * 100_000


def _fix_sp2d(frame: pd.DataFrame, rows: pd.Index, rng: np.random.Generator) -> None:
    frame.loc[rows, "sp2d_no"] = frame.loc[rows, "sp2d_no"].astype(str) + "/R"


def _redate(column: str) -> Callable[[pd.DataFrame, pd.Index, np.random.Generator], None]:
    def redate(frame: pd.DataFrame, rows: pd.Index, rng: np.random.Generator) -> None:
        frame.loc[rows, column] -= rng.integers(1, 4, len(rows))

    return redate


def _fix_occupation(frame: pd.DataFrame, rows: pd.Index, rng: np.random.Generator) -> None:
    current = pd.Index(_OCCUPATIONS).get_indexer(frame.loc[rows, "occupation"])
    shift = rng.integers(1, len(_OCCUPATIONS), len(rows))
    frame.loc[rows, "occupation"] = _OCCUPATIONS[(current + shift) % len(_OCCUPATIONS)]


def _activate(frame: pd.DataFrame, rows: pd.Index, rng: np.random.Generator) -> None:
    frame.loc[rows, "kpj_no"] = rng.integers(10**10, 10**11, len(rows)).astype(str)
    frame.loc[rows, "status"] = "AKTIF"


_CORRECTIONS: dict[str, Callable[[pd.DataFrame, pd.Index, np.random.Generator], None]] = {
    "allocations": _revise_budget,
    "district_transfers": _fix_sp2d,
    "village_transfers": _redate("transfer_date"),
    "enrollments": _fix_occupation,
    "premium_payments": _redate("paid_date"),
    "coverage": _activate,
}


# --- rendering as CSV text -------------------------------------------------------------------


def _render(source: str, typed: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Every value as the text a submitter would write, in the variety of formats they use."""
    n = len(typed)
    out: dict[str, pd.Series] = {}
    for column, spec in SOURCES[source].specs.items():
        values = typed[column].reset_index(drop=True)
        u = rng.random(n)
        missing = pd.Series(values.isna().to_numpy())
        if spec.kind is Kind.DATE:
            # A national file has millions of dates but only a few hundred distinct days.
            days, distinct = pd.factorize(values.astype(np.int64))
            stamps = pd.to_datetime(np.asarray(distinct, dtype=np.int64), unit="D")
            iso = np.asarray(stamps.strftime("%Y-%m-%d"), dtype=object)[days]
            dmy = np.asarray(stamps.strftime("%d/%m/%Y"), dtype=object)[days]
            text = pd.Series(np.where(u >= 0.06, iso, dmy), dtype=object)
        elif spec.kind is Kind.AMOUNT:
            text = _plain_text(values, missing, whole=True)
            fancy = np.flatnonzero((u < 0.09) & ~missing.to_numpy())
            prefix = np.where(u[fancy] < 0.03, "Rp", np.where(u[fancy] < 0.06, "Rp ", ""))
            text.iloc[fancy] = [
                p + f"{int(values.iloc[i]):,}".replace(",", ".")
                for p, i in zip(prefix, fancy, strict=True)
            ]
        elif spec.kind is Kind.CODE:
            text = values.astype(object)
            undotted = np.flatnonzero(u < 0.07)
            if len(undotted):
                text.iloc[undotted] = text.iloc[undotted].str.replace(".", "", regex=False)
        else:
            text = _plain_text(values, missing, whole=False)
        out[column] = text.where(~missing, "")
    return pd.DataFrame(out, columns=SOURCES[source].columns).astype(str)


def _plain_text(values: pd.Series, missing: pd.Series, whole: bool) -> pd.Series:
    """Values as `str()` writes them (amounts as whole numbers), empty where missing."""
    if pd.api.types.is_integer_dtype(values) and not missing.any():
        return pd.Series(values.to_numpy(dtype=np.int64).astype(str), dtype=object)
    if values.dtype == object and not missing.any():
        return pd.Series(values.to_numpy(dtype=object).astype(str), dtype=object)
    if whole:
        return values.map(lambda v: "" if pd.isna(v) else str(int(v))).astype(object)
    return values.map(lambda v: "" if v is None or pd.isna(v) else str(v)).astype(object)


# --- bad rows ----------------------------------------------------------------------------------


def _plain(source: str, row: dict[str, Any]) -> dict[str, str]:
    """A typed row written the plain way: dotted codes, ISO dates, plain amounts."""
    out: dict[str, str] = {}
    for column, spec in SOURCES[source].specs.items():
        value = row.get(column)
        if value is None or (isinstance(value, str) and not value):
            out[column] = ""
        elif spec.kind is Kind.DATE:
            out[column] = (_EPOCH + dt.timedelta(days=int(value))).isoformat()
        else:
            out[column] = str(value)
    return out


class _BadRows:
    """Collects a province's bad rows; each breaks one rule and leaves the stalls unchanged."""

    def __init__(self, story: _Story, rng: np.random.Generator) -> None:
        self.story = story
        self.rng = rng
        self.rows: dict[str, list[dict[str, str]]] = {name: [] for name in SOURCES}

    def add(self, source: str, row: dict[str, Any], day: int | None, **raw: str) -> None:
        """Add a row known on `day` (none after as_of), with `raw` text replacing fields."""
        if day is not None and day > self.story.cutoff:
            return
        self.rows[source].append({**_plain(source, row), **raw})

    def one(self, codes: list[str]) -> str | None:
        """One of `codes`, taken out of the list so the next pick differs."""
        if not codes:
            return None
        return codes.pop(int(self.rng.integers(len(codes))))

    def units(self, plan: _Plan, *fates: str) -> list[str]:
        fate = self.story.parts[plan.program_id].fate
        return sorted(fate.index[fate.isin(fates)])

    def allocation(self, plan: _Plan, unit: str) -> dict[str, Any]:
        frame = self.story.parts[plan.program_id].allocations
        return dict(frame[frame["unit_code"] == unit].iloc[0].to_dict())

    def new_worker(self, village: str) -> dict[str, Any]:
        """A worker not in the story, with a valid NIK unique in the province."""
        nobody = np.array([False])
        nik = int(_niks(pd.Series([village], dtype=object), nobody, self.rng, self.story.taken)[0])
        self.story.taken.add(nik)
        return {"nik": str(nik), "name": str(_names(nobody, self.rng)[0])}

    def coverage(self, plan: _Plan, **raw: str) -> None:
        """A coverage row for a paid worker that BPJS has not activated, with one field wrong."""
        workers = self.story.workers
        missing = workers[
            (workers["program_id"] == plan.program_id)
            & (workers["status"] == "MISSING")
            & workers["nik"].isin(self.story.typed["enrollments"]["nik"])
        ]
        if not len(missing):
            return
        worker = missing.iloc[int(self.rng.integers(len(missing)))]
        payments = self.story.typed["premium_payments"]
        first_paid = payments.loc[
            (payments["program_id"] == plan.program_id)
            & (payments["payer_code"] == worker["unit_code"]),
            "paid_date",
        ].min()
        if pd.isna(first_paid):
            return
        start = int(first_paid) + 3
        row = {
            "nik": worker["nik"],
            "program_id": plan.program_id,
            "kpj_no": worker["kpj_no"],
            "coverage_start": start,
            "coverage_end": _COVERAGE_END,
            "status": "AKTIF",
        }
        self.add("coverage", row, start, **raw)

    def payment(self, plan: _Plan, payer: str, day: int, workers: int, **raw: str) -> None:
        row = {
            "payment_id": f"PAY-{plan.funding.value}-{payer.replace('.', '')}-1",
            "program_id": plan.program_id,
            "payer_code": payer,
            "paid_date": day,
            "amount": workers * _YEAR_PREMIUM,
            "workers_count": workers,
            "months": _MONTHS,
            "payment_ref": self.story.next_ref(),
        }
        self.add("premium_payments", row, day, **raw)


def _bad_bkbk(bad: _BadRows, plan: _Plan) -> None:
    story, pid, year = bad.story, plan.program_id, FISCAL_YEAR
    parts = story.parts[pid]
    if not len(parts.allocations):
        return
    first = bad.allocation(plan, str(parts.allocations["unit_code"].iloc[0]))
    kelurahan = [c for c in _villages(story.province, desa_only=False) if c[9] == "1"]
    if kel := bad.one(kelurahan):
        row = {**first, "allocation_id": f"AL-{pid}-{kel.replace('.', '')}", "unit_code": kel}
        bad.add("allocations", row, int(row["decree_date"]))
    if desa := bad.one(bad.units(plan, "paid")):
        row = bad.allocation(plan, desa)
        premium = int(row["target_workers"]) * _YEAR_PREMIUM
        row.update(
            allocation_id=f"{row['allocation_id']}-P",
            allocated_amount=premium - 100_000,
            premium_amount=premium,
        )
        bad.add("allocations", row, int(row["decree_date"]))

    nothing = bad.units(plan, "none")
    if desa := bad.one(nothing):
        row = {
            "transfer_id": f"VT-{desa.replace('.', '')}",
            "program_id": pid,
            "village_code": desa,
            "amount": bad.allocation(plan, desa)["allocated_amount"],
            "transfer_date": _day(f"{year}-02-28"),
            "sp2d_no": f"0999/SP2D/BKBK/{desa[:5].replace('.', '')}/{year}",
        }
        bad.add("village_transfers", row, _day(f"{year}-02-28"), transfer_date=f"31/02/{year}")
    if desa := bad.one(nothing):
        amount = int(bad.allocation(plan, desa)["allocated_amount"])
        day = int(parts.district_transfers["transfer_date"].min()) + 40
        for k, value in enumerate((amount, amount // 2000 * 1000)):
            row = {
                "transfer_id": f"VT-{desa.replace('.', '')}",
                "program_id": pid,
                "village_code": desa,
                "amount": value,
                "transfer_date": day + k,
                "sp2d_no": f"{998 - k:04d}/SP2D/BKBK/{desa[:5].replace('.', '')}/{year}",
            }
            bad.add("village_transfers", row, day + k)

    transfers = story.typed["village_transfers"]
    sitting = [c for c in bad.units(plan, "sitting") if c in set(transfers["village_code"])]
    for raw_amount in (True, False):
        if not (desa := bad.one(sitting)):
            break
        day = int(transfers.loc[transfers["village_code"] == desa, "transfer_date"].max()) + 10
        workers = int(bad.allocation(plan, desa)["target_workers"])
        if raw_amount:
            bad.payment(plan, desa, day, workers, amount=f"{workers * _YEAR_PREMIUM:,}")
        else:
            last_year = f"{pid.rsplit('-', 1)[0]}-{year - 1}"
            bad.payment(plan, desa, day, workers, program_id=last_year)

    enrolled = story.typed["enrollments"]
    ours = enrolled[enrolled["program_id"] == pid]
    if len(ours):
        sample = ours.iloc[int(bad.rng.integers(len(ours)))]
        village, day = str(sample["village_code"]), int(sample["registered_date"])
        base = {"program_id": pid, "registered_date": day, "village_code": village}
        worker = bad.new_worker(village)
        bad.add(
            "enrollments",
            {**base, **worker, "occupation": "petani"},
            day,
            nik=worker["nik"][:15],
        )
        unknown = next(
            f"{village[:8]}.{k}"
            for k in range(2999, 2000, -1)
            if f"{village[:8]}.{k}" not in load_gazetteer()
        )
        worker = bad.new_worker(village)
        bad.add(
            "enrollments",
            {**base, **worker, "occupation": "buruh tani", "village_code": unknown},
            day,
        )
        worker = bad.new_worker(village)
        bad.add("enrollments", {**base, **worker, "occupation": "pekerja serabutan"}, day, name="")
    bad.coverage(plan, coverage_end=f"{year - 1}-12-31")


def _bad_apbd(bad: _BadRows, plan: _Plan) -> None:
    allocation = bad.allocation(plan, plan.scope)
    desa = list(_villages(plan.scope, desa_only=True))
    if payer := bad.one(desa):
        bad.payment(
            plan, payer, plan.paid + 21, 25, payment_id=f"PAY-APBD-{plan.scope.replace('.', '')}-9"
        )
    decree = int(allocation["decree_date"])
    row = {
        # Its own id: a BKBK tranche to the same district is `DT-<district>-1`.
        "transfer_id": f"DT-APBD-{plan.scope}-1",
        "program_id": plan.program_id,
        "district_code": plan.scope,
        "amount": allocation["allocated_amount"],
        "transfer_date": decree + 20,
        "sp2d_no": f"0042/SP2D/APBD/{plan.scope.replace('.', '')}/{FISCAL_YEAR}",
    }
    bad.add("district_transfers", row, decree + 20)
    bad.coverage(plan, status="NONAKTIF")


def _bad_apbdes(bad: _BadRows, plan: _Plan) -> None:
    story = bad.story
    allocations = story.parts[plan.program_id].allocations
    if not len(allocations):
        return
    # A desa of the next province, as when a border desa is filed with the wrong programme.
    provinces = sorted(c for c in load_gazetteer().names if len(c) == 2 and c != story.province)
    later = [c for c in provinces if c > story.province]
    outside = list(_villages(later[0] if later else provinces[-1], desa_only=True))
    if not outside:
        regions = _regions()
        elsewhere = regions["is_desa"] & ~regions["code"].str.startswith(story.province + ".")
        outside = list(regions.loc[elsewhere, "code"])
    if desa := bad.one(outside):
        row = {
            **allocations.iloc[0].to_dict(),
            "allocation_id": f"AL-{plan.program_id}-{desa.replace('.', '')}",
            "unit_code": desa,
        }
        bad.add("allocations", row, int(row["decree_date"]))
    if desa := bad.one(bad.units(plan, "unpaid")):
        row = bad.allocation(plan, desa)
        day = int(row["decree_date"]) + 60
        bad.payment(plan, desa, day, int(row["target_workers"]), months=f"{_MONTHS} bulan")


_BAD_ROWS_BY_FUNDING: dict[FundingSource, Callable[[_BadRows, _Plan], None]] = {
    FundingSource.BKBK: _bad_bkbk,
    FundingSource.APBD: _bad_apbd,
    FundingSource.APBDES: _bad_apbdes,
}


# --- public API ---------------------------------------------------------------------------------


def generate_province(
    province_code: str, seed: int, as_of: dt.date, *, with_bad_rows: bool = True
) -> dict[str, pd.DataFrame]:
    """A province's contract input as CSV text, one frame per source (see the module docstring).

    Deterministic for a seed. Jambi (`15`) and Riau (`14`) tell the fixed 2025 story; any other
    province gets a BKBK, an APBD and an APBDES programme as far as it has desa for them.
    Records dated after `as_of` are left out; `with_bad_rows=False` leaves out the bad rows.
    """
    province = str(province_code).strip()
    if len(province) != 2 or province not in load_gazetteer():
        raise ValueError(f"{province_code!r} is not a province code in the gazetteer")
    return _frames(_story(province, seed, as_of), seed, with_bad_rows=with_bad_rows)


def _frames(
    story: _Story, seed: int, *, with_bad_rows: bool = True, changed: float = 0.0
) -> dict[str, pd.DataFrame]:
    """A story's records as CSV text with its bad rows among them; `changed` of the records
    corrected, as a later delivery of the same sources would carry them."""
    province = story.province
    render_rng, bad_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence([seed, int(province), 1]).spawn(2)
    )
    typed = story.typed
    if changed:
        change_rng = np.random.default_rng(np.random.SeedSequence([seed, int(province), 2]))
        typed = _corrected(typed, changed, change_rng)
    frames = {name: _render(name, typed[name], render_rng) for name in SOURCES}
    if not with_bad_rows:
        return frames
    bad = _BadRows(story, bad_rng)
    for plan in story.plans:
        _BAD_ROWS_BY_FUNDING[plan.funding](bad, plan)
    for name, rows in bad.rows.items():
        if not rows:
            continue
        frame = frames[name]
        extra = pd.DataFrame(rows, columns=SOURCES[name].columns).astype(str)
        # Bad rows sit among the good ones, as they do in a real submission.
        position = np.concatenate([np.arange(len(frame)), bad_rng.random(len(extra)) * len(frame)])
        combined = pd.concat([frame, extra], ignore_index=True)
        frames[name] = combined.iloc[np.argsort(position, kind="stable")].reset_index(drop=True)
    return frames


def generate_demo(seed: int = 2025, as_of: dt.date = DEMO_AS_OF) -> dict[str, pd.DataFrame]:
    """The demo: Jambi's BKBK and Riau's APBD and APBDES programmes in one set of frames."""
    jambi = generate_province("15", seed, as_of)
    riau = generate_province("14", seed, as_of)
    return {name: pd.concat([jambi[name], riau[name]], ignore_index=True) for name in SOURCES}


def write_folder(frames: dict[str, pd.DataFrame], out_dir: Path) -> list[Path]:
    """Write one UTF-8 CSV per source with the contract's columns; return the paths written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, source in SOURCES.items():
        if name not in frames:
            continue
        path = out_dir / f"{name}.csv"
        frames[name][source.columns].to_csv(
            path, index=False, encoding="utf-8", lineterminator="\n"
        )
        paths.append(path)
    return paths


# --- the nation --------------------------------------------------------------------------------

NATIONAL_WORKERS = 3_000_000
# A tenth of the units enrol one to three workers beyond their target.
_EXTRA_PER_UNIT = 0.2


def _national_plans(province: str, rng: np.random.Generator) -> list[_Plan]:
    """A province's programmes in the national picture: Dana Desa (APBDES) in some districts,
    the district's own budget (APBD) in others, and the province's BKBK for every other desa."""
    gazetteer = load_gazetteer()
    year = FISCAL_YEAR
    regions = _regions()
    villages = regions[(regions["length"] == 13) & regions["code"].str.startswith(province + ".")]
    district_of = villages["code"].str.slice(0, 5)
    desa_per_district = villages[villages["is_desa"]].groupby(district_of).size()
    districts = sorted(c for c in gazetteer.names if len(c) == 5 and c.startswith(province + "."))
    with_desa = [d for d in districts if desa_per_district.get(d, 0) > 0]

    plans: list[_Plan] = []
    if with_desa:
        province_name = gazetteer.name(province)
        plans.append(
            _Plan(
                FundingSource.BKBK,
                f"{_slug(province_name)}-bkbk-{year}",
                "BKBK Jaminan Sosial Ketenagakerjaan Pekerja Rentan "
                f"Provinsi {_title(province_name)} {year}",
                province,
            )
        )
    count = max(1, round(len(with_desa) * rng.uniform(0.1, 0.3))) if with_desa else 0
    apbdes = sorted(rng.choice(np.array(with_desa, dtype=object), count, replace=False))
    for district in apbdes:
        name = gazetteer.name(district)
        desa = int(desa_per_district[district])
        plans.append(
            _Plan(
                FundingSource.APBDES,
                f"{_slug(name)}-apbdes-{year}",
                f"Iuran Pekerja Rentan dari Dana Desa {_title(name)} {year}",
                district,
                desa_count=max(1, round(desa * rng.uniform(0.6, 1.0))),
            )
        )
    others = np.array([d for d in districts if d not in apbdes], dtype=object)
    count = max(1, round(len(others) * rng.uniform(0.05, 0.2))) if len(others) else 0
    for district in sorted(rng.choice(others, count, replace=False)):
        name = gazetteer.name(district)
        target = int(rng.choice([1000, 1500, 2000, 2500, 3000]))
        plans.append(
            _Plan(
                FundingSource.APBD,
                f"{_slug(name)}-apbd-{year}",
                f"Perlindungan Pekerja Rentan APBD {_title(name)} {year}",
                district,
                target=target,
                first_batch=int(round(target * rng.uniform(0.6, 0.85), -2)),
                decree=_day(f"{year}-01-06") + int(rng.integers(0, 40)),
                paid=_day(f"{year}-03-03") + int(rng.integers(0, 40)),
            )
        )
    return plans


def _sized(plans: dict[str, list[_Plan]], workers: int) -> dict[str, list[_Plan]]:
    """The nation's plans with every unit's target scaled so that about `workers` enrol.

    Each unit enrols at least one worker, so the nation cannot have fewer than about 90,000.
    """
    regions = _regions()
    desa_in = regions[regions["is_desa"]].groupby(regions["code"].str.slice(0, 2)).size()
    bkbk = apbdes = 0
    apbd_targets = []
    for province, mine in plans.items():
        funded = sum(p.desa_count for p in mine if p.funding is FundingSource.APBDES)
        apbdes += funded
        bkbk += int(desa_in.get(province, 0)) - funded if mine else 0
        apbd_targets += [p.target for p in mine if p.funding is FundingSource.APBD]
    units = bkbk + apbdes + len(apbd_targets)
    draws = {  # the targets `_bkbk` and `_apbdes` draw, uniformly
        FundingSource.BKBK: np.arange(10, 61),
        FundingSource.APBDES: np.arange(8, 31),
    }

    def expected(scale: float) -> float:
        """Workers expected to enrol at a scale (`_scaled`, plus the few beyond target)."""
        total = _EXTRA_PER_UNIT * units
        total += bkbk * _scaled(draws[FundingSource.BKBK], scale).mean()
        total += apbdes * _scaled(draws[FundingSource.APBDES], scale).mean()
        return float(total + _scaled(np.array(apbd_targets), scale).sum())

    low, high = 0.0, 1.0
    while expected(high) < workers:
        high *= 2
    for _ in range(50):
        middle = (low + high) / 2
        low, high = (middle, high) if expected(middle) < workers else (low, middle)
    scale = (low + high) / 2

    def sized(plan: _Plan) -> _Plan:
        if plan.funding is not FundingSource.APBD:
            return replace(plan, scale=scale)
        target = max(1, round(plan.target * scale))
        first = min(target, max(1, round(plan.first_batch * scale)))
        return replace(plan, scale=scale, target=target, first_batch=first)

    return {province: [sized(p) for p in mine] for province, mine in plans.items()}


def national_plans(workers: int = NATIONAL_WORKERS, seed: int = 2025) -> dict[str, list[_Plan]]:
    """Every province's programmes, sized for about `workers` enrolled workers in all."""
    provinces = sorted(c for c in load_gazetteer().names if len(c) == 2)
    plans: dict[str, list[_Plan]] = {}
    taken: set[str] = set()
    for province in provinces:
        rng = np.random.default_rng(np.random.SeedSequence([seed, int(province), 3]))
        mine = []
        for plan in _national_plans(province, rng):
            # Two districts of one name in different provinces: the province tells them apart.
            program_id = plan.program_id
            if program_id in taken:
                stem, year = program_id.rsplit("-", 1)
                program_id = f"{stem}-{province}-{year}"
            taken.add(program_id)
            mine.append(replace(plan, program_id=program_id))
        plans[province] = mine
    return _sized(plans, workers)


def national_province(
    province: str,
    plans: list[_Plan],
    seed: int = 2025,
    as_of: dt.date = DEMO_AS_OF,
    *,
    with_bad_rows: bool = True,
    changed: float = 0.0,
) -> dict[str, pd.DataFrame]:
    """One province's share of the national input, as CSV text frames (see `write_national`)."""
    story = _story(province, seed, as_of, plans)
    return _frames(story, seed, with_bad_rows=with_bad_rows, changed=changed)


def generate_national(
    workers: int = NATIONAL_WORKERS,
    seed: int = 2025,
    as_of: dt.date = DEMO_AS_OF,
    *,
    with_bad_rows: bool = True,
    changed: float = 0.0,
) -> dict[str, pd.DataFrame]:
    """All 34 provinces' programmes over every desa, about `workers` enrolled workers, as frames.

    Every desa has an allocation: most from their province's BKBK, those of some districts from
    their own Dana Desa (APBDES); some districts pay for workers from their APBD. Each province
    tells the generic story (`generate_province`) with its bad rows. `changed` (e.g. 0.01)
    corrects that share of every source's records, as the next day's delivery would.
    Deterministic for a seed. For millions of workers prefer `write_national`, which streams.
    """
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in SOURCES}
    for province, plans in national_plans(workers, seed).items():
        frames = national_province(
            province, plans, seed, as_of, with_bad_rows=with_bad_rows, changed=changed
        )
        for name in SOURCES:
            parts[name].append(frames[name])
    return {name: pd.concat(parts[name], ignore_index=True) for name in SOURCES}


def write_national(
    out_dir: Path,
    workers: int = NATIONAL_WORKERS,
    seed: int = 2025,
    as_of: dt.date = DEMO_AS_OF,
    *,
    changed: float = 0.0,
    processes: int = 1,
    provinces: Sequence[str] | None = None,
) -> list[Path]:
    """Write the national input folder (see `generate_national`) province by province.

    Memory stays at one province's frames; `processes` > 1 generates provinces in parallel.
    The files are the same bytes whatever `processes` is. `provinces` writes only those
    provinces' share of the nation (the same rows as in the whole).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / f"{name}.csv" for name in SOURCES}
    for name, path in paths.items():
        path.write_text(",".join(SOURCES[name].columns) + "\n", encoding="utf-8")
    jobs = [
        (province, plans, seed, as_of, changed)
        for province, plans in national_plans(workers, seed).items()
        if provinces is None or province in provinces
    ]
    if processes > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(processes) as pool:
            for texts in pool.map(_national_csv, jobs):
                _append(paths, texts)
    else:
        for job in jobs:
            _append(paths, _national_csv(job))
    return list(paths.values())


def _national_csv(job: tuple[str, list[_Plan], int, dt.date, float]) -> dict[str, bytes]:
    """One province's CSV rows (no header) per source: what a worker process hands back."""
    province, plans, seed, as_of, changed = job
    frames = national_province(province, plans, seed, as_of, changed=changed)
    return {
        name: frames[name][SOURCES[name].columns]
        .to_csv(index=False, header=False, lineterminator="\n")
        .encode("utf-8")
        for name in SOURCES
    }


def _append(paths: dict[str, Path], texts: dict[str, bytes]) -> None:
    for name, data in texts.items():
        with paths[name].open("ab") as out:
            out.write(data)
