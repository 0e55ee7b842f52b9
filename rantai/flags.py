"""The life of a stall flag: opened the first run that sees a stalled step, kept open while the
step stays stalled, resolved the first run in its scope that no longer sees it, and reopened
(keeping its first_flagged) when it stalls again. A pure function: the store keeps the flags.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

# A flag is one stalled (case, stage); case_id names the claim of a CLAIM_PAYMENT case, "" else.
FLAG_KEY = ["program_id", "unit_code", "stage", "case_id"]


class FlagStatus(StrEnum):
    """stalls.csv's status: NEW the first run that saw the flag in this store, else ONGOING."""

    NEW = "NEW"
    ONGOING = "ONGOING"


@dataclass(frozen=True)
class FlagChanges:
    """What one run does to the flags: the stalls with first_flagged and status, and which of
    them open a new flag, reopen a resolved one or continue an open one (masks over `stalls`),
    and the keys of the open flags it resolves."""

    stalls: pd.DataFrame
    brand_new: np.ndarray
    reopened: np.ndarray
    continuing: np.ndarray
    resolved: pd.DataFrame

    @property
    def opened(self) -> pd.DataFrame:
        """The stalls whose flag this run opened, new or reopened."""
        return self.stalls[self.brand_new | self.reopened].reset_index(drop=True)


def flag_lifecycle(stalls: pd.DataFrame, known: pd.DataFrame, as_of: dt.date) -> FlagChanges:
    """This run's flag changes, from its stalls and the flags known in its scope (FLAG_KEY,
    first_flagged, is_open). A flag outside the scope must not be in `known`: a rerun for one
    village says nothing of the others."""
    merged = stalls.merge(
        known[[*FLAG_KEY, "first_flagged", "is_open"]], on=FLAG_KEY, how="left", indicator=True
    )
    seen_before = (merged["_merge"] == "both").to_numpy()
    is_open = merged["is_open"].fillna(False).astype(bool).to_numpy()
    brand_new = ~seen_before

    result = stalls.copy()
    result["first_flagged"] = merged["first_flagged"].where(~brand_new, as_of).to_numpy()
    result["status"] = np.where(brand_new, FlagStatus.NEW.value, FlagStatus.ONGOING.value)

    stalled_keys = stalls[FLAG_KEY].assign(_stalled=True)
    still = known[known["is_open"].astype(bool)].merge(stalled_keys, on=FLAG_KEY, how="left")
    resolved = still[still["_stalled"].isna()][FLAG_KEY].reset_index(drop=True)
    return FlagChanges(
        stalls=result,
        brand_new=brand_new,
        reopened=seen_before & ~is_open,
        continuing=seen_before & is_open,
        resolved=resolved,
    )
