"""Validating one load across sources: programmes first, since every other record names one."""

from __future__ import annotations

import pandas as pd

from rantai.regions import Gazetteer
from rantai.validate import Validated, validate

PROGRAM_COLUMNS = ["program_id", "funding_source", "province_code"]


def known_programs(stored: pd.DataFrame, loaded: pd.DataFrame) -> pd.DataFrame:
    """Programmes known to this load: this load's valid ones over the stored ones."""
    frames = [f[PROGRAM_COLUMNS] for f in (loaded, stored) if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PROGRAM_COLUMNS})
    return pd.concat(frames, ignore_index=True).drop_duplicates("program_id", keep="first")


def validate_load(
    raw: dict[str, pd.DataFrame], stored_programs: pd.DataFrame, gazetteer: Gazetteer
) -> dict[str, Validated]:
    """Validate every source of a load; returns each source's valid rows and quarantine."""
    results: dict[str, Validated] = {}
    loaded_programs = pd.DataFrame(columns=PROGRAM_COLUMNS)
    if "programs" in raw:
        # The stored programmes are what a predecessor_id may name, besides this file's own.
        results["programs"] = validate("programs", raw["programs"], stored_programs, gazetteer)
        loaded_programs = results["programs"].valid
    programs = known_programs(stored_programs, loaded_programs)
    for source, rows in raw.items():
        if source != "programs":
            results[source] = validate(source, rows, programs, gazetteer)
    return results
