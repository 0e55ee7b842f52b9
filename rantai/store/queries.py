"""Reading the store back as typed frames, the shape `rantai.stages.evaluate` takes.

A national store holds millions of records, so reads go through the driver's cursor (no
SQLAlchemy row objects, no per-value date processing) and are typed a column at a time. A run
scoped to districts or villages reads only their rows: the allocations, transfers and payments
of those units, the transfers to their districts, the enrollments of their villages and the
coverage of those workers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Connection, Select, and_, exists, or_, select

from rantai.records import REGION_COLUMNS, SOURCES, Kind
from rantai.scope import Scope
from rantai.store.schema import source_tables

# Rows fetched at a time: bounds the driver's Python objects alive at once.
_FETCH_ROWS = 200_000
# Kinds of text column that repeat a few values over millions of rows: read once per value.
_REPEATING = (Kind.CODE, Kind.CHOICE)


def typed(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Give a frame of one source the contract's types: dates, int64 (Int64 where optional), str."""
    out = frame.copy()
    for name, spec in SOURCES[source].specs.items():
        if name not in out:
            out[name] = None
        if spec.kind is Kind.DATE:
            out[name] = pd.to_datetime(out[name]).astype("datetime64[ns]")
        elif spec.kind in (Kind.AMOUNT, Kind.INT):
            out[name] = out[name].astype("int64" if spec.required else "Int64")
        else:
            out[name] = out[name].astype(object).where(out[name].notna(), None)
    return out


def program_ids_in_scope(conn: Connection, scope: Scope) -> list[str]:
    """Programmes a scope covers."""
    programs = source_tables["programs"]
    query = select(programs.c.program_id)
    if scope.program_id is not None:
        query = query.where(programs.c.program_id == scope.program_id)
    if scope.province_code is not None:
        query = query.where(programs.c.province_code == scope.province_code)
    return sorted(conn.execute(query).scalars())


def read_source(
    conn: Connection,
    source: str,
    program_ids: list[str] | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One source's stored records (contract columns and batch_id, or only `columns`), typed,
    optionally for some programmes (a source without programmes is read whole)."""
    return _read(conn, source, program_ids, columns, None)


@dataclass(frozen=True)
class Loaded:
    """A source's valid records as a load stored them, with their `load.fingerprint` (None:
    not known yet, for a load still being written)."""

    records: pd.DataFrame
    fingerprint: tuple[int, int, int] | None


def read_frames(
    conn: Connection,
    scope: Scope,
    columns: Mapping[str, Sequence[str]] | None = None,
    loaded: Mapping[str, Loaded] | None = None,
    trusted: bool = False,
) -> dict[str, pd.DataFrame]:
    """Every source's stored records in scope (all columns, or per source only `columns`).

    A scope of districts or villages reads only the rows that bear on their cases, and only
    the programmes with an allocation there. A source whose table holds exactly what was just
    `loaded` (same fingerprint) is taken from memory: reading millions of records back would
    cost more than the load. `trusted`: take the loaded records as what their tables hold
    without asking (a load still being written; `stored_as_loaded` confirms it afterwards).
    """
    program_ids = None if scope.is_everything else program_ids_in_scope(conn, scope)

    def wanted(source: str) -> Sequence[str] | None:
        return None if columns is None else columns.get(source)

    if not scope.codes:
        frames = {}
        for name in SOURCES:
            known = (loaded or {}).get(name)
            in_memory = "batch_id" not in (wanted(name) or ["batch_id"])
            if (
                known is not None
                and in_memory
                and (trusted or stored_fingerprint(conn, name) == known.fingerprint)
            ):
                frames[name] = _from_memory(known.records, name, program_ids, wanted(name))
            else:
                frames[name] = read_source(conn, name, program_ids, wanted(name))
        return frames
    where = _scope_conditions(conn, scope)
    allocations = source_tables["allocations"]
    present = select(allocations.c.program_id).where(where["allocations"]).distinct()
    if program_ids is not None:
        present = present.where(allocations.c.program_id.in_(program_ids))
    program_ids = sorted(conn.execute(present).scalars())
    return {name: _read(conn, name, program_ids, wanted(name), where.get(name)) for name in SOURCES}


def stored_as_loaded(conn: Connection, loaded: Mapping[str, Loaded]) -> bool:
    """Whether each loaded source's table holds exactly its loaded records."""
    return all(
        known.fingerprint is not None and stored_fingerprint(conn, name) == known.fingerprint
        for name, known in loaded.items()
    )


def stored_fingerprint(conn: Connection, source: str) -> tuple[int, int, int]:
    """The `load.fingerprint` of a source's stored records, computed by the database."""
    table = source_tables[source].name
    count, low, high = conn.exec_driver_sql(
        f'SELECT COUNT(*), SUM(content_hash & 4294967295), SUM(content_hash >> 32) FROM "{table}"'
    ).one()
    return int(count), int(low or 0), int(high or 0)


def _from_memory(
    records: pd.DataFrame, source: str, program_ids: list[str] | None, columns: Sequence[str] | None
) -> pd.DataFrame:
    """Loaded records as `read_source` would give them back."""
    names = list(columns) if columns is not None else list(SOURCES[source].columns)
    if program_ids is not None and SOURCES[source].has_programme:
        records = records[records["program_id"].isin(program_ids)]
    out = records[names].reset_index(drop=True)
    for name in names:
        if SOURCES[source].specs[name].kind is Kind.DATE:
            out[name] = out[name].astype("datetime64[ns]")
    return out


