"""Audit: every version a record has had, and when each stall flag opened and closed."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, and_, literal, select, union_all

from rantai.records import SOURCES, Kind, mask_name, mask_nik
from rantai.store.schema import flag_events, history_tables, load_batches, source_tables

VERSION_COLUMNS = ["source", "version", "state", "batch_id", "loaded_at", "origin"]


def split_key(source: str, key: str) -> dict[str, str]:
    """A key as written in quarantine.csv (`nik|program_id`) as a field -> value mapping."""
    fields = SOURCES[source].key
    values = key.split("|")
    if len(values) != len(fields):
        raise ValueError(f"{source} is keyed by {'|'.join(fields)}; got {key!r}")
    return dict(zip(fields, values, strict=True))


def record_versions(conn: Connection, source: str, key: str) -> pd.DataFrame:
    """All versions of one record, oldest first: replaced ones from history, then the current."""
    values = split_key(source, key)
    current, history = source_tables[source], history_tables[source]
    columns = SOURCES[source].columns
    old = select(
        *[history.c[c] for c in columns],
        history.c.batch_id,
        literal("replaced").label("state"),
    ).where(and_(*[history.c[k] == v for k, v in values.items()]))
    now = select(
        *[current.c[c] for c in columns],
        current.c.batch_id,
        literal("current").label("state"),
    ).where(and_(*[current.c[k] == v for k, v in values.items()]))
    versions = union_all(old, now).subquery()
    query = (
        select(versions, load_batches.c.loaded_at, load_batches.c.origin)
        .join(load_batches, load_batches.c.batch_id == versions.c.batch_id)
        .order_by(versions.c.batch_id)
    )
    frame = pd.read_sql(query, conn)
    frame.insert(0, "source", source)
    frame.insert(1, "version", range(1, len(frame) + 1))
    return frame[[*VERSION_COLUMNS, *columns]]


def masked(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """The same versions with NIKs and names masked, for anything shown on a screen or log."""
    out = frame.copy()
    for name, spec in SOURCES[source].specs.items():
        if spec.kind is Kind.NIK:
            out[name] = out[name].map(mask_nik)
        elif name == "name" and spec.kind is Kind.TEXT:
            out[name] = out[name].map(mask_name)
    return out


def find_record(conn: Connection, key: str, source: str | None = None) -> pd.DataFrame:
    """Versions of a key (personal data masked) in one source, or every source keyed alike."""
    sources = (
        [source] if source else [s for s in SOURCES if len(SOURCES[s].key) == key.count("|") + 1]
    )
    found = [masked(record_versions(conn, s, key), s) for s in sources]
    found = [f for f in found if len(f)]
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=VERSION_COLUMNS)


def stall_history(
    conn: Connection, program_id: str | None = None, unit_code: str | None = None
) -> pd.DataFrame:
    """When each flag opened and resolved, oldest first."""
    query = select(flag_events).order_by(flag_events.c.as_of, flag_events.c.event_id)
    if program_id:
        query = query.where(flag_events.c.program_id == program_id)
    if unit_code:
        query = query.where(flag_events.c.unit_code == unit_code)
    return pd.read_sql(query, conn).drop(columns=["event_id"])
