"""Tasks that evaluate the chain on stored data and keep the stall flags."""

from __future__ import annotations

import datetime as dt

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from rantai.scope import Scope, restrict
from rantai.stages import Evaluation, evaluate, stall_summary_line
from rantai.store.engine import engine_for
from rantai.store.flags import FlagUpdate, update_flags
from rantai.store.queries import read_frames
from rantai.store.runs import finish_run, start_run


@task(name="evaluate", cache_policy=NO_CACHE, persist_result=False)
def evaluate_chain(db_url: str, as_of: dt.date, scope: Scope) -> Evaluation:
    """Evaluate every stage of every case in scope on what is stored, as of a date."""
    with engine_for(db_url).connect() as conn:
        frames = read_frames(conn, scope)
    evaluation = restrict(evaluate(frames, as_of), scope)
    get_run_logger().info(
        "%d cases; %s", len(evaluation.cases), stall_summary_line(evaluation.stalls)
    )
    return evaluation


@task(name="update-flags", cache_policy=NO_CACHE, persist_result=False)
def record_flags(
    db_url: str, evaluation: Evaluation, as_of: dt.date, run_id: str, scope: Scope, flow_name: str
) -> FlagUpdate:
    """Open, keep and resolve stall flags and record the run, in one transaction."""
    with engine_for(db_url).begin() as conn:
        start_run(conn, run_id, flow_name, as_of, scope)
        update = update_flags(conn, evaluation.stalls, as_of, run_id, scope)
        finish_run(conn, run_id, stalls=len(update.stalls), resolved=len(update.resolved))
    get_run_logger().info("Flags: %d opened, %d resolved", len(update.opened), len(update.resolved))
    return update
