"""The validator: one reason per refused row, in the contract's order of precedence."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from rantai.bounds import AMOUNT_MAX, OPEN_END, SLA_DAYS_MAX, WORKERS_MAX
from rantai.records import SOURCES, Reason
from rantai.regions import load_gazetteer
from rantai.validate import QUARANTINE_COLUMNS, Validated, check_header, validate

GAZETTEER = load_gazetteer()

# Real codes from the bundled gazetteer.
JAMBI = "15"
BUNGO = "15.08"  # Kabupaten Bungo, Jambi
TANAH_TUMBUH = "15.08.01"  # a kecamatan in Bungo
PEDUKUN = "15.08.01.2001"  # a desa in Tanah Tumbuh
LUBUK_NIUR = "15.08.01.2002"  # another desa there
SIMPANG_IV_SIPIN = "15.71.01.1001"  # a kelurahan in Kota Jambi
RIAU = "14"
INHIL = "14.04"  # Kabupaten Indragiri Hilir, Riau
SANGLAR = "14.04.01.2002"  # a desa in Indragiri Hilir
PULAUKIJANG = "14.04.01.1001"  # a kelurahan in Indragiri Hilir
NOT_IN_GAZETTEER = "15.08.01.2999"
# The Kepmendagri 2025 edition: Papua Selatan (93) and a desa there that was Papua's (91) before
# the 2022 split; a desa adat (3xxx) of Kabupaten Jayapura, Papua.
PAPUA_SELATAN = "93"
NASEM = "93.01.01.2001"  # a desa in Kabupaten Merauke, Papua Selatan
NASEM_BEFORE_2022 = "91.01.01.2001"  # its code in Papua, retired in the 2025 edition
PAPUA = "91"
YOBOI = "91.03.01.3007"  # Desa Adat Yoboi, Sentani

NIK = "1508015005900001"  # Jambi, a woman born 10 May 1990
NIK_2 = "1508011005900002"  # Jambi, a man born 10 May 1990

PROGRAMS = pd.DataFrame(
    {
        "program_id": ["JBI-BKBK", "INHIL-APBD", "JBI-DES"],
        "funding_source": ["BKBK", "APBD", "APBDES"],
        "province_code": [JAMBI, RIAU, JAMBI],
    }
)

BASE: dict[str, dict[str, Any]] = {
    "programs": {
        "program_id": "JBI-BKBK-2025",
        "funding_source": "BKBK",
        "province_code": JAMBI,
        "fiscal_year": "2025",
        "name": "BKBK Jambi 2025",
    },
    "allocations": {
        "allocation_id": "A1",
        "program_id": "JBI-BKBK",
        "unit_code": PEDUKUN,
        "allocated_amount": "1.000.000",
        "premium_amount": "201.600",
        "target_workers": "1",
        "months": "12",
        "decree_date": "2025-01-15",
    },
    "district_transfers": {
        "transfer_id": "DT1",
        "program_id": "JBI-BKBK",
        "district_code": BUNGO,
        "amount": "1.000.000",
        "transfer_date": "2025-02-01",
        "sp2d_no": "SP2D-001",
    },
    "village_transfers": {
        "transfer_id": "VT1",
        "program_id": "JBI-BKBK",
        "village_code": PEDUKUN,
        "amount": "1.000.000",
        "transfer_date": "2025-02-15",
        "sp2d_no": "SP2D-101",
    },
    "enrollments": {
        "nik": NIK,
        "name": "Siti Aminah",
        "village_code": PEDUKUN,
        "occupation": "petani",
        "program_id": "JBI-BKBK",
        "registered_date": "2025-03-01",
    },
    "premium_payments": {
        "payment_id": "PAY1",
        "program_id": "JBI-BKBK",
        "payer_code": PEDUKUN,
        "paid_date": "2025-03-10",
        "amount": "201.600",
        "workers_count": "1",
        "months": "12",
        "payment_ref": "REF-1",
    },
    "coverage": {
        "nik": NIK,
        "program_id": "JBI-BKBK",
        "kpj_no": "",
        "coverage_start": "2025-04-01",
        "coverage_end": "2026-03-31",
        "status": "AKTIF",
    },
    "claims": {
        "claim_id": "CLM1",
        "nik": NIK,
        "program_id": "JBI-BKBK",
        "benefit": "JKM",
        "event_date": "2025-06-01",
        "claim_date": "2025-06-05",
        "status": "PAID",
        "paid_amount": "Rp42.000.000",
        "paid_date": "2025-06-20",
        "reject_reason": "",
    },
    "village_requests": {
        "program_id": "JBI-BKBK",
        "village_code": PEDUKUN,
        "submitted_date": "2025-02-03",
        "complete_date": "2025-02-10",
        "missing_documents": "",
    },
    "branches": {
        "branch_code": "KC-MUARA-BUNGO",
        "name": "KC Muara Bungo",
        "parent_branch_code": "",
        "district_code": BUNGO,
    },
}


def frame(source: str, *changes: dict[str, Any]) -> pd.DataFrame:
    """A file of one row per change, each the source's good row with those fields changed."""
    return pd.DataFrame([{**BASE[source], **change} for change in changes], dtype=object)


