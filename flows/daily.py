"""The daily chain: read what the sources report, store it, evaluate every step, tell people."""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger, runtime
from prefect.states import State
from pydantic import SecretStr

from flows.common import run_context, tell_and_end
from flows.states import refused_state, unreadable_state
from rantai.regions import load_gazetteer
from rantai.scope import Scope, scope_for
from rantai.settings import Settings
from rantai.store.locks import run_lock
from tasks.evaluate import evaluate_chain, settle_run, stored_as_delivered
from tasks.ingest import Ingested, load_sources, read_sources, validate_sources
from tasks.scope import unknown_programme


def run_name() -> str:
    """Runs are named for people: `jambi-bkbk-2025 @ 2025-11-07`."""
    params = runtime.flow_run.parameters
    scope = Scope(program_id=params.get("program_id"), province_code=params.get("province_code"))
    return f"{scope.label()} @ {params.get('as_of') or Settings().today()}"


@flow(name="daily-chain", flow_run_name=run_name, log_prints=False)
def daily_chain(
    input_dir: str | None = None,
    as_of: dt.date | None = None,
    out_dir: str | None = None,
    db_url: str | None = None,
    program_id: str | None = None,
    province_code: str | None = None,
    token: SecretStr | None = None,
    report: bool = False,
) -> State:
    """Ingest an input folder, evaluate the whole chain as of a date and publish the stalls.

    Deployment runs leave out the source (`RANTAI_SOURCE`), the date (today in Asia/Jakarta)
    and the output folder (a folder per run under `RANTAI_OUT_DIR`). An http(s) source is
    fetched with `token`, else `RANTAI_SOURCE_TOKEN` or its Secret block (never a plain
    parameter: the UI shows parameters); sources it cannot reach end the run `Degraded`."""
    settings = Settings()
    as_of = as_of or settings.today()
    db_url = db_url or settings.database_url()
    try:
        scope = scope_for(load_gazetteer(), program_id, province_code)
    except ValueError as error:
        return refused_state(str(error))
    run = run_context("daily-chain", as_of, scope, db_url, out_dir)

    # Overlapping runs take turns (see rantai.store.locks): same result as one after the other.
    with run_lock(run.db_url, None):
        delivery = read_sources(settings.source_location(input_dir), token, db_url=run.db_url)
        if delivery.unreadable:
            return unreadable_state(delivery.unreadable)
        validated = validate_sources(delivery, run)
        unknown = unknown_programme(run, validated)
        if unknown:
            return refused_state(unknown)
        if scope.is_everything and not delivery.marks:
            # A whole delivery (files; not the changes since a mark): evaluate it while the
            # load writes it, on the other core. Where the store turns out to hold more than
            # was delivered, evaluate again on what it holds.
            loading = load_sources.submit(delivery, validated, run)
            try:
                evaluation = evaluate_chain(run, validated, as_delivered=True)
            finally:
                loading.wait()  # never leave the run lock while the load is writing
            loads = loading.result()
            if not stored_as_delivered(run, validated, loads):
                get_run_logger().info("The store holds more than this delivery: evaluating it")
                evaluation = evaluate_chain(run, validated, loads)
        else:
            loads = load_sources(delivery, validated, run)
            evaluation = evaluate_chain(run, validated, loads)
        settled = settle_run(run, evaluation, Ingested(delivery, validated, loads))
    return tell_and_end(run, f"Rantai: {scope.label()} @ {as_of}", settled, delivery, report)
