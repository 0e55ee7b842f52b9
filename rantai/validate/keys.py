"""Keys of a file's rows: a hash per row, and which rows repeat a key, compared by value only
where hashes collide."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from rantai.records import Source
from rantai.validate.verdicts import BoolArray


def key_hash(parsed: pd.DataFrame, source: Source) -> np.ndarray:
    """A 64-bit hash of each row's key; equal keys hash equal (see `duplicated`).

    Only compared within this process: text takes Python's own string hash, which a str
    object computes once and keeps (pandas' hash encodes every string to UTF-8 first).
    """
    combined = np.zeros(len(parsed), dtype=np.uint64)
    for name in source.key:
        column = parsed[name]
        hashed: np.ndarray
        if column.dtype == object:
            cells = column.to_numpy(dtype=object)
            hashed = np.fromiter(map(hash, cells), dtype=np.int64, count=len(cells))
            hashed = hashed.view(np.uint64)
        else:
            hashed = pd.util.hash_pandas_object(column, index=False).to_numpy()
        combined = (combined * np.uint64(1_000_003)) ^ hashed
    return combined


def duplicated(
    parsed: pd.DataFrame,
    rows: BoolArray,
    key: list[str],
    key_hash: np.ndarray,
    keep: Literal["first", False],
) -> BoolArray:
    """`parsed[rows].duplicated(subset=key, keep=keep)` exactly, spread over all rows (False
    outside `rows`), given the rows' `key_hash`.

    Rows whose key hash no other row shares are unique; only the few whose hash repeats are
    compared by value. Factorizing millions of distinct NIKs is what this avoids.
    """
    positions = np.flatnonzero(rows)
    maybe = pd.Series(key_hash[positions]).duplicated(keep=False).to_numpy()
    out = np.zeros(len(parsed), dtype=bool)
    if maybe.any():
        candidates = positions[maybe]
        out[candidates] = parsed.iloc[candidates][key].duplicated(keep=keep).to_numpy()
    return out
