"""The Automation of docs/operators.md ("An Automation on it"), made as the guide says on a real
`prefect server start`: a `rantai.protection.failure` event of a Jambi unit reaches the
operators' webhook, worded as the guide's body template words it, with no personal data."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from pathlib import Path

import pytest

from rantai.events import failure_events
from tests.operations.conftest import Desk, prefect_api
from tests.protection_frames import failures

pytestmark = pytest.mark.operations

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "operators.md"


def _guide_blocks() -> tuple[dict, str]:
    """The trigger (JSON) and the notification body the guide tells operators to enter."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index("**An Automation on it**") :]
    trigger = re.search(r"```json\n(.*?)```", section, re.S)
    assert trigger, "the guide lost its trigger"
    body = re.search(r"```\n(.*?)```", section[trigger.end() :], re.S)
    assert body, "the guide lost its body"
    strip = "\n".join(line.strip() for line in body.group(1).splitlines())
    return json.loads(trigger.group(1)), strip


def test_the_guides_automation_tells_operators_of_a_failure_in_their_province(desk: Desk):
    from prefect.events.actions import SendNotification
    from prefect.events.schemas.automations import AutomationCore, EventTrigger

    trigger, body = _guide_blocks()
    assert trigger["expect"] == ["rantai.protection.failure"]
    with prefect_api(desk.api_url) as client:
        block = client.read_block_document_by_name("rantai-operators", "custom-webhook")
        client.create_automation(
            AutomationCore(
                name=f"rantai-protection-failure-{uuid.uuid4().hex[:6]}",
                trigger=EventTrigger.model_validate(trigger),
                actions=[
                    SendNotification(
                        block_document_id=block.id,
                        subject="Rantai: protection failure {{ event.resource.id }}",
                        body=body,
                    )
                ],
            )
        )
        # The events a run would send, posted as the run posts them (adapters.prefect_api).
        events = failure_events(
            failures("KLM-GUIDE-15", "KLM-GUIDE-14"),
            dt.date(2025, 6, 30),
            f"prefect.flow-run.{uuid.uuid4()}",
        )
        # The server's trigger service takes up a new Automation a few seconds after it is
        # made: an event before then finds none, so the events go again until one is told.
        told = None
        for _ in range(6):
            now = dt.datetime.now(dt.UTC).isoformat()
            documents = [{"id": str(uuid.uuid4()), "occurred": now, **e} for e in events]
            client.request("POST", "/events", json=documents).raise_for_status()
            try:
                told = desk.webhook.wait_for("KLM-GUIDE-15", timeout_s=20)
                break
            except AssertionError:
                continue
    assert told, "the Automation never told the webhook"
    assert told["subject"] == "Rantai: protection failure rantai.claim.KLM-GUIDE-15"
    assert " ".join(told["body"].split()) == (
        "JKM claim rantai.claim.KLM-GUIDE-15 (2025-04-02): no cover in 15.08.01.2002, blocked at "
        "VILLAGE_TRANSFER (21 days overdue). Who must act: DISTRICT. At stake: 42000000."
    )
    # The trigger watches Jambi (15.*): Indragiri Hilir's failure (14.04), posted with it, is
    # not sent (given the moment a notification of it would have needed to arrive).
    time.sleep(3)
    assert not any("KLM-GUIDE-14" in json.dumps(b) for b in desk.webhook.received)
