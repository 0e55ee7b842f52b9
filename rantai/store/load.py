"""Loading validated records: set-based upserts by contract key, keeping replaced versions.

A daily delivery repeats most records unchanged, so a load first sets aside every record whose
content hash the store already holds (the hash covers the key, so the same hash is the same
record): those cost one hash and one lookup, and nothing is written for them. Into an empty
table the rest go straight in. Otherwise they go through a temporary staging table; from there
three statements copy the old versions of corrected records into history, rewrite the corrected
records in place, and insert the new ones. A repeated load writes no history.

Millions of rows do not go through SQLAlchemy's per-row parameter handling: SQLite gets
multi-row INSERT statements through its driver, PostgreSQL a COPY.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Column,
    Connection,
    MetaData,
    Table,
    and_,
    exists,
    inspect,
    literal,
    select,
)

from rantai.records import SOURCES, Kind
from rantai.store.schema import history_tables, load_batches, quarantine, source_tables
from rantai.validate import QUARANTINE_COLUMNS

# Rows per bulk write: bounds the Python objects alive at once (a national file has millions).
_CHUNK = 100_000
# Rows per SQLite INSERT statement; SQLite allows 32,766 parameters per statement.
_ROWS_PER_STATEMENT = 500
_SQLITE_MAX_PARAMETERS = 32_766
# Loads into an empty PostgreSQL table this big build its keys and indexes afterwards.
_REBUILD_FROM_ROWS = 100_000
# Without it SQLAlchemy 2.1 on psycopg reports -1 rows for INSERT ... SELECT.
_ROWCOUNT = {"preserve_rowcount": True}
_QUARANTINE_COLUMNS = ["batch_id", *QUARANTINE_COLUMNS]


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
    # (records, sums of the low and high halves of their content hashes): equal to the
    # table's `fingerprint` when the table holds exactly this load's valid records.
    fingerprint: tuple[int, int, int] | None = None


def fingerprint(hashes: np.ndarray) -> tuple[int, int, int]:
    """A multiset fingerprint of content hashes; `queries.stored_fingerprint` computes the
    same in SQL (halves, so that no sum overflows 64 bits)."""
    hashes = np.asarray(hashes, dtype=np.int64)
    return len(hashes), int((hashes & 0xFFFFFFFF).sum()), int((hashes >> 32).sum())


def content_hash(frame: pd.DataFrame, source: str) -> np.ndarray:
    """A 64-bit hash of each record's parsed content, independent of pandas' date units.

    It is `pd.util.hash_pandas_object(typed, index=False)` of the record's columns (dates as
    days, numbers as Int64, text as objects), worked out column by column the cheaper way.
    """
    hashes = []
    for name, spec in SOURCES[source].specs.items():
        values = frame[name]
        if spec.kind is Kind.DATE:
            days = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
            hashes.append(pd.util.hash_array(days.astype("int64")))
        elif spec.kind in (Kind.AMOUNT, Kind.INT):
            hashes.append(pd.util.hash_array(values.astype("Int64").array))
        else:
            hashes.append(_text_hash(values.to_numpy(dtype=object)))
    return _combine(hashes).view(np.int64)


def _text_hash(text: np.ndarray) -> np.ndarray:
    """pandas' hash of a text column (`categorize=True`, its default): a few values repeated
    over millions of rows are hashed once each; millions of distinct NIKs one by one, which
    gives the same hashes except for missing values, set here as pandas sets them."""
    sample = text[:2000]
    if len(set(sample.tolist())) * 2 < len(sample):
        return pd.util.hash_array(text, categorize=True)
    hashed = pd.util.hash_array(text, categorize=False)
    missing = pd.isna(text)
    if missing.any():
        hashed[missing] = np.iinfo(np.uint64).max
    return hashed


def _combine(hashes: list[np.ndarray]) -> np.ndarray:
    """pandas' combination of per-column hashes into one per row (`combine_hash_arrays`)."""
    multiplier = np.uint64(1000003)
    out = np.zeros_like(hashes[0]) + np.uint64(0x345678)
    for i, column in enumerate(hashes):
        out ^= column
        out *= multiplier
        multiplier += np.uint64(82520 + 2 * (len(hashes) - i))
    out += np.uint64(97531)
    return out


def db_values(frame: pd.DataFrame, source: str) -> dict[str, np.ndarray]:
    """A source's record columns as the drivers take them: str, int, `YYYY-MM-DD` or None."""
    return {
        name: _db_column(frame[name], spec.kind, spec.required)
        for name, spec in SOURCES[source].specs.items()
    }


