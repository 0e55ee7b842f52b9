"""How a run with stale sources ends: Degraded wins over Stalled, and says both."""

from __future__ import annotations

import pandas as pd

from flows.states import DEGRADED, STALLED, degraded_state, final_state
from tests.protection_frames import failures

PROBLEMS = {
    "coverage": "coverage: page 1 at http://bpjs/v1/coverage: server error 503 (gave up after 6 tries)",
    "enrollments": "enrollments: http://bpjs/v1/enrollments refused the token (401 Unauthorized)",
}


def _stalls() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "program_id": ["jambi-bkbk-2025"],
            "unit_code": ["15.08.01.2001"],
            "stage": ["PREMIUM_PAYMENT"],
            "severity": ["CRITICAL"],
            "amount_at_stake": [201_600],
            "workers_affected": [12],
        }
    )


def test_stale_sources_and_stalls_end_degraded_naming_both():
    state = degraded_state(PROBLEMS, _stalls())
    assert state.name == DEGRADED and state.is_failed()
    assert state.message.startswith(
        "2 stale source(s), evaluated on stored data: coverage, enrollments. 1 stalled: "
        "1 PREMIUM_PAYMENT"
    )
    assert "(on incomplete data)" in state.message
    assert all(problem in state.message for problem in PROBLEMS.values())


def test_stale_sources_without_stalls_still_end_degraded():
    state = degraded_state({"coverage": PROBLEMS["coverage"]}, pd.DataFrame(columns=["stage"]))
    assert state.name == DEGRADED and state.is_failed()
    assert state.message.startswith("1 stale source(s), evaluated on stored data: coverage. No")


def test_the_final_state_names_the_families_without_their_benefit_before_the_stalls():
    state = final_state(_stalls(), failures().iloc[:1])
    assert state.name == STALLED and state.is_failed()
    assert state.message.startswith(
        "1 family without their benefit (Rp42.000.000): 1 VILLAGE_TRANSFER; "
        "1 stalled: 1 PREMIUM_PAYMENT. 1 stalled steps (1 critical)"
    )


def test_failures_without_stalls_complete_and_still_say_so():
    # What failed the families happened on past days: nothing a later run can resolve, so it
    # does not make the run Stalled; its message names them all the same.
    state = final_state(pd.DataFrame(columns=["stage"]), failures())
    assert state.is_completed()
    assert state.message.startswith("2 families without their benefit")
    assert state.message.endswith("; no stalled steps.")


def test_degraded_names_stale_sources_then_failures_then_stalls():
    state = degraded_state(PROBLEMS, _stalls(), failures().iloc[:1])
    assert state.message.startswith(
        "2 stale source(s), evaluated on stored data: coverage, enrollments. 1 family without "
        "their benefit (Rp42.000.000): 1 VILLAGE_TRANSFER; 1 stalled: 1 PREMIUM_PAYMENT"
    )
