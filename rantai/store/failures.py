"""Protection failures already reported: a family the chain failed is announced once (one
`rantai.protection.failure` event), the first run that finds it; later runs still list it in
protection_failures.csv and on the run page, but it is no longer news."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from rantai.store.load import bulk_insert
from rantai.store.schema import failure_reports


def read_failure_reports(conn: Connection) -> pd.DataFrame:
    """Every protection failure ever reported, with the day (as_of) and run that first did."""
    frame = pd.read_sql(select(failure_reports), conn)
    frame["first_reported"] = pd.to_datetime(frame["first_reported"]).dt.date
    return frame


def record_failures(
    conn: Connection, failures: pd.DataFrame, as_of: dt.date, run_id: str
) -> pd.DataFrame:
    """Record this run's protection failures inside the caller's transaction (the run's, as the
    flags are: a run killed before it commits leaves them unreported, so the next run announces
    them) and return the new ones: those whose claim no earlier run reported, in the order given.

    A claim is reported once whatever its later fate (its blocking stage or status may change
    from run to run: the family still went without cover on the day it needed it)."""
    if failures.empty:
        return failures.iloc[0:0]
    claim_ids = failures["claim_id"].astype(str)
    reported = pd.read_sql(select(failure_reports.c.claim_id), conn)["claim_id"].astype(str)
    # A claim twice in one evaluation (it should not be) is recorded once.
    fresh = ~claim_ids.isin(reported) & ~claim_ids.duplicated()
    new = failures.loc[fresh.to_numpy()]
    count = len(new)
    if count:
        day = as_of.isoformat() if conn.dialect.name == "sqlite" else as_of
        bulk_insert(
            conn,
            failure_reports,
            {
                "claim_id": new["claim_id"].astype(str).to_numpy(dtype=object),
                "program_id": new["program_id"].astype(str).to_numpy(dtype=object),
                "unit_code": new["unit_code"].astype(str).to_numpy(dtype=object),
                "first_reported": np.full(count, day, dtype=object),
                "run_id": np.full(count, run_id, dtype=object),
            },
        )
    return new.reset_index(drop=True)
