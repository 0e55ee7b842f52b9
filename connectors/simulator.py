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
import hashlib
import hmac
import logging
import math
import random
import re
import secrets
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


# Cursors are short; anything longer was not issued here and is refused before it is read.
MAX_CURSOR_CHARS = 256
_CURSOR = re.compile(r"[A-Za-z0-9_-]{1,200}\.[A-Za-z0-9_-]{22}")
_INTEGER = re.compile(r"-?[0-9]{1,19}")
_LIMIT = re.compile(r"[0-9]{1,6}")
# RFC 3339 date-time (the document's `format: date-time`): the offset is required.
_DATE_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
NOT_ISSUED = "cursor is not one this server issued (or it restarted): start the listing again"


class BadQuery(ValueError):
    """A request the API refuses with 400: asking again will not help."""


@dataclass(frozen=True)
class Listing:
    """Where a page of a listing starts: the filter, the snapshot, the offset and the page size."""

    since: int | None
    snapshot: int
    offset: int
    limit: int


class Cursors:
    """The `next` cursors of one running server: signed with a key only it holds.

    A cursor is opaque to clients; one the server did not issue (crafted, tampered with, another
    collection's, another server's) is refused before anything in it is read, so no client can
    lift the page-size cap, ask for a negative offset or feed the server a nested structure.
    """

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key if key is not None else secrets.token_bytes(32)

    def _seal(self, collection: str, payload: str) -> str:
        mac = hmac.new(self.key, f"{collection}\n{payload}".encode(), hashlib.sha256)
        return _b64(mac.digest()[:16])

    def issue(self, collection: str, listing: Listing) -> str:
        """The cursor of a listing's page in a collection."""
        since = "" if listing.since is None else str(listing.since)
        payload = _b64(f"{since}.{listing.snapshot}.{listing.offset}.{listing.limit}".encode())
        return f"{payload}.{self._seal(collection, payload)}"

    def read(self, collection: str, cursor: str) -> Listing:
        """The listing a cursor continues; BadQuery unless this server issued it for `collection`."""
        if len(cursor) > MAX_CURSOR_CHARS or not _CURSOR.fullmatch(cursor):
            raise BadQuery(NOT_ISSUED)
        payload, seal = cursor.split(".")
        if not hmac.compare_digest(seal, self._seal(collection, payload)):
            raise BadQuery(NOT_ISSUED)
        # Signed by this server, so well formed; checked again all the same, cheaply.
        try:
            since, snapshot, offset, limit = _unb64(payload).decode("ascii").split(".")
        except (ValueError, binascii.Error) as error:
            raise BadQuery(NOT_ISSUED) from error
        numbers = (snapshot, offset, limit) if since == "" else (since, snapshot, offset, limit)
        if not all(_INTEGER.fullmatch(n) for n in numbers):
            raise BadQuery(NOT_ISSUED)
        listing = Listing(
            None if since == "" else int(since), int(snapshot), int(offset), int(limit)
        )
        if listing.offset < 0 or not 1 <= listing.limit <= MAX_PAGE_SIZE:
            raise BadQuery(NOT_ISSUED)
        return listing


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def page_size(text: str) -> int:
    """A `limit` as the document allows it: plain digits, 1 to MAX_PAGE_SIZE."""
    if not _LIMIT.fullmatch(text) or not 1 <= int(text) <= MAX_PAGE_SIZE:
        raise BadQuery(f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}, found {text!r}")
    return int(text)


def moment(text: str) -> int:
    """An RFC 3339 date-time (offset required) as microseconds since the epoch."""
    found = _DATE_TIME.fullmatch(text)
    complaint = f"updated_since must be an RFC 3339 date-time with an offset, found {text!r}"
    if found is None:
        raise BadQuery(complaint)
    year, month, day, hour, minute, second = (int(g) for g in found.groups()[:6])
    fraction, offset = (found.group(7) or ".0")[1:], found.group(8).upper()
    micro = int((fraction + "000000")[:6])
    if second == 60:  # a leap second is the last moment of its minute
        second, micro = 59, 999_999
    try:
        east = 0 if offset == "Z" else int(offset[1:3]) * 60 + int(offset[4:6])
        zone = dt.timezone(dt.timedelta(minutes=-east if offset[0] == "-" else east))
        stamp = dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
        # In range as written is not enough: the moment must exist in UTC too.
        return microseconds(stamp.astimezone(dt.UTC))
    except (ValueError, OverflowError) as error:
        raise BadQuery(f"{complaint} ({error})") from error


def _listing_app(data: ContractFolder, tally: Tally, cursors: Cursors) -> Starlette:
    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "collections": list(SOURCES), **tally.as_dict()})

    def start(request: Request, source: str) -> Listing:
        query = request.query_params
        limit = page_size(query["limit"]) if "limit" in query else DEFAULT_PAGE_SIZE
        since = moment(query["updated_since"]) if "updated_since" in query else None
        # A cursor fixes its listing's filter, snapshot and page size: a `limit` or
        # `updated_since` beside it must be well formed, and is the first page's, not this one's.
        if "cursor" in query:
            return cursors.read(source, query["cursor"])
        return Listing(since, time.time_ns() // 1000, 0, limit)

    async def listing(request: Request) -> Response:
        source = request.path_params["collection"]
        if source not in SOURCES:
            return _error(404, f"no collection {source!r}; collections: {', '.join(SOURCES)}")
        try:
            at = start(request, source)
        except BadQuery as error:
            return _error(400, f"bad query: {error}")
        try:
            collection = data.collection(source)
        except UnreadableInput as error:
            # A system cannot serve what it cannot read; clients see a server error.
            return _error(500, f"cannot read {source}: {error}")
        changed = collection.changed(at.since, at.snapshot)
        page = changed[at.offset : at.offset + at.limit]
        fields = collection.fields
        following = Listing(at.since, at.snapshot, at.offset + at.limit, at.limit)
        body = {
            "collection": source,
            "fields": fields,
            "total": len(changed),
            "snapshot": iso(at.snapshot),
            "updated_since": iso(at.since) if at.since is not None else None,
            "offset": at.offset,
            "records": [dict(zip(fields, collection.rows[i], strict=True)) for i in page],
            "next": (cursors.issue(source, following) if following.offset < len(changed) else None),
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
        given = dict(scope["headers"]).get(b"authorization", b"")
        # RFC 7235: `scheme 1*SP credentials`, the scheme case-insensitive, the token exact.
        scheme, _, credentials = given.partition(b" ")
        if scheme.lower() != b"bearer":
            return False
        return hmac.compare_digest(credentials.strip(b" "), self.token.encode())

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
    app = _listing_app(ContractFolder(folder), tally, Cursors())
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
