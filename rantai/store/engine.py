"""Opening the store: engines for SQLite (WAL) or PostgreSQL, migrated to head on first use."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


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
    cursor.close()


def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
    # IMMEDIATE takes the write lock up front, so two writers queue instead of failing mid-load.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for the store at `url`, with the schema migrated to the newest revision."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
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


@cache
def engine_for(url: str) -> Engine:
    """One migrated engine per URL per process."""
    return make_engine(url)


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