def run(source: str, *changes: dict[str, Any]) -> Validated:
    return validate(source, frame(source, *changes), PROGRAMS, GAZETTEER)


def reasons(result: Validated) -> list[str]:
    return result.quarantine["reason"].tolist()


def only_reason(source: str, change: dict[str, Any]) -> str:
    result = run(source, change)
    assert result.valid.empty
    assert len(result.quarantine) == 1
    return str(result.quarantine["reason"].iloc[0])


def only_detail(source: str, change: dict[str, Any]) -> str:
    result = run(source, change)
    assert len(result.quarantine) == 1
    return str(result.quarantine["detail"].iloc[0])


# --- good rows --------------------------------------------------------------------------------


@pytest.mark.parametrize("source", list(SOURCES))
def test_a_good_row_of_every_source_is_valid(source: str) -> None:
    result = run(source, {})
    assert result.quarantine.empty
    assert list(result.valid.columns) == SOURCES[source].columns + ["row_number"]
    assert result.valid["row_number"].tolist() == [1]


def test_valid_records_are_typed() -> None:
    valid = run(
        "allocations", {"unit_code": "1508012001", "allocated_amount": "Rp 1.000.000"}
    ).valid
    row = valid.iloc[0]
    assert valid["allocation_id"].dtype == object
    assert row["allocation_id"] == "A1" and type(row["allocation_id"]) is str
    assert row["unit_code"] == PEDUKUN
    assert valid["allocated_amount"].dtype == "int64"
    assert row["allocated_amount"] == 1_000_000
    assert row["premium_amount"] == 201_600
    assert valid["months"].dtype == "int64" and row["months"] == 12
    assert valid["decree_date"].dtype.kind == "M"
    assert row["decree_date"] == pd.Timestamp("2025-01-15")
    assert valid["row_number"].dtype == "int64"


def test_optional_fields_may_be_empty_or_absent() -> None:
    programs = validate("programs", frame("programs", {}), None, GAZETTEER).valid
    assert programs["premium_rate_monthly"].dtype == "Int64"
    assert programs["premium_rate_monthly"].isna().all()
    assert programs["sla_premium_days"].dtype == "Int64"

    coverage = run("coverage", {"kpj_no": "  "}).valid
    assert coverage["kpj_no"].tolist() == [None]


def test_optional_fields_are_parsed_when_given() -> None:
    result = validate(
        "programs",
        frame("programs", {"premium_rate_monthly": "Rp 16.800", "sla_premium_days": "0"}),
        None,
        GAZETTEER,
    )
    assert result.valid["premium_rate_monthly"].tolist() == [16800]
    assert result.valid["sla_premium_days"].tolist() == [0]
    assert result.valid["sla_coverage_days"].isna().all()


def test_undotted_codes_are_stored_dotted() -> None:
    assert run("district_transfers", {"district_code": "1508"}).valid["district_code"].tolist() == [
        BUNGO
    ]
    assert run("enrollments", {"village_code": "1508012001"}).valid["village_code"].tolist() == [
        PEDUKUN
    ]
    programs = validate("programs", frame("programs", {}), None, GAZETTEER).valid
    assert programs["province_code"].tolist() == [JAMBI]


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("16800", 16800),
        ("16.800", 16800),
        ("Rp16.800", 16800),
        ("Rp 16.800", 16800),
        ("rp16.800", 16800),
        ("1.234.567", 1234567),
    ],
)
def test_every_amount_form_loads_as_whole_rupiah(raw: str, amount: int) -> None:
    assert run("premium_payments", {"amount": raw}).valid["amount"].tolist() == [amount]


@pytest.mark.parametrize("raw", ["2025-03-10", "10/03/2025"])
def test_both_date_forms_load(raw: str) -> None:
    valid = run("premium_payments", {"paid_date": raw}).valid
    assert valid["paid_date"].tolist() == [pd.Timestamp("2025-03-10")]


def test_values_are_stripped_and_choices_upper_cased() -> None:
    valid = run(
        "coverage", {"nik": f" {NIK} ", "program_id": " JBI-BKBK ", "status": " aktif "}
    ).valid
    assert valid[["nik", "program_id", "status"]].iloc[0].tolist() == [NIK, "JBI-BKBK", "AKTIF"]


