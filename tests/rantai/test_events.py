"""The events a run sends, with no Prefect: one per stall flag that changed, worst first up to
the limit, the rest summed up in one event; one per protection failure first reported."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rantai.events import failure_events, stall_events
from tests.protection_frames import failures, no_failures

AS_OF = dt.date(2025, 6, 30)
RUN = "prefect.flow-run.00000000-0000-0000-0000-000000000001"


def _flags(*units: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "program_id": "p",
            "unit_code": list(units),
            "stage": "VILLAGE_TRANSFER",
            "district_code": "15.08",
            "severity": "CRITICAL",
            "days_overdue": 10,
            "amount_at_stake": 201_600,
            "workers_affected": 1,
        }
    )


def test_each_flag_that_changed_is_one_event_tied_to_its_case_and_run():
    events = stall_events(
        _flags("A"), _flags("B")[["program_id", "unit_code", "stage"]], AS_OF, RUN, 0
    )
    assert [e["event"] for e in events] == ["rantai.stall.opened", "rantai.stall.resolved"]
    assert events[0]["resource"]["prefect.resource.id"] == "rantai.case.p.A.VILLAGE_TRANSFER"
    assert events[0]["payload"] == {
        "as_of": "2025-06-30",
        "district_code": "15.08",
        "severity": "CRITICAL",
        "days_overdue": 10,
        "amount_at_stake": 201_600,
        "workers_affected": 1,
    }
    assert events[1]["related"] == [
        {"prefect.resource.id": RUN, "prefect.resource.role": "flow-run"}
    ]


def test_past_the_limit_the_first_go_one_by_one_and_the_rest_in_one_summary():
    events = stall_events(_flags("A", "B", "C"), _flags("D"), AS_OF, RUN, 2)
    assert [e["event"] for e in events] == [
        "rantai.stall.opened",
        "rantai.stall.opened",
        "rantai.stall.summary",
    ]
    summary = events[-1]["payload"]
    assert summary["not_sent"] == 2
    assert summary["by_stage"] == {
        "opened": {"VILLAGE_TRANSFER": 1},
        "resolved": {"VILLAGE_TRANSFER": 1},
    }


def test_each_new_protection_failure_is_one_event_on_its_claim_without_personal_data():
    events = failure_events(failures(), AS_OF, RUN)

    assert [e["event"] for e in events] == ["rantai.protection.failure"] * 2
    death, accident = events
    assert death["resource"] == {
        "prefect.resource.id": "rantai.claim.KLM-0001",
        "prefect.resource.name": "JKM claim KLM-0001",
        "rantai.claim_id": "KLM-0001",
        "rantai.program_id": "jambi-bkbk-2025",
        "rantai.unit_code": "15.08.01.2002",
        "rantai.responsible": "DISTRICT",
        "rantai.benefit": "JKM",
    }
    assert death["payload"] == {
        "as_of": "2025-06-30",
        "program_id": "jambi-bkbk-2025",
        "benefit": "JKM",
        "event_date": "2025-04-02",
        "status": "SUBMITTED",
        "unit_code": "15.08.01.2002",
        "district_code": "15.08",
        "blocking_stage": "VILLAGE_TRANSFER",
        "days_overdue_on_event": 21,
        "responsible": "DISTRICT",
        "benefit_at_stake": 42_000_000,
    }
    # Tied to the run, and to the stalled case that blocked the cover (an Automation can
    # follow it to that stage's stall events).
    assert death["related"] == [
        {"prefect.resource.id": RUN, "prefect.resource.role": "flow-run"},
        {
            "prefect.resource.id": "rantai.case.jambi-bkbk-2025.15.08.01.2002.VILLAGE_TRANSFER",
            "prefect.resource.role": "blocking-stage",
        },
    ]
    # A JKK benefit not yet paid is unknown: null, never 0.
    assert accident["payload"]["benefit_at_stake"] is None
    assert accident["payload"]["responsible"] == "BPJS"


def test_a_failure_no_stage_explains_relates_only_to_its_run():
    frame = (
        failures()
        .iloc[:1]
        .assign(blocking_stage="NONE", responsible="NONE", days_overdue_on_event=0)
    )
    (event,) = failure_events(frame, AS_OF, RUN)
    assert event["related"] == [{"prefect.resource.id": RUN, "prefect.resource.role": "flow-run"}]
    assert event["payload"]["blocking_stage"] == "NONE"


def test_no_new_failures_no_events():
    assert failure_events(no_failures(), AS_OF, RUN) == []


def test_a_claims_stall_event_names_its_claim_and_an_unknown_benefit_is_null():
    frame = _flags("A").assign(stage="CLAIM_PAYMENT", case_id="KLM-7")
    frame["amount_at_stake"] = pd.array([pd.NA], dtype="Int64")
    (event,) = stall_events(frame, frame.iloc[0:0], AS_OF, RUN, 0)
    # Each claim is a case of its own: two claims of one village are two resources.
    assert event["resource"]["prefect.resource.id"] == "rantai.case.p.A.CLAIM_PAYMENT.KLM-7"
    assert event["resource"]["rantai.case_id"] == "KLM-7"
    assert event["payload"]["amount_at_stake"] is None
    # A unit's stage keeps its resource as before.
    (unit,) = stall_events(_flags("A").assign(case_id=""), frame.iloc[0:0], AS_OF, RUN, 0)
    assert unit["resource"]["prefect.resource.id"] == "rantai.case.p.A.VILLAGE_TRANSFER"
    assert "rantai.case_id" not in unit["resource"]
