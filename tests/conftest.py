"""Shared fixtures: a real (ephemeral) Prefect server for the session, and a store per test on
SQLite or on the machine's PostgreSQL (a database of its own for each test)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from rantai.settings import PREFECT_DEFAULTS

for _name, _value in PREFECT_DEFAULTS.items():
    os.environ.setdefault(_name, _value)

POSTGRES_ADMIN = os.environ.get(
    "RANTAI_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[str]:
    """One real Prefect server (Prefect's test harness) for the whole session; yields its API URL."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield str(PREFECT_API_URL.value())


def _postgres_unavailable(error: Exception) -> None:
    message = f"PostgreSQL does not answer at {POSTGRES_ADMIN}: {error}"
    if os.environ.get("RANTAI_REQUIRE_POSTGRES"):
        pytest.fail(message + " (RANTAI_REQUIRE_POSTGRES is set, so this is a failure)")
    pytest.skip(message)


@pytest.fixture
def postgres_databases() -> Iterator[Callable[[], str]]:
    """Makes fresh PostgreSQL databases for one test (each call one more); drops them after."""
    import psycopg

    names: list[str] = []

    def make() -> str:
        name = f"rantai_test_{uuid.uuid4().hex[:12]}"
        try:
            admin = psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as error:
            _postgres_unavailable(error)
        with admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        names.append(name)
        base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        return f"{base}/{name}"

    yield make
    # WITH (FORCE) closes the pooled connections the test's engines still hold.
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_databases: Callable[[], str]) -> str:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    return postgres_databases()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """A store URL: a SQLite file in the test's folder, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rantai.db'}"
    return request.getfixturevalue("postgres_url")
