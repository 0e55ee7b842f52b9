"""Each unit's workers: enrollments and coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from samples.days import MONTHS, NO_DATE, cover_end
from samples.people import FEMALE_SHARE, niks, occupations_for, person_names, pick_from
from samples.places import villages_in


def unit_workers(units: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One row per enrolled worker of every unit, with their cover as BPJS will report it: an
    episode over the period of the payment that paid for the worker (`pos` numbers the
    workers within their unit), except in the units where the story plants a fault."""
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
        villages[mask] = pick_from(villages_in(pool, desa_only=False), rng, int(mask.sum()))

    batch1, target = col("batch1"), col("target")
    paid = batch1 + col("batch2")
    active, nonaktif = col("active"), col("nonaktif")
    status = np.select(
        [pos < active, pos < active + nonaktif, pos < paid, pos < target, col("extra_nonaktif")],
        ["AKTIF", "NON_AKTIF", "MISSING", "UNPAID", "NON_AKTIF"],
        "UNPAID",
    )
    # The payment that covered each worker; extras reported NON_AKTIF came with the first.
    paid_day = np.where(pos < batch1, col("paid1"), np.where(pos < paid, col("paid2"), NO_DATE))
    paid_day = np.where((pos >= target) & (status == "NON_AKTIF"), col("paid1"), paid_day)

    reg_start = col("reg_start")
    reg_end = np.maximum(
        np.where(paid_day != NO_DATE, paid_day - 1, col("reg_end_unpaid")), reg_start
    )
    # Registration comes in drives: each unit registers most of its workers over a few weeks.
    window = reg_end - reg_start + 1
    drive = (col("spread") * window * 0.6).astype(int)
    registered = reg_start + drive + (rng.random(total) * (window - drive)).astype(int)

    female = rng.random(total) < FEMALE_SHARE
    nik = niks(pd.Series(villages, dtype=object), female, rng, set())
    # The cover follows the payment's period: it starts on period_start and lasts its months,
    # unless BPJS activated it late or recorded only half of it.
    period = np.where(pos < batch1, col("period1"), np.where(pos < paid, col("period2"), NO_DATE))
    period = np.where((pos >= target) & (status == "NON_AKTIF"), col("period1"), period)
    has_cover = period != NO_DATE
    months = np.where(col("short"), MONTHS // 2, MONTHS)
    coverage_start = np.where(has_cover, period + col("late"), NO_DATE)
    coverage_end = np.where(has_cover, cover_end(np.where(has_cover, period, 0), months), NO_DATE)
    kpj = rng.integers(10**10, 10**11, total).astype(str).astype(object)
    return pd.DataFrame(
        {
            "nik": nik.astype(str).astype(object),
            "name": person_names(female, rng),
            "village_code": villages,
            "occupation": occupations_for(female, col("coastal").astype(bool), rng),
            "program_id": col("program_id"),
            "registered_date": registered.astype(np.int64),
            "unit_code": col("unit_code"),
            "status": status,
            "coverage_start": coverage_start.astype(np.int64),
            "coverage_end": coverage_end.astype(np.int64),
            # BPJS leaves the membership number out for some newly registered workers.
            "kpj_no": np.where(rng.random(total) < 0.04, "", kpj),
            "pos": pos.astype(np.int64),
        }
    )
