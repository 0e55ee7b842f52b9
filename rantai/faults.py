"""Failpoints: named places where a run can be killed on purpose, to prove crash safety.

`RANTAI_FAILPOINT=<name>` makes the process kill itself with SIGKILL when it reaches that
place (no cleanup, no exception handlers: what a power cut or an OOM kill does), and
`RANTAI_FAILPOINT_PAUSE=<name>=<seconds>` makes it wait there, which widens the window in
which concurrent runs could interleave. Unset, a failpoint costs two environment lookups.
"""

from __future__ import annotations

import os
import signal
import time

FAILPOINT_ENV = "RANTAI_FAILPOINT"
PAUSE_ENV = "RANTAI_FAILPOINT_PAUSE"

# Where runs can be killed, in the order a run passes them.
FAILPOINTS = (
    "after-read",  # sources read, nothing stored
    "mid-load",  # inside the load transaction, some sources staged and upserted
    "after-load",  # load committed, nothing evaluated
    "mid-settle",  # flags updated inside their transaction, outputs not yet written
    "mid-write",  # stalls.csv written, summary.json not yet
    "after-settle",  # flags and outputs done, artifacts and events not yet
)


def failpoint(name: str) -> None:
    """Kill this process, or pause it, here if the environment names this place."""
    if os.environ.get(FAILPOINT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
    where, _, seconds = os.environ.get(PAUSE_ENV, "").partition("=")
    if where == name:
        time.sleep(float(seconds or 1))
