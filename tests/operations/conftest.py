"""The operators' desk for the operations tests: a real Prefect server (`prefect server start`,
its own home and database), Rantai registered on it with `make deploy`, a process worker, and
a local webhook that receives what the Stalled Automation sends. Every process started here is
stopped at the end, with bounded waits."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from deployments.local import (
    free_port,
    server_env,
    start_server,
    start_worker,
    stop,
    wait_until_healthy,
)
from tests.recorded import recorded_logs

PROJECT_DIR = Path(__file__).resolve().parents[2]
POOL = "rantai"
RUN_TIMEOUT_S = 300


@dataclass
class Webhook:
    """A local HTTP endpoint that keeps every JSON body POSTed to it."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)

    def wait_for(self, text: str, timeout_s: float = 90) -> dict[str, Any]:
        """The first body mentioning `text`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for body in list(self.received):
                if text in json.dumps(body):
                    return body
            time.sleep(0.5)
        raise AssertionError(f"no notification mentioning {text!r}; got {self.received}")


@dataclass(frozen=True)
class Desk:
    """A Prefect server with Rantai deployed and a worker on its pool."""

    api_url: str
    ui_url: str
    db_url: str
    out_root: Path
    deploy_output: str
    webhook: Webhook
    logs: Path


@contextmanager
def prefect_api(api_url: str) -> Iterator[Any]:
    """A sync Prefect client talking to a given server, whatever else the session points at."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        yield client


def run_deployment(
    api_url: str, name: str, parameters: dict[str, Any], timeout_s: float = RUN_TIMEOUT_S
) -> Any:
    """Create a run of a deployment through the API and wait until a worker has finished it."""
    with prefect_api(api_url) as client:
        deployment = client.read_deployment_by_name(name)
        run = client.create_flow_run_from_deployment(deployment.id, parameters=parameters)
    return wait_for_run(api_url, run.id, timeout_s)


def wait_for_run(api_url: str, run_id: UUID, timeout_s: float = RUN_TIMEOUT_S) -> Any:
    """A flow run once it is in a final state."""
    deadline = time.monotonic() + timeout_s
    with prefect_api(api_url) as client:
        while True:
            run = client.read_flow_run(run_id)
            if run.state is not None and run.state.is_final():
                return run
            if time.monotonic() > deadline:
                raise AssertionError(f"run {run.name} still {run.state_name} after {timeout_s} s")
            time.sleep(1)


def artifacts_of(api_url: str, run_id: UUID) -> dict[str, Any]:
    """A flow run's artifacts by key."""
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with prefect_api(api_url) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
    return {a.key: a for a in artifacts}


def logs_of(api_url: str, run_id: UUID, until: str = "") -> list[str]:
    """A flow run's log messages (the worker's included). Logs reach the server in batches,
    from the worker and from the run's process, so with `until` it waits (up to 30 s) for a
    message that contains it."""
    with prefect_api(api_url) as client:
        logs = recorded_logs(
            client,
            run_id,
            until=lambda logs: not until or any(until in log.message for log in logs),
        )
    return [log.message for log in logs]


@contextmanager
def webhook_receiver() -> Iterator[Webhook]:
    """Serve a webhook on loopback for as long as the context lasts."""
    port = free_port()
    hook = Webhook(url=f"http://127.0.0.1:{port}/rantai/stalled")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                hook.received.append(json.loads(body))
            except ValueError:
                hook.received.append({"raw": body.decode("utf-8", "replace")})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def prefect_server_process(
    home: Path, database_url: str | None = None
) -> Iterator[tuple[str, dict]]:
    """A `prefect server start` subprocess on a free port; yields (API URL, its environment)."""
    home.mkdir(parents=True, exist_ok=True)
    env = server_env(home, database_url)
    port = free_port()
    server = start_server("127.0.0.1", port, env, home / "server.log")
    api_url = f"http://127.0.0.1:{port}/api"
    try:
        wait_until_healthy(api_url, server)
        yield api_url, env
    except BaseException:
        print((home / "server.log").read_text(errors="replace")[-5000:])
        raise
    finally:
        stop(server)


@contextmanager
def workers(
    api_url: str, env: dict[str, str], names: list[str], logs: Path, limit: int | None = None
) -> Iterator[list[Path]]:
    """Process workers on the pool, one per name; yields their log files."""
    worker_env = {
        **env,
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_WORKER_PREFETCH_SECONDS": "5",
    }
    started, log_files = [], []
    try:
        for name in names:
            log = logs / f"worker-{name}.log"
            log_files.append(log)
            started.append(start_worker(api_url, POOL, name, worker_env, log, limit=limit))
        yield log_files
    finally:
        for process in started:
            stop(process)


def make_deploy(api_url: str, env: dict[str, str], notify_url: str) -> str:
    """`make deploy` against a server; returns what it printed."""
    result = subprocess.run(
        # -o: never reinstall the venv from inside a test (the stamp may look stale when
        # pyproject.toml was touched); the tests already run in it.
        ["make", "-s", "-o", ".venv/.installed", "deploy"],
        cwd=PROJECT_DIR,
        env={**os.environ, **env, "PREFECT_API_URL": api_url, "RANTAI_NOTIFY_URL": notify_url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="session")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """A server on SQLite with Rantai deployed by `make deploy`, and one worker on its pool."""
    base = tmp_path_factory.mktemp("desk")
    with webhook_receiver() as hook, prefect_server_process(base / "prefect") as (api_url, env):
        output = make_deploy(api_url, env, hook.url)
        db_url = f"sqlite:///{base / 'rantai.db'}"
        worker_env = {**env, "RANTAI_DB_URL": db_url, "RANTAI_OUT_DIR": str(base / "reports")}
        with workers(api_url, worker_env, ["desk-worker"], base):
            yield Desk(
                api_url=api_url,
                ui_url=api_url.removesuffix("/api"),
                db_url=db_url,
                out_root=base / "reports",
                deploy_output=output,
                webhook=hook,
                logs=base,
            )


def iso(day: dt.date) -> str:
    """A date as deployment parameters carry it."""
    return day.isoformat()


def chromium_path() -> str:
    """Debian's Chromium (never a browser downloaded by Playwright)."""
    return os.environ.get("RANTAI_CHROMIUM", "/usr/bin/chromium")
