"""`rantai simulate`: a contract folder served as the source systems' JSON API, with the faults
the real systems have: 500/502/503, 429 with `Retry-After`, slow answers, truncated bodies and
dropped connections, at a given rate, plus a rate limit and a bearer token.

A Starlette app on uvicorn. Records are the folder's rows exactly as the folder connector reads
them (values as strings, None for empty), served in file order. A record's update time is its
`updated_at` column when the file has one (that column is not served), else the file's
modification time; `updated_since` filters on it. Files are re-read when they change, so a
running simulator serves new deliveries as they land in the folder.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import hmac
import json
import logging
import math
import random
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connectors.files import UnreadableInput, find_source_file, read_csv, read_xlsx
from connectors.http import API_PREFIX
from rantai.records import SOURCES

FAULTS = ("http-500", "http-502", "http-503", "http-429", "slow", "truncated", "drop")
UPDATED_AT = "updated_at"
DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 10_000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Misbehaviour:
    """How badly the simulated systems behave."""

    fail_rate: float = 0.0  # share of data requests that meet a fault
    rate_limit: float = 0.0  # data requests per second before 429s; 0 for none
    latency_ms: int = 0  # added to every data request
    slow_ms: int = 3000  # how long a "slow" fault stalls before answering
    retry_after: int = 1  # seconds a 429 asks the client to wait
    faults: tuple[str, ...] = FAULTS  # the kinds drawn from, uniformly
    # Faults for the first data requests, in order ("ok" for none), before random ones start.
    script: tuple[str, ...] = ()
    seed: int | None = None

    def __post_init__(self) -> None:
        unknown = [f for f in (*self.faults, *self.script) if f not in (*FAULTS, "ok")]
        if unknown:
            raise ValueError(f"unknown fault(s) {unknown}; known: {', '.join(FAULTS)}")
        if not 0 <= self.fail_rate <= 1:
            raise ValueError(f"fail rate must be from 0 to 1, found {self.fail_rate}")


def microseconds(moment: dt.datetime) -> int:
    """A moment as integer microseconds since the epoch (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return (moment - _EPOCH) // dt.timedelta(microseconds=1)


def iso(us: int) -> str:
    """Microseconds since the epoch as ISO 8601 UTC: `2025-11-07T01:02:03.000004Z`."""
    moment = _EPOCH + dt.timedelta(microseconds=us)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _as_text(value: Any) -> str | None:
    """A cell as the API serves it: text, None for empty (Excel dates as YYYY-MM-DD)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime | pd.Timestamp):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class Collection:
    """One contract file as served: field names, rows of text, each row's update time (µs)."""

    fields: list[str]
    rows: list[list[str | None]]
    updated: np.ndarray

    def changed(self, since: int | None, snapshot: int) -> np.ndarray:
        """Positions of the rows updated after `since` and no later than `snapshot`."""
        keep = self.updated <= snapshot
        if since is not None:
            keep &= self.updated > since
        return np.flatnonzero(keep)


EMPTY = Collection([], [], np.zeros(0, dtype=np.int64))


class ContractFolder:
    """A contract folder, each file read once per version (size and modification time)."""

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise UnreadableInput(f"{folder}: data folder does not exist")
        self.folder = folder
        self._read: dict[str, tuple[tuple[str, int, int], Collection]] = {}

    def collection(self, source: str) -> Collection:
        """The current content of a source's file (empty when the folder has none)."""
        path = find_source_file(self.folder, source)
        if path is None:
            return EMPTY
        info = path.stat()
        version = (path.name, info.st_mtime_ns, info.st_size)
        cached = self._read.get(source)
        if cached is not None and cached[0] == version:
            return cached[1]
        reader = read_xlsx if path.suffix.lower() == ".xlsx" else read_csv
        # Served as the file holds it: checking the contract is the client's job.
        frame = reader(path, source, strict=False).rows
        mtime = info.st_mtime_ns // 1000
        if UPDATED_AT in frame.columns:
            stamps = pd.to_datetime(frame[UPDATED_AT], utc=True, errors="coerce", format="ISO8601")
            us = stamps.to_numpy(dtype="datetime64[us]").astype(np.int64)
            updated = np.where(stamps.isna().to_numpy(), mtime, us)
            frame = frame.drop(columns=[UPDATED_AT])
        else:
            updated = np.full(len(frame), mtime, dtype=np.int64)
        rows = [[_as_text(v) for v in row] for row in frame.itertuples(index=False, name=None)]
        collection = Collection([str(c) for c in frame.columns], rows, updated.astype(np.int64))
        self._read[source] = (version, collection)
        return collection


@dataclass
class Tally:
    """What the simulator did: data requests served, and the faults it injected."""

    requests: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """Plain counts for /health and the exit line."""
        return {
            "requests": self.requests,
            "faults": dict(sorted(self.faults.items())),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _cursor(since: int | None, snapshot: int, offset: int, limit: int) -> str:
    text = json.dumps({"s": since, "t": snapshot, "o": offset, "l": limit})
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _uncursor(cursor: str) -> tuple[int | None, int, int, int]:
    text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    state = json.loads(text)
    since, snapshot, offset, limit = state["s"], state["t"], state["o"], state["l"]
    if not all(isinstance(v, int) for v in (snapshot, offset, limit)) or not (
        since is None or isinstance(since, int)
    ):
        raise ValueError("bad cursor")
    return since, snapshot, offset, limit


def _listing_app(data: ContractFolder, tally: Tally) -> Starlette:
    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "collections": list(SOURCES), **tally.as_dict()})

    async def listing(request: Request) -> Response:
        source = request.path_params["collection"]
        if source not in SOURCES:
            return _error(404, f"no collection {source!r}; collections: {', '.join(SOURCES)}")
        query = request.query_params
        try:
            if "cursor" in query:
                since, snapshot, offset, limit = _uncursor(query["cursor"])
            else:
                limit = int(query.get("limit", DEFAULT_PAGE_SIZE))
                if not 1 <= limit <= MAX_PAGE_SIZE:
                    raise ValueError(f"limit must be from 1 to {MAX_PAGE_SIZE}")
                given = query.get("updated_since")
                since = microseconds(dt.datetime.fromisoformat(given)) if given else None
                snapshot, offset = time.time_ns() // 1000, 0
        except (ValueError, KeyError, TypeError, binascii.Error) as error:
            return _error(400, f"bad query: {error}")
        try:
            collection = data.collection(source)
        except UnreadableInput as error:
            # A system cannot serve what it cannot read; clients see a server error.
            return _error(500, f"cannot read {source}: {error}")
        changed = collection.changed(since, snapshot)
        page = changed[offset : offset + limit]
        fields = collection.fields
        body = {
            "collection": source,
            "fields": fields,
            "total": len(changed),
            "snapshot": iso(snapshot),
            "updated_since": iso(since) if since is not None else None,
            "offset": offset,
            "records": [dict(zip(fields, collection.rows[i], strict=True)) for i in page],
            "next": (
                _cursor(since, snapshot, offset + limit, limit)
                if offset + limit < len(changed)
                else None
            ),
        }
        return JSONResponse(body)

    return Starlette(
        routes=[Route("/health", health), Route(API_PREFIX + "/{collection}", listing)]
    )


