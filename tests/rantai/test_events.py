"""The stall events a run sends, with no Prefect: one per flag that changed, worst first up to
the limit, the rest summed up in one event."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rantai.events import stall_events

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


def test_a_claim_whose_benefit_is_unknown_has_no_amount_in_its_event():
    # A SUBMITTED JKK claim's benefit is unknown until paid (empty in stalls.csv, not zero).
    claims = _flags("A", "A").assign(
        stage="CLAIM_PAYMENT",
        case_id=["CLM-JKK", "CLM-JKM"],
        amount_at_stake=pd.array([None, 42_000_000], dtype="Int64"),
    )
    events = stall_events(claims, claims.iloc[0:0], AS_OF, RUN, 0)
    assert [e["payload"]["amount_at_stake"] for e in events] == [None, 42_000_000]
