"""A hostile source system on loopback for the tests: a plain `http.server` in a thread that
answers one collection in a chosen bad way (echoes the token, redirects with it, pages
forever, trickles, sends an endless body) and every other collection with an empty page."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urlsplit

from rantai.records import SOURCES

SNAPSHOT = "2025-06-30T00:00:00.000000Z"

Misbehaviour = Callable[[BaseHTTPRequestHandler], None]


def page(collection: str, next_cursor: str | None = None) -> dict[str, object]:
    """A valid, empty page of a collection."""
    fields = list(SOURCES[collection].required_columns)
    return {"fields": fields, "records": [], "snapshot": SNAPSHOT, "total": 0, "next": next_cursor}


def send_json(handler: BaseHTTPRequestHandler, status: int, body: object) -> None:
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def collection_of(handler: BaseHTTPRequestHandler) -> str:
    return urlsplit(handler.path).path.rsplit("/", 1)[-1]


def echo_headers(status: int) -> Misbehaviour:
    """Answer `status` with a body that repeats the request: its URL and every header, the
    Authorization header raw, URL-encoded and inside JSON (as careless servers do)."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        auth = handler.headers.get("Authorization", "")
        secret = auth.removeprefix("Bearer ")
        body = (
            f"invalid request {handler.path} with Authorization: {auth} "
            f"(encoded: {quote(auth, safe='')}, token={quote(secret)}) "
            + json.dumps({"debug": {"authorization": auth, "token": secret}})
            + f" you sent: {dict(handler.headers)!r}"
            + " trailing " * 40
        ).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "text/plain")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def redirect_with(location: Callable[[str], str]) -> Misbehaviour:
    """Answer 302 with a Location made from the request's token."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        secret = handler.headers.get("Authorization", "").removeprefix("Bearer ")
        handler.send_response(302)
        handler.send_header("Location", location(secret))
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def endless_cursor(handler: BaseHTTPRequestHandler) -> None:
    """A valid page whose `next` is always new: paging never ends."""
    send_json(handler, 200, page(collection_of(handler), uuid.uuid4().hex))


def repeating_cursor(handler: BaseHTTPRequestHandler) -> None:
    """`next` goes a, b, a, b...: the listing loops."""
    cursor = "b" if "cursor=a" in handler.path else "a"
    send_json(handler, 200, page(collection_of(handler), cursor))


def token_in_cursor(handler: BaseHTTPRequestHandler) -> None:
    """Page 1 hands out the request's token as the `next` cursor; page 2 echoes the request."""
    if "cursor=" in handler.path:
        echo_headers(400)(handler)
        return
    secret = handler.headers.get("Authorization", "").removeprefix("Bearer ")
    send_json(handler, 200, page(collection_of(handler), secret))


def trickle(handler: BaseHTTPRequestHandler, interval: float = 0.1) -> None:
    """Announce a body, then send it one byte at a time, each well within a read timeout."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "1000000")
    handler.end_headers()
    try:
        for _ in range(1_000_000):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(interval)
    except OSError:
        return


def endless_body(handler: BaseHTTPRequestHandler) -> None:
    """A body without end (no length: it lasts until the connection closes)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Connection", "close")
    handler.end_headers()
    chunk = b'{"fields": [' + b'"x", ' * 10_000
    try:
        while True:
            handler.wfile.write(chunk)
    except OSError:
        return


class HostileSource:
    """What the server saw: requests per collection."""

    def __init__(self, misbehaving: dict[str, Misbehaviour]) -> None:
        self.misbehaving = misbehaving
        self.requests: dict[str, int] = {}
        self.lock = threading.Lock()
        self.url = ""


@contextmanager
def hostile_source(**misbehaving: Misbehaviour) -> Iterator[HostileSource]:
    """Serve on a free loopback port: each collection named gets its misbehaviour, the others
    an empty page."""
    source = HostileSource(misbehaving)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            name = collection_of(self)
            with source.lock:
                source.requests[name] = source.requests.get(name, 0) + 1
            if name in source.misbehaving:
                source.misbehaving[name](self)
            elif name in SOURCES:
                send_json(self, 200, page(name))
            else:
                send_json(self, 404, {"error": "not found"})

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    source.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield source
    finally:
        server.shutdown()
        server.server_close()


def finishes_within(seconds: float, call: Callable[[], object]) -> object:
    """`call()` in a thread: its result (or its exception raised here), or an AssertionError
    if it is still running after `seconds` (a hang fails the test instead of stalling it)."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # noqa: BLE001 (handed to the test)
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise AssertionError(f"still running after {seconds} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")
