"""Tasks that evaluate the chain on stored data and keep the stall flags."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from rantai.anomalies import find_anomalies
from rantai.faults import failpoint
from rantai.scope import Scope, restrict
from rantai.stages import COLUMNS_USED, Evaluation, evaluate, stall_summary_line
from rantai.store.engine import checkpoint_in_background, engine_for, reading
from rantai.store.flags import FlagUpdate, update_flags
from rantai.store.load import BatchReport
from rantai.store.queries import Loaded, read_frames, stored_as_loaded
from rantai.store.runs import finish_run, start_run
from rantai.validate import Validated
from tasks.publish import write_run_outputs


@task(name="evaluate", cache_policy=NO_CACHE, persist_result=False)
def evaluate_chain(
    db_url: str,
    as_of: dt.date,
    scope: Scope,
    validated: dict[str, Validated] | None = None,
    loads: list[BatchReport] | None = None,
    as_delivered: bool = False,
) -> Evaluation:
    """Evaluate every stage of every case in scope on what is stored, as of a date.

    With the run's `validated` records and their `loads`, a table that holds exactly what was
    loaded is taken from memory instead of being read back. `as_delivered`: evaluate the
    delivered records as what their tables will hold, while the load is still writing them
    (`stored_as_delivered` confirms it once the load is done)."""
    if as_delivered:
        loaded = {name: Loaded(v.valid, None) for name, v in (validated or {}).items()}
    else:
        loaded = _loaded(validated or {}, loads or [])
    with reading(engine_for(db_url)) as conn:
        frames = read_frames(conn, scope, COLUMNS_USED, loaded, trusted=as_delivered)
    evaluation = evaluate(frames, as_of)
    anomalies = find_anomalies(frames, as_of)
    evaluation = restrict(replace(evaluation, anomalies=anomalies), scope)
    get_run_logger().info(
        "%d cases; %s", len(evaluation.cases), stall_summary_line(evaluation.stalls)
    )
    return evaluation


def stored_as_delivered(
    db_url: str, validated: dict[str, Validated], loads: list[BatchReport]
) -> bool:
    """Whether every delivered source's table now holds exactly its valid records: then an
    evaluation `as_delivered` is the evaluation of the store. Not so when a delivery holds
    only part of a table's records (other records stay stored), or the load failed."""
    loaded = _loaded(validated, loads)
    if len(loaded) != len(validated):
        return False
    with reading(engine_for(db_url)) as conn:
        return stored_as_loaded(conn, loaded)


def _loaded(validated: dict[str, Validated], loads: list[BatchReport]) -> dict[str, Loaded]:
    """Each loaded source's valid records with the fingerprint its load reported (a table
    whose stored fingerprint differs, or with none reported, is read back instead)."""
    return {
        report.source: Loaded(validated[report.source].valid, report.fingerprint)
        for report in loads
        if report.source in validated
    }


@dataclass(frozen=True)
class Settled:
    """A run's flags and the summary it published."""

    flags: FlagUpdate
    summary: dict[str, Any]


@task(name="update-flags-and-write", cache_policy=NO_CACHE, persist_result=False)
def settle_run(
    db_url: str,
    evaluation: Evaluation,
    as_of: dt.date,
    run_id: str,
    scope: Scope,
    flow_name: str,
    out_dir: str,
    validated: dict[str, Validated],
    loads: list[BatchReport],
    stale: Mapping[str, str] | None = None,
    fetches: Mapping[str, Any] | None = None,
) -> Settled:
    """Update the stall flags, record the run and write its output files, in one transaction.

    The flags commit only once stalls.csv, quarantine.csv and summary.json are in place: a run
    killed before then leaves the flags as they were, so the next run still reports what it
    finds as NEW, exactly as if the killed run had never started.
    """
    with engine_for(db_url).begin() as conn:
        start_run(conn, run_id, flow_name, as_of, scope)
        update = update_flags(conn, evaluation.stalls, as_of, run_id, scope)
        failpoint("mid-settle")
        summary = write_run_outputs(
            out_dir, as_of, evaluation, update, validated, loads, stale, fetches
        )
        finish_run(conn, run_id, stalls=len(update.stalls), resolved=len(update.resolved))
    checkpoint_in_background(engine_for(db_url))
    failpoint("after-settle")
    get_run_logger().info("Flags: %d opened, %d resolved", len(update.opened), len(update.resolved))
    return Settled(flags=update, summary=summary)
