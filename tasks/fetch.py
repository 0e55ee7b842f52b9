"""Fetching HTTP sources: one Prefect task per contract file, with Prefect retries on top of the
connector's per-page retries. A source that stays unreachable, or passes one of the fetch's
limits, is reported as stale; the others still deliver. SIGTERM stops every fetch at once.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any, cast

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import task_run
from pydantic import SecretStr

from connectors.delivery import Delivery
from connectors.files import RawSource, UnreadableInput
from connectors.http import PERMANENT_ERRORS, Cancellation, Fetched, FetchStats, SourceError
from connectors.sources import Endpoint, client_for, endpoints
from rantai.settings import Settings
from rantai.store.engine import engine_for
from rantai.store.marks import SourceMark, read_marks


def is_url(location: str) -> bool:
    """Whether a run's source is an HTTP API rather than a folder."""
    return location.startswith(("http://", "https://"))


def source_token(given: SecretStr | str | None, settings: Settings) -> SecretStr | None:
    """The token for the source systems: the one given, else `RANTAI_SOURCE_TOKEN`, else the
    Prefect Secret block named by `RANTAI_SOURCE_TOKEN_BLOCK`."""
    if given:
        return given if isinstance(given, SecretStr) else SecretStr(given)
    if settings.source_token is not None and settings.source_token.get_secret_value():
        return settings.source_token
    if settings.source_token_block:
        from prefect.blocks.system import Secret

        block = cast(Secret, Secret.load(settings.source_token_block))
        return SecretStr(str(block.get()))
    return None


def _worth_retrying(_task: Any, _task_run: Any, state: Any) -> bool:
    """Prefect retries a source only for faults that may pass (not a refused token)."""
    return not isinstance(state.data, PERMANENT_ERRORS)


@task(cache_policy=NO_CACHE, persist_result=False)
def fetch_source(
    endpoint: Endpoint,
    updated_since: str | None,
    stats: FetchStats,
    deadline: float,
    cancellation: Cancellation,
) -> Fetched:
    """Fetch one contract file's changed records from its source system, by `deadline` (a
    `time.monotonic()` value shared by every try) unless `cancellation` stops it first."""
    settings = Settings()
    tries = task_run.get_run_count()
    if tries > 1:
        # The delay between Prefect's tries is taken here, not by Prefect: its delay is a
        # sleep that nothing can cut short, and SIGTERM must stop a run within seconds.
        delay = settings.source_task_retry_delay_seconds * 2 ** (tries - 2)
        cancellation.wait(min(delay * random.uniform(1, 1.5), deadline - time.monotonic()))
    with client_for(endpoint, settings, cancellation) as client:
        fetched = client.fetch(endpoint.source, updated_since, stats, deadline)
    rows = len(fetched.raw.rows) if fetched.raw is not None else 0
    get_run_logger().info(
        "%s: %d rows changed%s, %d pages, %d requests, %d retries%s",
        endpoint.source,
        rows,
        f" since {updated_since}" if updated_since else "",
        stats.pages,
        stats.requests,
        stats.retries,
        f" ({', '.join(f'{n} {k}' for k, n in sorted(stats.faults.items()))})"
        if stats.faults
        else "",
    )
    return fetched


def _since(snapshot: str | None, overlap: float) -> str | None:
    if snapshot is None:
        return None
    moment = dt.datetime.fromisoformat(snapshot) - dt.timedelta(seconds=overlap)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def fetch_sources(
    location: str, token: SecretStr | str | None = None, db_url: str | None = None
) -> Delivery:
    """Fetch every contract file over HTTP, one task each, side by side.

    With `db_url`, each source is asked only for what changed since its stored mark, and the
    delivery carries the new marks (stored by `load_sources` with the rows). Without it,
    everything is fetched and no mark moves (a rerun reads whole sources, loads a part).
    """
    settings = Settings()
    try:
        targets = endpoints(location, settings, source_token(token, settings))
    except ValueError as error:
        return Delivery(unreadable=str(error))
    marks: dict[tuple[str, str], str] = {}
    if db_url is not None:
        with engine_for(db_url).connect() as conn:
            marks = read_marks(conn, [(e.url, e.source) for e in targets])
    retries = settings.source_task_retries
    stats = {e.source: FetchStats() for e in targets}
    deadline = time.monotonic() + settings.source_deadline_seconds
    cancellation = Cancellation()
    sources: dict[str, RawSource] = {}
    problems: dict[str, str] = {}
    unreadable: list[str] = []
    new_marks: list[SourceMark] = []
    futures = {}
    try:
        for endpoint in targets:
            since = _since(
                marks.get((endpoint.url, endpoint.source)), settings.source_overlap_seconds
            )
            fetch = fetch_source.with_options(
                name=f"fetch-{endpoint.source}",
                retries=retries,
                retry_delay_seconds=0,  # fetch_source waits, so that SIGTERM can cut it short
                retry_condition_fn=_worth_retrying,
            )
            futures[endpoint.source] = (
                endpoint,
                fetch.submit(endpoint, since, stats[endpoint.source], deadline, cancellation),
            )
        for source, (endpoint, future) in futures.items():
            outcome = future.result(raise_on_failure=False)
            if isinstance(outcome, Fetched):
                if outcome.raw is not None:
                    sources[source] = outcome.raw
                rows = len(outcome.raw.rows) if outcome.raw is not None else 0
                new_marks.append(SourceMark(endpoint.url, source, outcome.snapshot, rows))
            elif isinstance(outcome, UnreadableInput):
                unreadable.append(str(outcome))
            elif isinstance(outcome, SourceError):
                problems[source] = str(outcome)
            elif isinstance(outcome, BaseException):
                raise outcome  # a bug, not a source fault: the run fails
            else:
                raise RuntimeError(f"fetching {source} gave {type(outcome).__name__}")
    except BaseException:
        # SIGTERM (Prefect raises it here, in the flow's thread) or a crash: stop every fetch
        # now. Prefect's task runner waits for its threads before the run can end, and a
        # fetch blocked in a socket read would otherwise hold the run until its deadline.
        cancellation.cancel()
        raise
    stale = [s for s in futures if s in problems]
    if "programs" in problems:
        # Every record is validated against the programmes: rows quarantined for want of one
        # must come again once programmes are back, so no mark moves.
        new_marks = []
    if db_url is None:
        new_marks = []
    for problem in problems.values():
        get_run_logger().error("Stale source %s", problem)
    return Delivery(
        sources=sources,
        unreadable="; ".join(unreadable) or None,
        stale=stale,
        problems=problems,
        marks=new_marks,
        fetches={source: s.as_dict() for source, s in stats.items()},
    )
