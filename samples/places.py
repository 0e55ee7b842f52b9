"""The gazetteer as arrays: villages of a region, names of districts."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from rantai.regions import load_gazetteer


@lru_cache(maxsize=1)
def region_table() -> pd.DataFrame:
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


def villages_in(parent: str, desa_only: bool) -> np.ndarray:
    """Village codes inside a region, sorted."""
    regions = region_table()
    mask = (regions["length"] == 13) & regions["code"].str.startswith(parent + ".")
    if desa_only:
        mask &= regions["is_desa"]
    return regions.loc[mask, "code"].to_numpy(dtype=object)


def title(name: str) -> str:
    """`KAB. INDRAGIRI HILIR` -> `Kabupaten Indragiri Hilir`; `DKI JAKARTA` -> `DKI Jakarta`."""
    words = name.replace("KAB.", "KABUPATEN").split()
    return " ".join(w if w in {"DKI", "DI"} else w.capitalize() for w in words)


def slug(name: str) -> str:
    """`KAB. ACEH SELATAN` -> `aceh-selatan`; `KOTA DUMAI` -> `kota-dumai`."""
    bare = re.sub(r"^KAB\.\s*", "", name)
    return re.sub(r"[^a-z0-9]+", "-", bare.lower()).strip("-")


def undotted_codes(codes: np.ndarray | pd.Series) -> pd.Series:
    return pd.Series(codes, dtype=object).str.replace(".", "", regex=False)
