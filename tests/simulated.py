"""The source simulator as the tests use it: `rantai simulate` in a subprocess on a free loopback
port, and settings that keep retries quick without changing what they do."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent

# Small pages (more requests, so more faults), short backoff and timeouts: the same retries,
# minutes faster. A "slow" fault (--slow-ms 600) outlasts the 0.3 s read timeout.
FAST_RETRIES = {
    "RANTAI_SOURCE_PAGE_SIZE": "2",
    "RANTAI_SOURCE_BACKOFF_SECONDS": "0.01",
    "RANTAI_SOURCE_MAX_BACKOFF_SECONDS": "0.05",
    "RANTAI_SOURCE_READ_TIMEOUT": "0.3",
    "RANTAI_SOURCE_CONNECT_TIMEOUT": "1",
    "RANTAI_SOURCE_TASK_RETRIES": "1",
    "RANTAI_SOURCE_TASK_RETRY_DELAY_SECONDS": "0",
}
SLOW_MS = "600"


@contextmanager
def simulator_with_output(data: Path, *options: str) -> Iterator[tuple[str, Callable[[], str]]]:
    """`rantai simulate --data DATA --port 0 OPTIONS` in a subprocess; yields its base URL and
    what it printed (all of it once stopped)."""
    command = [sys.executable, "-m", "rantai.cli", "simulate", "--data", str(data), "--port", "0"]
    process = subprocess.Popen(
        [*command, *options],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+", first)
    if found is None:
        process.kill()
        _, err = process.communicate(timeout=30)
        raise RuntimeError(f"the simulator did not start: {first!r} {err!r}")
    printed: list[str] = [first]
    try:
        yield found.group(0), lambda: "".join(printed)
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
        printed.extend([out, err])


@contextmanager
def simulator(data: Path, *options: str) -> Iterator[str]:
    """`rantai simulate --data DATA --port 0 OPTIONS` in a subprocess; yields its base URL."""
    with simulator_with_output(data, *options) as (url, _printed):
        yield url


def tally(url: str) -> dict:
    """What a running simulator has served: requests and the faults it injected."""
    return requests.get(f"{url}/health", timeout=5).json()


@contextmanager
def dead_port() -> Iterator[str]:
    """A loopback URL where nothing listens (the port stays bound, so nothing else takes it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
