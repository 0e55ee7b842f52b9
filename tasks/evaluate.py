"""Tasks that evaluate the chain on stored data and keep the stall flags."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from rantai.anomalies import columns_read, find_anomalies
from rantai.faults import failpoint
from rantai.run_context import RunContext
from rantai.scope import restrict
from rantai.stages import COLUMNS_USED, Evaluation, evaluate, stall_summary_line
from rantai.store.engine import checkpoint_in_background, engine_for, reading
from rantai.store.flags import FlagUpdate, update_flags
from rantai.store.load import BatchReport
from rantai.store.queries import Loaded, read_frames, stored_as_loaded
from rantai.store.runs import finish_run, start_run
from rantai.validate import Validated
from tasks.ingest import Ingested
from tasks.publish import write_run_outputs


@task(cache_policy=NO_CACHE, persist_result=False)
def evaluate_chain(
    run: RunContext,
    validated: dict[str, Validated] | None = None,
    loads: list[BatchReport] | None = None,
    as_delivered: bool = False,
) -> Evaluation:
    """Evaluate every stage of every case in the run's scope on what is stored, as of its date.

    With the run's `validated` records and their `loads`, a table that holds exactly what was
    loaded is taken from memory instead of being read back. `as_delivered`: evaluate the
    delivered records as what their tables will hold, while the load is still writing them
    (`stored_as_delivered` confirms it once the load is done)."""
    if as_delivered:
        loaded = {name: Loaded(v.valid, None) for name, v in (validated or {}).items()}
    else:
        loaded = _loaded(validated or {}, loads or [])
    with reading(engine_for(run.db_url)) as conn:
        frames = read_frames(
            conn, run.scope, columns_read(COLUMNS_USED), loaded, trusted=as_delivered
        )
    evaluation = evaluate(frames, run.as_of)
    anomalies = find_anomalies(frames, run.as_of)
    evaluation = restrict(replace(evaluation, anomalies=anomalies), run.scope)
    get_run_logger().info(
        "%d cases; %s", len(evaluation.cases), stall_summary_line(evaluation.stalls)
    )
    return evaluation


def stored_as_delivered(
    run: RunContext, validated: dict[str, Validated], loads: list[BatchReport]
) -> bool:
    """Whether every delivered source's table now holds exactly its valid records: then an
    evaluation `as_delivered` is the evaluation of the store. Not so when a delivery holds
    only part of a table's records (other records stay stored), or the load failed."""
    loaded = _loaded(validated, loads)
    if len(loaded) != len(validated):
        return False
    with reading(engine_for(run.db_url)) as conn:
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


@task(cache_policy=NO_CACHE, persist_result=False)
def settle_run(run: RunContext, evaluation: Evaluation, ingested: Ingested) -> Settled:
    """Update the stall flags, record the run and write its output files, in one transaction.

    The flags commit only once stalls.csv, quarantine.csv and summary.json are in place: a run
    killed before then leaves the flags as they were, so the next run still reports what it
    finds as NEW, exactly as if the killed run had never started.
    """
    with engine_for(run.db_url).begin() as conn:
        start_run(conn, run.run_id, run.flow_name, run.as_of, run.scope)
        update = update_flags(conn, evaluation.stalls, run.as_of, run.run_id, run.scope)
        failpoint("mid-settle")
        summary = write_run_outputs(run.out_dir, run.as_of, evaluation, update, ingested)
        finish_run(conn, run.run_id, stalls=len(update.stalls), resolved=len(update.resolved))
    checkpoint_in_background(engine_for(run.db_url))
    failpoint("after-settle")
    get_run_logger().info("Flags: %d opened, %d resolved", len(update.opened), len(update.resolved))
    return Settled(flags=update, summary=summary)
