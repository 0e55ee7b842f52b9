"""Wall time of deployment runs through a worker on the demo data: the daily chain, then a
one-village rerun. A real `prefect server start` (SQLite), `make deploy`'s code path, one
process worker; each run is timed from its creation through the API to its final state, and
by its own start and end (what the flow itself took).

    .venv/bin/python benchmarks/deployment_runs.py [--repeat N]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from deployments.local import (  # noqa: E402
    free_port,
    server_env,
    start_server,
    start_worker,
    stop,
    wait_until_healthy,
)


def _timed_run(
    api_url: str, deployment: str, parameters: dict[str, Any]
) -> tuple[float, float, Any]:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        deployment_id = client.read_deployment_by_name(deployment).id
        started = time.perf_counter()
        run = client.create_flow_run_from_deployment(deployment_id, parameters=parameters)
        while True:
            run = client.read_flow_run(run.id)
            if run.state is not None and run.state.is_final():
                break
            time.sleep(0.2)
        wall = time.perf_counter() - started
    flow_s = (run.end_time - run.start_time).total_seconds()
    return wall, flow_s, run


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print one line per kind of run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from samples import DEMO_AS_OF, generate_demo, write_folder

    with tempfile.TemporaryDirectory(prefix="rantai-bench-") as tmp:
        base = Path(tmp)
        demo = base / "demo"
        write_folder(generate_demo(2025, DEMO_AS_OF), demo)
        env = server_env(base / "prefect")
        (base / "prefect").mkdir()
        port = free_port()
        api_url = f"http://127.0.0.1:{port}/api"
        server = start_server("127.0.0.1", port, env, base / "server.log")
        worker = None
        try:
            wait_until_healthy(api_url, server)
            subprocess.run(
                [sys.executable, "-m", "deployments.deploy"],
                cwd=PROJECT_DIR,
                env={**env, "PREFECT_API_URL": api_url},
                check=True,
                capture_output=True,
            )
            worker_env = {
                **env,
                "RANTAI_DB_URL": f"sqlite:///{base / 'rantai.db'}",
                "RANTAI_OUT_DIR": str(base / "reports"),
                "PREFECT_WORKER_QUERY_SECONDS": "1",
            }
            worker = start_worker(
                api_url, "rantai", "bench-worker", worker_env, base / "worker.log"
            )
            results: dict[str, list[tuple[float, float]]] = {"daily": [], "village_rerun": []}
            village = ""
            for _ in range(args.repeat):
                wall, flow_s, run = _timed_run(
                    api_url,
                    "daily-chain/daily-chain",
                    {"input_dir": str(demo), "as_of": DEMO_AS_OF.isoformat()},
                )
                results["daily"].append((wall, flow_s))
                if not village:
                    folder = next((base / "reports" / "daily-chain").iterdir())
                    with (folder / "stalls.csv").open(newline="") as handle:
                        village = next(
                            r["unit_code"]
                            for r in csv.DictReader(handle)
                            if len(r["unit_code"]) == 13
                        )
                wall, flow_s, run = _timed_run(
                    api_url,
                    "rerun/rerun",
                    {
                        "source": str(demo),
                        "as_of": DEMO_AS_OF.isoformat(),
                        "village_codes": [village],
                    },
                )
                results["village_rerun"].append((wall, flow_s))
                print(f"  {run.name}: {run.state_name}", flush=True)
        finally:
            if worker is not None:
                stop(worker)
            stop(server)

    for kind, timings in results.items():
        walls = [w for w, _ in timings]
        flows = [f for _, f in timings]
        print(
            f"BENCH_DEPLOY {kind}: wall_s median={statistics.median(walls):.1f} "
            f"(runs {', '.join(f'{w:.1f}' for w in walls)}); "
            f"flow_s median={statistics.median(flows):.1f} (runs {', '.join(f'{f:.1f}' for f in flows)})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
