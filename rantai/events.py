"""The events a run sends about its stall flags and protection failures: what each says, and
how many a run sends.

Prefect-free: the events are `emit_event`'s keyword arguments; `tasks.publish` sends them.
Resource ids are `rantai.case.<program_id>.<unit_code>.<stage>` for a stall (followed by
`.<claim_id>` for a CLAIM_PAYMENT stall, whose case is a claim) and
`rantai.claim.<claim_id>` for a protection failure; neither row carries personal data (a
failure names its claim, benefit and unit, never the worker's NIK or name).
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
            # An unknown amount (a JKK claim's benefit before it is paid) is null, never 0.
            payload[key] = None if pd.isna(value) else int(value)
        elif key in _PAYLOAD_TEXT:
            payload[key] = str(value)
    case = f"rantai.case.{row['program_id']}.{row['unit_code']}.{row['stage']}"
    resource = {
        "prefect.resource.id": case,
        "prefect.resource.name": f"{row['stage']} {row['unit_code']}",
        "rantai.program_id": str(row["program_id"]),
        "rantai.unit_code": str(row["unit_code"]),
        "rantai.stage": str(row["stage"]),
    }
    claim = row.get("case_id")
    if isinstance(claim, str) and claim:
        # A CLAIM_PAYMENT case is a claim: each its own resource, `<case>.<claim_id>`.
        resource["prefect.resource.id"] = f"{case}.{claim}"
        resource["prefect.resource.name"] += f" {claim}"
        resource["rantai.case_id"] = claim
    return dict(
        event=f"rantai.stall.{kind}",
        resource=resource,
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


FAILURE_EVENT = "rantai.protection.failure"


def failure_events(new: pd.DataFrame, as_of: dt.date, flow_run: str) -> list[dict[str, Any]]:
    """One `rantai.protection.failure` event per protection failure first reported by this run
    (`rantai.store.failures.record_failures`): a worker enrolled in a programme claimed JKK or
    JKM for a day on which they had no cover. Its resource is the claim; it is tied to the flow
    run and, where a stage of the chain was stalled on the event date, to that stalled case
    (`rantai.case.<program_id>.<unit_code>.<stage>`, role `blocking-stage`)."""
    return [_failure_event(row, flow_run, as_of) for row in new.to_dict("records")]


def _failure_event(row: dict[str, Any], flow_run: str, as_of: dt.date) -> dict[str, Any]:
    claim, program, unit = str(row["claim_id"]), str(row["program_id"]), str(row["unit_code"])
    stage = str(row["blocking_stage"])
    at_stake = row["benefit_at_stake"]
    event_date = row["event_date"]
    related = [{"prefect.resource.id": flow_run, "prefect.resource.role": "flow-run"}]
    if stage != "NONE":
        related.append(
            {
                "prefect.resource.id": f"rantai.case.{program}.{unit}.{stage}",
                "prefect.resource.role": "blocking-stage",
            }
        )
    return dict(
        event=FAILURE_EVENT,
        resource={
            "prefect.resource.id": f"rantai.claim.{claim}",
            "prefect.resource.name": f"{row['benefit']} claim {claim}",
            "rantai.claim_id": claim,
            "rantai.program_id": program,
            "rantai.unit_code": unit,
            # Labels an Automation can match on: whose move it is, and which benefit.
            "rantai.responsible": str(row["responsible"]),
            "rantai.benefit": str(row["benefit"]),
        },
        payload={
            "as_of": as_of.isoformat(),
            "program_id": program,
            "benefit": str(row["benefit"]),
            "event_date": (
                event_date.isoformat() if hasattr(event_date, "isoformat") else str(event_date)
            )[:10],
            "status": str(row["status"]),
            "unit_code": unit,
            "district_code": str(row["district_code"]),
            "blocking_stage": stage,
            "days_overdue_on_event": int(row["days_overdue_on_event"]),
            "responsible": str(row["responsible"]),
            # Unknown (a JKK claim not yet paid) is null, never 0.
            "benefit_at_stake": None if pd.isna(at_stake) else int(at_stake),
        },
        related=related,
    )
