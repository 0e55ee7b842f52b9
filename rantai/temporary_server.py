"""The temporary Prefect server of a command run without a server (no PREFECT_API_URL): the one
Prefect would start itself, except that it dies with the command.

Prefect starts its temporary server as a child process and stops it at exit; a command that is
killed (SIGKILL, the out-of-memory killer) never reaches exit, and the server would live on,
holding a port and its database. Here the server's process asks Linux, before it becomes the
server, to be sent SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Any

import prefect
from prefect.context import refresh_global_settings_context
from prefect.server.api.server import SubprocessASGIServer
from prefect.settings import PREFECT_API_URL, get_current_settings

# Run by the server's process before it turns into the server (exec keeps the request).
# The signal goes when the parent *thread* ends, so the server is started from the main
# thread, which lives as long as the command. If the parent died before the request was made,
# no signal will come: then the server is not started at all.
_DIE_WITH_PARENT = """\
import ctypes, os, signal, sys
PR_SET_PDEATHSIG = 1
ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
if os.getppid() != int(sys.argv[1]):
    sys.exit(0)
os.execv(sys.argv[2], sys.argv[2:])
"""


def start_temporary_server() -> str | None:
    """Start a temporary Prefect server tied to this process and point Prefect at it; returns
    its API URL. Nothing is started (None) when a server is configured, or off Linux, where
    Prefect starts its own temporary server as before."""
    if PREFECT_API_URL.value() or not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None  # the death signal would follow this thread, not the command
    server = TiedServer()
    server.start()  # waits until it answers; Prefect stops it at a normal exit
    os.environ["PREFECT_API_URL"] = server.api_url
    refresh_global_settings_context()
    return server.api_url


class TiedServer(SubprocessASGIServer):
    """Prefect's temporary server, started behind the die-with-parent request."""

    # Prefect keeps one instance per port; these apart from its own.
    _instances: dict[int | None, SubprocessASGIServer] = {}

    def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
        # The command line and environment of prefect 3.8's SubprocessASGIServer, behind the
        # request.
        return subprocess.Popen(
            args=[
                sys.executable,
                "-c",
                _DIE_WITH_PARENT,
                str(os.getpid()),
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(prefect.__module_path__.parent),
                "--factory",
                "prefect.server.api.server:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ],
            env={
                **os.environ,
                "PREFECT_UI_ENABLED": "0",
                "PREFECT__SERVER_EPHEMERAL": "1",
                "PREFECT__SERVER_FINAL": "1",
                **get_current_settings().to_environment_variables(exclude_unset=True),
            },
        )
