"""The least any `rantai run` of the national folder can take on this stack: a lower bound.

`bench.py` runs this in fresh processes and adds up three parts, none of which a design can
avoid (a Prefect flow that reads the files and stores their rows):

- `flow`: a Prefect flow run that does nothing, as a fresh process (interpreter start, imports,
  the flow run's creation and its final state), timed from outside;
- the floor: reading the files into pandas (measured by `bench.py` itself);
- `insert`: putting the rows the floor read into an empty store, bare: every cell as the text
  that was read, no validation, no content hashes, no history, no other index than the
  contract's key; timed from the transaction's start to its commit. SQLite gets multi-row
  INSERT statements through its driver, PostgreSQL a COPY row by row (as Rantai's load does;
  into a keyless table there, so the key is not even checked).

    python benchmarks/bound.py flow
    python benchmarks/bound.py floor FOLDER             # prints the floor read's seconds
    python benchmarks/bound.py insert FOLDER DB_URL     # prints the insert's seconds
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

_ROWS_PER_STATEMENT = 500
_CHUNK = 100_000


def empty_flow() -> None:
    from prefect import flow

    @flow(name="bound-empty-flow")
    def nothing() -> int:
        return 0

    nothing()


def read_floor(folder: Path) -> dict:  # type: ignore[type-arg]
    """The floor's read: every CSV file of a folder into pandas, every column as text."""
    import pandas as pd

    return {
        p.stem: pd.read_csv(p, dtype=object, keep_default_na=False, na_filter=False)
        for p in sorted(folder.glob("*.csv"))
    }


def floor(folder: Path) -> float:
    """Seconds to read a folder as the floor does (imports excluded)."""
    import pandas  # noqa: F401  (imported before the clock starts)

    started = time.perf_counter()
    read_floor(folder)
    return time.perf_counter() - started


def insert(folder: Path, db_url: str) -> float:
    from rantai.records import SOURCES

    frames = read_floor(folder)
    if db_url.startswith("sqlite:///"):
        return _sqlite(Path(db_url.removeprefix("sqlite:///")), frames, SOURCES)
    return _postgres(db_url, frames)


def _sqlite(path: Path, frames: dict, sources: dict) -> float:  # type: ignore[type-arg]
    import sqlite3

    from rantai.store.engine import _sqlite_pragmas

    conn = sqlite3.connect(path)
    _sqlite_pragmas(conn, None)  # the store's own settings (WAL, page and cache sizes)
    for name, frame in frames.items():
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        key = ", ".join(f'"{c}"' for c in sources[name].key)
        conn.execute(f'CREATE TABLE "{name}" ({columns}, PRIMARY KEY ({key}))')
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for name, frame in frames.items():
        width = frame.shape[1]
        per = max(1, min(_ROWS_PER_STATEMENT, 32_766 // width))
        one = "(" + ",".join("?" * width) + ")"
        head = f'INSERT OR IGNORE INTO "{name}" VALUES '
        values = frame.to_numpy(dtype=object)
        full = len(values) // per * per
        for start in range(0, full, _CHUNK):
            part = values[start : min(start + _CHUNK, full)].reshape(-1, per * width)
            conn.executemany(head + ",".join([one] * per), [tuple(r) for r in part.tolist()])
        rest = values[full:]
        if len(rest):
            conn.execute(head + ",".join([one] * len(rest)), tuple(rest.ravel().tolist()))
    conn.execute("COMMIT")
    return time.perf_counter() - started


def _postgres(db_url: str, frames: dict) -> float:  # type: ignore[type-arg]
    import psycopg

    conn = psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://"))
    for name, frame in frames.items():
        columns = ", ".join(f'"{c}" text' for c in frame.columns)
        conn.execute(f'CREATE TABLE "{name}" ({columns})')
    conn.commit()
    started = time.perf_counter()
    with conn.cursor() as cursor:
        for name, frame in frames.items():
            # Row by row, as Rantai's load does: faster here than pandas writing CSV for it.
            with cursor.copy(f'COPY "{name}" FROM STDIN') as copy:
                for row in frame.itertuples(index=False, name=None):
                    copy.write_row(row)
    conn.commit()
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    if sys.argv[1] == "flow":
        empty_flow()
    elif sys.argv[1] == "floor":
        print(floor(Path(sys.argv[2])))
    else:
        print(insert(Path(sys.argv[2]), sys.argv[3]))
