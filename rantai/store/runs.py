"""The runs table: which evaluation ran, on what date, over what scope."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from rantai.scope import Scope
from rantai.store.schema import runs


def start_run(conn: Connection, run_id: str, flow_name: str, as_of: dt.date, scope: Scope) -> None:
    """Record that a run evaluated a scope as of a date."""
    conn.execute(
        runs.insert().values(
            run_id=run_id,
            flow_run_id=run_id,
            flow_name=flow_name,
            as_of=as_of,
            scope=scope.to_json(),
            started_at=dt.datetime.now(dt.UTC),
        )
    )


def finish_run(conn: Connection, run_id: str, stalls: int, resolved: int) -> None:
    """Record a run's outcome."""
    conn.execute(
        runs.update()
        .where(runs.c.run_id == run_id)
        .values(finished_at=dt.datetime.now(dt.UTC), stalls=stalls, resolved=resolved)
    )
