"""What a delivery brought: the sources read, or why they could not be read; over HTTP also
which sources stayed stale and why, the high-water marks to keep, and what fetching took."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.files import RawSource
from rantai.store.marks import SourceMark


@dataclass(frozen=True)
class Delivery:
    """What the sources delivered, or why they could not be read.

    Over HTTP also: the sources that stayed unreachable (`stale`, with the reason in
    `problems`), the high-water marks to store with the load (`marks`) and what fetching took
    (`fetches`: requests, retries, faults per source). A folder fills only `sources` or
    `unreadable`.
    """

    sources: dict[str, RawSource] = field(default_factory=dict)
    unreadable: str | None = None
    stale: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    marks: list[SourceMark] = field(default_factory=list)
    fetches: dict[str, dict[str, Any]] = field(default_factory=dict)