def test_header_case_extra_columns_and_index_do_not_matter() -> None:
    raw = frame("enrollments", {}, {"nik": NIK_2})
    raw["remarks"] = "ignored"
    raw.columns = [c.upper() for c in raw.columns]
    raw.index = [10, 20]
    result = validate("enrollments", raw, PROGRAMS, GAZETTEER)
    assert result.quarantine.empty
    assert list(result.valid.columns) == SOURCES["enrollments"].columns + ["row_number"]
    assert result.valid["row_number"].tolist() == [1, 2]


def test_xlsx_cells_are_read_like_text() -> None:
    change = {
        "allocated_amount": 1_000_000,
        "premium_amount": 201600.0,
        "target_workers": 1.0,
        "months": 12,
        "decree_date": dt.datetime(2025, 1, 15),
        "unit_code": 1508012001,
    }
    result = run("allocations", change)
    assert result.quarantine.empty
    row = result.valid.iloc[0]
    assert (row["allocated_amount"], row["premium_amount"], row["target_workers"]) == (
        1_000_000,
        201_600,
        1,
    )
    assert row["decree_date"] == pd.Timestamp("2025-01-15")
    assert row["unit_code"] == PEDUKUN


def test_an_empty_file_gives_empty_frames() -> None:
    raw = pd.DataFrame(columns=SOURCES["coverage"].columns, dtype=object)
    result = validate("coverage", raw, PROGRAMS, GAZETTEER)
    assert result.valid.empty and result.quarantine.empty
    assert list(result.valid.columns) == SOURCES["coverage"].columns + ["row_number"]
    assert list(result.quarantine.columns) == QUARANTINE_COLUMNS


# --- one test per reason ----------------------------------------------------------------------


def test_missing_field_names_the_first_missing_field() -> None:
    result = run("allocations", {"unit_code": " ", "months": None})
    assert reasons(result) == ["MISSING_FIELD"]
    assert result.quarantine["detail"].tolist() == ["unit_code: required, found an empty cell"]


def test_a_required_column_absent_from_the_file_is_missing() -> None:
    raw = frame("enrollments", {}).drop(columns=["occupation"])
    result = validate("enrollments", raw, PROGRAMS, GAZETTEER)
    assert reasons(result) == ["MISSING_FIELD"]


@pytest.mark.parametrize(
    "raw", ["2025-02-30", "31/04/2025", "2025/03/10", "10-03-2025", "10/3/2025", "March 10"]
)
def test_bad_date(raw: str) -> None:
    assert only_reason("premium_payments", {"paid_date": raw}) == Reason.BAD_DATE


@pytest.mark.parametrize("raw", ["16,800", "16800.50", "16800,00", "-16800", "0", "168.00"])
def test_bad_amount(raw: str) -> None:
    assert only_reason("premium_payments", {"amount": raw}) == Reason.BAD_AMOUNT


def test_bad_amount_detail_says_field_expectation_and_value() -> None:
    assert only_detail("premium_payments", {"amount": "16,800"}) == (
        "amount: expected whole rupiah from 1 to 99.999.999.999.999 like 16800 or Rp16.800, "
        "found '16,800'"
    )


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("months", "13"),
        ("months", "0"),
        ("months", "-3"),
        ("months", "1.5"),
        ("months", "twelve"),
        ("workers_count", "0"),
    ],
)
def test_bad_int_covers_format_and_range(field: str, raw: str) -> None:
    assert only_reason("premium_payments", {field: raw}) == Reason.BAD_INT


def test_bad_int_detail_gives_the_range() -> None:
    assert only_detail("premium_payments", {"months": "13"}) == (
        "months: expected a whole number from 1 to 12, found '13'"
    )
    assert only_detail("programs", {"fiscal_year": "25"}) == (
        "fiscal_year: expected a whole number from 2000 to 2100, found '25'"
    )


def test_optional_int_out_of_range_is_bad_int() -> None:
    assert only_reason("programs", {"sla_village_days": "-1"}) == Reason.BAD_INT


@pytest.mark.parametrize(
    "nik",
    [
        "1508015005900000",  # serial 0000
        "9908015005900001",  # no province 99
        "1508013002900001",  # 30 Feb
        "150801500590001",  # 15 digits
    ],
)
def test_invalid_nik(nik: str) -> None:
    assert only_reason("enrollments", {"nik": nik}) == Reason.INVALID_NIK
    assert only_reason("coverage", {"nik": nik}) == Reason.INVALID_NIK


def test_invalid_nik_detail_says_what_is_wrong_without_repeating_it() -> None:
    result = run("enrollments", {"nik": "1508013002900001"})
    assert result.quarantine["detail"].tolist() == [
        "nik: expected a valid 16-digit NIK, found one whose digits 7-12 are not a real birth "
        "date DDMMYY (DD + 40 for women)"
    ]
    assert result.quarantine["record_id"].tolist() == ["1508013002900001|JBI-BKBK"]


