"""The BPJS Ketenagakerjaan branch (Kantor Cabang) of each case (issue 15): branches.csv says
which branch serves each district; a case's branch is its unit's district's. Empty ("") when
no branch is known for the district (no branches.csv at all, or a district it leaves out)."""

from __future__ import annotations

import pandas as pd

from rantai.chain import district_of


def branch_of(codes: pd.Series, branches: pd.DataFrame | None) -> pd.Series:
    """Each region code's branch (by the district it lies in: a village, a kecamatan, a
    district), "" where none is known. Vectorised: each distinct district looked up once."""
    if branches is None or branches.empty or codes.empty:
        return pd.Series("", index=codes.index, dtype=object)
    serving = (
        branches.drop_duplicates("district_code", keep="last")
        .set_index("district_code")["branch_code"]
        .astype(object)
    )
    district = district_of(codes.astype(object).where(codes.notna(), None))
    found = district.astype(object).map(serving)
    return found.where(found.notna(), "").astype(object)
