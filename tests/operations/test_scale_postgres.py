"""Scale-out as documented in docs/operations.md, on one machine: Rantai's store and Prefect's
own database both on PostgreSQL (127.0.0.1:5432), one work pool, two process workers, one
rerun deployment run per province. Every run completes and both workers take a share."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from rantai.store.engine import engine_for
from rantai.store.schema import runs
from samples import DEMO_AS_OF, generate_province, write_folder
from tests.operations.conftest import (
    POOL,
    logs_of,
    make_deploy,
    prefect_api,
    prefect_server_process,
    wait_for_run,
    workers,
)

pytestmark = [pytest.mark.operations, pytest.mark.postgres]

PROVINCES = ["14", "19", "65", "75"]  # Riau, Bangka Belitung, Kalimantan Utara, Gorontalo
SUBMITTED_BY = re.compile(r"Worker '([^']+)' submitting flow run")


@pytest.fixture
def prefect_postgres_url(postgres_databases: Callable[[], str]) -> str:
    """A fresh PostgreSQL database for Prefect's own tables (asyncpg), dropped afterwards."""
    return postgres_databases().replace("+psycopg", "+asyncpg")


def _national_folder(folder: Path) -> None:
    """One delivery with several provinces' programmes, as a national source would send it."""
    frames = [generate_province(code, 1, DEMO_AS_OF) for code in PROVINCES]
    write_folder(
        {s: pd.concat([f[s] for f in frames], ignore_index=True) for s in frames[0]}, folder
    )


def _wait_for_workers(api_url: str, names: set[str], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    with prefect_api(api_url) as client:
        while True:
            online = {w.name for w in client.read_workers_for_work_pool(POOL)}
            if names <= online:
                return
            assert time.monotonic() < deadline, f"workers online: {online}, expected {names}"
            time.sleep(1)


def test_province_runs_spread_over_two_workers_on_postgresql(
    tmp_path: Path, postgres_url: str, prefect_postgres_url: str
):
    source = tmp_path / "national"
    _national_folder(source)
    names = ["worker-a", "worker-b"]

    with prefect_server_process(tmp_path / "prefect", prefect_postgres_url) as (api_url, env):
        make_deploy(api_url, env, "http://127.0.0.1:9/unused")
        # One run at a time per worker, so that the second worker has work to take.
        worker_env = {**env, "RANTAI_DB_URL": postgres_url, "RANTAI_OUT_DIR": str(tmp_path / "out")}
        with workers(api_url, worker_env, names, tmp_path, limit=1):
            _wait_for_workers(api_url, set(names))
            with prefect_api(api_url) as client:
                rerun = client.read_deployment_by_name("rerun/rerun")
                created = [
                    client.create_flow_run_from_deployment(
                        rerun.id,
                        parameters={
                            "source": str(source),
                            "as_of": DEMO_AS_OF.isoformat(),
                            "province_code": code,
                        },
                    )
                    for code in PROVINCES
                ]
            finished = [wait_for_run(api_url, run.id, timeout_s=600) for run in created]
            ran_by = {
                run.name: SUBMITTED_BY.search(
                    " ".join(logs_of(api_url, run.id, until="submitting flow run"))
                )
                for run in finished
            }

    assert [r.state_name for r in finished] == ["Stalled"] * len(PROVINCES), [
        (r.name, r.state_name, r.state.message) for r in finished
    ]
    assert sorted(r.name for r in finished) == sorted(f"{p} @ {DEMO_AS_OF}" for p in PROVINCES)
    assert all(ran_by.values()), ran_by
    assert {m.group(1) for m in ran_by.values() if m} == set(names), ran_by
    # Both databases were PostgreSQL: the server's and Rantai's store, which kept each run.
    assert env["PREFECT_API_DATABASE_CONNECTION_URL"].startswith("postgresql+asyncpg://")
    with engine_for(postgres_url).connect() as conn:
        scopes = sorted(conn.execute(runs.select()).mappings(), key=lambda r: r["scope"])
    assert [s["flow_name"] for s in scopes] == ["rerun"] * len(PROVINCES)
    assert os.path.isdir(tmp_path / "out" / "rerun")