class Misbehaving:
    """ASGI middleware in front of the listing: latency, rate limit, faults, then the token."""

    def __init__(
        self, app: ASGIApp, behaviour: Misbehaviour, token: str | None, tally: Tally
    ) -> None:
        self.app, self.behaviour, self.token, self.tally = app, behaviour, token, tally
        self.rng = random.Random(behaviour.seed)
        self.script = list(behaviour.script)
        self.bucket = max(1.0, behaviour.rate_limit)
        self.refilled = time.monotonic()

    def _draw(self) -> str:
        if self.script:
            return self.script.pop(0)
        if self.rng.random() < self.behaviour.fail_rate:
            return self.rng.choice(self.behaviour.faults)
        return "ok"

    def _rate_limited(self) -> float | None:
        """Seconds until a request would be allowed, or None when it is allowed now."""
        rate = self.behaviour.rate_limit
        if rate <= 0:
            return None
        now = time.monotonic()
        self.bucket = min(max(1.0, rate), self.bucket + (now - self.refilled) * rate)
        self.refilled = now
        if self.bucket >= 1:
            self.bucket -= 1
            return None
        return (1 - self.bucket) / rate

    def _authorised(self, scope: Scope) -> bool:
        if not self.token:
            return True
        given = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        return hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        self.tally.requests += 1
        if self.behaviour.latency_ms:
            await asyncio.sleep(self.behaviour.latency_ms / 1000)
        response = self._refusal(scope)
        if response is not None:
            self.tally.statuses[response.status_code] += 1
            await response(scope, receive, send)
            return
        fault = self._draw()
        if fault != "ok":
            self.tally.faults[fault] += 1
        if fault.startswith("http-"):
            status = int(fault.removeprefix("http-"))
            wait = {"Retry-After": str(self.behaviour.retry_after)} if status == 429 else None
            self.tally.statuses[status] += 1
            await _error(status, f"simulated {status}", wait)(scope, receive, send)
            return
        if fault == "slow":
            await asyncio.sleep(self.behaviour.slow_ms / 1000)
        status, headers, body = await _capture(self.app, scope, receive)
        self.tally.statuses[status] += 1
        if fault in ("truncated", "drop") and len(body) > 1:
            cut = self.rng.randrange(1, len(body))
            if fault == "truncated":
                # A complete HTTP answer whose JSON stops mid-way.
                await _send(send, status, headers, body[:cut])
            else:
                # Headers promise the whole body; the connection closes part-way through it.
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body[:cut], "more_body": True})
            return
        await _send(send, status, headers, body)

    def _refusal(self, scope: Scope) -> Response | None:
        wait = self._rate_limited()
        if wait is not None:
            self.tally.faults["rate-limited"] += 1
            return _error(429, "rate limit", {"Retry-After": str(max(1, math.ceil(wait)))})
        if not self._authorised(scope):
            return _error(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
        return None


async def _capture(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[int, list, bytes]:
    messages: list[Message] = []

    async def keep(message: Message) -> None:
        messages.append(message)

    await app(scope, receive, keep)
    start = messages[0]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return start["status"], list(start.get("headers", [])), body


async def _send(send: Send, status: int, headers: list, body: bytes) -> None:
    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def create_app(
    folder: Path, token: str | None = None, behaviour: Misbehaviour | None = None
) -> tuple[ASGIApp, Tally]:
    """The simulator's ASGI app over a contract folder, and the tally it keeps."""
    tally = Tally()
    app = _listing_app(ContractFolder(folder), tally)
    return Misbehaving(app, behaviour or Misbehaviour(), token, tally), tally


class _QuietDrops(logging.Filter):
    """Dropped connections are the point here, not an error worth a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing response" not in record.getMessage()


def _server(app: ASGIApp, host: str, port: int) -> tuple[uvicorn.Server, socket.socket]:
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    # Listening before the URL is announced: early clients wait in the backlog, not refused.
    sock.listen(2048)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    return uvicorn.Server(config), sock


class _Stopped(Exception):
    """SIGTERM after uvicorn's graceful shutdown."""


def _stop(_signum: int, _frame: object) -> None:
    raise _Stopped


def serve(
    folder: Path,
    host: str,
    port: int,
    token: str | None,
    behaviour: Misbehaviour,
    say: Callable[[str], None] = print,
) -> Tally:
    """Serve a folder until interrupted (port 0 picks a free one); returns what was served."""
    app, tally = create_app(folder, token, behaviour)
    server, sock = _server(app, host, port)
    url = f"http://{host}:{sock.getsockname()[1]}"
    say(
        f"rantai simulate: serving {folder} at {url} (fail rate {behaviour.fail_rate:g}, "
        f"rate limit {behaviour.rate_limit:g}/s, latency {behaviour.latency_ms} ms, "
        f"token {'required' if token else 'not required'})"
    )
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then raises the signal again; ours turns
    # that into a normal return, so the tally below is printed either way.
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        server.run(sockets=[sock])
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    counts = tally.as_dict()
    say(f"rantai simulate: served {counts['requests']} requests; faults {counts['faults']}")
    return tally


@contextmanager
def running(
    folder: Path,
    token: str | None = None,
    behaviour: Misbehaviour | None = None,
    host: str = "127.0.0.1",
) -> Iterator[tuple[str, Tally]]:
    """A simulator on a free loopback port in a background thread; yields (base URL, tally)."""
    app, tally = create_app(folder, token, behaviour)
    server, sock = _server(app, host, 0)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the simulator did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{sock.getsockname()[1]}", tally
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
