"""Loading validated records: set-based upserts by contract key, keeping replaced versions.

Each source goes through a temporary staging table; from there three statements move the
old versions of corrected records into history, delete them, and insert what is new or
corrected. Unchanged records are left alone, so a repeated load writes no history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Column, Connection, MetaData, Table, and_, exists, literal, select

from rantai.records import SOURCES, Kind
from rantai.store.schema import history_tables, load_batches, quarantine, source_tables

_CHUNK = 50_000
# Without it SQLAlchemy 2.1 on psycopg reports -1 rows for INSERT ... SELECT.
_ROWCOUNT = {"preserve_rowcount": True}


@dataclass(frozen=True)
class BatchReport:
    """What one source's load did."""

    source: str
    batch_id: int
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_inserted: int
    rows_replaced: int


def content_hash(frame: pd.DataFrame, source: str) -> np.ndarray:
    """A 64-bit hash of each record's parsed content, independent of pandas' date units."""
    columns = {}
    for name, spec in SOURCES[source].specs.items():
        values = frame[name]
        if spec.kind is Kind.DATE:
            days = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
            columns[name] = pd.Series(days.astype("int64"), index=frame.index)
        elif spec.kind in (Kind.AMOUNT, Kind.INT):
            columns[name] = values.astype("Int64")
        else:
            columns[name] = values.astype(object).where(values.notna(), None)
    hashed = pd.util.hash_pandas_object(pd.DataFrame(columns), index=False).to_numpy()
    return hashed.view(np.int64)


def _rows(frame: pd.DataFrame, source: str, batch_id: int) -> Iterator[dict[str, Any]]:
    """Records as plain Python values for executemany: dates as dates, missing as None."""
    specs = SOURCES[source].specs
    converted: dict[str, list[Any]] = {}
    for name, spec in specs.items():
        values = frame[name]
        if spec.kind is Kind.DATE:
            stamps = pd.to_datetime(values)
            converted[name] = [None if pd.isna(v) else v.date() for v in stamps]
        elif spec.kind in (Kind.AMOUNT, Kind.INT):
            converted[name] = [None if pd.isna(v) else int(v) for v in values.astype(object)]
        else:
            converted[name] = [None if v is None or v is pd.NA else str(v) for v in values]
    converted["content_hash"] = [int(v) for v in content_hash(frame, source)]
    names = list(converted)
    for values in zip(*converted.values(), strict=True):
        row = dict(zip(names, values, strict=True))
        row["batch_id"] = batch_id
        yield row


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _staging_table(source: str) -> Table:
    target = source_tables[source]
    return Table(
        f"staging_{source}",
        MetaData(),
        *[Column(c.name, c.type) for c in target.columns],
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )


def new_batch(
    conn: Connection, run_id: str, source: str, origin: str, checksum: str, rows_read: int
) -> int:
    """Open a load batch row and return its id (its counts are filled in by `load_source`)."""
    batch_id = conn.execute(
        load_batches.insert()
        .returning(load_batches.c.batch_id)
        .values(
            run_id=run_id,
            source=source,
            origin=origin,
            checksum=checksum,
            rows_read=rows_read,
            rows_loaded=0,
            rows_quarantined=0,
            rows_inserted=0,
            rows_replaced=0,
            loaded_at=dt.datetime.now(dt.UTC),
        )
    ).scalar_one()
    return int(batch_id)


def load_source(
    conn: Connection,
    source: str,
    batch_id: int,
    valid: pd.DataFrame,
    quarantined: pd.DataFrame,
    rows_read: int,
) -> BatchReport:
    """Upsert one source's valid records and store its quarantine, inside the caller's transaction."""
    target = source_tables[source]
    history = history_tables[source]
    key = SOURCES[source].key
    record_columns = SOURCES[source].columns
    inserted = replaced = 0
    if len(valid):
        staging = _staging_table(source)
        staging.create(conn)
        for chunk in _chunks(_rows(valid, source, batch_id), _CHUNK):
            conn.execute(staging.insert(), chunk)
        same_key = and_(*[target.c[k] == staging.c[k] for k in key])
        changed = same_key & (target.c.content_hash != staging.c.content_hash)

        old_versions = select(
            *[target.c[c] for c in record_columns],
            target.c.batch_id,
            target.c.content_hash,
            literal(batch_id),
        ).join(staging, changed)
        replaced = conn.execute(
            history.insert().from_select(
                [*record_columns, "batch_id", "content_hash", "replaced_by_batch_id"],
                old_versions,
            ),
            execution_options=_ROWCOUNT,
        ).rowcount
        conn.execute(
            target.delete().where(
                exists(select(literal(1)).select_from(staging).where(changed).correlate(target))
            )
        )
        fresh = select(*[staging.c[c.name] for c in target.columns]).where(
            ~exists(select(literal(1)).select_from(target).where(same_key).correlate(staging))
        )
        inserted = conn.execute(
            target.insert().from_select([c.name for c in target.columns], fresh),
            execution_options=_ROWCOUNT,
        ).rowcount
        staging.drop(conn)
    if len(quarantined):
        records = quarantined.assign(batch_id=batch_id)[
            ["batch_id", "source", "row_number", "record_id", "reason", "detail"]
        ]
        conn.execute(
            quarantine.insert(),
            [
                {**row, "row_number": int(row["row_number"])}
                for row in records.to_dict(orient="records")
            ],
        )
    report = BatchReport(
        source=source,
        batch_id=batch_id,
        rows_read=rows_read,
        rows_loaded=len(valid),
        rows_quarantined=len(quarantined),
        rows_inserted=inserted - replaced,
        rows_replaced=replaced,
    )
    conn.execute(
        load_batches.update()
        .where(load_batches.c.batch_id == batch_id)
        .values(
            rows_loaded=report.rows_loaded,
            rows_quarantined=report.rows_quarantined,
            rows_inserted=report.rows_inserted,
            rows_replaced=report.rows_replaced,
        )
    )
    return report
