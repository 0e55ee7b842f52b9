"""The shared HTTP client of every source system: bearer token, timeouts, pages, retries.

A source system speaks the JSON API of `docs/openapi.yaml`: one collection per contract file,
read page by page (`next` cursors), filtered by `updated_since`. Transient faults (connection
errors, timeouts, broken or non-JSON bodies, 429 and 5xx) are retried with exponential backoff
and jitter, honouring `Retry-After`; other 4xx answers are not, since asking again cannot help.
What comes out is a `connectors.files.RawSource`, exactly what the folder connector gives for
the same rows, so validation and quarantine are shared. Nothing here validates or stores.

The token goes into the `Authorization` header only; no message, URL or record carries it.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pandas as pd
import requests
from pydantic import SecretStr
from requests.adapters import HTTPAdapter

from connectors.files import RawSource, UnreadableInput
from rantai.records import SOURCES

API_PREFIX = "/v1"


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
    """The source rejected the request (a 4xx other than 401/403/429): retrying cannot help."""


# Faults not worth a retry at any level (a task retry would only ask the same question again).
PERMANENT_ERRORS: tuple[type[Exception], ...] = (SourceRefused, SourceRejected, UnreadableInput)


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
        seed: int | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {public_url(base_url)!r}")
        if parts.username or parts.password:
            # Credentials in a URL end up in logs and the store; the token has its own place.
            raise ValueError(f"{public_url(base_url)}: put the token in the settings, not the URL")
        self.base_url = public_url(base_url)
        self.timeouts = (connect_timeout, read_timeout)
        self.page_size = page_size
        self.retry = retry or RetryPolicy()
        self.rng = random.Random(seed)
        self.session = requests.Session()
        # Retries are ours (they must see bodies and count); urllib3 must not add its own.
        adapter = HTTPAdapter(max_retries=0, pool_connections=4, pool_maxsize=4)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["Accept"] = "application/json"
        self.session.headers["User-Agent"] = "rantai"
        secret = token.get_secret_value() if isinstance(token, SecretStr) else token
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
    ) -> Fetched:
        """Every record of a collection changed after `updated_since` (all of them if None)."""
        if collection not in self.collections:
            raise ValueError(f"{self.title} does not hold {collection}")
        stats = stats if stats is not None else FetchStats()
        started = time.monotonic()
        try:
            return self._fetch(collection, updated_since, stats)
        finally:
            stats.elapsed_seconds += time.monotonic() - started

    def _fetch(self, collection: str, updated_since: str | None, stats: FetchStats) -> Fetched:
        url = self.collection_url(collection)
        params: dict[str, Any] = {"limit": self.page_size}
        if updated_since:
            params["updated_since"] = updated_since
        fields: list[str] | None = None
        snapshot = ""
        total = 0
        records: list[list[str | None]] = []
        page = 1
        while True:
            body = self._page(collection, url, params, page, stats)
            if fields is None:
                fields = [str(f).strip().lower() for f in body["fields"]]
                snapshot, total = body["snapshot"], body["total"]
            elif body["snapshot"] != snapshot or body["total"] != total:
                raise SourceUnavailable(
                    collection, f"the listing at {url} changed while paging (page {page})"
                )
            records.extend(self._rows(collection, url, page, fields, body["records"]))
            stats.pages += 1
            if not body.get("next"):
                break
            params = {"cursor": body["next"]}
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
                f"the records have: {', '.join(fields or []) or '(nothing)'}"
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
                    f"page {page} at {url}: record has fields not announced: {sorted(unknown)}",
                )
            rows.append([_text(lowered.get(name)) for name in fields])
        return rows

    def _page(
        self, collection: str, url: str, params: dict[str, Any], page: int, stats: FetchStats
    ) -> dict[str, Any]:
        """One page, retried through transient faults; raises a SourceError when it stays bad."""
        failures = rate_limited = 0
        while True:
            stats.requests += 1
            try:
                return self._attempt(collection, url, params, page)
            except _Retry as fault:
                stats.faults[fault.fault] += 1
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
                time.sleep(wait)

    def _attempt(
        self, collection: str, url: str, params: dict[str, Any], page: int
    ) -> dict[str, Any]:
        try:
            response = self.session.get(url, params=params, timeout=self.timeouts)
        except requests.Timeout:
            raise _Retry("timeout", "timed out") from None
        except requests.exceptions.ChunkedEncodingError:
            raise _Retry("broken-body", "the connection broke mid-response") from None
        except requests.ConnectionError as error:
            raise _Retry(
                "connection", f"connection failed ({_connection_problem(error)})"
            ) from None
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
        if status >= 400:
            detail = response.text.strip().replace("\n", " ")[:200]
            raise SourceRejected(collection, f"{url} answered {status} {response.reason}: {detail}")
        try:
            body = json.loads(response.content)
        except ValueError as error:
            raise _Retry("invalid-page", f"not valid JSON ({error})") from None
        problem = _shape_problem(body)
        if problem:
            raise _Retry("invalid-page", f"not a page of the API ({problem})")
        return body  # type: ignore[no-any-return]


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
