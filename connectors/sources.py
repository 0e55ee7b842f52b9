"""The source systems Rantai reads, one client each, and which contract files each one holds.

- The provincial treasury (BPKAD) fixes the programmes and their allocations by decree (SK) and
  pays the districts: `programs`, `allocations`, `district_transfers`. Programmes live here
  because the decree that creates a programme is the one that allocates its money.
- The district treasury / village finance system (the DPMD's) takes the villages' requests for
  their transfer and pays the village accounts: `village_transfers`, `village_requests`.
- BPJS Ketenagakerjaan registers workers, receives the premiums (iuran), reports cover,
  decides and pays the JKK and JKM claims and says which of its branches serves each
  district: `enrollments`, `premium_payments`, `coverage`, `claims`, `branches`.

All three speak the same JSON API (`docs/openapi.yaml`) at one base URL by default; each can
have its own URL and token in the settings (`RANTAI_TREASURY_URL`, `RANTAI_BPJS_TOKEN`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from connectors.http import (
    Cancellation,
    FetchLimits,
    RetryPolicy,
    SourceClient,
    public_url,
    source_url_problem,
)
from rantai.records import SOURCES
from rantai.settings import Settings


class ProvincialTreasury(SourceClient):
    """The provincial treasury: programmes, allocations and transfers to districts."""

    system = "treasury"
    title = "the provincial treasury"
    collections = ("programs", "allocations", "district_transfers")


class VillageFinance(SourceClient):
    """The district treasury / village finance system: transfers to village accounts and the
    villages' requests for them (issue 15)."""

    system = "village_finance"
    title = "the village finance system"
    collections = ("village_transfers", "village_requests")


class BpjsKetenagakerjaan(SourceClient):
    """BPJS Ketenagakerjaan: enrollments, premium payments, the cover it reports and the
    claims it decides and pays (contract v2), and its branches (issue 15)."""

    system = "bpjs"
    title = "BPJS Ketenagakerjaan"
    collections = ("enrollments", "premium_payments", "coverage", "claims", "branches")


SYSTEMS: tuple[type[SourceClient], ...] = (ProvincialTreasury, VillageFinance, BpjsKetenagakerjaan)


def system_for(source: str) -> type[SourceClient]:
    """The system that holds a contract file."""
    for system in SYSTEMS:
        if source in system.collections:
            return system
    raise KeyError(f"no source system holds {source!r}")


@dataclass(frozen=True)
class Endpoint:
    """Where one contract file is fetched from, and with which token."""

    source: str
    system: type[SourceClient]
    url: str
    token: SecretStr | None

    def __repr__(self) -> str:
        # The token stays out of reprs (Prefect may log a task's inputs on failure).
        return f"Endpoint({self.source!r}, {self.system.system!r}, {self.url!r})"


def endpoints(location: str, settings: Settings, token: SecretStr | None = None) -> list[Endpoint]:
    """Every contract file's endpoint: the system's own URL and token if set, else the shared ones.

    Raises ValueError (naming the setting, never repeating a credential) for a URL that cannot
    be a source's: credentials or a query string in it would reach logs and the store."""
    found = []
    for source in SOURCES:
        system = system_for(source)
        own_url = getattr(settings, f"{system.system}_url")
        url = own_url or location
        problem = source_url_problem(url)
        if problem:
            where = f"RANTAI_{system.system.upper()}_URL" if own_url else "the source URL"
            raise ValueError(f"{where}: {problem}")
        own_token = getattr(settings, f"{system.system}_token")
        found.append(Endpoint(source, system, public_url(url), own_token or token))
    return found


def retry_policy(settings: Settings) -> RetryPolicy:
    """The connector's retry policy from the settings."""
    return RetryPolicy(
        max_attempts=settings.source_max_attempts,
        backoff_seconds=settings.source_backoff_seconds,
        max_backoff_seconds=settings.source_max_backoff_seconds,
        max_retry_after_seconds=settings.source_max_retry_after_seconds,
    )


def fetch_limits(settings: Settings) -> FetchLimits:
    """The connector's limits (deadlines, pages, bytes) from the settings."""
    return FetchLimits(
        request_seconds=settings.source_request_deadline_seconds,
        source_seconds=settings.source_deadline_seconds,
        max_pages=settings.source_max_pages,
        max_page_bytes=settings.source_max_page_bytes,
    )


def client_for(
    endpoint: Endpoint, settings: Settings, cancellation: Cancellation | None = None
) -> SourceClient:
    """A client for an endpoint's system, tuned by the settings; `cancellation` stops it."""
    return endpoint.system(
        endpoint.url,
        endpoint.token,
        connect_timeout=settings.source_connect_timeout,
        read_timeout=settings.source_read_timeout,
        page_size=settings.source_page_size,
        retry=retry_policy(settings),
        limits=fetch_limits(settings),
        cancellation=cancellation,
    )
