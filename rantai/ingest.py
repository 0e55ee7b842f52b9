"""Validating one load across sources: programmes first, since every other record names one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from rantai.records import SOURCES
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
    raw: dict[str, pd.DataFrame],
    stored_programs: pd.DataFrame,
    gazetteer: Gazetteer,
    stored_keys: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, Validated]:
    """Validate every source of a load; returns each source's valid rows and quarantine.
    `stored_keys`: per source, the stored keys its rows may name (the stored branches that a
    parent_branch_code may name; see `named_keys`)."""
    results: dict[str, Validated] = {}
    loaded_programs = pd.DataFrame(columns=PROGRAM_COLUMNS)
    if "programs" in raw:
        # The stored programmes are what a predecessor_id may name, besides this file's own.
        results["programs"] = validate("programs", raw["programs"], stored_programs, gazetteer)
        loaded_programs = results["programs"].valid
    programs = known_programs(stored_programs, loaded_programs)
    for source, rows in raw.items():
        if source != "programs":
            known = (stored_keys or {}).get(source, ())
            results[source] = validate(source, rows, programs, gazetteer, known)
    return results


def naming_sources() -> dict[str, str]:
    """The sources with a column naming a record of their own (branches: parent_branch_code
    names a branch_code), with the column named."""
    out: dict[str, str] = {}
    for name, source in SOURCES.items():
        for spec in source.specs.values():
            if spec.names_own_record is not None:
                out[name] = spec.names_own_record
    return out
