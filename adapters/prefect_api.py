"""Many Prefect events and artifacts at once: a national run opens tens of thousands of flags
and has a stalled-steps table for each of its 175 programmes.

`prefect.events.emit_event` validates each event as a pydantic model and streams it over a
websocket one by one, about a millisecond each: 48,000 stall events took longer than the rest of
a national run. Here the events are plain JSON, posted to the API's `POST /events` (which takes
a list) a thousand at a time, with the same related resources the events worker would attach
from the run context. Where events go elsewhere (a test's asserting client, Prefect Cloud) the
events go through `emit_event` as usual. Table artifacts are created a few at a time over one
client rather than one after another.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from prefect.artifacts import TableArtifact
from prefect.client.orchestration import PrefectClient, get_client
from prefect.context import FlowRunContext, TaskRunContext
from prefect.events import emit_event
from prefect.events.clients import PrefectEventsClient
from prefect.events.related import related_resources_from_run_context
from prefect.events.worker import EventsWorker, should_emit_events
from prefect.settings import get_current_settings
from prefect.utilities.asyncutils import run_coro_as_sync

_BATCH = 1_000
_CONCURRENT_ARTIFACTS = 8


def emit_events(events: Sequence[dict[str, Any]]) -> int:
    """Emit events given as `emit_event`'s keyword arguments (event, resource, payload, related);
    returns how many were sent."""
    if not events or not should_emit_events():
        return 0
    if EventsWorker.instance().client_type is not PrefectEventsClient:
        for event in events:
            emit_event(**event)
        return len(events)
    context: list[dict[str, str]] = run_coro_as_sync(_context_resources(events[0])) or []
    maximum = get_current_settings().server.events.maximum_related_resources
    occurred = dt.datetime.now(dt.UTC).isoformat()
    documents = []
    for event in events:
        related = list(event.get("related") or [])
        known = {r["prefect.resource.id"] for r in related}
        related += [r for r in context if r["prefect.resource.id"] not in known]
        documents.append(
            {
                "id": str(uuid.uuid4()),
                "occurred": occurred,
                "event": event["event"],
                "resource": event["resource"],
                "related": related[:maximum],
                "payload": event.get("payload") or {},
            }
        )
    with get_client(sync_client=True) as client:
        for start in range(0, len(documents), _BATCH):
            response = client.request("POST", "/events", json=documents[start : start + _BATCH])
            response.raise_for_status()
    return len(documents)


async def _context_resources(example: dict[str, Any]) -> list[dict[str, str]]:
    """The flow run, task run, flow, deployment and tags of the current run, as the events
    worker would attach them."""
    exclude = {r["prefect.resource.id"] for r in example.get("related") or []}
    async with get_client() as client:
        related = await related_resources_from_run_context(client, exclude=exclude)
    return [dict(r.root) for r in related]


def create_table_artifacts(tables: Sequence[tuple[list[dict[str, Any]], str, str]]) -> None:
    """Create table artifacts given as (rows, key, description) for the current run."""
    task_run = TaskRunContext.get()
    flow_run = FlowRunContext.get()
    artifacts = [
        TableArtifact(
            table=rows,
            key=key,
            description=description,
            task_run_id=task_run.task_run.id if task_run else None,
            flow_run_id=(
                task_run.task_run.flow_run_id
                if task_run
                else flow_run.flow_run.id
                if flow_run and flow_run.flow_run
                else None
            ),
        )
        for rows, key, description in tables
    ]
    run_coro_as_sync(_create_all(artifacts))


async def _create_all(artifacts: list[TableArtifact]) -> None:
    limit = asyncio.Semaphore(_CONCURRENT_ARTIFACTS)

    async def create(artifact: TableArtifact, client: PrefectClient) -> None:
        async with limit:
            await artifact.acreate(client)

    async with get_client() as client:
        await asyncio.gather(*(create(a, client) for a in artifacts))
