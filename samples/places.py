"""The gazetteer as arrays: villages of a region, names of districts."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from rantai.regions import desa_codes, load_gazetteer


@lru_cache(maxsize=1)
def region_table() -> pd.DataFrame:
    """Every code with its length and desa flag, sorted (built once per process)."""
    codes = pd.Series(sorted(load_gazetteer().names), dtype=object)
    length = codes.str.len()
    return pd.DataFrame(
        {
            "code": codes,
            "length": length,
            "is_desa": desa_codes(codes),
        }
    )


def villages_in(parent: str, desa_only: bool) -> np.ndarray:
    """Village codes inside a region, sorted."""
    regions = region_table()
    mask = (regions["length"] == 13) & regions["code"].str.startswith(parent + ".")
    if desa_only:
        mask &= regions["is_desa"]
    return regions.loc[mask, "code"].to_numpy(dtype=object)


def slug(name: str) -> str:
    """`Kabupaten Aceh Selatan` -> `aceh-selatan`; `Kota Dumai` -> `kota-dumai`."""
    bare = re.sub(r"^Kabupaten\s+", "", name)
    return re.sub(r"[^a-z0-9]+", "-", bare.lower()).strip("-")


def undotted_codes(codes: np.ndarray | pd.Series) -> pd.Series:
    return pd.Series(codes, dtype=object).str.replace(".", "", regex=False)