def test_a_nik_of_the_wrong_length_is_described_in_plain_grammar() -> None:
    assert only_detail("enrollments", {"nik": "150801500590001"}) == (
        "nik: expected a valid 16-digit NIK, found one whose characters are not 16 digits"
    )


@pytest.mark.parametrize(
    ("source", "column", "value"),
    [
        ("programs", "sla_premium_days", str(SLA_DAYS_MAX + 1)),
        ("programs", "sla_village_days", "100000"),
        ("allocations", "target_workers", str(WORKERS_MAX + 1)),
        ("premium_payments", "workers_count", "999999999999999999"),
    ],
)
def test_counts_past_their_maximum_are_bad_ints_naming_the_range(source, column, value) -> None:
    assert only_reason(source, {column: value}) == Reason.BAD_INT
    assert "from " in only_detail(source, {column: value})


def test_counts_at_their_maximum_are_valid() -> None:
    assert reasons(run("programs", {"sla_premium_days": str(SLA_DAYS_MAX)})) == []
    assert reasons(run("allocations", {"target_workers": str(WORKERS_MAX)})) == []


@pytest.mark.parametrize(
    "amount", ["999999999999999999", str(AMOUNT_MAX + 1), "Rp100.000.000.000.000", 1e15]
)
def test_amounts_past_the_maximum_are_bad_amounts(amount) -> None:
    assert only_reason("premium_payments", {"amount": amount}) == Reason.BAD_AMOUNT
    assert "99.999.999.999.999" in only_detail("premium_payments", {"amount": amount})


def test_the_largest_amount_is_valid() -> None:
    result = run("premium_payments", {"amount": "Rp99.999.999.999.999"})
    assert result.valid["amount"].tolist() == [AMOUNT_MAX]


@pytest.mark.parametrize(
    "day",
    ["1899-12-31", "01/01/0001", "2100-01-01", "9999-12-31", dt.datetime(9999, 12, 31)],
)
def test_dates_outside_the_range_are_bad_dates_naming_it(day) -> None:
    assert only_reason("allocations", {"decree_date": day}) == Reason.BAD_DATE
    assert "from 1900-01-01 to 2099-12-31" in only_detail("allocations", {"decree_date": day})
    assert only_reason("coverage", {"coverage_start": day}) == Reason.BAD_DATE


@pytest.mark.parametrize("end", ["2100-01-01", "31/12/9999", dt.datetime(9999, 12, 31)])
def test_a_coverage_end_past_the_range_is_open_ended(end) -> None:
    result = run("coverage", {"coverage_end": end})
    assert reasons(result) == []
    assert result.valid["coverage_end"].tolist() == [pd.Timestamp(OPEN_END)]


def test_a_coverage_end_before_the_range_is_a_bad_date() -> None:
    assert only_reason("coverage", {"coverage_end": "1899-12-31"}) == Reason.BAD_DATE


def test_unknown_program() -> None:
    result = run("premium_payments", {"program_id": "NOPE"})
    assert reasons(result) == ["UNKNOWN_PROGRAM"]
    assert result.quarantine["detail"].tolist() == [
        "program_id: expected a programme in programs.csv (this load or an earlier one), "
        "found 'NOPE'"
    ]


def test_no_programme_known_at_all_makes_every_row_unknown() -> None:
    result = validate("enrollments", frame("enrollments", {}), pd.DataFrame(), GAZETTEER)
    assert reasons(result) == ["UNKNOWN_PROGRAM"]


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (NOT_IN_GAZETTEER, "not in the gazetteer"),
        ("99", "not in the gazetteer"),
        ("15-08", "not a region code"),
        ("15.8", "not a region code"),
        ("150801200", "not a region code"),
    ],
)
def test_unknown_region(raw: str, why: str) -> None:
    result = run("village_transfers", {"village_code": raw})
    assert reasons(result) == ["UNKNOWN_REGION"]
    assert result.quarantine["detail"].tolist() == [
        f"village_code: expected a Kemendagri region code like 15.08.01.2001, found '{raw}' ({why})"
    ]


# --- the gazetteer's editions -----------------------------------------------------------------

PAPUA_PROGRAMS = pd.DataFrame(
    {
        "program_id": ["PSEL-BKBK", "PAPUA-BKBK", "PAPUA-DES"],
        "funding_source": ["BKBK", "BKBK", "APBDES"],
        "province_code": [PAPUA_SELATAN, PAPUA, PAPUA],
    }
)


def in_papua(source: str, *changes: dict[str, Any]) -> Validated:
    return validate(source, frame(source, *changes), PAPUA_PROGRAMS, GAZETTEER)


