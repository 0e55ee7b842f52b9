"""Tasks that bring a load in: read the sources, validate them, store them in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import SecretStr

from connectors.delivery import Delivery
from connectors.files import UnreadableInput, read_folder
from rantai.faults import failpoint
from rantai.ingest import naming_sources, validate_load
from rantai.regions import load_gazetteer
from rantai.run_context import RunContext
from rantai.store.engine import checkpoint_in_background, engine_for, reading
from rantai.store.load import BatchReport, load_source, new_batch
from rantai.store.marks import save_marks
from rantai.store.queries import read_source
from rantai.validate import Validated
from tasks.fetch import fetch_sources, is_url


@dataclass(frozen=True)
class Ingested:
    """What a run brought in: the delivery, its sources validated, and the loads that stored
    them (the outputs report all three)."""

    delivery: Delivery
    validated: dict[str, Validated]
    loads: list[BatchReport]


def read_sources(
    location: str, token: SecretStr | str | None = None, db_url: str | None = None
) -> Delivery:
    """Read a delivery: a contract folder, or the source systems' API at an http(s) URL.

    Over HTTP each source is its own task; with `db_url` each is asked only for what changed
    since its mark in that store (see `tasks.fetch.fetch_sources`).
    """
    if not is_url(location):
        return read_folder_sources(location)
    return fetch_sources(location, token, db_url)


@task(cache_policy=NO_CACHE, persist_result=False)
def read_folder_sources(input_dir: str) -> Delivery:
    """Read the contract files of an input folder."""
    try:
        sources = read_folder(Path(input_dir))
    except UnreadableInput as error:
        get_run_logger().error("Unreadable input: %s", error)
        return Delivery(unreadable=str(error))
    get_run_logger().info(
        "Read %s",
        ", ".join(f"{name} ({len(s.rows)} rows)" for name, s in sources.items()) or "no files",
    )
    failpoint("after-read")
    return Delivery(sources=sources)


@task(cache_policy=NO_CACHE, persist_result=False)
def validate_sources(delivery: Delivery, run: RunContext) -> dict[str, Validated]:
    """Validate every delivered source against the contract and the gazetteer."""
    with reading(engine_for(run.db_url)) as conn:
        stored_programs = read_source(conn, "programs")
        stored_keys = {
            name: set(read_source(conn, name, columns=[column])[column].dropna())
            for name, column in naming_sources().items()
            if name in delivery.sources
        }
    raw = {name: s.rows for name, s in delivery.sources.items()}
    validated = validate_load(raw, stored_programs, load_gazetteer(), stored_keys)
    for name, result in validated.items():
        get_run_logger().info(
            "%s: %d valid, %d quarantined", name, len(result.valid), len(result.quarantine)
        )
    return validated


@task(cache_policy=NO_CACHE, persist_result=False)
def load_sources(
    delivery: Delivery, validated: dict[str, Validated], run: RunContext
) -> list[BatchReport]:
    """Store all sources of the load in one transaction: all of it lands, or none of it."""
    reports = []
    with engine_for(run.db_url).begin() as conn:
        for name, raw in delivery.sources.items():
            result = validated[name]
            batch_id = new_batch(conn, run.run_id, name, raw.origin, raw.checksum, len(raw.rows))
            reports.append(
                load_source(conn, name, batch_id, result.valid, result.quarantine, len(raw.rows))
            )
            failpoint("mid-load")
        # The marks move in the same transaction as the rows: never ahead of what is stored.
        save_marks(conn, delivery.marks, run.run_id)
    checkpoint_in_background(engine_for(run.db_url))
    failpoint("after-load")
    for r in reports:
        get_run_logger().info(
            "%s: %d new, %d corrected, %d unchanged, %d quarantined",
            r.source,
            r.rows_inserted,
            r.rows_replaced,
            r.rows_loaded - r.rows_inserted - r.rows_replaced,
            r.rows_quarantined,
        )
    return reports
