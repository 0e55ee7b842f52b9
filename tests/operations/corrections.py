"""A delivery after corrections at the source, built on `tests.chain_folders.first_load`."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.chain_folders import V1_WORKERS, YEAR, first_load


def _rewrite(path: Path, change: dict[str, dict[str, str]], key: str) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row.update(change.get(row[key], {}))
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)


def corrected_load(folder: Path) -> None:
    """The first load, corrected: Pedukun (V1) paid the premium for all its allocation and its
    two missing workers are covered; Lubuk Niur's (V2) transfer date is corrected too."""
    first_load(folder)
    _rewrite(folder / "premium_payments.csv", {"PAY1": {"amount": str(20 * YEAR)}}, "payment_id")
    _rewrite(
        folder / "coverage.csv",
        {V1_WORKERS[8]: {"status": "AKTIF"}, V1_WORKERS[9]: {"status": "AKTIF"}},
        "nik",
    )
    _rewrite(
        folder / "village_transfers.csv", {"VT2": {"transfer_date": "2025-03-01"}}, "transfer_id"
    )