def _scope_conditions(conn: Connection, scope: Scope) -> dict[str, ColumnElement[bool]]:
    """Per source, which stored rows bear on the cases of a scope's districts or villages."""
    where: dict[str, ColumnElement[bool]] = {}
    for source, column in REGION_COLUMNS.items():
        table = source_tables[source]
        if source == "district_transfers":
            # A village's transfer step starts with the first transfer to its district.
            districts = sorted({code[:5] for code in scope.codes})
            where[source] = table.c[column].in_(districts)
        else:
            where[source] = _within(conn, table.c[column], scope.codes)
    # A programme's requests are read whole (one a village at most): whether its villages apply
    # at all decides whose move every VILLAGE_TRANSFER is (rantai.stages._requesting), in a
    # village's rerun as in the full run.
    del where["village_requests"]
    enrollments = source_tables["enrollments"]
    workers = select(enrollments.c.nik).where(where["enrollments"])
    # Cover and claims follow their worker's enrolment (they carry no region of their own).
    # Cover, of any programme: a worker counts as covered by any AKTIF episode of theirs.
    where["coverage"] = source_tables["coverage"].c.nik.in_(workers)
    # A claim, the enrolment in its own programme: that is where the claim's unit is (a claim
    # of a worker enrolled in the scope for another programme is another unit's, as in
    # `rantai.scope.select_rows`).
    claims = source_tables["claims"]
    where["claims"] = exists().where(
        enrollments.c.nik == claims.c.nik,
        enrollments.c.program_id == claims.c.program_id,
        where["enrollments"],
    )
    return where


def _within(conn: Connection, column: Any, codes: Iterable[str]) -> ColumnElement[bool]:
    """Codes equal to one of `codes` or inside it (`15.08.01.2001` is inside `15.08`)."""
    clauses = []
    for code in codes:
        clauses.append(column == code)
        if len(code) < 13:  # a desa or kelurahan has nothing inside it
            if conn.dialect.name == "sqlite":
                # A range on the binary collation uses the index; LIKE would not.
                clauses.append(and_(column >= code + ".", column < code + "/"))
            else:
                clauses.append(column.startswith(code + ".", autoescape=True))
    return or_(*clauses)


def _read(
    conn: Connection,
    source: str,
    program_ids: list[str] | None,
    columns: Sequence[str] | None,
    where: ColumnElement[bool] | None,
) -> pd.DataFrame:
    table = source_tables[source]
    names = list(columns) if columns is not None else [*SOURCES[source].columns, "batch_id"]
    query = select(*[table.c[c] for c in names])
    # A source without programmes (branches) is read whole, whatever programmes are asked for.
    if program_ids is not None and SOURCES[source].has_programme:
        query = query.where(table.c.program_id.in_(program_ids))
    if where is not None:
        query = query.where(where)
    return typed_columns(_fetch(conn, query, source, names), source, names)


def _fetch(conn: Connection, query: Select[Any], source: str, names: list[str]) -> list[Any]:
    """The query's rows through the driver's cursor, one object array per column."""
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params: Any = (
        tuple(compiled.params[name] for name in compiled.positiontup or ())
        if compiled.positional
        else compiled.params
    )
    specs = SOURCES[source].specs
    repeating = [n in specs and (specs[n].kind in _REPEATING or n == "program_id") for n in names]
    seen: list[dict[Any, Any]] = [{} for _ in names]
    parts: list[list[np.ndarray]] = [[] for _ in names]
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), params)
        while rows := cursor.fetchmany(_FETCH_ROWS):
            for i, values in enumerate(zip(*rows, strict=True)):
                column = np.empty(len(values), dtype=object)
                if repeating[i]:
                    # One object per distinct value: a national read would otherwise hold
                    # millions of copies of a few thousand codes.
                    canonical = seen[i]
                    column[:] = [canonical.setdefault(v, v) for v in values]
                else:
                    column[:] = values
                parts[i].append(column)
    finally:
        cursor.close()
    return [np.concatenate(p) if p else np.empty(0, dtype=object) for p in parts]


def typed_columns(values: list[Any], source: str, names: list[str]) -> pd.DataFrame:
    """Columns of driver values (str, int, dates as `YYYY-MM-DD` or dates, None) as `typed`
    gives them: datetime64[ns], int64 (Int64 where optional), str objects with None."""
    specs = SOURCES[source].specs
    out: dict[str, Any] = {}
    for name, cells in zip(names, values, strict=True):
        spec = specs.get(name)
        if spec is None:  # batch_id, content_hash
            out[name] = cells.astype(np.int64)
        elif spec.kind is Kind.DATE:
            codes, distinct = pd.factorize(cells)
            days = pd.to_datetime(pd.Index(distinct, dtype=object)).astype("datetime64[ns]")
            out[name] = np.append(days.to_numpy(), np.datetime64("NaT", "ns"))[codes]
        elif spec.kind in (Kind.AMOUNT, Kind.INT):
            out[name] = cells.astype(np.int64) if spec.required else pd.array(cells, dtype="Int64")
        else:
            # object, not pandas' str dtype: the rest of Rantai works on str objects and None.
            out[name] = pd.Series(cells, dtype=object)
    return pd.DataFrame(out, columns=names)


def read_enrolled(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Stored enrollments (nik, program_id, village_code) of villages inside a scope."""
    table = source_tables["enrollments"]
    names = ["nik", "program_id", "village_code"]
    query = select(*[table.c[n] for n in names])
    if scope.program_id is not None:
        query = query.where(table.c.program_id == scope.program_id)
    if scope.province_code is not None:
        query = query.where(_within(conn, table.c.village_code, [scope.province_code]))
        query = query.where(table.c.village_code != scope.province_code)
    if scope.codes:
        query = query.where(_within(conn, table.c.village_code, scope.codes))
    return pd.DataFrame(
        dict(zip(names, _fetch(conn, query, "enrollments", names), strict=True)), dtype=object
    )
