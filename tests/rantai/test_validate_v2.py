"""Contract v2's rows, validated: the claims source and the new optional columns, each reason
worked from the contract's words ("Protection over time and claims", "New and changed
columns": all optional, v1 files stay valid)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from rantai.bounds import DATE_MAX, DATE_MIN
from rantai.ingest import validate_load
from rantai.records import SOURCES, Reason
from rantai.validate import Validated, check_header
from rantai.validate import validate as validate_source
from tests.rantai.test_validate import (
    BASE,
    GAZETTEER,
    NIK_2,
    PROGRAMS,
    frame,
    only_detail,
    only_reason,
    reasons,
    run,
)


def validate(
    source: str, rows: pd.DataFrame, programs: pd.DataFrame | None = PROGRAMS
) -> Validated:
    """A whole file of a source, against the stored programmes (PROGRAMS unless given)."""
    return validate_source(source, rows, programs, GAZETTEER)


def validate_claims(rows: pd.DataFrame) -> Validated:
    return validate("claims", rows)


# --- claims.csv: the good rows ------------------------------------------------------------------


def test_a_paid_claim_with_its_payment_is_valid_and_typed() -> None:
    valid = run("claims", {}).valid
    row = valid.iloc[0]
    assert row["claim_id"] == "CLM1"
    assert (row["benefit"], row["status"]) == ("JKM", "PAID")
    assert row["paid_amount"] == 42_000_000
    assert row["event_date"] == pd.Timestamp("2025-06-01")
    assert row["paid_date"] == pd.Timestamp("2025-06-20")
    assert row["reject_reason"] is None


@pytest.mark.parametrize("status", ["SUBMITTED", "REJECTED", "submitted"])
def test_a_claim_not_paid_needs_no_paid_amount_or_paid_date(status: str) -> None:
    result = run("claims", {"status": status, "paid_amount": "", "paid_date": ""})
    assert result.quarantine.empty
    row = result.valid.iloc[0]
    assert row["status"] == status.upper()
    assert pd.isna(row["paid_amount"]) and pd.isna(row["paid_date"])


def test_a_claim_without_the_optional_columns_at_all_is_valid_unless_paid() -> None:
    rows = frame(
        "claims",
        {"status": "SUBMITTED"},
        {"claim_id": "CLM2", "status": "REJECTED"},
        {"claim_id": "CLM3", "status": "PAID"},
    ).drop(columns=["paid_amount", "paid_date", "reject_reason"])
    result = validate_claims(rows)
    assert result.valid["claim_id"].tolist() == ["CLM1", "CLM2"]
    assert reasons(result) == ["INCONSISTENT"]


def test_a_rejected_claim_keeps_its_reason() -> None:
    valid = run(
        "claims",
        {"status": "REJECTED", "paid_amount": "", "paid_date": "", "reject_reason": " late "},
    ).valid
    assert valid["reject_reason"].tolist() == ["late"]


def test_an_event_on_the_claim_date_is_valid() -> None:
    assert run("claims", {"event_date": "2025-06-05"}).quarantine.empty


def test_a_payment_on_the_claim_date_is_valid() -> None:
    assert run("claims", {"paid_date": "2025-06-05"}).quarantine.empty


def test_a_jkk_claim_is_valid_and_both_date_forms_load() -> None:
    valid = run("claims", {"benefit": "jkk", "event_date": "01/06/2025"}).valid
    assert valid["benefit"].tolist() == ["JKK"]
    assert valid["event_date"].tolist() == [pd.Timestamp("2025-06-01")]


# --- claims.csv: each reason ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "nik",
    [
        "1508015005900000",  # serial 0000
        "9908015005900001",  # no province 99
        "1508013002900001",  # 30 Feb
        "150801500590001",  # 15 digits
    ],
)
def test_a_claim_with_an_invalid_nik(nik: str) -> None:
    assert only_reason("claims", {"nik": nik}) == Reason.INVALID_NIK


def test_a_claim_of_an_unknown_programme() -> None:
    assert only_reason("claims", {"program_id": "NOPE"}) == Reason.UNKNOWN_PROGRAM
    assert only_detail("claims", {"program_id": "NOPE"}) == (
        "program_id: expected a programme in programs.csv (this load or an earlier one), "
        "found 'NOPE'"
    )


@pytest.mark.parametrize("column", ["claim_id", "nik", "program_id", "benefit", "status"])
def test_a_claim_missing_a_required_field(column: str) -> None:
    assert only_reason("claims", {column: ""}) == Reason.MISSING_FIELD


@pytest.mark.parametrize("column", ["event_date", "claim_date"])
def test_a_claim_missing_a_required_date(column: str) -> None:
    assert only_reason("claims", {column: ""}) == Reason.MISSING_FIELD


@pytest.mark.parametrize("column", ["event_date", "claim_date", "paid_date"])
def test_a_claim_with_a_bad_date(column: str) -> None:
    assert only_reason("claims", {column: "2025-02-30"}) == Reason.BAD_DATE


@pytest.mark.parametrize("raw", ["42,000,000", "0", "-42000000", "42000000.50"])
def test_a_claim_with_a_bad_paid_amount(raw: str) -> None:
    assert only_reason("claims", {"paid_amount": raw}) == Reason.BAD_AMOUNT


def test_a_benefit_outside_its_list_is_inconsistent() -> None:
    assert only_reason("claims", {"benefit": "JHT"}) == Reason.INCONSISTENT
    assert only_detail("claims", {"benefit": "JHT"}) == (
        "benefit: expected one of JKK, JKM, found 'JHT'"
    )


def test_a_claim_status_outside_its_list_is_inconsistent() -> None:
    assert only_reason("claims", {"status": "APPROVED"}) == Reason.INCONSISTENT
    assert only_detail("claims", {"status": "APPROVED"}) == (
        "status: expected one of SUBMITTED, PAID, REJECTED, found 'APPROVED'"
    )


def test_an_event_after_the_claim_date_is_inconsistent() -> None:
    change = {"event_date": "2025-06-06"}
    assert only_reason("claims", change) == Reason.INCONSISTENT
    assert only_detail("claims", change) == (
        "event_date: expected on or before claim_date (2025-06-05), found '2025-06-06'"
    )


def test_a_payment_before_the_claim_date_is_inconsistent() -> None:
    change = {"paid_date": "04/06/2025"}
    assert only_reason("claims", change) == Reason.INCONSISTENT
    assert only_detail("claims", change) == (
        "paid_date: expected on or after claim_date (2025-06-05), found '04/06/2025'"
    )


def test_a_paid_claim_without_its_amount_is_inconsistent() -> None:
    change = {"paid_amount": ""}
    assert only_reason("claims", change) == Reason.INCONSISTENT
    assert only_detail("claims", change) == (
        "paid_amount: required when status is PAID, found an empty cell"
    )


def test_a_paid_claim_without_its_payment_date_is_inconsistent() -> None:
    change = {"paid_date": " "}
    assert only_reason("claims", change) == Reason.INCONSISTENT
    assert only_detail("claims", change) == (
        "paid_date: required when status is PAID, found an empty cell"
    )


def test_a_paid_claim_without_either_is_quarantined_once_naming_the_first() -> None:
    result = run("claims", {"status": "paid", "paid_amount": None, "paid_date": None})
    assert reasons(result) == ["INCONSISTENT"]
    assert result.quarantine["detail"].tolist() == [
        "paid_amount: required when status is PAID, found an empty cell"
    ]


def test_only_the_paid_rows_of_a_file_need_a_payment() -> None:
    rows = frame(
        "claims",
        {"status": "SUBMITTED", "paid_amount": "", "paid_date": ""},
        {"claim_id": "CLM2", "paid_amount": "", "paid_date": ""},
        {"claim_id": "CLM3", "status": "REJECTED", "paid_amount": "", "paid_date": ""},
        {"claim_id": "CLM4"},
    )
    result = validate_claims(rows)
    assert result.valid["claim_id"].tolist() == ["CLM1", "CLM3", "CLM4"]
    assert result.quarantine["record_id"].tolist() == ["CLM2"]
    assert reasons(result) == ["INCONSISTENT"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        # a format before UNKNOWN_PROGRAM
        ({"nik": "1508015005900000", "program_id": "NOPE"}, "INVALID_NIK"),
        ({"paid_amount": "1,5", "program_id": "NOPE"}, "BAD_AMOUNT"),
        # formats in column order (nik comes before event_date, event_date before paid_amount)
        ({"nik": "1508015005900000", "event_date": "x"}, "INVALID_NIK"),
        ({"event_date": "x", "paid_amount": "1,5"}, "BAD_DATE"),
        # UNKNOWN_PROGRAM before INCONSISTENT
        ({"program_id": "NOPE", "benefit": "JHT"}, "UNKNOWN_PROGRAM"),
        ({"program_id": "NOPE", "paid_date": ""}, "UNKNOWN_PROGRAM"),
        # MISSING_FIELD before anything
        ({"claim_id": "", "nik": "123"}, "MISSING_FIELD"),
        # a malformed paid_date of a PAID claim is a BAD_DATE, not a missing payment
        ({"paid_date": "2025-13-01"}, "BAD_DATE"),
    ],
)
def test_claims_precedence(change: dict[str, Any], reason: str) -> None:
    assert only_reason("claims", change) == reason


def test_two_versions_of_one_claim_in_a_load_conflict() -> None:
    result = run("claims", {"status": "SUBMITTED", "paid_amount": "", "paid_date": ""}, {})
    assert reasons(result) == ["DUPLICATE_ID_CONFLICT"] * 2


def test_claims_key_is_the_claim_id_alone() -> None:
    result = run("claims", {}, {"claim_id": "CLM2", "nik": NIK_2})
    assert result.quarantine.empty
    assert SOURCES["claims"].key == ("claim_id",)


# --- the new optional columns --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "column"),
    [
        ("programs", "pks_date"),
        ("allocations", "cover_start"),
        ("premium_payments", "period_start"),
    ],
)
@pytest.mark.parametrize("raw", ["2025-02-30", "26-02-2025", "soon"])
def test_a_new_optional_date_that_is_not_a_date_is_bad_date(
    source: str, column: str, raw: str
) -> None:
    result = validate(source, frame(source, {column: raw}))
    assert reasons(result) == ["BAD_DATE"]
    assert result.quarantine["detail"].tolist() == [
        f"{column}: expected a date YYYY-MM-DD or DD/MM/YYYY from {DATE_MIN} to {DATE_MAX}, "
        f"found '{raw}'"
    ]


@pytest.mark.parametrize(
    ("source", "column"),
    [
        ("programs", "pks_date"),
        ("allocations", "cover_start"),
        ("premium_payments", "period_start"),
    ],
)
def test_a_new_optional_date_loads_in_both_forms(source: str, column: str) -> None:
    key = SOURCES[source].key[0]
    rows = frame(source, {column: "26/02/2025"}, {column: "2025-02-26", key: "X2"})
    result = validate(source, rows)
    assert result.quarantine.empty
    assert result.valid[column].tolist() == [pd.Timestamp("2025-02-26")] * 2


@pytest.mark.parametrize("raw", ["-1", "fourteen", "1.5", "100000"])
def test_sla_claim_days_that_is_not_a_whole_number_in_range_is_bad_int(raw: str) -> None:
    result = validate("programs", frame("programs", {"sla_claim_days": raw}))
    assert reasons(result) == ["BAD_INT"]
    assert result.quarantine["detail"].iloc[0].startswith("sla_claim_days: expected a whole number")


def test_sla_claim_days_loads_when_given() -> None:
    valid = validate("programs", frame("programs", {"sla_claim_days": "0"})).valid
    assert valid["sla_claim_days"].tolist() == [0]
    assert valid["sla_claim_days"].dtype == "Int64"


@pytest.mark.parametrize(
    ("source", "columns"),
    [
        ("programs", ["predecessor_id", "pks_date", "sla_claim_days"]),
        ("allocations", ["cover_start"]),
        ("premium_payments", ["period_start"]),
    ],
)
def test_v1_files_without_the_new_columns_stay_valid(source: str, columns: list[str]) -> None:
    rows = frame(source, {})
    assert not set(columns) & set(rows.columns), "BASE is a v1 row"
    result = validate(source, rows)
    assert result.quarantine.empty
    assert list(result.valid.columns) == SOURCES[source].columns + ["row_number"]
    for column in columns:
        assert result.valid[column].isna().all()


@pytest.mark.parametrize(
    ("source", "columns"),
    [
        ("programs", ["predecessor_id", "pks_date", "sla_claim_days"]),
        ("allocations", ["cover_start"]),
        ("premium_payments", ["period_start"]),
    ],
)
def test_the_new_columns_left_empty_are_valid(source: str, columns: list[str]) -> None:
    result = validate(source, frame(source, dict.fromkeys(columns, " ")))
    assert result.quarantine.empty
    for column in columns:
        assert result.valid[column].isna().all()


def test_the_new_columns_are_optional_in_the_header() -> None:
    assert check_header("programs", BASE["programs"]) == []
    assert check_header("allocations", BASE["allocations"]) == []
    assert check_header("premium_payments", BASE["premium_payments"]) == []
    assert check_header("claims", ["claim_id", "nik", "program_id", "benefit"]) == [
        "event_date",
        "claim_date",
        "status",
    ]


# --- programs.predecessor_id ---------------------------------------------------------------------


def test_a_predecessor_stored_earlier_is_known() -> None:
    result = validate("programs", frame("programs", {"predecessor_id": "JBI-BKBK"}))
    assert result.quarantine.empty
    assert result.valid["predecessor_id"].tolist() == ["JBI-BKBK"]


def test_a_predecessor_named_in_the_same_file_is_known() -> None:
    rows = frame(
        "programs",
        {"program_id": "JBI-2024", "fiscal_year": "2024"},
        {"predecessor_id": "JBI-2024"},
    )
    result = validate("programs", rows, programs=None)
    assert result.quarantine.empty
    assert result.valid["predecessor_id"].tolist() == [None, "JBI-2024"]


def test_a_predecessor_named_in_the_same_file_later_down_is_known() -> None:
    rows = frame(
        "programs",
        {"predecessor_id": "JBI-2024"},
        {"program_id": "JBI-2024", "fiscal_year": "2024"},
    )
    assert validate("programs", rows, programs=None).quarantine.empty


def test_an_unknown_predecessor_is_unknown_program() -> None:
    result = validate("programs", frame("programs", {"predecessor_id": "JBI-2023"}))
    assert reasons(result) == ["UNKNOWN_PROGRAM"]
    assert result.quarantine["detail"].tolist() == [
        "predecessor_id: expected a programme in programs.csv (this load or an earlier one), "
        "found 'JBI-2023'"
    ]


def test_an_unknown_predecessor_with_no_programme_stored_is_unknown_program() -> None:
    rows = frame("programs", {"predecessor_id": "JBI-2023"})
    assert reasons(validate("programs", rows, programs=None)) == ["UNKNOWN_PROGRAM"]
    assert reasons(validate("programs", rows, programs=pd.DataFrame())) == ["UNKNOWN_PROGRAM"]


def test_a_bad_format_comes_before_an_unknown_predecessor() -> None:
    rows = frame("programs", {"predecessor_id": "JBI-2023", "pks_date": "x"})
    assert reasons(validate("programs", rows)) == ["BAD_DATE"]


def test_an_unknown_predecessor_comes_before_an_unknown_region() -> None:
    rows = frame("programs", {"predecessor_id": "JBI-2023", "province_code": "99"})
    assert reasons(validate("programs", rows)) == ["UNKNOWN_PROGRAM"]


def test_an_unknown_predecessor_comes_before_an_inconsistent_funding_source() -> None:
    rows = frame("programs", {"predecessor_id": "JBI-2023", "funding_source": "DAK"})
    assert reasons(validate("programs", rows)) == ["UNKNOWN_PROGRAM"]


def test_a_load_knows_the_stored_programmes_and_its_own_as_predecessors() -> None:
    programs = frame(
        "programs",
        {"program_id": "JBI-2024", "fiscal_year": "2024", "predecessor_id": "JBI-BKBK"},
        {"predecessor_id": "JBI-2024"},
        {"program_id": "JBI-2026", "fiscal_year": "2026", "predecessor_id": "JBI-GONE"},
    )
    result = validate_load({"programs": programs}, PROGRAMS, GAZETTEER)["programs"]
    assert result.valid["program_id"].tolist() == ["JBI-2024", "JBI-BKBK-2025"]
    assert reasons(result) == ["UNKNOWN_PROGRAM"]
    assert result.quarantine["record_id"].tolist() == ["JBI-2026"]


def test_a_load_of_claims_knows_this_loads_programmes() -> None:
    raw = {
        "programs": frame("programs", {}),
        "claims": frame("claims", {"program_id": "JBI-BKBK-2025"}, {"claim_id": "C2"}),
    }
    result = validate_load(raw, PROGRAMS.iloc[0:0], GAZETTEER)["claims"]
    assert result.valid["claim_id"].tolist() == ["CLM1"]
    assert reasons(result) == ["UNKNOWN_PROGRAM"]