def _db_column(values: pd.Series, kind: Kind, required: bool = False) -> np.ndarray:
    """One column as driver values. A `required` text field is never missing in a valid
    record: its cells go as they are, with no look for missing ones."""
    if kind is Kind.DATE:
        # SQLAlchemy stores a SQLite DATE as this text, and PostgreSQL parses it.
        days, distinct = pd.factorize(
            values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        )
        iso = np.datetime_as_string(np.asarray(distinct), unit="D").astype(object)
        return np.append(iso, np.array([None], dtype=object))[days]
    if kind in (Kind.AMOUNT, Kind.INT):
        numbers = values.astype("Int64")
        out = np.empty(len(numbers), dtype=object)
        present = numbers.notna().to_numpy()
        out[present] = numbers[present].to_numpy(dtype=np.int64).tolist()
        out[~present] = None
        return out
    text = values.to_numpy(dtype=object)
    if required:
        return text
    text = text.copy()
    text[pd.isna(text)] = None
    return text


def bulk_insert(conn: Connection, table: Table, columns: dict[str, np.ndarray]) -> int:
    """Insert many rows (columns of driver values, all the same length); returns the count."""
    names = list(columns)
    count = len(columns[names[0]]) if names else 0
    if not count:
        return 0
    dialect = conn.dialect.name
    if dialect == "sqlite":
        _sqlite_insert(conn, table.name, names, columns, count)
    elif dialect == "postgresql" and conn.dialect.driver == "psycopg":
        _postgres_copy(conn, table.name, names, columns, count)
    else:  # any other database: SQLAlchemy's executemany
        for start in range(0, count, _CHUNK):
            part = {n: columns[n][start : start + _CHUNK] for n in names}
            conn.execute(
                table.insert(), [dict(zip(names, row, strict=True)) for row in _rows(part)]
            )
    return count


def _rows(columns: dict[str, np.ndarray]) -> Iterator[tuple[Any, ...]]:
    return zip(*(c.tolist() for c in columns.values()), strict=True)


