"""A validated file's two results: the typed records to load, and the rows refused."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rantai.records import Kind, Source
from rantai.validate.details import written_at
from rantai.validate.keys import duplicated
from rantai.validate.reading import Field
from rantai.validate.verdicts import REASONS, BoolArray, Verdicts

QUARANTINE_COLUMNS = ["source", "row_number", "record_id", "reason", "detail"]


def valid_frame(
    source: Source, parsed: pd.DataFrame, key_hash: np.ndarray, accepted: BoolArray
) -> pd.DataFrame:
    """Accepted rows, typed, in file order; of identical copies only the first."""
    # Conflicting copies are quarantined by now, so rows sharing a key here are identical.
    kept = accepted & ~duplicated(parsed, accepted, list(source.key), key_hash, keep="first")
    valid = parsed[kept]
    for name, spec in source.specs.items():
        if spec.required and spec.kind in (Kind.AMOUNT, Kind.INT):
            valid[name] = valid[name].astype("int64")
    valid["row_number"] = (np.flatnonzero(kept) + 1).astype("int64")
    return valid.reset_index(drop=True)


def quarantine_frame(source: Source, fields: dict[str, Field], verdicts: Verdicts) -> pd.DataFrame:
    """Refused rows in file order: source, row_number, record_id, reason, detail."""
    hit = ~verdicts.open
    # record_id is the key as written, so an operator can find the row in their own file.
    parts = [written_at(fields[name].written, hit) for name in source.key]
    record_id = parts[0]
    for part in parts[1:]:
        record_id = record_id + "|" + part
    reasons = np.array([r.value for r in REASONS], dtype=object)
    count = int(hit.sum())
    return pd.DataFrame(
        {
            "source": pd.Series([source.name] * count, dtype="object"),
            "row_number": pd.Series(np.flatnonzero(hit) + 1, dtype="int64"),
            "record_id": pd.Series(record_id.to_numpy(dtype=object), dtype="object"),
            "reason": pd.Series(reasons[verdicts.reason[hit]], dtype="object"),
            "detail": pd.Series(verdicts.detail[hit], dtype="object"),
        },
        columns=QUARANTINE_COLUMNS,
    )