def test_a_programme_of_a_province_made_in_2022_loads_with_its_desa() -> None:
    programme = {"program_id": "PSEL-BKBK-2025", "province_code": PAPUA_SELATAN}
    assert reasons(run("programs", programme)) == []
    desa = {"program_id": "PSEL-BKBK"}
    for source, column in [
        ("allocations", "unit_code"),
        ("village_transfers", "village_code"),
        ("enrollments", "village_code"),
        ("premium_payments", "payer_code"),
    ]:
        result = in_papua(source, {**desa, column: NASEM})
        assert reasons(result) == [], source
        assert result.valid[column].tolist() == [NASEM]
    district = {**desa, "district_code": "93.01"}
    assert reasons(in_papua("district_transfers", district)) == []
    nik = {**desa, "nik": "9301011005900001", "village_code": NASEM}
    assert reasons(in_papua("enrollments", nik)) == []


@pytest.mark.parametrize("written", [NASEM_BEFORE_2022, "9101012001"])
def test_a_code_retired_in_2025_is_an_unknown_region_saying_so(written: str) -> None:
    result = in_papua("enrollments", {"program_id": "PAPUA-BKBK", "village_code": written})
    assert reasons(result) == ["UNKNOWN_REGION"]
    assert result.quarantine["detail"].tolist() == [
        "village_code: expected a Kemendagri region code like 15.08.01.2001, "
        f"found '{written}' (retired in the Kepmendagri 2025 edition; was Nasem, now 93.01.01.2001)"
    ]


def test_retired_codes_of_every_level_and_unknown_ones_are_told_apart() -> None:
    papua = {"program_id": "PAPUA-BKBK"}
    result = in_papua(
        "district_transfers",
        {**papua, "district_code": "91.01", "transfer_id": "DT1"},  # KAB. MERAUKE, now 93.01
        {**papua, "district_code": "15.01.02.2009", "transfer_id": "DT2"},  # a desa of Kerinci
        {**papua, "district_code": "91.99", "transfer_id": "DT3"},
        {**papua, "district_code": "91.03", "transfer_id": "DT4"},
    )
    assert result.quarantine["detail"].tolist() == [
        "district_code: expected a Kemendagri region code like 15.08.01.2001, "
        "found '91.01' (retired in the Kepmendagri 2025 edition; was KAB. MERAUKE, now 93.01)",
        "district_code: expected a Kemendagri region code like 15.08.01.2001, "
        "found '15.01.02.2009' (retired in the Kepmendagri 2025 edition; was Koto Iman, "
        "now 15.01.22.2011)",
        "district_code: expected a Kemendagri region code like 15.08.01.2001, "
        "found '91.99' (not in the gazetteer)",
    ]
    assert result.valid["district_code"].tolist() == ["91.03"]


@pytest.mark.parametrize(
    ("source", "change"),
    [
        ("allocations", {"unit_code": YOBOI}),
        ("allocations", {"program_id": "PAPUA-DES", "unit_code": YOBOI}),
        ("village_transfers", {"village_code": YOBOI}),
        ("enrollments", {"village_code": YOBOI}),
        ("enrollments", {"program_id": "PAPUA-DES", "village_code": YOBOI}),
        ("premium_payments", {"payer_code": YOBOI}),
    ],
)
def test_a_desa_adat_is_a_desa(source: str, change: dict[str, Any]) -> None:
    assert reasons(in_papua(source, {"program_id": "PAPUA-BKBK", **change})) == []


