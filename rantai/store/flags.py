"""Stall flags: which (case, stage) are open, since when, and what changed in this run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Column, Connection, MetaData, Table, and_, bindparam, select, tuple_

from rantai.flags import FLAG_KEY, FlagChanges, flag_lifecycle
from rantai.scope import Scope
from rantai.store.load import bulk_insert
from rantai.store.schema import flag_events, flags

# Past this many flags, an update goes through a temporary table instead of row by row.
_KEYS_ONE_BY_ONE = 1_000


@dataclass(frozen=True)
class FlagUpdate:
    """The stalls with `first_flagged` and `status`, and the flags this run opened and resolved."""

    stalls: pd.DataFrame
    opened: pd.DataFrame
    resolved: pd.DataFrame


def read_flags(conn: Connection) -> pd.DataFrame:
    """All flags ever raised."""
    frame = pd.read_sql(select(flags), conn)
    for column in ("first_flagged", "opened_on", "last_seen", "resolved_on"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    frame["is_open"] = frame["is_open"].astype(bool)
    return frame


def update_flags(
    conn: Connection, stalls: pd.DataFrame, as_of: dt.date, run_id: str, scope: Scope
) -> FlagUpdate:
    """Open, keep and resolve flags for this run's stalls (`rantai.flags.flag_lifecycle`),
    inside the caller's transaction. Only flags inside the scope can be resolved."""
    known = read_flags(conn)
    known = known[scope.unit_mask(known)] if len(known) else known
    changes = flag_lifecycle(stalls, known, as_of)
    _write(conn, changes, as_of)
    _log_events(conn, changes.opened, changes.resolved, as_of, run_id)
    return FlagUpdate(stalls=changes.stalls, opened=changes.opened, resolved=changes.resolved)


def _write(conn: Connection, changes: FlagChanges, as_of: dt.date) -> None:
    """Store this run's flag changes: new flags inserted, the others updated."""
    result, resolved = changes.stalls, changes.resolved
    fresh = result[changes.brand_new]
    if len(fresh):
        # A first national run opens tens of thousands of flags: one bulk insert.
        count = len(fresh)
        day = as_of.isoformat() if conn.dialect.name == "sqlite" else as_of
        bulk_insert(
            conn,
            flags,
            {
                "program_id": fresh["program_id"].to_numpy(dtype=object),
                "unit_code": fresh["unit_code"].to_numpy(dtype=object),
                "stage": fresh["stage"].astype(str).to_numpy(dtype=object),
                "case_id": fresh["case_id"].fillna("").astype(str).to_numpy(dtype=object),
                "district_code": fresh["district_code"].to_numpy(dtype=object),
                "first_flagged": np.full(count, day, dtype=object),
                "is_open": np.full(count, True, dtype=object),
                "opened_on": np.full(count, day, dtype=object),
                "last_seen": np.full(count, day, dtype=object),
                "resolved_on": np.full(count, None, dtype=object),
                "times_opened": np.full(count, 1, dtype=object),
            },
        )
    where_case = and_(*[flags.c[k] == bindparam(f"k_{k}") for k in FLAG_KEY])

    def keys(frame: pd.DataFrame) -> list[dict[str, object]]:
        return [
            {f"k_{k}": v for k, v in zip(FLAG_KEY, row, strict=True)}
            for row in frame[FLAG_KEY].itertuples(index=False, name=None)
        ]

    again = result[changes.reopened]
    if len(again):
        conn.execute(
            flags.update()
            .where(where_case)
            .values(
                is_open=True,
                opened_on=as_of,
                last_seen=as_of,
                resolved_on=None,
                times_opened=flags.c.times_opened + 1,
            ),
            keys(again),
        )
    still = result[changes.continuing]
    if len(still) > _KEYS_ONE_BY_ONE:
        # Every open flag of a national run is seen again each day: one statement for them.
        _touch(conn, still[FLAG_KEY], as_of)
    elif len(still):
        conn.execute(flags.update().where(where_case).values(last_seen=as_of), keys(still))
    if len(resolved):
        conn.execute(
            flags.update().where(where_case).values(is_open=False, resolved_on=as_of),
            keys(resolved),
        )


def _touch(conn: Connection, cases: pd.DataFrame, as_of: dt.date) -> None:
    """Set `last_seen` of many flags at once, through a temporary table of their keys."""
    seen = Table(
        "seen_flags",
        MetaData(),
        *[Column(k, flags.c[k].type) for k in FLAG_KEY],
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )
    seen.create(conn)
    bulk_insert(conn, seen, {k: cases[k].astype(str).to_numpy(dtype=object) for k in FLAG_KEY})
    # IN over the keys: the database builds a lookup of them once; a correlated EXISTS
    # against an unindexed table would scan it for every flag.
    case = tuple_(*[flags.c[k] for k in FLAG_KEY])
    conn.execute(
        flags.update()
        .where(case.in_(select(*[seen.c[k] for k in FLAG_KEY])))
        .values(last_seen=as_of)
    )
    seen.drop(conn)


def _log_events(
    conn: Connection, opened: pd.DataFrame, resolved: pd.DataFrame, as_of: dt.date, run_id: str
) -> None:
    """One flag_events row per flag opened or resolved, in one bulk insert."""
    count = len(opened) + len(resolved)
    if not count:
        return
    day = as_of.isoformat() if conn.dialect.name == "sqlite" else as_of

    def column(name: str) -> np.ndarray:
        values = [frame[name].astype(str).to_numpy(dtype=object) for frame in (opened, resolved)]
        return np.concatenate(values)

    def measure(name: str) -> np.ndarray:
        # Python ints; an amount past 64 bits (only hostile totals, which the outputs carry
        # exactly) is not kept here: a BIGINT cannot hold it. Nor is an unknown one (a JKK
        # claim's benefit before it is paid: empty, not zero).
        values = opened[name]
        if values.dtype == object or values.hasnans:
            numbers = np.array(
                [
                    None if pd.isna(v) or not -(2**63) <= int(v) < 2**63 else int(v)
                    for v in values.tolist()
                ],
                dtype=object,
            )
        else:
            numbers = values.to_numpy(dtype=np.int64).astype(object)
        return np.concatenate([numbers, np.full(len(resolved), None, dtype=object)])

    bulk_insert(
        conn,
        flag_events,
        {
            "run_id": np.full(count, run_id, dtype=object),
            "program_id": column("program_id"),
            "unit_code": column("unit_code"),
            "stage": column("stage"),
            "case_id": column("case_id"),
            "event": np.array(
                ["opened"] * len(opened) + ["resolved"] * len(resolved), dtype=object
            ),
            "as_of": np.full(count, day, dtype=object),
            "days_overdue": measure("days_overdue"),
            "amount_at_stake": measure("amount_at_stake"),
            "workers_affected": measure("workers_affected"),
        },
    )
