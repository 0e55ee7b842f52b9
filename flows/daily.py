"""The daily chain: read what the sources report, store it, evaluate every step, tell people."""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger, runtime
from prefect.states import State
from pydantic import SecretStr

from flows.states import degraded_state, final_state, refused_state, unreadable_state
from rantai.regions import load_gazetteer
from rantai.scope import Scope, scope_for
from rantai.settings import Settings
from rantai.store.locks import run_lock
from tasks.evaluate import evaluate_chain, settle_run, stored_as_delivered
from tasks.ingest import load_sources, read_sources, validate_sources
from tasks.publish import publish_run, report_dir
from tasks.report import write_monev_report
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
    run_id = str(runtime.flow_run.id)
    out_dir = report_dir(out_dir, "daily-chain", as_of, scope.label(), run_id)

    # Overlapping runs take turns (see rantai.store.locks): same result as one after the other.
    with run_lock(db_url, None):
        delivery = read_sources(settings.source_location(input_dir), token, db_url=db_url)
        if delivery.unreadable:
            return unreadable_state(delivery.unreadable)
        validated = validate_sources(delivery, db_url)
        unknown = unknown_programme(scope, validated, db_url)
        if unknown:
            return refused_state(unknown)
        if scope.is_everything and not delivery.marks:
            # A whole delivery (files; not the changes since a mark): evaluate it while the
            # load writes it, on the other core. Where the store turns out to hold more than
            # was delivered, evaluate again on what it holds.
            loading = load_sources.submit(delivery, validated, db_url, run_id)
            try:
                evaluation = evaluate_chain(db_url, as_of, scope, validated, as_delivered=True)
            finally:
                loading.wait()  # never leave the run lock while the load is writing
            loads = loading.result()
            if not stored_as_delivered(db_url, validated, loads):
                get_run_logger().info("The store holds more than this delivery: evaluating it")
                evaluation = evaluate_chain(db_url, as_of, scope, validated, loads)
        else:
            loads = load_sources(delivery, validated, db_url, run_id)
            evaluation = evaluate_chain(db_url, as_of, scope, validated, loads)
        settled = settle_run(
            db_url,
            evaluation,
            as_of,
            run_id,
            scope,
            "daily-chain",
            out_dir,
            validated,
            loads,
            delivery.problems,
            delivery.fetches,
        )
        flags, summary = settled.flags, settled.summary
    publish_run(f"Rantai: {scope.label()} @ {as_of}", flags, summary, out_dir, as_of)
    if report:  # the Monev report: report.html and report.xlsx beside the outputs, linked
        write_monev_report(db_url, as_of, out_dir, scope)
    if delivery.stale:
        return degraded_state(delivery.problems, flags.stalls)
    return final_state(flags.stalls)