# --- region rules, per source -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "change", "reason"),
    [
        # programs: a province
        ("programs", {"province_code": BUNGO}, "REGION_MISMATCH"),
        ("programs", {"province_code": PEDUKUN}, "REGION_MISMATCH"),
        ("programs", {"province_code": RIAU}, None),
        # allocations, BKBK: a desa in the province
        ("allocations", {"unit_code": SIMPANG_IV_SIPIN}, "NOT_A_DESA"),
        ("allocations", {"unit_code": BUNGO}, "NOT_A_DESA"),
        ("allocations", {"unit_code": TANAH_TUMBUH}, "NOT_A_DESA"),
        ("allocations", {"unit_code": SANGLAR}, "REGION_MISMATCH"),
        # allocations, APBDES: a desa in the province
        ("allocations", {"program_id": "JBI-DES", "unit_code": LUBUK_NIUR}, None),
        ("allocations", {"program_id": "JBI-DES", "unit_code": SIMPANG_IV_SIPIN}, "NOT_A_DESA"),
        # allocations, APBD: a district in the province
        ("allocations", {"program_id": "INHIL-APBD", "unit_code": INHIL}, None),
        ("allocations", {"program_id": "INHIL-APBD", "unit_code": SANGLAR}, "REGION_MISMATCH"),
        ("allocations", {"program_id": "INHIL-APBD", "unit_code": RIAU}, "REGION_MISMATCH"),
        ("allocations", {"program_id": "INHIL-APBD", "unit_code": BUNGO}, "REGION_MISMATCH"),
        # district transfers: a district in the province
        ("district_transfers", {"district_code": PEDUKUN}, "REGION_MISMATCH"),
        ("district_transfers", {"district_code": JAMBI}, "REGION_MISMATCH"),
        ("district_transfers", {"district_code": INHIL}, "REGION_MISMATCH"),
        # village transfers: a desa in the province
        ("village_transfers", {"village_code": SIMPANG_IV_SIPIN}, "NOT_A_DESA"),
        ("village_transfers", {"village_code": BUNGO}, "NOT_A_DESA"),
        ("village_transfers", {"village_code": SANGLAR}, "REGION_MISMATCH"),
        # enrollments: a village, a desa for BKBK/APBDES, in the province
        ("enrollments", {"village_code": SIMPANG_IV_SIPIN}, "NOT_A_DESA"),
        ("enrollments", {"village_code": SIMPANG_IV_SIPIN, "program_id": "JBI-DES"}, "NOT_A_DESA"),
        ("enrollments", {"village_code": PULAUKIJANG, "program_id": "INHIL-APBD"}, None),
        ("enrollments", {"village_code": INHIL, "program_id": "INHIL-APBD"}, "REGION_MISMATCH"),
        ("enrollments", {"village_code": BUNGO}, "REGION_MISMATCH"),
        ("enrollments", {"village_code": SANGLAR}, "REGION_MISMATCH"),
        # premium payments: a district for APBD, a desa otherwise, in the province
        ("premium_payments", {"payer_code": SIMPANG_IV_SIPIN}, "NOT_A_DESA"),
        ("premium_payments", {"payer_code": BUNGO}, "NOT_A_DESA"),
        ("premium_payments", {"program_id": "INHIL-APBD", "payer_code": INHIL}, None),
        (
            "premium_payments",
            {"program_id": "INHIL-APBD", "payer_code": SANGLAR},
            "REGION_MISMATCH",
        ),
        ("premium_payments", {"program_id": "INHIL-APBD", "payer_code": BUNGO}, "REGION_MISMATCH"),
        ("premium_payments", {"program_id": "JBI-DES", "payer_code": SANGLAR}, "REGION_MISMATCH"),
    ],
)
def test_region_rules(source: str, change: dict[str, Any], reason: str | None) -> None:
    assert reasons(run(source, change)) == ([reason] if reason else [])


def test_region_details_name_what_was_found() -> None:
    assert only_detail("allocations", {"unit_code": SIMPANG_IV_SIPIN}) == (
        "unit_code: expected a desa (village code ending 2xxx, or 3xxx for a desa adat), "
        "found '15.71.01.1001', a kelurahan"
    )
    assert only_detail("district_transfers", {"district_code": "1508012001"}) == (
        "district_code: expected a district code like 15.08, found '1508012001', a village"
    )
    assert only_detail("village_transfers", {"village_code": SANGLAR}) == (
        "village_code: expected a region inside the programme's province 15, found '14.04.01.2002'"
    )


# --- INCONSISTENT -----------------------------------------------------------------------------


def test_funding_source_outside_its_list_is_inconsistent() -> None:
    result = validate("programs", frame("programs", {"funding_source": "DAK"}), None, GAZETTEER)
    assert reasons(result) == ["INCONSISTENT"]
    assert result.quarantine["detail"].tolist() == [
        "funding_source: expected one of BKBK, APBD, APBDES, found 'DAK'"
    ]


def test_lower_case_funding_source_is_accepted_upper_cased() -> None:
    result = validate("programs", frame("programs", {"funding_source": "apbdes"}), None, GAZETTEER)
    assert result.valid["funding_source"].tolist() == ["APBDES"]


def test_status_outside_its_list_is_inconsistent() -> None:
    assert only_reason("coverage", {"status": "MATI"}) == Reason.INCONSISTENT


def test_premium_above_allocation_is_inconsistent() -> None:
    change = {"allocated_amount": "100.000", "premium_amount": "100.001"}
    assert only_reason("allocations", change) == Reason.INCONSISTENT
    assert only_detail("allocations", change) == (
        "premium_amount: expected at most allocated_amount (100000), found 100001"
    )
    equal = {"allocated_amount": "100.000", "premium_amount": "Rp100.000"}
    assert reasons(run("allocations", equal)) == []


def test_coverage_ending_before_it_starts_is_inconsistent() -> None:
    change = {"coverage_start": "01/04/2025", "coverage_end": "2025-03-31"}
    assert only_reason("coverage", change) == Reason.INCONSISTENT
    assert only_detail("coverage", change) == (
        "coverage_end: expected on or after coverage_start (01/04/2025), found '2025-03-31'"
    )
    same_day = {"coverage_start": "2025-04-01", "coverage_end": "01/04/2025"}
    assert reasons(run("coverage", same_day)) == []


