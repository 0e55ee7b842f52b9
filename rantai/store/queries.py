"""Reading the store back as typed frames, the shape `rantai.stages.evaluate` takes."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, select

from rantai.records import SOURCES, Kind
from rantai.scope import Scope
from rantai.store.schema import source_tables


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
    conn: Connection, source: str, program_ids: list[str] | None = None
) -> pd.DataFrame:
    """One source's stored records (contract columns and batch_id), optionally for some programmes."""
    table = source_tables[source]
    query = select(*[table.c[c] for c in SOURCES[source].columns], table.c.batch_id)
    if program_ids is not None:
        query = query.where(table.c.program_id.in_(program_ids))
    return typed(pd.read_sql(query, conn), source)


def read_frames(conn: Connection, scope: Scope) -> dict[str, pd.DataFrame]:
    """Every source's stored records for the programmes in scope."""
    program_ids = None if scope.is_everything else program_ids_in_scope(conn, scope)
    return {name: read_source(conn, name, program_ids) for name in SOURCES}
