"""What the daily chain and the rerun share: the run's context, built once, and how a settled
run is told (the run page, events, the Monev report) and ends."""

from __future__ import annotations

import datetime as dt

from prefect import runtime
from prefect.states import State

from connectors.delivery import Delivery
from flows.states import degraded_state, final_state
from rantai.run_context import RunContext
from rantai.scope import Scope
from tasks.evaluate import Settled
from tasks.publish import publish_run, report_dir
from tasks.report import write_monev_report


def run_context(
    flow_name: str, as_of: dt.date, scope: Scope, db_url: str, out_dir: str | None
) -> RunContext:
    """The context of the flow run in progress; its outputs go to `out_dir`, else to a folder
    of its own under the configured output root."""
    run_id = str(runtime.flow_run.id)
    return RunContext(
        flow_name=flow_name,
        run_id=run_id,
        as_of=as_of,
        scope=scope,
        db_url=db_url,
        out_dir=report_dir(out_dir, flow_name, as_of, scope.label(), run_id),
    )


def tell_and_end(
    run: RunContext, title: str, settled: Settled, delivery: Delivery, report: bool = False
) -> State:
    """Publish a settled run (artifacts, events, the report folder's link; the Monev report
    when asked) and end it: Degraded where sources stayed stale, else Stalled or Completed; its
    message names the families without their benefit before the stalls."""
    publish_run(run, title, settled.flags, settled.summary, settled.failures, settled.new_failures)
    if report:  # the Monev report: report.html and report.xlsx beside the outputs, linked
        write_monev_report(run)
    if delivery.stale:
        return degraded_state(delivery.problems, settled.flags.stalls, settled.failures)
    return final_state(settled.flags.stalls, settled.failures)