@pytest.mark.parametrize(
    ("source", "change"),
    [
        ("district_transfers", {"program_id": "INHIL-APBD", "district_code": INHIL}),
        ("village_transfers", {"program_id": "JBI-DES", "village_code": LUBUK_NIUR}),
    ],
)
def test_transfers_of_a_programme_that_is_not_bkbk_are_inconsistent(
    source: str, change: dict[str, Any]
) -> None:
    assert only_reason(source, change) == Reason.INCONSISTENT


def test_not_bkbk_detail() -> None:
    change = {"program_id": "INHIL-APBD", "district_code": INHIL}
    assert only_detail("district_transfers", change) == (
        "program_id: expected a BKBK programme for district transfers, found 'INHIL-APBD', "
        "a APBD programme"
    )


# --- duplicates -------------------------------------------------------------------------------


def test_identical_copies_load_once() -> None:
    result = run("allocations", {}, {"allocation_id": "A2"}, {})
    assert result.quarantine.empty
    assert result.valid["allocation_id"].tolist() == ["A1", "A2"]
    assert result.valid["row_number"].tolist() == [1, 2]


def test_copies_identical_once_parsed_load_once() -> None:
    result = run(
        "allocations",
        {},
        {
            "unit_code": "1508012001",
            "allocated_amount": "Rp 1.000.000",
            "decree_date": "15/01/2025",
        },
    )
    assert result.quarantine.empty
    assert result.valid["row_number"].tolist() == [1]


def test_conflicting_copies_are_all_quarantined() -> None:
    result = run(
        "allocations",
        {},
        {"allocation_id": "A2"},
        {"months": "6"},
        {"months": "3"},
    )
    assert result.valid["allocation_id"].tolist() == ["A2"]
    assert result.quarantine["row_number"].tolist() == [1, 3, 4]
    assert reasons(result) == ["DUPLICATE_ID_CONFLICT"] * 3
    assert result.quarantine["record_id"].tolist() == ["A1", "A1", "A1"]
    assert result.quarantine["detail"].iloc[0] == (
        "allocation_id: expected one version of a record per load, "
        "found 3 rows with this key and different content"
    )


def test_enrollment_key_is_nik_and_programme() -> None:
    other_programme = {"program_id": "JBI-DES", "village_code": LUBUK_NIUR}
    assert reasons(run("enrollments", {}, other_programme)) == []
    assert reasons(run("enrollments", {}, {"name": "Siti A."})) == ["DUPLICATE_ID_CONFLICT"] * 2


def test_coverage_key_uses_the_parsed_start_date() -> None:
    result = run("coverage", {}, {"coverage_start": "01/04/2025", "status": "NON_AKTIF"})
    assert reasons(result) == ["DUPLICATE_ID_CONFLICT"] * 2
    assert result.quarantine["record_id"].tolist() == [
        f"{NIK}|JBI-BKBK|2025-04-01",
        f"{NIK}|JBI-BKBK|01/04/2025",
    ]
    later_start = run("coverage", {}, {"coverage_start": "2025-05-01"})
    assert reasons(later_start) == []


def test_only_copies_that_passed_earlier_checks_can_conflict() -> None:
    result = run("allocations", {}, {"unit_code": SANGLAR})
    assert reasons(result) == ["REGION_MISMATCH"]
    assert result.valid["row_number"].tolist() == [1]


# --- precedence -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "change", "reason"),
    [
        # MISSING_FIELD before any format
        ("premium_payments", {"payment_ref": "", "paid_date": "2025-02-30"}, "MISSING_FIELD"),
        ("enrollments", {"name": "", "nik": "123"}, "MISSING_FIELD"),
        # formats in column order
        ("premium_payments", {"paid_date": "2025-02-30", "amount": "16,800"}, "BAD_DATE"),
        ("allocations", {"allocated_amount": "1,0", "decree_date": "x"}, "BAD_AMOUNT"),
        ("allocations", {"months": "13", "decree_date": "x"}, "BAD_INT"),
        ("premium_payments", {"amount": "0", "workers_count": "0"}, "BAD_AMOUNT"),
        ("enrollments", {"nik": "1508015005900000", "registered_date": "x"}, "INVALID_NIK"),
        ("coverage", {"nik": "1508015005900000", "coverage_start": "x"}, "INVALID_NIK"),
        # a format before UNKNOWN_PROGRAM
        ("premium_payments", {"amount": "-1", "program_id": "NOPE"}, "BAD_AMOUNT"),
        # UNKNOWN_PROGRAM before UNKNOWN_REGION
        ("allocations", {"program_id": "NOPE", "unit_code": "99.99"}, "UNKNOWN_PROGRAM"),
        # UNKNOWN_REGION before INCONSISTENT
        (
            "district_transfers",
            {"program_id": "INHIL-APBD", "district_code": "14.99"},
            "UNKNOWN_REGION",
        ),
        # NOT_A_DESA before REGION_MISMATCH (a kelurahan in another province)
        ("village_transfers", {"village_code": PULAUKIJANG}, "NOT_A_DESA"),
        ("enrollments", {"village_code": PULAUKIJANG}, "NOT_A_DESA"),
        # REGION_MISMATCH before INCONSISTENT
        (
            "district_transfers",
            {"program_id": "INHIL-APBD", "district_code": BUNGO},
            "REGION_MISMATCH",
        ),
        (
            "programs",
            {"province_code": BUNGO, "funding_source": "DAK"},
            "REGION_MISMATCH",
        ),
        # NOT_A_DESA before INCONSISTENT
        (
            "village_transfers",
            {"program_id": "INHIL-APBD", "village_code": PULAUKIJANG},
            "NOT_A_DESA",
        ),
    ],
)
def test_precedence(source: str, change: dict[str, Any], reason: str) -> None:
    assert only_reason(source, change) == reason


