"""Tasks of a scoped rerun: keep only the delivered rows that bear on the scope."""

from __future__ import annotations

from dataclasses import replace

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from connectors.delivery import Delivery
from rantai.run_context import RunContext
from rantai.scope import checked_programme, file_row_numbers, select_rows
from rantai.store.engine import engine_for
from rantai.store.queries import read_enrolled, read_source
from rantai.validate import Validated


@task(cache_policy=NO_CACHE, persist_result=False)
def select_scope(delivery: Delivery, run: RunContext) -> Delivery:
    """The delivery cut down to the run's scope's rows (coverage follows stored enrollments)."""
    scope = run.scope
    with engine_for(run.db_url).connect() as conn:
        enrolled = read_enrolled(conn, scope)
        stored_programs = set(read_source(conn, "programs")["program_id"])
    if scope.program_id is not None:
        delivered = delivery.sources.get("programs")
        known = stored_programs | (
            set(delivered.rows["program_id"].dropna()) if delivered is not None else set()
        )
        try:
            checked_programme(scope.program_id, known)
        except ValueError as error:
            raise ValueError(f"program_id: {error}") from None
    rows = select_rows({name: s.rows for name, s in delivery.sources.items()}, scope, enrolled)
    get_run_logger().info(
        "Scope %s: %s",
        scope.label(),
        ", ".join(
            f"{name} {len(rows[name])} of {len(s.rows)} rows"
            for name, s in delivery.sources.items()
        )
        or "no files",
    )
    # Only part of each source is loaded: its high-water mark must not move.
    return replace(
        delivery,
        sources={name: replace(s, rows=rows[name]) for name, s in delivery.sources.items()},
        marks=[],
    )


@task(cache_policy=NO_CACHE, persist_result=False)
def in_file_rows(validated: dict[str, Validated], scoped: Delivery) -> dict[str, Validated]:
    """Quarantine and valid rows numbered as in the delivered files, not the selection."""
    out = {}
    for name, result in validated.items():
        kept = scoped.sources[name].rows.index
        out[name] = replace(
            result,
            valid=file_row_numbers(result.valid, kept),
            quarantine=file_row_numbers(result.quarantine, kept),
        )
    return out


@task(cache_policy=NO_CACHE, persist_result=False)
def unknown_programme(run: RunContext, validated: dict[str, Validated]) -> str | None:
    """Why a run's programme names nothing (None when it is known): a programme is known when
    the store holds it or this delivery brings it valid. Asked before the load, so a run of a
    mistyped programme stores nothing and never reads as an all-clear."""
    scope = run.scope
    if scope.program_id is None:
        return None
    with engine_for(run.db_url).connect() as conn:
        known = set(read_source(conn, "programs")["program_id"])
    delivered = validated.get("programs")
    if delivered is not None and not delivered.valid.empty:
        known |= set(delivered.valid["program_id"].dropna())
    try:
        checked_programme(scope.program_id, known)
    except ValueError as error:
        return f"program_id: {error}"
    return None
