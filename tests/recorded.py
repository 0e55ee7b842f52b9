"""Reading what a Prefect server has recorded of a flow run that just ended.

The server records task runs from the events a run sends (Prefect 3), after the run itself:
read at once, a run's task runs may be missing or still show an earlier state."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import TaskRun


def recorded_task_runs(
    client: Any,
    flow_run_id: UUID,
    until: Callable[[list[TaskRun]], bool],
    timeout_s: float = 30,
) -> list[TaskRun]:
    """A flow run's task runs (sync client), once `until` holds of them and each is in a
    final state, or as they are after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        task_runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
        final = all(t.state is not None and t.state.is_final() for t in task_runs)
        if (final and until(task_runs)) or time.monotonic() > deadline:
            return task_runs
        time.sleep(0.5)
