"""The shared HTTP client of every source system: bearer token, timeouts, pages, retries.

A source system speaks the JSON API of `docs/openapi.yaml`: one collection per contract file,
read page by page (`next` cursors), filtered by `updated_since`. Transient faults (connection
errors, timeouts, broken or non-JSON bodies, 429 and 5xx) are retried with exponential backoff
and jitter, honouring `Retry-After`; other 4xx answers are not, since asking again cannot help.
What comes out is a `connectors.files.RawSource`, exactly what the folder connector gives for
the same rows, so validation and quarantine are shared. Nothing here validates or stores.

The token goes into the `Authorization` header only. A source may still hand it back (echoed in
an error body, in a redirect's `Location`, as a cursor): every fault leaves `SourceClient.fetch`
through `redact`, so no message, log, state, artifact or record downstream can carry it.

A hostile or broken source cannot hang or exhaust a run: each request has a total deadline
(across every read of its body, not per read), each source a deadline, a cap on pages and on
the bytes of a page, and a `next` cursor that comes back ends the source. Each limit ends that
source as stale (`SourceOverLimit`). Each request runs in a daemon thread the caller only
waits for, so a `Cancellation` (SIGTERM) ends a fetch at once, even one blocked in a read.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import quote, quote_plus, urlsplit

import pandas as pd
import requests
import urllib3.exceptions
from pydantic import SecretStr
from requests.adapters import HTTPAdapter

from connectors.files import RawSource, UnreadableInput
from rantai.records import SOURCES

API_PREFIX = "/v1"
REDACTED = "[redacted]"
# A fault quotes at most this much of what a source answered.
EXCERPT_CHARS = 200

# Query parameters and similar `name=value` pairs whose value is a credential by its name.
_SECRET_PAIR = re.compile(
    r"(?i)(?P<name>[\w.-]*(?:token|key|secret|signature|sig|password|passwd|pwd|auth|"
    r"credential|session)[\w.-]*)(?P<eq>=|%3D)(?!\[redacted\])(?P<value>[^&\s'\"<>#;,)}\]]+)"
)
# A credential after an HTTP authentication scheme, known to us or not.
_SCHEME_CREDENTIALS = (
    re.compile(r"(?i)\b(?P<scheme>bearer(?:\s+|%20|\+))(?!\[redacted\])[^\s'\",;)}\]]+"),
    re.compile(r"(?i)\b(?P<scheme>basic(?:\s+|%20|\+))[A-Za-z0-9+/]{6,}={0,2}"),
)
# `user:password@` in a URL.
_USERINFO = re.compile(r"(?i)(?P<scheme>[a-z][a-z0-9+.-]*://)[^/\s@'\"<>]+@")


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without credentials: each secret in every form it may take (raw, URL-encoded,
    JSON-escaped), any `Bearer`/`Basic` credential, `user:password@` in URLs and the values of
    secret-looking parameters (`token=`, `access_token=`, `api_key=`, `signature=`, ...)."""
    forms: set[str] = set()
    for secret in secrets:
        if secret:
            forms |= {
                secret,
                quote(secret),
                quote(secret, safe=""),
                quote_plus(secret),
                json.dumps(secret)[1:-1],
                json.dumps(secret, ensure_ascii=False)[1:-1].replace("/", "\\/"),
            }
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    for credential in _SCHEME_CREDENTIALS:
        text = credential.sub(lambda m: f"{m['scheme']}{REDACTED}", text)
    text = _USERINFO.sub(lambda m: m["scheme"], text)
    return _SECRET_PAIR.sub(lambda m: f"{m['name']}{m['eq']}{REDACTED}", text)


