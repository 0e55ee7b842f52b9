"""How a run with stale sources ends: Degraded wins over Stalled, and says both."""

from __future__ import annotations

import pandas as pd

from flows.states import DEGRADED, degraded_state

PROBLEMS = {
    "coverage": "coverage: page 1 at http://bpjs/v1/coverage: server error 503 (gave up after 6 tries)",
    "enrollments": "enrollments: http://bpjs/v1/enrollments refused the token (401 Unauthorized)",
}


def test_stale_sources_and_stalls_end_degraded_naming_both():
    stalls = pd.DataFrame(
        {
            "program_id": ["jambi-bkbk-2025"],
            "unit_code": ["15.08.01.2001"],
            "stage": ["PREMIUM_PAYMENT"],
            "severity": ["CRITICAL"],
            "amount_at_stake": [201_600],
            "workers_affected": [12],
        }
    )
    state = degraded_state(PROBLEMS, stalls)
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
