"""A Prefect server and workers on this machine, as subprocesses: for `make ui` and the tests.

Each process gets a session of its own, so stopping it stops what it started (a worker's flow
run processes, the server's services) and nothing else.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

# A server on these machines can take more than 20 s to come up.
SERVER_START_TIMEOUT_S = 180
PREFECT = [sys.executable, "-m", "prefect"]


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(
    prefect_home: Path | None = None, database_url: str | None = None, **extra: str
) -> dict[str, str]:
    """The environment of a local server: no analytics; its own home and database if given."""
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)  # a server must not talk to another one
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    if prefect_home is not None:
        env["PREFECT_HOME"] = str(prefect_home)
    if database_url is not None:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = database_url
    env.update(extra)
    return env


def start_server(
    host: str, port: int, env: Mapping[str, str], log: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start `prefect server start` (API and UI) in a session of its own."""
    # The UI asks the API at the configured host and port, not at the command's --port.
    env = {
        **env,
        "PREFECT_SERVER_API_HOST": host,
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_UI_API_URL": f"http://{host}:{port}/api",
    }
    return _spawn([*PREFECT, "server", "start", "--host", host, "--port", str(port)], env, log)


def start_worker(
    api_url: str,
    pool: str,
    name: str,
    env: Mapping[str, str],
    log: Path | None = None,
    limit: int | None = None,
) -> subprocess.Popen[bytes]:
    """Start a process worker for a pool, against a server's API, in a session of its own."""
    command = [*PREFECT, "worker", "start", "--pool", pool, "--type", "process", "--name", name]
    if limit is not None:
        command += ["--limit", str(limit)]
    return _spawn(command, {**env, "PREFECT_API_URL": api_url}, log)


def _spawn(command: list[str], env: Mapping[str, str], log: Path | None) -> subprocess.Popen[bytes]:
    output = log.open("ab") if log is not None else None
    return subprocess.Popen(
        command,
        env=dict(env),
        stdout=output,
        stderr=subprocess.STDOUT if output is not None else None,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_until_healthy(
    api_url: str, process: subprocess.Popen[bytes], timeout_s: float = SERVER_START_TIMEOUT_S
) -> None:
    """Wait until the server answers `/health`; fail early if its process has ended."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(api_url.rstrip("/") + "/health", timeout=5) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    raise TimeoutError(f"the Prefect server at {api_url} did not answer within {timeout_s:.0f} s")


def stop(process: subprocess.Popen[bytes], timeout_s: float = 20) -> None:
    """Stop a process started here and everything in its session: politely, then firmly."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:  # the whole session has ended
            break
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            continue
    process.wait(timeout=timeout_s)
