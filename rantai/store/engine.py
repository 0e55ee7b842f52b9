"""Opening the store: engines for SQLite (WAL) or PostgreSQL, migrated to head on first use."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from rantai.settings import default_data_dir

# The stores Rantai runs on: SQLite through the standard library, PostgreSQL through psycopg 3
# (a plain postgresql:// URL is taken to mean psycopg 3, the driver Rantai installs).
_DRIVERS = {"sqlite": "sqlite", "sqlite+pysqlite": "sqlite"}
_DRIVERS |= {"postgresql": "postgresql", "postgresql+psycopg": "postgresql"}


class StoreUrlError(ValueError):
    """A store URL Rantai cannot open: unparseable, an unsupported database, a missing folder."""


def check_store_url(url: str) -> URL:
    """The parsed store URL, or StoreUrlError saying in one line what is wrong with it.

    A SQLite store's folder must exist: a mistyped path must not grow folders on the side.
    The one exception is the per-user data folder, which Rantai owns and makes on first use.
    """
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 (a port that is not a number fails only when read)
    except (ArgumentError, ValueError):
        raise StoreUrlError(f"{url!r} is not a database URL (e.g. sqlite:///rantai.db)") from None
    if parsed.drivername not in _DRIVERS:
        raise StoreUrlError(
            f"{parsed.drivername!r} is not a supported store: use sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST/DB"
        )
    if _DRIVERS[parsed.drivername] == "sqlite" and parsed.database not in (None, "", ":memory:"):
        folder = Path(str(parsed.database)).expanduser().absolute().parent
        if not folder.is_dir() and folder != default_data_dir():
            raise StoreUrlError(f"the SQLite store's folder {folder} does not exist")
    return parsed


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # pysqlite's own transaction handling would begin transactions late and skip DDL; take it over
    # (SQLAlchemy's documented recipe) so that a load is truly one transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # 16 KiB pages make bulk loads of millions of rows a fifth cheaper; a store's page size is
    # fixed when its first table is made, so this only applies to new stores.
    cursor.execute("PRAGMA page_size=16384")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.execute("PRAGMA cache_size=-200000")
    # No checkpoint inside a commit: after a national load that copies a gigabyte of WAL into
    # the database file while the run waits. `checkpoint_in_background` does it instead, and
    # the WAL file is cut back to this size once it has been checkpointed.
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.execute(f"PRAGMA journal_size_limit={_WAL_KEPT_BYTES}")
    cursor.close()


_WAL_KEPT_BYTES = 64 * 1024 * 1024


def checkpoint_in_background(engine: Engine) -> threading.Thread | None:
    """Fold a SQLite store's WAL into its database file on a thread of its own, while the run
    goes on (the copy is I/O and SQLite's C code, which lets the run's Python work proceed).

    A passive checkpoint: it never waits for, nor blocks, readers and writers. The thread is
    not a daemon, so a process finishes it before exiting; a process killed meanwhile leaves a
    WAL that SQLite reads and the next checkpoint folds in. Returns the thread (None for
    PostgreSQL or an in-memory store)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None

    def checkpoint() -> None:
        try:
            with closing(sqlite3.connect(database, timeout=120)) as conn:
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(f"PRAGMA journal_size_limit={_WAL_KEPT_BYTES}")
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            pass  # another checkpoint is running, or the store is gone: the next one folds it

    thread = threading.Thread(target=checkpoint, name="rantai-wal-checkpoint")
    thread.start()
    return thread


_READ_ONLY = "rantai_read_only"


def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
    # IMMEDIATE takes the write lock up front, so two writers queue instead of failing mid-load;
    # a connection that only reads (see `reading`) takes a snapshot and waits for no writer.
    if conn.get_execution_options().get(_READ_ONLY):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def reading(engine: Engine) -> Connection:
    """A connection that only reads. On SQLite it reads the last commit (WAL) without waiting
    for a writer, as on PostgreSQL; a load running in the same process does not hold it up."""
    return engine.connect().execution_options(**{_READ_ONLY: True})


def make_engine(url: str) -> Engine:
    """An engine for the store at `url`, with the schema migrated to the newest revision.

    Raises StoreUrlError for a URL `check_store_url` refuses."""
    parsed = check_store_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            # Only the per-user data folder can be missing here (see check_store_url).
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 120})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        engine = create_engine(url, pool_pre_ping=True)
    migrate(engine)
    return engine


_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def engine_for(url: str) -> Engine:
    """One migrated engine per URL per process (tasks running side by side share it)."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _ENGINES[url] = make_engine(url)
        return engine


def migrate(engine: Engine) -> None:
    """Apply Alembic migrations up to head, in one transaction."""
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("rantai.store").joinpath("migrations"))
    )
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Workers on several machines may open a fresh store at once: one migrates, the
            # others wait here and then find it at head.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7263241)")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
