"""`make ui`: the operators' desk on this machine. Starts a Prefect server (API and UI; its
database is SQLite in PREFECT_HOME unless PREFECT_API_DATABASE_CONNECTION_URL says otherwise)
and a process worker for Rantai's pool, prints the UI address, and runs until Ctrl-C.

    RANTAI_UI_HOST=127.0.0.1 RANTAI_UI_PORT=4200 python -m deployments.ui
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from deployments.local import server_env, start_server, start_worker, stop, wait_until_healthy

POOL = "rantai"


def main() -> int:
    """Run the server and a worker until interrupted; exit status 0, 1 when either fails."""
    host = os.environ.get("RANTAI_UI_HOST", "127.0.0.1")
    port = int(os.environ.get("RANTAI_UI_PORT", "4200"))
    home = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect")).expanduser()
    home.mkdir(parents=True, exist_ok=True)
    env = server_env(home)
    # An operator who presses Run in the UI should not wait Prefect's default 10 s poll.
    env.setdefault("PREFECT_WORKER_QUERY_SECONDS", "2")
    api_url = f"http://{host}:{port}/api"

    def interrupted(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # Explicitly: a shell that starts this in the background leaves SIGINT ignored.
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    print(f"Starting the Prefect server on {host}:{port} (logs: {home / 'server.log'}) ...")
    server = start_server(host, port, env, home / "server.log")
    worker = None
    try:
        wait_until_healthy(api_url, server)
        worker = start_worker(api_url, POOL, f"rantai-{os.uname().nodename}", env)
        print(
            f"\nRantai's desk is up.\n"
            f"  Prefect UI:  http://{host}:{port}\n"
            f"  API:         {api_url}\n"
            f"  worker on pool '{POOL}' (runs use RANTAI_DB_URL, RANTAI_SOURCE, RANTAI_OUT_DIR)\n"
            f"Register the deployments from another shell:\n"
            f"  PREFECT_API_URL={api_url} make deploy\n"
            f"Ctrl-C stops the server and the worker.",
            flush=True,
        )
        while server.poll() is None and worker.poll() is None:
            time.sleep(1)
        print("the server or the worker stopped; see their output above", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, TimeoutError) as error:
        print(f"ui: {error} (see {home / 'server.log'})", file=sys.stderr)
        return 1
    finally:
        if worker is not None:
            stop(worker)
        stop(server)


if __name__ == "__main__":
    sys.exit(main())
