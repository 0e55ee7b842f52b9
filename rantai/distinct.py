"""Working out a column once per distinct value: millions of rows name a few thousand dates,
regions or programmes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd


def map_distinct(values: Any, fn: Callable[[Any], Any], fill: Any = None) -> np.ndarray:
    """`fn` of each value as an object array, `fn` called once per distinct value; missing
    values (None, NaN, NaT) get `fill`."""
    positions, distinct = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    return np.array([*(fn(v) for v in distinct), fill], dtype=object)[positions]