def excerpt(text: str, secrets: Iterable[str | None] = (), limit: int = EXCERPT_CHARS) -> str:
    """A short, one-line, redacted excerpt of what a source said (redacted before it is cut,
    so a cut cannot leave half a token)."""
    flat = " ".join(redact(text, secrets).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def source_url_problem(url: str) -> str | None:
    """Why `url` cannot be a source system's base URL (None if it can). Credentials and query
    strings are refused: they would reach logs, Prefect's parameters and the store; the token
    has its own place (RANTAI_SOURCE_TOKEN, --token or a Secret block)."""
    try:
        parts = urlsplit(url)
        # Shown without its query: a credential there may have any name.
        shown = redact(public_url(parts._replace(query="", fragment="").geturl()))
    except ValueError:
        # urllib's message quotes the part it could not read: a password, perhaps.
        return "not a valid http(s) URL (its host, port or credentials cannot be read)"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"not an http(s) URL: {shown!r}"
    if parts.username or parts.password:
        return f"{shown}: put the token in the settings, not the URL"
    if parts.query or parts.fragment:
        return (
            f"{shown}?...: a source URL takes no query string or fragment "
            "(put the token in the settings, not the URL)"
        )
    return None


class SourceError(Exception):
    """A source that could not deliver; the message names the source and the URL."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source


class SourceUnavailable(SourceError):
    """Transient faults outlasted every retry: the source may answer later."""


class BadPage(SourceUnavailable):
    """A page that stayed unreadable (not JSON, or not the API's shape) after every retry."""


class SourceRefused(SourceError):
    """The source refused the token (401/403): retrying cannot help, the token must change."""


class SourceRejected(SourceError):
    """The source rejected the request (a 4xx other than 401/403/429, or a redirect):
    retrying cannot help."""


class SourceOverLimit(SourceError):
    """The source passed one of the fetch's limits (pages, bytes of a page, its deadline) or
    its cursor came back: it would page, grow or wait without end."""


class FetchCancelled(SourceError):
    """The run is stopping (SIGTERM): the fetch was abandoned."""


# Faults not worth a retry at any level (a task retry would only ask the same question again).
PERMANENT_ERRORS: tuple[type[Exception], ...] = (
    SourceRefused,
    SourceRejected,
    SourceOverLimit,
    FetchCancelled,
    UnreadableInput,
)


@dataclass(frozen=True)
class FetchLimits:
    """How far one fetch may go before its source counts as stale."""

    # Wall clock of one request, across every read of its body (the read timeout is per read:
    # a body trickled a byte at a time never trips it).
    request_seconds: float = 120.0
    # Wall clock of one source: every page, retry and Prefect retry.
    source_seconds: float = 1800.0
    max_pages: int = 10_000
    max_page_bytes: int = 16 * 1024 * 1024


class Cancellation:
    """A switch shared by the fetches of a run: once cancelled, each ends at once with
    `FetchCancelled`, even while its request is blocked in a socket read."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Stop every fetch holding this switch."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether `cancel` was called."""
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, less if cancelled; whether it was cancelled."""
        return self._event.wait(max(0.0, seconds))

    def __repr__(self) -> str:
        return f"Cancellation(cancelled={self.cancelled})"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one page: attempts, backoff and the longest `Retry-After` worth waiting."""

    max_attempts: int = 6
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0
    max_retry_after_seconds: float = 120.0
    # 429s get their own, larger budget: a rate limit says "later", not "broken".
    max_rate_limited: int = 30

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with equal jitter: half fixed, half random, capped."""
        ceiling = min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass
class FetchStats:
    """What fetching one source took: requests, retries, faults met, time spent waiting."""

    requests: int = 0
    retries: int = 0
    pages: int = 0
    rows: int = 0
    waited_seconds: float = 0.0
    elapsed_seconds: float = 0.0
    faults: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able counts (for summary.json)."""
        return {
            "requests": self.requests,
            "retries": self.retries,
            "pages": self.pages,
            "rows": self.rows,
            "waited_seconds": round(self.waited_seconds, 3),
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "faults": dict(sorted(self.faults.items())),
        }


@dataclass(frozen=True)
class Fetched:
    """One collection as fetched: its rows (None when nothing changed) and the server's snapshot.

    `snapshot` is the server's clock when the listing was taken; asking later for
    `updated_since=snapshot` returns what changed after this fetch.
    """

    source: str
    raw: RawSource | None
    snapshot: str
    updated_since: str | None


def public_url(url: str) -> str:
    """A URL fit for messages and the store: no credentials, no trailing slash."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc).geturl().rstrip("/")


def canonical_checksum(fields: list[str], records: list[list[str | None]]) -> str:
    """SHA-256 of a delivery's content in a canonical form (field names, then rows in order)."""
    text = json.dumps(
        {"fields": fields, "records": records}, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _text(value: Any) -> str | None:
    """A value as the folder connector gives it: stripped text, None for empty."""
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else str(value).strip()
    return text or None


def _retry_after(response: requests.Response) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or an HTTP date), if any."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _connection_problem(error: requests.ConnectionError) -> str:
    """The root of a connection error, without urllib3's wrapping: `[Errno 111] Connection refused`."""
    inner: object = error.args[0] if error.args else error
    inner = getattr(inner, "reason", inner)
    text = str(inner)
    return text[text.index("[Errno") :] if "[Errno" in text else text or type(inner).__name__


class _Retry(Exception):
    """One attempt failed in a way worth retrying."""

    def __init__(self, fault: str, detail: str, wait: float | None = None) -> None:
        super().__init__(detail)
        self.fault, self.detail, self.wait = fault, detail, wait


class SourceClient:
    """A `requests.Session` client for one source system speaking Rantai's JSON API.

    Subclasses name the system and the collections it holds (see `connectors.sources`).
    """

    system: ClassVar[str] = "source"
    title: ClassVar[str] = "a source system"
    collections: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        base_url: str,
        token: SecretStr | str | None = None,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        page_size: int = 1000,
        retry: RetryPolicy | None = None,
        limits: FetchLimits | None = None,
        cancellation: Cancellation | None = None,
        seed: int | None = None,
    ) -> None:
        problem = source_url_problem(base_url)
        if problem:
            raise ValueError(problem)
        self.base_url = public_url(base_url)
        self.timeouts = (connect_timeout, read_timeout)
        self.page_size = page_size
        self.retry = retry or RetryPolicy()
        self.limits = limits or FetchLimits()
        self.cancellation = cancellation or Cancellation()
        self.rng = random.Random(seed)
        self.session = requests.Session()
        # Retries are ours (they must see bodies and count); urllib3 must not add its own.
        adapter = HTTPAdapter(max_retries=0, pool_connections=4, pool_maxsize=4)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["Accept"] = "application/json"
        self.session.headers["User-Agent"] = "rantai"
        secret = token.get_secret_value() if isinstance(token, SecretStr) else token
        self._secrets = [secret] if secret else []
        if secret:
            self.session.headers["Authorization"] = f"Bearer {secret}"

    def __enter__(self) -> SourceClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the session's connections."""
        self.session.close()

    def collection_url(self, collection: str) -> str:
        """Where a collection lives."""
        return f"{self.base_url}{API_PREFIX}/{collection}"

    def fetch(
        self,
        collection: str,
        updated_since: str | None = None,
        stats: FetchStats | None = None,
        deadline: float | None = None,
    ) -> Fetched:
        """Every record of a collection changed after `updated_since` (all of them if None).

        `deadline` (a `time.monotonic()` value) ends the fetch, by default `source_seconds`
        from now. Every fault raised from here is redacted: the token shows in no message."""
        if collection not in self.collections:
            raise ValueError(f"{self.title} does not hold {collection}")
        stats = stats if stats is not None else FetchStats()
        started = time.monotonic()
        if deadline is None:
            deadline = started + self.limits.source_seconds
        try:
            return self._fetch(collection, updated_since, stats, deadline)
        except Exception as error:
            # The boundary: whatever a source said (an echoed header, a cursor, a Location)
            # leaves here without the token; the chain of causes, which may quote the raw
            # requests error with its URL, is cut.
            error.args = tuple(
                redact(a, self._secrets) if isinstance(a, str) else a for a in error.args
            )
            error.__cause__ = error.__context__ = None
            raise error from None
        finally:
            stats.elapsed_seconds += time.monotonic() - started

    def _fetch(
        self, collection: str, updated_since: str | None, stats: FetchStats, deadline: float
    ) -> Fetched:
        url = self.collection_url(collection)
        params: dict[str, Any] = {"limit": self.page_size}
        if updated_since:
            params["updated_since"] = updated_since
        fields: list[str] | None = None
        snapshot = ""
        total = 0
        records: list[list[str | None]] = []
        cursors: dict[str, int] = {}  # each cursor given, and the page that gave it
        page = 1
        while True:
            body = self._page(collection, url, params, page, stats, deadline)
            if fields is None:
                fields = [str(f).strip().lower() for f in body["fields"]]
                snapshot, total = body["snapshot"], body["total"]
            elif body["snapshot"] != snapshot or body["total"] != total:
                raise SourceUnavailable(
                    collection, f"the listing at {url} changed while paging (page {page})"
                )
            records.extend(self._rows(collection, url, page, fields, body["records"]))
            stats.pages += 1
            cursor = body.get("next")
            if not cursor:
                break
            if cursor in cursors:
                raise SourceOverLimit(
                    collection,
                    f"page {page} at {url}: the next cursor {excerpt(cursor, limit=40)!r} came "
                    f"back (page {cursors[cursor]} gave it first): the listing loops",
                )
            if page >= self.limits.max_pages:
                raise SourceOverLimit(
                    collection,
                    f"{url} has more than {self.limits.max_pages} pages "
                    "(RANTAI_SOURCE_MAX_PAGES); a listing that never ends?",
                )
            cursors[cursor] = page
            params = {"cursor": cursor}
            page += 1
        if len(records) != total:
            raise SourceUnavailable(
                collection, f"{url} announced {total} records but delivered {len(records)}"
            )
        stats.rows += len(records)
        origin = url + (f"?updated_since={updated_since}" if updated_since else "")
        if not records:
            return Fetched(collection, None, snapshot, updated_since)
        missing = [c for c in SOURCES[collection].required_columns if c not in (fields or [])]
        if missing:
            raise UnreadableInput(
                f"{collection} at {url}: missing required field(s) {', '.join(missing)}; "
                f"the records have: {excerpt(', '.join(fields or [])) or '(nothing)'}"
            )
        assert fields is not None
        frame = pd.DataFrame(records, columns=fields, dtype=object)
        raw = RawSource(collection, origin, canonical_checksum(fields, records), frame)
        return Fetched(collection, raw, snapshot, updated_since)

    def _rows(
        self, collection: str, url: str, page: int, fields: list[str], records: list[Any]
    ) -> list[list[str | None]]:
        rows = []
        for record in records:
            if not isinstance(record, dict):
                raise BadPage(collection, f"page {page} at {url}: a record is not an object")
            lowered = {str(k).strip().lower(): v for k, v in record.items()}
            unknown = set(lowered) - set(fields)
            if unknown:
                raise BadPage(
                    collection,
                    f"page {page} at {url}: record has fields not announced: "
                    f"{excerpt(str(sorted(unknown)))}",
                )
            rows.append([_text(lowered.get(name)) for name in fields])
        return rows

    def _stop_if_over(self, collection: str, url: str, deadline: float) -> None:
        """Raise if the run is stopping or the source's deadline has passed."""
        if self.cancellation.cancelled:
            raise FetchCancelled(collection, f"fetching {url} was stopped: the run is stopping")
        if time.monotonic() >= deadline:
            raise SourceOverLimit(
                collection,
                f"{url} was not fetched within {self.limits.source_seconds:g} s "
                "(RANTAI_SOURCE_DEADLINE_SECONDS)",
            )

    def _page(
        self,
        collection: str,
        url: str,
        params: dict[str, Any],
        page: int,
        stats: FetchStats,
        deadline: float,
    ) -> dict[str, Any]:
        """One page, retried through transient faults; raises a SourceError when it stays bad."""
        failures = rate_limited = 0
        while True:
            self._stop_if_over(collection, url, deadline)
            stats.requests += 1
            try:
                return self._attempt(collection, url, params, page, deadline)
            except _Retry as fault:
                stats.faults[fault.fault] += 1
                self._stop_if_over(collection, url, deadline)
                if fault.fault == "http-429":
                    rate_limited += 1
                    exhausted = rate_limited > self.retry.max_rate_limited
                else:
                    failures += 1
                    exhausted = failures >= self.retry.max_attempts
                if exhausted:
                    kind = BadPage if fault.fault == "invalid-page" else SourceUnavailable
                    raise kind(
                        collection,
                        f"page {page} at {url}: {fault.detail} "
                        f"(gave up after {failures + rate_limited} tries)",
                    ) from None
                wait = self.retry.backoff(max(failures, rate_limited), self.rng)
                if fault.wait is not None:
                    if fault.wait > self.retry.max_retry_after_seconds:
                        raise SourceUnavailable(
                            collection,
                            f"page {page} at {url}: asked to retry after {fault.wait:.0f} s, "
                            f"more than the {self.retry.max_retry_after_seconds:.0f} s allowed",
                        ) from None
                    # Honour Retry-After; the jitter on top keeps clients from returning in step.
                    wait = fault.wait + self.rng.uniform(0, self.retry.backoff_seconds)
                stats.retries += 1
                stats.waited_seconds += wait
                # A wait that SIGTERM cuts short, and never past the source's deadline.
                self.cancellation.wait(min(wait, deadline - time.monotonic()))

    def _attempt(
        self, collection: str, url: str, params: dict[str, Any], page: int, deadline: float
    ) -> dict[str, Any]:
        """One request, run in a daemon thread that this one waits for: the wait ends at the
        request's deadline or when the run stops, whatever the socket is doing. An abandoned
        request sees `abandoned` set and ends at its next read (the socket's read timeout)."""
        until = min(deadline, time.monotonic() + self.limits.request_seconds)
        abandoned = threading.Event()
        done = threading.Event()
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["body"] = self._exchange(collection, url, params, page, until, abandoned)
            except BaseException as error:  # handed to the waiting thread
                outcome["error"] = error
            finally:
                done.set()

        threading.Thread(target=run, name=f"rantai-fetch-{collection}", daemon=True).start()
        while not done.wait(0.05):
            if self.cancellation.cancelled or time.monotonic() >= until:
                abandoned.set()
                self._stop_if_over(collection, url, deadline)
                raise _Retry("deadline", self._too_long())
        if "error" in outcome:
            raise outcome["error"]
        return outcome["body"]  # type: ignore[no-any-return]

    def _too_long(self) -> str:
        return (
            f"took longer than {self.limits.request_seconds:g} s "
            "(RANTAI_SOURCE_REQUEST_DEADLINE_SECONDS)"
        )

    def _exchange(
        self,
        collection: str,
        url: str,
        params: dict[str, Any],
        page: int,
        until: float,
        abandoned: threading.Event,
    ) -> dict[str, Any]:
        """Send one request and read its answer (in the request's own thread)."""
        try:
            # Redirects are not followed: the token would go along to wherever they point.
            response = self.session.get(
                url, params=params, timeout=self.timeouts, stream=True, allow_redirects=False
            )
        except requests.Timeout:
            raise _Retry("timeout", "timed out") from None
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            raise _Retry("broken-body", "the connection broke mid-response") from None
        except requests.ConnectionError as error:
            raise _Retry(
                "connection", f"connection failed ({_connection_problem(error)})"
            ) from None
        except requests.RequestException as error:
            raise SourceRejected(
                collection, f"{url}: the request failed ({type(error).__name__}: {error})"
            ) from None
        with response:
            status = response.status_code
            if status == 429:
                raise _Retry("http-429", "rate limited (429)", _retry_after(response))
            if status >= 500:
                raise _Retry(f"http-{status}", f"server error {status}", _retry_after(response))
            if status in (401, 403):
                raise SourceRefused(
                    collection,
                    f"{url} refused the token ({status} {response.reason}); "
                    "check RANTAI_SOURCE_TOKEN or --token",
                )
            if 300 <= status < 400:
                where = excerpt(response.headers.get("Location", "(no Location)"), self._secrets)
                raise SourceRejected(
                    collection,
                    f"{url} redirected ({status}) to {where}; redirects are not followed (the "
                    "token would go along): set the system's URL to where it points",
                )
            if status >= 400:
                said = self._body(collection, url, page, response, until, abandoned, 4096, cut=True)
                detail = excerpt(said.decode("utf-8", "replace"), self._secrets)
                raise SourceRejected(
                    collection, f"{url} answered {status} {response.reason}: {detail}"
                )
            content = self._body(
                collection, url, page, response, until, abandoned, self.limits.max_page_bytes
            )
        try:
            body = json.loads(content)
        except ValueError as error:
            raise _Retry("invalid-page", f"not valid JSON ({error})") from None
        problem = _shape_problem(body)
        if problem:
            raise _Retry("invalid-page", f"not a page of the API ({problem})")
        return body  # type: ignore[no-any-return]

    def _body(
        self,
        collection: str,
        url: str,
        page: int,
        response: requests.Response,
        until: float,
        abandoned: threading.Event,
        cap: int,
        *,
        cut: bool = False,
    ) -> bytes:
        """The body, read as it arrives (each read returns what one socket read gave, so the
        clock is checked between reads), up to `cap` bytes: past it, cut there (`cut`, for the
        excerpt of an error answer) or end the source (a page)."""
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                if abandoned.is_set() or time.monotonic() >= until:
                    raise _Retry("deadline", self._too_long())
                chunk = response.raw.read1(64 * 1024, decode_content=True)
                if not chunk:
                    return b"".join(chunks)
                size += len(chunk)
                if size > cap:
                    if cut:
                        return b"".join(chunks) + chunk[: cap - size]
                    raise SourceOverLimit(
                        collection,
                        f"page {page} at {url} is more than {cap} bytes "
                        "(RANTAI_SOURCE_MAX_PAGE_BYTES)",
                    )
                chunks.append(chunk)
        except urllib3.exceptions.ReadTimeoutError:
            raise _Retry("timeout", "timed out") from None
        except (urllib3.exceptions.HTTPError, OSError):
            raise _Retry("broken-body", "the connection broke mid-response") from None


def _shape_problem(body: Any) -> str | None:
    """What is wrong with a decoded page, if anything."""
    if not isinstance(body, dict):
        return "not an object"
    expected = {"fields": list, "records": list, "snapshot": str, "total": int}
    for name, kind in expected.items():
        if not isinstance(body.get(name), kind):
            return f"{name!r} missing or not a {kind.__name__}"
    if body.get("next") is not None and not isinstance(body["next"], str):
        return "'next' is not a string"
    return None
