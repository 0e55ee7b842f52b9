"""Whose move on VILLAGE_TRANSFER when the programme's villages apply for their transfer
(issue 15, village_requests.csv): before a complete request the village's, with the
district's SLA not started; after it the district's, counted from the later of the usual start
and complete_date. Without requests for the programme, the v1 rule stands."""

from __future__ import annotations

from typing import Any

import pandas as pd

from rantai.records import Responsible, Stage, responsible_for
from rantai.stages import Evaluation
from tests.rantai.test_stages import (
    BUNGO,
    JAMBI,
    JAMBI_BKBK,
    LUBUK_NIUR,
    PEDUKUN,
    bungo_allocations,
    case,
    district_transfer,
    enrollment,
    nik,
    program,
    run,
    stalls_of,
)
from tests.rantai.test_stages_v2 import claim

VT = "VILLAGE_TRANSFER"


def request(
    village: str, submitted: str, complete: str | None = None, missing: str | None = None
) -> dict[str, Any]:
    return {
        "program_id": JAMBI_BKBK,
        "village_code": village,
        "submitted_date": submitted,
        "complete_date": complete,
        "missing_documents": missing,
    }


def bungo(as_of: str, **more: list[dict[str, Any]]) -> Evaluation:
    """Bungo's BKBK: the district has the money from 15 January (SLA 30 days: due 14 February
    by the usual rule); no village has been paid."""
    return run(
        as_of,
        programs=[program(JAMBI_BKBK, "BKBK", JAMBI)],
        allocations=bungo_allocations(),
        district_transfers=[district_transfer(JAMBI_BKBK, BUNGO, 160_000_000, "2025-01-15")],
        **more,
    )


def test_the_rule_in_one_place() -> None:
    assert responsible_for(Stage.VILLAGE_TRANSFER, "BKBK") is Responsible.DISTRICT
    assert responsible_for(Stage.VILLAGE_TRANSFER, "BKBK", True) is Responsible.VILLAGE
    # Only VILLAGE_TRANSFER waits for a request.
    assert responsible_for(Stage.PREMIUM_PAYMENT, "APBD", True) is Responsible.DISTRICT


def test_without_requests_the_district_must_act_from_the_usual_start() -> None:
    result = bungo("2025-06-01")
    for village in (PEDUKUN, LUBUK_NIUR):
        row = case(result, village, VT)
        assert (row["start_date"], row["responsible"]) == (pd.Timestamp("2025-01-15"), "DISTRICT")
        assert not row["awaiting_request"]
    assert {(s["unit_code"], s["responsible"]) for s in stalls_of(result)} == {
        (PEDUKUN, "DISTRICT"),
        (LUBUK_NIUR, "DISTRICT"),
    }


def test_no_complete_request_yet_is_the_village_s_move() -> None:
    # Pedukun never applied; Lubuk Niur applied, a document missing.
    result = bungo(
        "2025-06-01",
        village_requests=[request(LUBUK_NIUR, "2025-01-20", missing="rekening desa")],
    )
    for village in (PEDUKUN, LUBUK_NIUR):
        row = case(result, village, VT)
        assert row["awaiting_request"]
        assert row["responsible"] == "VILLAGE"
        # The village's own wait runs from the usual start; the district's has not started.
        assert row["start_date"] == pd.Timestamp("2025-01-15")
    assert {(s["unit_code"], s["stage"], s["responsible"]) for s in stalls_of(result)} == {
        (PEDUKUN, VT, "VILLAGE"),
        (LUBUK_NIUR, VT, "VILLAGE"),
    }


def test_after_a_complete_request_the_district_s_sla_counts_from_complete_date() -> None:
    result = bungo(
        "2025-06-01",
        village_requests=[
            # Complete after the district had the money: counted from complete_date.
            request(PEDUKUN, "2025-04-20", complete="2025-05-10"),
            # Complete before: counted from the usual start.
            request(LUBUK_NIUR, "2025-01-02", complete="2025-01-05"),
        ],
    )
    pedukun = case(result, PEDUKUN, VT)
    assert (pedukun["start_date"], pedukun["due_date"]) == (
        pd.Timestamp("2025-05-10"),
        pd.Timestamp("2025-06-09"),
    )
    assert (pedukun["responsible"], bool(pedukun["stalled"])) == ("DISTRICT", False)
    lubuk = case(result, LUBUK_NIUR, VT)
    assert lubuk["start_date"] == pd.Timestamp("2025-01-15")
    assert (lubuk["responsible"], bool(lubuk["stalled"])) == ("DISTRICT", True)
    assert [(s["unit_code"], s["responsible"]) for s in stalls_of(result)] == [
        (LUBUK_NIUR, "DISTRICT")
    ]


def test_a_request_completed_after_the_evaluation_date_is_not_yet_complete() -> None:
    requests = [request(PEDUKUN, "2025-02-01", complete="2025-07-01")]
    before = case(bungo("2025-06-01", village_requests=requests), PEDUKUN, VT)
    assert (before["responsible"], before["start_date"]) == ("VILLAGE", pd.Timestamp("2025-01-15"))
    after = case(bungo("2025-07-15", village_requests=requests), PEDUKUN, VT)
    assert (after["responsible"], after["start_date"]) == ("DISTRICT", pd.Timestamp("2025-07-01"))
    # A request submitted after the evaluation date is not known yet: the village's move.
    early = case(bungo("2025-01-20", village_requests=requests), PEDUKUN, VT)
    assert early["responsible"] == "VILLAGE"


def test_a_protection_failure_blocked_by_a_missing_request_is_the_village_s() -> None:
    # The death on 1 March: Pedukun's request was complete only on 10 April.
    result = bungo(
        "2025-06-01",
        village_requests=[request(PEDUKUN, "2025-02-01", complete="2025-04-10")],
        enrollments=[enrollment(nik(1), PEDUKUN, JAMBI_BKBK, "2025-01-05")],
        claims=[claim("C1", nik(1), JAMBI_BKBK, "JKM", "2025-03-01", "2025-05-01")],
    )
    failure = result.failures.iloc[0]
    assert (failure["blocking_stage"], failure["responsible"]) == (VT, "VILLAGE")
    # A death after the request was complete: the district's, overdue from 10 May.
    later = bungo(
        "2025-06-30",
        village_requests=[request(PEDUKUN, "2025-02-01", complete="2025-04-10")],
        enrollments=[enrollment(nik(1), PEDUKUN, JAMBI_BKBK, "2025-01-05")],
        claims=[claim("C1", nik(1), JAMBI_BKBK, "JKM", "2025-05-20", "2025-06-01")],
    )
    failure = later.failures.iloc[0]
    assert (failure["blocking_stage"], failure["responsible"]) == (VT, "DISTRICT")
    assert failure["days_overdue_on_event"] == 10
