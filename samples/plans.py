"""The programmes a province runs: the fixed story for Jambi and Riau, its shapes elsewhere."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rantai.records import FundingSource
from rantai.regions import load_gazetteer
from samples.days import FISCAL_YEAR, NO_DATE, day_number
from samples.places import region_table, slug

BENGKALIS_ALLOCATED = 6_100_000_000
BENGKALIS_PAID_WORKERS = 29_265  # x Rp201,600 = Rp5,899,824,000


@dataclass(frozen=True)
class Plan:
    """One programme to generate: who pays, where, and the story's fixed numbers if any."""

    funding: FundingSource
    program_id: str
    name: str
    scope: str  # the province for BKBK, the district for APBD and APBDES
    target: int = 0  # APBD: workers targeted
    first_batch: int = 0  # APBD: workers in its one payment so far
    decree: int = NO_DATE  # APBD: decree day
    paid: int = NO_DATE  # APBD: payment day
    desa_count: int = 0  # APBDES: desa taking part
    coastal: bool = False
    scale: float = 1.0  # workers per unit relative to the story's (a national load sets it)
    year: int = FISCAL_YEAR  # the fiscal year: its dates fall in it
    predecessor: str = ""  # the same scheme's programme of the previous year, if any
    pks: int = NO_DATE  # APBD: the PKS with BPJS Ketenagakerjaan, when stated
    allocated: int = 0  # APBD: the amount the decree allocates, when more than the premiums
    reach: float = 0.5  # BKBK: the share of desa whose district passes the money on
    bad_rows: bool = True  # whether the programme carries the story's bad rows


def province_plans(province: str, rng: np.random.Generator) -> list[Plan]:
    """The programmes of a province: the fixed story for Jambi, Riau and Kalimantan Timur (the
    seed situations, told across 2024 and 2025), its shapes elsewhere."""
    if province == "15":
        return [
            # Up to 70% of 2024's money was still held at the districts at the end of 2024.
            Plan(
                FundingSource.BKBK,
                "jambi-bkbk-2024",
                "BKBK Jaminan Sosial Ketenagakerjaan Pekerja Rentan Provinsi Jambi 2024",
                "15",
                year=2024,
                reach=0.3,
                scale=0.6,
                bad_rows=False,
            ),
            Plan(
                FundingSource.BKBK,
                "jambi-bkbk-2025",
                "BKBK Jaminan Sosial Ketenagakerjaan Pekerja Rentan Provinsi Jambi 2025",
                "15",
                predecessor="jambi-bkbk-2024",
            ),
        ]
    if province == "14":
        return [
            # Indragiri Hilir has paid for its 2,000 workers since 2024; in 2025 the PKS was
            # signed on 26 February and a first 1,500 renewed the day their 2024 cover ended.
            Plan(
                FundingSource.APBD,
                "inhil-apbd-2024",
                "Perlindungan Pekerja Rentan APBD Kabupaten Indragiri Hilir 2024",
                "14.04",
                target=2000,
                first_batch=2000,
                decree=day_number("2024-01-16"),
                paid=day_number("2024-03-12"),
                coastal=True,
                year=2024,
                bad_rows=False,
            ),
            Plan(
                FundingSource.APBD,
                "inhil-apbd-2025",
                "Perlindungan Pekerja Rentan APBD Kabupaten Indragiri Hilir 2025",
                "14.04",
                target=2000,
                first_batch=1500,
                decree=day_number("2025-01-15"),
                paid=day_number("2025-03-12"),
                coastal=True,
                predecessor="inhil-apbd-2024",
                pks=day_number("2025-02-26"),
            ),
            Plan(
                FundingSource.APBDES,
                "inhu-apbdes-2025",
                "Iuran Pekerja Rentan dari Dana Desa Kabupaten Indragiri Hulu 2025",
                "14.02",
                desa_count=int(rng.integers(70, 91)),
            ),
            # Bengkalis allocated Rp6.1 billion and paid Rp5.9 billion of premiums.
            Plan(
                FundingSource.APBD,
                "bengkalis-apbd-2025",
                "Perlindungan Pekerja Rentan APBD Kabupaten Bengkalis 2025",
                "14.03",
                target=30_000,
                first_batch=BENGKALIS_PAID_WORKERS,
                decree=day_number("2025-01-10"),
                paid=day_number("2025-02-04"),
                coastal=True,
                allocated=BENGKALIS_ALLOCATED,
                bad_rows=False,
            ),
        ]
    if province == "64":
        # A Kutai Kartanegara village programme of 2024; its Monev on 19 November 2024 opened
        # with the handover of claims to workers and heirs.
        return [
            Plan(
                FundingSource.APBDES,
                "kukar-apbdes-2024",
                "Iuran Pekerja Rentan dari Dana Desa Kabupaten Kutai Kartanegara 2024",
                "64.02",
                desa_count=40,
                year=2024,
                bad_rows=False,
            )
        ]
    return _generic_plans(province, rng)


def _generic_plans(province: str, rng: np.random.Generator) -> list[Plan]:
    gazetteer = load_gazetteer()
    year = FISCAL_YEAR
    regions = region_table()
    villages = regions[(regions["length"] == 13) & regions["code"].str.startswith(province + ".")]
    district_of = villages["code"].str.slice(0, 5)
    desa_per_district = villages[villages["is_desa"]].groupby(district_of).size()
    villages_per_district = villages.groupby(district_of).size()
    plans: list[Plan] = []
    # Dana Desa matters most in the district with most desa; BKBK needs desa at all.
    apbdes_district = None
    if len(desa_per_district):
        apbdes_district = str(desa_per_district.sort_values(kind="stable").index[-1])
        province_name = gazetteer.name(province)
        plans.append(
            Plan(
                FundingSource.BKBK,
                f"{slug(province_name)}-bkbk-{year}",
                "BKBK Jaminan Sosial Ketenagakerjaan Pekerja Rentan "
                f"Provinsi {province_name} {year}",
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
            Plan(
                FundingSource.APBD,
                f"{slug(name)}-apbd-{year}",
                f"Perlindungan Pekerja Rentan APBD {name} {year}",
                district,
                target=target,
                first_batch=int(round(target * rng.uniform(0.6, 0.85), -2)),
                decree=day_number(f"{year}-01-06") + int(rng.integers(0, 40)),
                paid=day_number(f"{year}-03-03") + int(rng.integers(0, 40)),
            )
        )
    if apbdes_district is not None:
        name = gazetteer.name(apbdes_district)
        plans.append(
            Plan(
                FundingSource.APBDES,
                f"{slug(name)}-apbdes-{year}",
                f"Iuran Pekerja Rentan dari Dana Desa {name} {year}",
                apbdes_district,
                desa_count=min(int(desa_per_district[apbdes_district]), int(rng.integers(60, 101))),
            )
        )
    return plans
