"""Typed records rendered as the text a CSV carries, with real submissions' variety."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rantai.records import SOURCES, Kind


def render_source(source: str, typed: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Every value as the text a submitter would write, in the variety of formats they use."""
    n = len(typed)
    out: dict[str, pd.Series] = {}
    for column, spec in SOURCES[source].specs.items():
        if column not in typed.columns and not spec.required:
            # An optional column the story does not use: empty, as a submitter leaves it.
            out[column] = pd.Series([""] * n, dtype=object)
            continue
        values = typed[column].reset_index(drop=True)
        u = rng.random(n)
        missing = pd.Series(values.isna().to_numpy())
        if spec.kind is Kind.DATE:
            # A national file has millions of dates but only a few hundred distinct days.
            days, distinct = pd.factorize(values.where(~missing.to_numpy(), 0).astype(np.int64))
            stamps = pd.to_datetime(np.asarray(distinct, dtype=np.int64), unit="D")
            iso = np.asarray(stamps.strftime("%Y-%m-%d"), dtype=object)[days]
            dmy = np.asarray(stamps.strftime("%d/%m/%Y"), dtype=object)[days]
            text = pd.Series(np.where(u >= 0.06, iso, dmy), dtype=object)
        elif spec.kind is Kind.AMOUNT:
            text = _plain_text(values, missing, whole=True)
            fancy = np.flatnonzero((u < 0.09) & ~missing.to_numpy())
            prefix = np.where(u[fancy] < 0.03, "Rp", np.where(u[fancy] < 0.06, "Rp ", ""))
            text.iloc[fancy] = [
                p + f"{int(values.iloc[i]):,}".replace(",", ".")
                for p, i in zip(prefix, fancy, strict=True)
            ]
        elif spec.kind is Kind.CODE:
            text = values.astype(object)
            undotted = np.flatnonzero(u < 0.07)
            if len(undotted):
                text.iloc[undotted] = text.iloc[undotted].str.replace(".", "", regex=False)
        else:
            text = _plain_text(values, missing, whole=False)
        out[column] = text.where(~missing, "")
    return pd.DataFrame(out, columns=SOURCES[source].columns).astype(str)


def _plain_text(values: pd.Series, missing: pd.Series, whole: bool) -> pd.Series:
    """Values as `str()` writes them (amounts as whole numbers), empty where missing."""
    if pd.api.types.is_integer_dtype(values) and not missing.any():
        return pd.Series(values.to_numpy(dtype=np.int64).astype(str), dtype=object)
    if values.dtype == object and not missing.any():
        return pd.Series(values.to_numpy(dtype=object).astype(str), dtype=object)
    if whole:
        return values.map(lambda v: "" if pd.isna(v) else str(int(v))).astype(object)
    return values.map(lambda v: "" if v is None or pd.isna(v) else str(v)).astype(object)
