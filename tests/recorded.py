"""Reading what a Prefect server has recorded of a flow run that just ended.

The server records much of a run after the run itself: logs arrive in batches, and task runs
and events are recorded from the events a run sends (Prefect 3). Read at once, some may be
missing, or a task run may still show an earlier state; so these read again until what the
test needs is there."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.client.schemas.objects import Log, TaskRun

T = TypeVar("T")


def poll(read: Callable[[], T], until: Callable[[T], bool], timeout_s: float = 30) -> T:
    """`read()` again every half second until `until` holds of what it returns; after
    `timeout_s`, what it returns then (the test's own assertions say what is missing)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = read()
        if until(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def recorded_task_runs(
    client: Any, flow_run_id: UUID, until: Callable[[list[TaskRun]], bool]
) -> list[TaskRun]:
    """A flow run's task runs (sync client), once `until` holds of them and each is in a
    final state."""
    return poll(
        lambda: client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        ),
        lambda runs: all(t.state is not None and t.state.is_final() for t in runs) and until(runs),
    )


def recorded_logs(client: Any, flow_run_id: UUID, until: Callable[[list[Log]], bool]) -> list[Log]:
    """A flow run's logs (sync client; the first 200), once `until` holds of them."""
    return poll(
        lambda: client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])), limit=200
        ),
        until,
    )
