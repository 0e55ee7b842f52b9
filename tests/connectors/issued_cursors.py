"""Schemathesis hooks: a request meant to be valid carries a cursor the server issued.

docs/openapi.yaml can say what a cursor looks like (1 to 256 URL-safe characters), not which
ones the server issued; the simulator rightly refuses a made-up one with 400, so a made-up
cursor is not valid data, whatever its shape. Cases generated as valid get, in its place, a
cursor the server under test issued (the second page of the same listing); negative cases keep
theirs, for the server must refuse them; and every `next` the server gives is kept as issued,
so the stateful run pages along the `next_page` links exactly as a client does.

Used by tests/connectors/test_openapi_conformance.py, and by the command line:

    SCHEMATHESIS_HOOKS=tests.connectors.issued_cursors st run docs/openapi.yaml --checks all \\
        --url http://127.0.0.1:8765 -H 'Authorization: Bearer t'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import requests
import schemathesis

# Every cursor the server under test issued, and one per listing path to give valid cases.
SEEN: set[str] = set()
FIRST: dict[str, str] = {}


def second_page(base_url: str, path: str, headers: dict[str, str]) -> str:
    """The cursor a server issues for page 2 of a listing at one record a page."""
    page = requests.get(
        base_url.rstrip("/") + path, params={"limit": 1}, headers=headers, timeout=10
    ).json()
    if not page.get("next"):
        raise RuntimeError(f"{path} needs two records for a second page")
    SEEN.add(page["next"])
    return page["next"]


def prime(base_url: str, headers: dict[str, str], paths: Iterable[str]) -> None:
    """Start afresh against a server: forget other servers' cursors, ask this one for its own."""
    SEEN.clear()
    FIRST.clear()
    FIRST.update({path: second_page(base_url, path, headers) for path in paths})


def issued(case: schemathesis.Case) -> str:
    """A cursor the server under test issued for the case's listing."""
    path = case.operation.path
    if path not in FIRST:
        schema = case.operation.schema
        FIRST[path] = second_page(schema.get_base_url(), path, dict(schema.config.headers or {}))
    return FIRST[path]


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: schemathesis.Case, kwargs: Any) -> None:
    meta, query = case.meta, case.query or {}
    if meta is None or not meta.generation.mode.is_positive or "cursor" not in query:
        return
    if query["cursor"] not in SEEN:
        case.query = {**query, "cursor": issued(case)}


@schemathesis.hook
def after_call(
    context: schemathesis.HookContext, case: schemathesis.Case, response: schemathesis.Response
) -> None:
    if response.status_code != 200:
        return
    try:
        following = response.json().get("next")
    except (ValueError, AttributeError):
        return
    if isinstance(following, str) and following:
        SEEN.add(following)
