"""Each row's verdict: the first reason that catches it, and a detail that explains it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rantai.records import Reason

BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]
Detail = Callable[[BoolArray], "pd.Series | str"]

REASONS = list(Reason)
_OPEN = -1


class Verdicts:
    """Each row's reason (an index into `Reason`, or open) and detail; the first reason wins."""

    def __init__(self, n: int) -> None:
        self.reason = np.full(n, _OPEN, dtype=np.int8)
        self.detail = np.full(n, None, dtype=object)

    @property
    def open(self) -> BoolArray:
        """Rows without a reason so far."""
        return self.reason == _OPEN

    def flag(self, mask: Any, reason: Reason, detail: Detail) -> None:
        """Give `reason` to the rows of `mask` that have none yet; `detail(hit)` explains each."""
        hit = np.asarray(mask, dtype=bool) & self.open
        if not hit.any():
            return
        self.reason[hit] = REASONS.index(reason)
        text = detail(hit)
        self.detail[hit] = text if isinstance(text, str) else text.to_numpy(dtype=object)