def test_duplicate_conflict_comes_before_inconsistent() -> None:
    over = {"allocated_amount": "100", "premium_amount": "200"}
    result = run("allocations", over, {**over, "months": "6"})
    assert reasons(result) == ["DUPLICATE_ID_CONFLICT"] * 2


def test_identical_inconsistent_copies_are_each_quarantined() -> None:
    over = {"allocated_amount": "100", "premium_amount": "200"}
    result = run("allocations", over, over)
    assert result.valid.empty
    assert reasons(result) == ["INCONSISTENT", "INCONSISTENT"]


# --- the quarantine frame ---------------------------------------------------------------------


def test_quarantine_rows_are_sorted_with_the_key_as_written() -> None:
    result = run(
        "enrollments",
        {"nik": NIK_2, "program_id": "NOPE"},
        {},
        {"nik": " 1508015005900000 ", "village_code": "1508012001"},
        {"nik": "", "name": ""},
    )
    q = result.quarantine
    assert list(q.columns) == QUARANTINE_COLUMNS
    assert q["source"].tolist() == ["enrollments"] * 3
    assert q["row_number"].tolist() == [1, 3, 4]
    assert q["row_number"].dtype == "int64"
    assert q["record_id"].tolist() == [
        f"{NIK_2}|NOPE",
        "1508015005900000|JBI-BKBK",
        "|JBI-BKBK",
    ]
    assert reasons(result) == ["UNKNOWN_PROGRAM", "INVALID_NIK", "MISSING_FIELD"]
    assert q["detail"].iloc[2] == "nik: required, found an empty cell"
    assert result.valid["row_number"].tolist() == [2]


def test_long_values_are_cut_short_in_details() -> None:
    detail = only_detail("premium_payments", {"amount": "9" * 100})
    assert detail == (
        "amount: expected whole rupiah from 1 to 99.999.999.999.999 like 16800 or Rp16.800, "
        f"found '{'9' * 57}...'"
    )


# --- header -----------------------------------------------------------------------------------


def test_check_header_lists_missing_required_columns() -> None:
    assert check_header("coverage", ["NIK", " Program_ID ", "status", "extra"]) == [
        "coverage_start",
        "coverage_end",
    ]
    assert check_header("coverage", SOURCES["coverage"].required_columns) == []
    assert "premium_rate_monthly" not in check_header("programs", [])


def test_a_source_declares_its_rules_and_the_engine_applies_them_whatever_its_name(monkeypatch):
    # A new source built from the village transfers' model, declared with rules of its own: the
    # engine knows no source by name, so the declaration alone decides what is refused.
    from dataclasses import replace

    from rantai.records import Place, RegionRule

    declared = replace(
        SOURCES["village_transfers"],
        name="grants",
        feeds=None,
        region=RegionRule("village_code", Place.VILLAGE, inside_programme_province=False),
    )
    monkeypatch.setitem(SOURCES, "grants", declared)
    rows = frame(
        "village_transfers",
        {},  # a desa of Jambi: fine
        {"program_id": "INHIL-APBD", "transfer_id": "VT2"},  # not BKBK: fine here, no stage fed
        {"village_code": SIMPANG_IV_SIPIN, "transfer_id": "VT3"},  # a kelurahan is a village
        {"village_code": BUNGO, "transfer_id": "VT4"},  # a district is not
    )
    result = validate("grants", rows, PROGRAMS, GAZETTEER)
    assert result.valid["transfer_id"].tolist() == ["VT1", "VT2", "VT3"]
    assert result.quarantine["reason"].tolist() == [Reason.REGION_MISMATCH.value]
    assert result.quarantine["detail"].tolist() == [
        "village_code: expected a village code like 15.08.01.2001, found '15.08', a district"
    ]
