"""The daily chain: read what the sources report, store it, evaluate every step, tell people."""

from __future__ import annotations

import datetime as dt

from prefect import flow, runtime
from prefect.states import State

from flows.states import final_state, unreadable_state
from rantai.scope import Scope
from rantai.settings import Settings
from tasks.evaluate import evaluate_chain, record_flags
from tasks.ingest import load_sources, read_sources, validate_sources
from tasks.publish import emit_stall_events, publish_artifacts, write_files


def run_name() -> str:
    """Runs are named for people: `jambi-bkbk-2025 @ 2025-11-07`."""
    params = runtime.flow_run.parameters
    scope = Scope(program_id=params.get("program_id"), province_code=params.get("province_code"))
    return f"{scope.label()} @ {params['as_of']}"


@flow(name="daily-chain", flow_run_name=run_name, log_prints=False)
def daily_chain(
    input_dir: str,
    as_of: dt.date,
    out_dir: str,
    db_url: str | None = None,
    program_id: str | None = None,
    province_code: str | None = None,
) -> State:
    """Ingest an input folder, evaluate the whole chain as of a date and publish the stalls."""
    db_url = db_url or Settings().database_url()
    scope = Scope(program_id=program_id, province_code=province_code)
    run_id = str(runtime.flow_run.id)

    delivery = read_sources(input_dir)
    if delivery.unreadable:
        return unreadable_state(delivery.unreadable)
    validated = validate_sources(delivery, db_url)
    loads = load_sources(delivery, validated, db_url, run_id)
    evaluation = evaluate_chain(db_url, as_of, scope)
    flags = record_flags(db_url, evaluation, as_of, run_id, scope, "daily-chain")
    summary = write_files(out_dir, as_of, evaluation, flags, validated, loads)
    publish_artifacts(f"Rantai: {scope.label()} @ {as_of}", flags, summary)
    emit_stall_events(flags, as_of)
    return final_state(flags.stalls)
