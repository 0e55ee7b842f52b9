"""The next delivery of the same sources: some records corrected."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from samples.people import OCCUPATIONS


def corrected_delivery(
    typed: dict[str, pd.DataFrame], share: float, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    """`share` of each source's records corrected: same key, different content, still valid.

    Budgets revised, transfers and payments re-dated as the bank statement shows them, SP2D
    numbers and KPJ cards fixed, occupations corrected, BPJS activating cover it had reported
    NON_AKTIF, claims' event dates as the investigation established them. Row order and count stay, so the unchanged rows render as before.
    """
    out = dict(typed)
    for name, correct in _CORRECTIONS.items():
        frame = typed[name]
        count = round(len(frame) * share)
        if not count:
            continue
        rows = np.sort(rng.choice(len(frame), count, replace=False))
        frame = frame.copy()
        correct(frame, frame.index[rows], rng)
        out[name] = frame
    return out


def _revise_budget(frame: pd.DataFrame, rows: pd.Index, rng: np.random.Generator) -> None:
    frame.loc[rows, "allocated_amount"] += rng.integers(1, 11, len(rows)) * 100_000


def _fix_sp2d(frame: pd.DataFrame, rows: pd.Index, rng: np.random.Generator) -> None:
    frame.loc[rows, "sp2d_no"] = frame.loc[rows, "sp2d_no"].astype(str) + "/R"


def _redate(column: str) -> Callable[[pd.DataFrame, pd.Index, np.random.Generator], None]:
    def redate(frame: pd.DataFrame, rows: pd.Index, rng: np.random.Generator) -> None:
        frame.loc[rows, column] -= rng.integers(1, 4, len(rows))

    return redate


def _fix_occupation(frame: pd.DataFrame, rows: pd.Index, rng: np.random.Generator) -> None:
    current = pd.Index(OCCUPATIONS).get_indexer(frame.loc[rows, "occupation"])
    shift = rng.integers(1, len(OCCUPATIONS), len(rows))
    frame.loc[rows, "occupation"] = OCCUPATIONS[(current + shift) % len(OCCUPATIONS)]


def _activate(frame: pd.DataFrame, rows: pd.Index, rng: np.random.Generator) -> None:
    frame.loc[rows, "kpj_no"] = rng.integers(10**10, 10**11, len(rows)).astype(str)
    frame.loc[rows, "status"] = "AKTIF"


_CORRECTIONS: dict[str, Callable[[pd.DataFrame, pd.Index, np.random.Generator], None]] = {
    "allocations": _revise_budget,
    "district_transfers": _fix_sp2d,
    "village_transfers": _redate("transfer_date"),
    "enrollments": _fix_occupation,
    "premium_payments": _redate("paid_date"),
    "coverage": _activate,
    # The date of the accident or death as the investigation established it.
    "claims": _redate("event_date"),
}
