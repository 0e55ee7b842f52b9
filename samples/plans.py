"""The programmes a province runs: the fixed story for Jambi and Riau, its shapes elsewhere."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rantai.records import FundingSource
from rantai.regions import load_gazetteer
from samples.days import FISCAL_YEAR, NO_DATE, day_number
from samples.places import region_table, slug, title


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


def province_plans(province: str, rng: np.random.Generator) -> list[Plan]:
    """The programmes of a province: the fixed story for Jambi and Riau, its shapes elsewhere."""
    year = FISCAL_YEAR
    if province == "15":
        return [
            Plan(
                FundingSource.BKBK,
                f"jambi-bkbk-{year}",
                f"BKBK Jaminan Sosial Ketenagakerjaan Pekerja Rentan Provinsi Jambi {year}",
                "15",
            )
        ]
    if province == "14":
        return [
            Plan(
                FundingSource.APBD,
                f"inhil-apbd-{year}",
                f"Perlindungan Pekerja Rentan APBD Kabupaten Indragiri Hilir {year}",
                "14.04",
                target=2000,
                first_batch=1500,
                decree=day_number(f"{year}-01-15"),
                paid=day_number(f"{year}-03-12"),
                coastal=True,
            ),
            Plan(
                FundingSource.APBDES,
                f"inhu-apbdes-{year}",
                f"Iuran Pekerja Rentan dari Dana Desa Kabupaten Indragiri Hulu {year}",
                "14.02",
                desa_count=int(rng.integers(70, 91)),
            ),
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
                f"Provinsi {title(province_name)} {year}",
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
                f"Perlindungan Pekerja Rentan APBD {title(name)} {year}",
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
                f"Iuran Pekerja Rentan dari Dana Desa {title(name)} {year}",
                apbdes_district,
                desa_count=min(int(desa_per_district[apbdes_district]), int(rng.integers(60, 101))),
            )
        )
    return plans
