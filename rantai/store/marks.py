"""High-water marks of HTTP sources: how far each source's records are known to the store.

A mark is the server's snapshot time of the last fetch whose rows were loaded; it is written in
the load's transaction, so a mark never runs ahead of the rows. A source that could not be
fetched keeps its old mark and is asked again from there: nothing is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, and_, or_, select

from rantai.store.schema import source_marks


@dataclass(frozen=True)
class SourceMark:
    """A source (at a location) is known up to the server's snapshot time."""

    location: str
    source: str
    snapshot: str
    rows_fetched: int = 0


def read_marks(conn: Connection, wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The stored snapshot of each (location, source) that has one."""
    pairs = list(wanted)
    if not pairs:
        return {}
    query = select(source_marks.c.location, source_marks.c.source, source_marks.c.snapshot).where(
        or_(
            *[
                and_(source_marks.c.location == loc, source_marks.c.source == src)
                for loc, src in pairs
            ]
        )
    )
    return {(loc, src): snap for loc, src, snap in conn.execute(query)}


def save_marks(conn: Connection, marks: Iterable[SourceMark], run_id: str) -> int:
    """Record new marks inside the caller's (load) transaction; returns how many."""
    now = dt.datetime.now(dt.UTC)
    count = 0
    for mark in marks:
        conn.execute(
            source_marks.delete().where(
                (source_marks.c.location == mark.location) & (source_marks.c.source == mark.source)
            )
        )
        conn.execute(
            source_marks.insert().values(
                location=mark.location,
                source=mark.source,
                snapshot=mark.snapshot,
                run_id=run_id,
                rows_fetched=mark.rows_fetched,
                recorded_at=now,
            )
        )
        count += 1
    return count
