"""The events a run sends about its stall flags: what each says, and how many a run sends.

Prefect-free: the events are `emit_event`'s keyword arguments; `tasks.publish` sends them.
Resource ids are `rantai.case.<program_id>.<unit_code>.<stage>`; a stall row carries no
personal data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd


def stall_events(
    opened: pd.DataFrame, resolved: pd.DataFrame, as_of: dt.date, flow_run: str, limit: int
) -> list[dict[str, Any]]:
    """One `rantai.stall.opened` / `rantai.stall.resolved` event per flag that changed, as
    `emit_event`'s keyword arguments, each tied to the flow run (`prefect.flow-run.<id>`).

    A national first run opens tens of thousands of flags: past `limit` (worst first; 0 for no
    limit) they are summed up in one `rantai.stall.summary` event (the full list is in
    stalls.csv and the store); only the events sent are built.
    """
    changed = (("opened", opened), ("resolved", resolved))
    total = sum(len(frame) for _, frame in changed)
    keep = total if limit <= 0 or total <= limit else limit
    events: list[dict[str, Any]] = []
    left_out: dict[str, dict[str, int]] = {}
    for kind, frame in changed:
        sent = frame.iloc[: max(0, keep - len(events))]
        events += [_stall_event(kind, row, flow_run, as_of) for row in sent.to_dict("records")]
        rest = frame.iloc[len(sent) :]
        if len(rest):
            counts = rest["stage"].astype(str).value_counts(sort=False)
            left_out[kind] = {str(stage): int(n) for stage, n in counts.items()}
    if left_out:
        events.append(_summary_event(left_out, total - len(events), flow_run, as_of))
    return events


_PAYLOAD_NUMBERS = ("days_overdue", "amount_at_stake", "workers_affected")
_PAYLOAD_TEXT = ("severity", "district_code")


def _stall_event(kind: str, row: dict[str, Any], flow_run: str, as_of: dt.date) -> dict[str, Any]:
    """The event of one flag that opened or resolved (a stall row: no personal data)."""
    payload: dict[str, Any] = {"as_of": as_of.isoformat()}
    for key, value in row.items():
        if key in _PAYLOAD_NUMBERS:
            # A JKK claim's benefit is unknown until paid: no amount (null), not zero.
            payload[key] = None if value is None or value is pd.NA else int(value)
        elif key in _PAYLOAD_TEXT:
            payload[key] = str(value)
    return dict(
        event=f"rantai.stall.{kind}",
        resource={
            "prefect.resource.id": f"rantai.case.{row['program_id']}.{row['unit_code']}.{row['stage']}",
            "prefect.resource.name": f"{row['stage']} {row['unit_code']}",
            "rantai.program_id": str(row["program_id"]),
            "rantai.unit_code": str(row["unit_code"]),
            "rantai.stage": str(row["stage"]),
        },
        payload=payload,
        # Ties each event to the run that raised it, for operators and Automations.
        related=[{"prefect.resource.id": flow_run, "prefect.resource.role": "flow-run"}],
    )


def _summary_event(
    counts: dict[str, dict[str, int]], not_sent: int, flow_run: str, as_of: dt.date
) -> dict[str, Any]:
    """One `rantai.stall.summary` event for the stall changes past the per-run limit:
    how many, by kind (opened, resolved) and stage."""
    return {
        "event": "rantai.stall.summary",
        "resource": {
            "prefect.resource.id": f"rantai.run.{flow_run.rsplit('.', 1)[-1]}",
            "prefect.resource.name": f"stall changes not sent one by one ({not_sent})",
        },
        "payload": {"as_of": as_of.isoformat(), "not_sent": not_sent, "by_stage": counts},
        "related": [{"prefect.resource.id": flow_run, "prefect.resource.role": "flow-run"}],
    }