def _sqlite_insert(
    conn: Connection, table: str, names: list[str], columns: dict[str, np.ndarray], count: int
) -> None:
    # One statement binding hundreds of rows costs half of one statement per row.
    width = len(names)
    per_statement = max(1, min(_ROWS_PER_STATEMENT, _SQLITE_MAX_PARAMETERS // width))
    head = f'INSERT INTO "{table}" ({", ".join(names)}) VALUES '
    one = "(" + ",".join("?" * width) + ")"
    many = head + ",".join([one] * per_statement)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for start in range(0, count, _CHUNK):
            stop = min(start + _CHUNK, count)
            matrix = np.empty((stop - start, width), dtype=object)
            for i, name in enumerate(names):
                matrix[:, i] = columns[name][start:stop]
            full = len(matrix) // per_statement * per_statement
            if full:
                flat = matrix[:full].reshape(-1, per_statement * width)
                cursor.executemany(many, [tuple(row) for row in flat.tolist()])
            if full < len(matrix):
                rest = matrix[full:]
                cursor.execute(head + ",".join([one] * len(rest)), tuple(rest.ravel().tolist()))
    finally:
        cursor.close()


def _postgres_copy(
    conn: Connection, table: str, names: list[str], columns: dict[str, np.ndarray], count: int
) -> None:
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        statement = f'COPY "{table}" ({", ".join(names)}) FROM STDIN'
        with cursor.copy(statement) as copy:
            for start in range(0, count, _CHUNK):
                part = {n: columns[n][start : start + _CHUNK] for n in names}
                for row in _rows(part):
                    copy.write_row(row)


@contextmanager
def _without_indexes(conn: Connection, table: Table, rows: int) -> Iterator[None]:
    """A big load into an empty table goes in without its indexes (on PostgreSQL also its keys),
    which are built afterwards: one sort each instead of millions of index insertions.

    All within the load's transaction, so a failed load leaves the table as it was. The
    definitions are read from the database, so that they come back exactly as they were.
    """
    if rows < _REBUILD_FROM_ROWS or conn.dialect.name not in ("postgresql", "sqlite"):
        yield
        return
    name = table.name
    if conn.dialect.name == "sqlite":
        # A SQLite table's key is part of it; its other indexes can go and come back.
        indexes = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL",
            (name,),
        ).all()
        for index, _definition in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{index}"')
        yield
        for _index, definition in indexes:
            conn.exec_driver_sql(definition)
        return
    inspector = inspect(conn)
    key = inspector.get_pk_constraint(name)
    foreign = [f for f in inspector.get_foreign_keys(name) if f.get("name")]
    indexes = conn.exec_driver_sql(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = %(table)s AND indexname <> %(key)s",
        {"table": name, "key": key.get("name") or ""},
    ).all()
    for fk in foreign:
        conn.exec_driver_sql(f'ALTER TABLE "{name}" DROP CONSTRAINT "{fk["name"]}"')
    if key.get("name"):
        conn.exec_driver_sql(f'ALTER TABLE "{name}" DROP CONSTRAINT "{key["name"]}"')
    for index, _definition in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{index}"')
    yield
    conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    if key.get("name"):
        columns = ", ".join(f'"{c}"' for c in key["constrained_columns"])
        conn.exec_driver_sql(
            f'ALTER TABLE "{name}" ADD CONSTRAINT "{key["name"]}" PRIMARY KEY ({columns})'
        )
    for _index, definition in indexes:
        conn.exec_driver_sql(definition)
    for fk in foreign:
        columns = ", ".join(f'"{c}"' for c in fk["constrained_columns"])
        referred = ", ".join(f'"{c}"' for c in fk["referred_columns"])
        conn.exec_driver_sql(
            f'ALTER TABLE "{name}" ADD CONSTRAINT "{fk["name"]}" FOREIGN KEY ({columns}) '
            f'REFERENCES "{fk["referred_table"]}" ({referred})'
        )


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


def stored_hashes(conn: Connection, source: str) -> np.ndarray:
    """The content hashes of a source's stored records.

    The database joins them into one text that NumPy parses: millions of rows fetched one by
    one as Python tuples take up to three times as long."""
    table = source_tables[source]
    joined = (
        "string_agg(content_hash::text, ',')"
        if conn.dialect.name == "postgresql"
        else "group_concat(content_hash, ',')"
    )
    count, text = conn.exec_driver_sql(
        f'SELECT count(content_hash), {joined} FROM "{table.name}"'
    ).one()
    if not count:
        return np.empty(0, dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # text that is not all numbers raises, never truncates
        hashes = np.fromstring(text, dtype=np.int64, sep=",")
    if len(hashes) != count:
        raise ValueError(f"{table.name}: read {len(hashes)} content hashes of {count}")
    return hashes


def _already_stored(hashes: np.ndarray, stored: np.ndarray) -> np.ndarray:
    """Which hashes are among the stored ones."""
    if not len(stored):
        return np.zeros(len(hashes), dtype=bool)
    return pd.Series(hashes).isin(stored).to_numpy()


def load_source(
    conn: Connection,
    source: str,
    batch_id: int,
    valid: pd.DataFrame,
    quarantined: pd.DataFrame,
    rows_read: int,
) -> BatchReport:
    """Upsert one source's valid records and store its quarantine, inside the caller's transaction."""
    inserted = replaced = 0  # new records, and corrected ones
    hashes = np.empty(0, dtype=np.int64)
    if len(valid):
        hashes = content_hash(valid, source)
        stored = stored_hashes(conn, source)
        # The same content hash is the same record, stored already: nothing to write.
        arriving = ~_already_stored(hashes, stored)
        if arriving.any():
            fresh = valid[arriving]
            columns = {
                **db_values(fresh, source),
                "batch_id": np.full(len(fresh), batch_id, dtype=object),
                "content_hash": hashes[arriving].astype(object),
            }
            if len(stored):
                inserted, replaced = _upsert(conn, source, batch_id, columns)
            else:
                with _without_indexes(conn, source_tables[source], len(fresh)):
                    inserted = bulk_insert(conn, source_tables[source], columns)
    if len(quarantined):
        records = quarantined.assign(batch_id=batch_id)
        columns = {
            name: records[name].to_numpy(dtype=object).copy() for name in _QUARANTINE_COLUMNS
        }
        columns["batch_id"] = np.full(len(records), batch_id, dtype=object)
        columns["row_number"] = records["row_number"].to_numpy(dtype=np.int64).astype(object)
        bulk_insert(conn, quarantine, columns)
    report = BatchReport(
        source=source,
        batch_id=batch_id,
        rows_read=rows_read,
        rows_loaded=len(valid),
        rows_quarantined=len(quarantined),
        rows_inserted=inserted,
        rows_replaced=replaced,
        fingerprint=fingerprint(hashes),
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


def _upsert(
    conn: Connection, source: str, batch_id: int, columns: dict[str, np.ndarray]
) -> tuple[int, int]:
    """New and corrected records through a staging table; returns how many records were
    new and how many corrected (replaced)."""
    target = source_tables[source]
    history = history_tables[source]
    key = SOURCES[source].key
    record_columns = SOURCES[source].columns
    staging = _staging_table(source)
    staging.create(conn)
    bulk_insert(conn, staging, columns)
    if conn.dialect.name == "postgresql":
        # With the staged rows counted, PostgreSQL looks them up by key instead of scanning
        # millions of stored ones.
        conn.exec_driver_sql(f'ANALYZE "{staging.name}"')
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
    if replaced:
        # Corrected records are rewritten where they are (UPDATE ... FROM): their key stays,
        # so the key's index is left as it is, where a delete and an insert would change it
        # twice per record.
        conn.execute(
            target.update()
            .where(changed)
            .values({c.name: staging.c[c.name] for c in target.columns if c.name not in key})
        )
    fresh = select(*[staging.c[c.name] for c in target.columns]).where(
        ~exists(select(literal(1)).select_from(target).where(same_key).correlate(staging))
    )
    inserted = conn.execute(
        target.insert().from_select([c.name for c in target.columns], fresh),
        execution_options=_ROWCOUNT,
    ).rowcount
    staging.drop(conn)
    return inserted, replaced
