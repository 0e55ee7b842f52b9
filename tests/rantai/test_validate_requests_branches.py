"""The optional sources of issue 15, validated: village_requests.csv (a village's application
for its BKBK transfer) and branches.csv (the BPJS branch serving each district, the first
source without a programme)."""

from __future__ import annotations

import pandas as pd

from rantai.ingest import validate_load
from rantai.records import SOURCES
from rantai.validate import validate
from tests.rantai.test_validate import (
    BUNGO,
    GAZETTEER,
    INHIL,
    PEDUKUN,
    PROGRAMS,
    SIMPANG_IV_SIPIN,
    TANAH_TUMBUH,
    frame,
    only_detail,
    only_reason,
    reasons,
    run,
)

# --- village_requests.csv -----------------------------------------------------------------------


def test_a_request_without_its_optional_columns_is_valid_and_incomplete() -> None:
    rows = frame("village_requests", {}).drop(columns=["complete_date", "missing_documents"])
    result = validate("village_requests", rows, PROGRAMS, GAZETTEER)
    assert result.quarantine.empty
    row = result.valid.iloc[0]
    assert row["submitted_date"] == pd.Timestamp("2025-02-03")
    assert pd.isna(row["complete_date"])
    assert row["missing_documents"] is None


def test_a_request_complete_before_it_was_submitted_is_inconsistent() -> None:
    change = {"complete_date": "2025-02-01"}
    assert only_reason("village_requests", change) == "INCONSISTENT"
    assert "complete_date" in only_detail("village_requests", change)


def test_a_request_complete_the_day_it_was_submitted_is_valid() -> None:
    assert run("village_requests", {"complete_date": "2025-02-03"}).quarantine.empty


def test_a_request_must_come_from_a_desa() -> None:
    assert only_reason("village_requests", {"village_code": SIMPANG_IV_SIPIN}) == "NOT_A_DESA"
    assert only_reason("village_requests", {"village_code": TANAH_TUMBUH}) == "NOT_A_DESA"


def test_a_request_of_a_programme_without_village_transfers_is_inconsistent() -> None:
    # APBDES programmes pay from the village's own funds: no VILLAGE_TRANSFER, no request.
    assert only_reason("village_requests", {"program_id": "JBI-DES"}) == "INCONSISTENT"


def test_a_request_of_an_unknown_programme_or_outside_its_province_is_refused() -> None:
    assert only_reason("village_requests", {"program_id": "NOPE"}) == "UNKNOWN_PROGRAM"
    assert only_reason("village_requests", {"village_code": "14.04.01.2002"}) == "REGION_MISMATCH"


def test_two_requests_of_one_village_and_programme_share_a_key() -> None:
    result = run("village_requests", {}, {"submitted_date": "2025-02-04"})
    assert reasons(result) == ["DUPLICATE_ID_CONFLICT", "DUPLICATE_ID_CONFLICT"]


# --- branches.csv -------------------------------------------------------------------------------


def test_a_branch_needs_no_programme() -> None:
    assert not SOURCES["branches"].has_programme
    assert not SOURCES["branches"].refers_to_programme
    # Valid whatever programmes are known, none included.
    result = validate("branches", frame("branches", {}), None, GAZETTEER)
    assert result.quarantine.empty
    assert result.valid["district_code"].tolist() == [BUNGO]


def test_a_branch_serves_a_district_in_any_province() -> None:
    assert only_reason("branches", {"district_code": PEDUKUN}) == "REGION_MISMATCH"
    assert only_reason("branches", {"district_code": "15"}) == "REGION_MISMATCH"
    assert only_reason("branches", {"district_code": "15.99"}) == "UNKNOWN_REGION"
    assert run("branches", {"district_code": INHIL}).quarantine.empty


def test_a_district_has_one_branch() -> None:
    result = run("branches", {}, {"branch_code": "KC-JAMBI"})
    assert reasons(result) == ["DUPLICATE_ID_CONFLICT", "DUPLICATE_ID_CONFLICT"]


def test_a_parent_branch_must_be_a_branch_of_the_file_or_stored() -> None:
    rows = frame(
        "branches",
        {"branch_code": "KC-RENGAT", "name": "KC Rengat", "district_code": "14.02"},
        {
            "branch_code": "KCP-TEMBILAHAN",
            "name": "KCP Tembilahan",
            "parent_branch_code": "KC-RENGAT",
            "district_code": INHIL,
        },
        {"parent_branch_code": "KC-NOWHERE"},
        {
            "branch_code": "KCP-DURI-2",
            "name": "KCP",
            "parent_branch_code": "KC-DURI",
            "district_code": "14.03",
        },
    )
    alone = validate("branches", rows, None, GAZETTEER)
    assert alone.valid["branch_code"].tolist() == ["KC-RENGAT", "KCP-TEMBILAHAN"]
    assert reasons(alone) == ["INCONSISTENT", "INCONSISTENT"]
    assert "parent_branch_code" in alone.quarantine["detail"].iloc[0]
    assert "KC-NOWHERE" in alone.quarantine["detail"].iloc[0]
    # A parent stored by an earlier load is known.
    stored = validate_load(
        {"branches": rows}, PROGRAMS, GAZETTEER, stored_keys={"branches": {"KC-DURI"}}
    )["branches"]
    assert stored.valid["branch_code"].tolist() == ["KC-RENGAT", "KCP-TEMBILAHAN", "KCP-DURI-2"]
    assert reasons(stored) == ["INCONSISTENT"]
