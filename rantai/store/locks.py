"""Run locks: runs whose scopes overlap take turns, so concurrent reruns end in the same state
as running them one after the other.

A run loads, evaluates and updates flags as one unit of work; if two overlapping runs
interleaved, the one that evaluated on older data could write its flags last. On PostgreSQL
each run holds advisory locks for the whole run: shared on "everything" plus exclusive per
province for a scoped run, exclusive on "everything" for a national one, so runs in different
provinces still go side by side. On SQLite (one machine) a file lock beside the database
serialises runs.
"""

from __future__ import annotations

import fcntl
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from rantai.scope import Scope
from rantai.store.engine import engine_for
from rantai.store.schema import source_tables

programs = source_tables["programs"]

# Advisory lock keys are 64-bit integers; this one stands for "the whole store".
_EVERYTHING = 0x72616E746169  # "rantai"


def _key(province: str) -> int:
    return _EVERYTHING + 1 + zlib.crc32(province.encode())


@contextmanager
def run_lock(db_url: str, provinces: Iterable[str] | None) -> Iterator[None]:
    """Hold the locks of a run over some provinces (None: everything) until the block ends."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        database = url.database
        if not database or database == ":memory:":
            yield
            return
        lock_path = Path(database).expanduser().with_suffix(".runlock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with engine_for(db_url).connect() as conn:
        if provinces is None:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _EVERYTHING})
            keys = [_EVERYTHING]
        else:
            conn.execute(text("SELECT pg_advisory_lock_shared(:k)"), {"k": _EVERYTHING})
            keys = sorted({_key(p) for p in provinces})  # sorted: no two runs wait in a circle
            for key in keys:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        conn.commit()
        try:
            yield
        finally:
            if provinces is None:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _EVERYTHING})
            else:
                for key in keys:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.execute(text("SELECT pg_advisory_unlock_shared(:k)"), {"k": _EVERYTHING})
            conn.commit()


def provinces_for(db_url: str, scope: Scope) -> list[str] | None:
    """The provinces a scope touches (None: everything, or a programme the store does not know)."""
    if scope.is_everything:
        return None
    provinces = {code[:2] for code in scope.codes}
    if scope.province_code:
        provinces.add(scope.province_code)
    if scope.program_id:
        with engine_for(db_url).connect() as conn:
            province = conn.execute(
                select(programs.c.province_code).where(programs.c.program_id == scope.program_id)
            ).scalar()
        if province is None:
            return None
        provinces.add(province)
    return sorted(provinces)
