"""The nation: every province's programmes sized to a national worker count, written in parallel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from rantai.records import SOURCES, FundingSource
from rantai.regions import load_gazetteer
from samples.days import DEMO_AS_OF, FISCAL_YEAR, day_number
from samples.finance import scaled_targets
from samples.folders import story_frames
from samples.places import region_table, slug
from samples.plans import Plan
from samples.story import OPTIONAL_SOURCES, province_story

NATIONAL_WORKERS = 3_000_000
# A tenth of the units enrol one to three workers beyond their target.
_EXTRA_PER_UNIT = 0.2
# The nation's folder has no village requests or branches (issue 15's optional sources).
NATIONAL_SOURCES = [name for name in SOURCES if name not in OPTIONAL_SOURCES]


def _national_plans(province: str, rng: np.random.Generator) -> list[Plan]:
    """A province's programmes in the national picture: Dana Desa (APBDES) in some districts,
    the district's own budget (APBD) in others, and the province's BKBK for every other desa."""
    gazetteer = load_gazetteer()
    year = FISCAL_YEAR
    regions = region_table()
    villages = regions[(regions["length"] == 13) & regions["code"].str.startswith(province + ".")]
    district_of = villages["code"].str.slice(0, 5)
    desa_per_district = villages[villages["is_desa"]].groupby(district_of).size()
    districts = sorted(c for c in gazetteer.names if len(c) == 5 and c.startswith(province + "."))
    with_desa = [d for d in districts if desa_per_district.get(d, 0) > 0]

    plans: list[Plan] = []
    if with_desa:
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
    count = max(1, round(len(with_desa) * rng.uniform(0.1, 0.3))) if with_desa else 0
    apbdes = sorted(rng.choice(np.array(with_desa, dtype=object), count, replace=False))
    for district in apbdes:
        name = gazetteer.name(district)
        desa = int(desa_per_district[district])
        plans.append(
            Plan(
                FundingSource.APBDES,
                f"{slug(name)}-apbdes-{year}",
                f"Iuran Pekerja Rentan dari Dana Desa {name} {year}",
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
    return plans


def _sized(plans: dict[str, list[Plan]], workers: int) -> dict[str, list[Plan]]:
    """The nation's plans with every unit's target scaled so that about `workers` enrol.

    Each unit enrols at least one worker, so the nation cannot have fewer than about 90,000.
    """
    regions = region_table()
    desa_in = regions[regions["is_desa"]].groupby(regions["code"].str.slice(0, 2)).size()
    bkbk = apbdes = 0
    apbd_targets = []
    for province, mine in plans.items():
        funded = sum(p.desa_count for p in mine if p.funding is FundingSource.APBDES)
        apbdes += funded
        bkbk += int(desa_in.get(province, 0)) - funded if mine else 0
        apbd_targets += [p.target for p in mine if p.funding is FundingSource.APBD]
    units = bkbk + apbdes + len(apbd_targets)
    draws = {  # the targets `bkbk_parts` and `apbdes_parts` draw, uniformly
        FundingSource.BKBK: np.arange(10, 61),
        FundingSource.APBDES: np.arange(8, 31),
    }

    def expected(scale: float) -> float:
        """Workers expected to enrol at a scale (`scaled_targets`, plus the few beyond target)."""
        total = _EXTRA_PER_UNIT * units
        total += bkbk * scaled_targets(draws[FundingSource.BKBK], scale).mean()
        total += apbdes * scaled_targets(draws[FundingSource.APBDES], scale).mean()
        return float(total + scaled_targets(np.array(apbd_targets), scale).sum())

    low, high = 0.0, 1.0
    while expected(high) < workers:
        high *= 2
    for _ in range(50):
        middle = (low + high) / 2
        low, high = (middle, high) if expected(middle) < workers else (low, middle)
    scale = (low + high) / 2

    def sized(plan: Plan) -> Plan:
        if plan.funding is not FundingSource.APBD:
            return replace(plan, scale=scale)
        target = max(1, round(plan.target * scale))
        first = min(target, max(1, round(plan.first_batch * scale)))
        return replace(plan, scale=scale, target=target, first_batch=first)

    return {province: [sized(p) for p in mine] for province, mine in plans.items()}


def national_plans(workers: int = NATIONAL_WORKERS, seed: int = 2025) -> dict[str, list[Plan]]:
    """Every province's programmes, sized for about `workers` enrolled workers in all."""
    provinces = sorted(c for c in load_gazetteer().names if len(c) == 2)
    plans: dict[str, list[Plan]] = {}
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
    plans: list[Plan],
    seed: int = 2025,
    as_of: dt.date = DEMO_AS_OF,
    *,
    with_bad_rows: bool = True,
    changed: float = 0.0,
) -> dict[str, pd.DataFrame]:
    """One province's share of the national input, as CSV text frames (see `write_national`)."""
    story = province_story(province, seed, as_of, plans)
    return story_frames(story, seed, with_bad_rows=with_bad_rows, changed=changed)


def generate_national(
    workers: int = NATIONAL_WORKERS,
    seed: int = 2025,
    as_of: dt.date = DEMO_AS_OF,
    *,
    with_bad_rows: bool = True,
    changed: float = 0.0,
) -> dict[str, pd.DataFrame]:
    """All 38 provinces' programmes over every desa, about `workers` enrolled workers, as frames.

    Every desa has an allocation: most from their province's BKBK, those of some districts from
    their own Dana Desa (APBDES); some districts pay for workers from their APBD. Payments
    carry their period_start, cover follows it, and covered workers claim JKM and JKK at about
    3 and 5 per 1,000 worker-years (`samples.claims.rate_claims`). Each province
    tells the generic story (`generate_province`) with its bad rows. `changed` (e.g. 0.01)
    corrects that share of every source's records, as the next day's delivery would.
    Deterministic for a seed. For millions of workers prefer `write_national`, which streams.
    """
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in NATIONAL_SOURCES}
    for province, plans in national_plans(workers, seed).items():
        frames = national_province(
            province, plans, seed, as_of, with_bad_rows=with_bad_rows, changed=changed
        )
        for name in NATIONAL_SOURCES:
            parts[name].append(frames[name])
    return {name: pd.concat(parts[name], ignore_index=True) for name in NATIONAL_SOURCES}


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
    paths = {name: out_dir / f"{name}.csv" for name in NATIONAL_SOURCES}
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


def _national_csv(job: tuple[str, list[Plan], int, dt.date, float]) -> dict[str, bytes]:
    """One province's CSV rows (no header) per source: what a worker process hands back."""
    province, plans, seed, as_of, changed = job
    frames = national_province(province, plans, seed, as_of, changed=changed)
    return {
        name: frames[name][SOURCES[name].columns]
        .to_csv(index=False, header=False, lineterminator="\n")
        .encode("utf-8")
        for name in NATIONAL_SOURCES
    }


def _append(paths: dict[str, Path], texts: dict[str, bytes]) -> None:
    for name, data in texts.items():
        with paths[name].open("ab") as out:
            out.write(data)
