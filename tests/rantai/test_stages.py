"""Stage rules (CONTRACT.md, "Stage rules") on hand-built frames: no Prefect, no database, no files."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pandas as pd
import pytest

from rantai.records import SOURCES, Kind
from rantai.stages import (
    CASE_COLUMNS,
    PROGRAM_METRICS,
    STALL_COLUMNS,
    Evaluation,
    evaluate,
    stall_summary_line,
)

JAMBI = "15"
BUNGO = "15.08"  # Kabupaten Bungo, Jambi
PEDUKUN = "15.08.01.2001"
LUBUK_NIUR = "15.08.01.2002"
TELUK_KECIMBUNG = "15.08.01.2003"
SELAM_PAUNG = "15.01.01.2001"  # Kabupaten Kerinci, Jambi
RIAU = "14"
INHIL = "14.04"  # Kabupaten Indragiri Hilir
SANGLAR = "14.04.01.2002"
PULAUKECIL = "14.04.01.2003"
SUNGAI_GUNTUNG_TENGAH = "14.02.01.2001"  # Kabupaten Indragiri Hulu
SUNGAI_GUNTUNG_HILIR = "14.02.01.2002"

JAMBI_BKBK = "JAMBI-BKBK-2025"
INHIL_APBD = "RIAU-INHIL-APBD-2025"
INHU_APBDES = "RIAU-INHU-APBDES-2025"

_ids = itertools.count(1)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def nik(i: int) -> str:
    """A valid-looking NIK: Indragiri Hulu, a woman born 1 Jan 1990 (40 added to the day)."""
    return f"140201410190{i:04d}"


def program(program_id: str, funding: str, province: str, **sla: int) -> dict[str, Any]:
    return {
        "program_id": program_id,
        "funding_source": funding,
        "province_code": province,
        "fiscal_year": 2025,
        "name": f"Perlindungan pekerja rentan {program_id}",
        **sla,
    }


def allocation(
    program_id: str, unit: str, allocated: int, premium: int, workers: int, decree: str
) -> dict[str, Any]:
    return {
        "allocation_id": f"ALK-{next(_ids)}",
        "program_id": program_id,
        "unit_code": unit,
        "allocated_amount": allocated,
        "premium_amount": premium,
        "target_workers": workers,
        "months": 12,
        "decree_date": decree,
    }


def district_transfer(program_id: str, district: str, amount: int, date: str) -> dict[str, Any]:
    n = next(_ids)
    return {
        "transfer_id": f"TD-{n}",
        "program_id": program_id,
        "district_code": district,
        "amount": amount,
        "transfer_date": date,
        "sp2d_no": f"SP2D/{n}/2025",
    }


def village_transfer(program_id: str, village: str, amount: int, date: str) -> dict[str, Any]:
    n = next(_ids)
    return {
        "transfer_id": f"TV-{n}",
        "program_id": program_id,
        "village_code": village,
        "amount": amount,
        "transfer_date": date,
        "sp2d_no": f"SP2D/{n}/2025",
    }


def payment(program_id: str, payer: str, date: str, amount: int, workers: int) -> dict[str, Any]:
    n = next(_ids)
    return {
        "payment_id": f"PAY-{n}",
        "program_id": program_id,
        "payer_code": payer,
        "paid_date": date,
        "amount": amount,
        "workers_count": workers,
        "months": 12,
        "payment_ref": f"IURAN-{n}",
    }


def enrollment(worker: str, village: str, program_id: str, registered: str) -> dict[str, Any]:
    return {
        "nik": worker,
        "name": "Siti Aminah",
        "village_code": village,
        "occupation": "petani",
        "program_id": program_id,
        "registered_date": registered,
    }


def coverage(
    worker: str, program_id: str, start: str, end: str, status: str = "AKTIF"
) -> dict[str, Any]:
    return {
        "nik": worker,
        "program_id": program_id,
        "kpj_no": None,
        "coverage_start": start,
        "coverage_end": end,
        "status": status,
    }


def typed(source: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A source frame typed as the store hands it over: int64/Int64, datetime64, str."""
    columns = {}
    for column, spec in SOURCES[source].specs.items():
        values = [row.get(column) for row in rows]
        if spec.kind is Kind.DATE:
            columns[column] = pd.to_datetime(pd.Series(values, dtype=object))
        elif spec.kind in (Kind.AMOUNT, Kind.INT):
            columns[column] = pd.Series(values, dtype="int64" if spec.required else "Int64")
        else:
            columns[column] = pd.Series(values, dtype="str")
    return pd.DataFrame(columns)


# The v2 figures of a programme with no payment, cover or claim.
NOTHING_PROTECTED = {
    "workers_activated": 0,
    "workers_covered": 0,
    "workers_lapsed": 0,
    "paid_worker_months": 0,
    "covered_worker_months": 0,
    "claims": {"SUBMITTED": 0, "PAID": 0, "REJECTED": 0},
    "benefits_paid": 0,
    "protection_failures": 0,
    "benefit_at_stake": 0,
}


def run(as_of: str, **sources: list[dict[str, Any]]) -> Evaluation:
    return evaluate({name: typed(name, rows) for name, rows in sources.items()}, d(as_of))


def stalls_of(evaluation: Evaluation) -> list[dict[str, Any]]:
    return evaluation.stalls.to_dict("records")


def brief(evaluation: Evaluation) -> list[tuple[Any, ...]]:
    """(program, unit, stage, days_overdue, severity) of each stall, in output order."""
    return [
        (r["program_id"], r["unit_code"], r["stage"], r["days_overdue"], r["severity"])
        for r in stalls_of(evaluation)
    ]


def case(evaluation: Evaluation, unit: str, stage: str, program_id: str | None = None) -> Any:
    cases = evaluation.cases
    match = (cases["unit_code"] == unit) & (cases["stage"] == stage)
    if program_id is not None:
        match &= cases["program_id"] == program_id
    rows = cases.loc[match]
    assert len(rows) == 1
    return rows.iloc[0]


def bungo_allocations(second_decree: str = "2025-02-01") -> list[dict[str, Any]]:
    return [
        allocation(JAMBI_BKBK, PEDUKUN, 100_000_000, 80_000_000, 50, "2025-01-10"),
        allocation(JAMBI_BKBK, LUBUK_NIUR, 60_000_000, 40_000_000, 30, second_decree),
    ]


# --- BKBK: district transfer -------------------------------------------------------------


def test_district_transfer_stalls_until_the_district_has_its_whole_allocation() -> None:
    result = run(
        "2025-03-15",
        programs=[program(JAMBI_BKBK, "BKBK", JAMBI)],
        allocations=bungo_allocations(),
        district_transfers=[district_transfer(JAMBI_BKBK, BUNGO, 100_000_000, "2025-03-01")],
    )

    assert stalls_of(result) == [
        {
            "as_of": d("2025-03-15"),
            "program_id": JAMBI_BKBK,
            "funding_source": "BKBK",
            "province_code": JAMBI,
            "district_code": BUNGO,
            "unit_code": BUNGO,
            "stage": "DISTRICT_TRANSFER",
            "case_id": "",
            "start_date": d("2025-01-10"),  # the earlier of the two decrees
            "due_date": d("2025-02-09"),
            "days_waiting": 64,
            "days_overdue": 34,
            "amount_at_stake": 60_000_000,  # 160M allocated, 100M transferred
            "workers_affected": 80,  # both villages' targets
            "severity": "CRITICAL",
            "responsible": "PROVINCE",
            "branch_code": "",
        }
    ]
    assert list(result.stalls.columns) == STALL_COLUMNS
    for column in ("days_waiting", "days_overdue", "amount_at_stake", "workers_affected"):
        assert result.stalls[column].dtype == "int64"


def test_cases_hold_every_stage_of_every_unit_started_or_not() -> None:
    result = run(
        "2025-03-15",
        programs=[program(JAMBI_BKBK, "BKBK", JAMBI)],
        allocations=bungo_allocations(),
        district_transfers=[district_transfer(JAMBI_BKBK, BUNGO, 100_000_000, "2025-03-01")],
    )
    cases = result.cases

    assert list(cases.columns) == CASE_COLUMNS
    assert list(zip(cases["unit_code"], cases["stage"], strict=True)) == [
        (BUNGO, "DISTRICT_TRANSFER"),
        (PEDUKUN, "VILLAGE_TRANSFER"),
        (PEDUKUN, "PREMIUM_PAYMENT"),
        (PEDUKUN, "COVERAGE_ACTIVATION"),
        (PEDUKUN, "COVER_PERIOD"),
        (LUBUK_NIUR, "VILLAGE_TRANSFER"),
        (LUBUK_NIUR, "PREMIUM_PAYMENT"),
        (LUBUK_NIUR, "COVERAGE_ACTIVATION"),
        (LUBUK_NIUR, "COVER_PERIOD"),
    ]
    village = case(result, PEDUKUN, "VILLAGE_TRANSFER")
    assert village["start_date"] == pd.Timestamp("2025-03-01")
    assert village["due_date"] == pd.Timestamp("2025-03-31")
    assert (village["target"], village["achieved"]) == (100_000_000, 0)
    assert not village["complete"] and not village["stalled"]
    assert village["severity"] is None
    premium = case(result, PEDUKUN, "PREMIUM_PAYMENT")
    assert pd.isna(premium["start_date"]) and pd.isna(premium["due_date"])
    assert premium["sla_days"] == 14
    assert not premium["stalled"]


def test_district_transfer_complete_when_transfers_add_up_to_the_allocation() -> None:
    result = run(
        "2025-03-15",
        programs=[program(JAMBI_BKBK, "BKBK", JAMBI)],
        allocations=bungo_allocations(),
        district_transfers=[
            district_transfer(JAMBI_BKBK, BUNGO, 100_000_000, "2025-03-01"),
            district_transfer(JAMBI_BKBK, BUNGO, 60_000_000, "2025-03-05"),
        ],
    )

    district = case(result, BUNGO, "DISTRICT_TRANSFER")
    assert (district["target"], district["achieved"]) == (160_000_000, 160_000_000)
    assert district["complete"] and not district["stalled"]
    assert result.stalls.empty


def test_over_transfer_completes_and_clips_amount_at_stake_at_zero() -> None:
    result = run(
        "2025-03-15",
        programs=[program(JAMBI_BKBK, "BKBK", JAMBI)],
        allocations=bungo_allocations(),
        district_transfers=[district_transfer(JAMBI_BKBK, BUNGO, 200_000_000, "2025-01-20")],
    )

    district = case(result, BUNGO, "DISTRICT_TRANSFER")
    assert district["complete"]
    assert district["amount_at_stake"] == 0


# --- BKBK: village transfer ----------------------------------------------------------------


def test_village_transfer_starts_with_the_first_transfer_to_its_district() -> None:
    result = run(
        "2025-03-10",
        programs=[program(JAMBI_BKBK, "BKBK", JAMBI)],
        allocations=bungo_allocations(second_decree="2025-01-10"),
        district_transfers=[
            district_transfer(JAMBI_BKBK, BUNGO, 100_000_000, "2025-02-20"),
            district_transfer(JAMBI_BKBK, BUNGO, 60_000_000, "2025-02-01"),
        ],
        village_transfers=[village_transfer(JAMBI_BKBK, PEDUKUN, 50_000_000, "2025-03-01")],
    )

    common = {
        "as_of": d("2025-03-10"),
        "program_id": JAMBI_BKBK,
        "funding_source": "BKBK",
        "province_code": JAMBI,
        "district_code": BUNGO,
        "stage": "VILLAGE_TRANSFER",
        "case_id": "",
        "start_date": d("2025-02-01"),
        "due_date": d("2025-03-03"),
        "days_waiting": 37,
        "days_overdue": 7,
        "severity": "WARNING",
        "responsible": "DISTRICT",
        "branch_code": "",
    }
    assert stalls_of(result) == [
        {**common, "unit_code": PEDUKUN, "amount_at_stake": 50_000_000, "workers_affected": 50},
        {**common, "unit_code": LUBUK_NIUR, "amount_at_stake": 60_000_000, "workers_affected": 30},
    ]
    # Pedukun's premium clock started with its first (partial) transfer: due 15 March.
    premium = case(result, PEDUKUN, "PREMIUM_PAYMENT")
    assert premium["start_date"] == pd.Timestamp("2025-03-01")
    assert premium["due_date"] == pd.Timestamp("2025-03-15")


# --- BKBK: premium payment and coverage ------------------------------------------------------


def test_bkbk_premium_starts_at_first_village_transfer_with_a_14_day_sla() -> None:
    result = run(
        "2025-03-20",
        programs=[program(JAMBI_BKBK, "BKBK", JAMBI)],
        allocations=bungo_allocations(),
        district_transfers=[district_transfer(JAMBI_BKBK, BUNGO, 160_000_000, "2025-02-01")],
        village_transfers=[
            village_transfer(JAMBI_BKBK, PEDUKUN, 100_000_000, "2025-02-20"),
            village_transfer(JAMBI_BKBK, LUBUK_NIUR, 60_000_000, "2025-03-01"),
        ],
        premium_payments=[payment(JAMBI_BKBK, PEDUKUN, "2025-03-10", 30_000_000, 20)],
    )

    rows = stalls_of(result)
    assert [
        (
            r["unit_code"],
            r["stage"],
            r["start_date"],
            r["due_date"],
            r["days_waiting"],
            r["days_overdue"],
            r["amount_at_stake"],
            r["workers_affected"],
            r["severity"],
        )
        for r in rows
    ] == [
        # 14 days overdue on a 14-day SLA is still a WARNING.
        (
            PEDUKUN,
            "PREMIUM_PAYMENT",
            d("2025-02-20"),
            d("2025-03-06"),
            28,
            14,
            50_000_000,
            30,
            "WARNING",
        ),
        (
            LUBUK_NIUR,
            "PREMIUM_PAYMENT",
            d("2025-03-01"),
            d("2025-03-15"),
            19,
            5,
            40_000_000,
            30,
            "WARNING",
        ),
        # 20 workers paid for, none active yet.
        (
            PEDUKUN,
            "COVERAGE_ACTIVATION",
            d("2025-03-10"),
            d("2025-03-17"),
            10,
            3,
            0,
            20,
            "WARNING",
        ),
    ]


def test_activation_counts_enrolled_workers_with_an_aktif_episode_begun_by_as_of() -> None:
    """Contract v2: workers activated are distinct enrolled workers of the unit with an AKTIF
    episode in the programme that started by as_of, whether or not it has ended since (v1
    counted only cover in force on as_of, which made an ended year look like a failure)."""
    other = "RIAU-INHU-APBDES-2024"
    forever = "2025-12-31"
    result = run(
        "2025-02-01",
        programs=[program(INHU_APBDES, "APBDES", RIAU), program(other, "APBDES", RIAU)],
        allocations=[
            allocation(INHU_APBDES, SUNGAI_GUNTUNG_TENGAH, 12_000_000, 10_080_000, 6, "2025-01-02")
        ],
        premium_payments=[payment(INHU_APBDES, SUNGAI_GUNTUNG_TENGAH, "2025-01-10", 10_080_000, 5)],
        enrollments=[
            *(
                enrollment(nik(i), SUNGAI_GUNTUNG_TENGAH, INHU_APBDES, "2025-01-05")
                for i in (1, 2, 3, 4, 5, 6, 9)
            ),
            enrollment(nik(8), SUNGAI_GUNTUNG_TENGAH, INHU_APBDES, "2025-02-05"),  # too late
            enrollment(nik(10), SUNGAI_GUNTUNG_HILIR, INHU_APBDES, "2025-01-05"),
        ],
        coverage=[
            coverage(nik(1), INHU_APBDES, "2024-01-15", "2024-12-31"),  # an old, expired row
            coverage(nik(1), INHU_APBDES, "2025-01-15", forever),
            coverage(nik(2), INHU_APBDES, "2025-02-01", forever),  # starts on as_of
            coverage(nik(3), INHU_APBDES, "2024-02-01", "2025-02-01"),  # ends on as_of
            coverage(nik(4), INHU_APBDES, "2025-01-15", forever, "NON_AKTIF"),
            coverage(nik(5), INHU_APBDES, "2024-01-01", "2025-01-31"),  # expired
            coverage(nik(6), INHU_APBDES, "2025-02-02", forever),  # starts after as_of
            coverage(nik(7), INHU_APBDES, "2025-01-15", forever),  # never enrolled
            coverage(nik(8), INHU_APBDES, "2025-01-15", forever),  # enrolled after as_of
            coverage(nik(9), other, "2025-01-15", forever),  # active in another programme
            coverage(nik(10), INHU_APBDES, "2025-01-15", forever),  # another village
        ],
    )

    coverage_case = case(result, SUNGAI_GUNTUNG_TENGAH, "COVERAGE_ACTIVATION")
    # 1, 2 (starts on as_of), 3 (ends on as_of) and 5 (ended): not 4 (NON_AKTIF), 6 (starts
    # later), 7 (not enrolled), 8 (enrolled later), 9 (another programme), 10 (another village).
    assert (coverage_case["target"], coverage_case["achieved"]) == (5, 4)
    assert stalls_of(result) == [
        {
            "as_of": d("2025-02-01"),
            "program_id": INHU_APBDES,
            "funding_source": "APBDES",
            "province_code": RIAU,
            "district_code": "14.02",
            "unit_code": SUNGAI_GUNTUNG_TENGAH,
            "stage": "COVERAGE_ACTIVATION",
            "case_id": "",
            "start_date": d("2025-01-10"),
            "due_date": d("2025-01-17"),
            "days_waiting": 22,
            "days_overdue": 15,
            "amount_at_stake": 0,
            "workers_affected": 1,
            "severity": "CRITICAL",
            "responsible": "BPJS",
            "branch_code": "",
        }
    ]
    metrics = {p["program_id"]: p for p in result.programs}
    assert metrics[INHU_APBDES]["workers_active"] == 4  # 1, 2, 3 and 10 from the other village
    assert metrics[other]["workers_active"] == 0


def test_coverage_complete_when_active_workers_reach_those_paid_for() -> None:
    result = run(
        "2025-02-01",
        programs=[program(INHU_APBDES, "APBDES", RIAU)],
        allocations=[
            allocation(INHU_APBDES, SUNGAI_GUNTUNG_TENGAH, 6_000_000, 4_032_000, 2, "2025-01-02")
        ],
        premium_payments=[payment(INHU_APBDES, SUNGAI_GUNTUNG_TENGAH, "2025-01-10", 4_032_000, 2)],
        enrollments=[
            enrollment(nik(i), SUNGAI_GUNTUNG_TENGAH, INHU_APBDES, "2025-01-05") for i in (1, 2, 3)
        ],
        coverage=[coverage(nik(i), INHU_APBDES, "2025-01-15", "2025-12-31") for i in (1, 2, 3)],
    )

    coverage_case = case(result, SUNGAI_GUNTUNG_TENGAH, "COVERAGE_ACTIVATION")
    assert (coverage_case["target"], coverage_case["achieved"]) == (2, 3)
    assert coverage_case["complete"]
    assert coverage_case["workers_affected"] == 0  # more active than paid for: clipped
    assert result.stalls.empty


# --- APBD -------------------------------------------------------------------------------------


def test_apbd_district_pays_from_its_earliest_decree() -> None:
    result = run(
        "2025-02-10",
        programs=[program(INHIL_APBD, "APBD", RIAU)],
        allocations=[
            allocation(INHIL_APBD, INHIL, 40_000_000, 30_000_000, 100, "2025-01-15"),
            allocation(INHIL_APBD, INHIL, 25_000_000, 20_000_000, 50, "2025-01-02"),
        ],
        premium_payments=[payment(INHIL_APBD, INHIL, "2025-01-20", 10_000_000, 20)],
    )

    common = {
        "as_of": d("2025-02-10"),
        "program_id": INHIL_APBD,
        "funding_source": "APBD",
        "province_code": RIAU,
        "district_code": INHIL,
        "unit_code": INHIL,
    }
    assert stalls_of(result) == [
        {
            **common,
            "stage": "COVERAGE_ACTIVATION",
            "case_id": "",
            "start_date": d("2025-01-20"),
            "due_date": d("2025-01-27"),
            "days_waiting": 21,
            "days_overdue": 14,
            "amount_at_stake": 0,
            "workers_affected": 20,
            "severity": "CRITICAL",
            "responsible": "BPJS",
            "branch_code": "",
        },
        {
            **common,
            "stage": "PREMIUM_PAYMENT",
            "case_id": "",
            "start_date": d("2025-01-02"),
            "due_date": d("2025-02-01"),  # 30-day default outside BKBK
            "days_waiting": 39,
            "days_overdue": 9,
            "amount_at_stake": 40_000_000,
            "workers_affected": 130,
            "severity": "WARNING",
            "responsible": "DISTRICT",
            "branch_code": "",
        },
    ]
    # COVER_PERIOD has started with the payment and is complete: none of the 20 paid for is
    # activated yet, and their months are COVERAGE_ACTIVATION's, never counted twice.
    assert sorted(result.cases["stage"]) == [
        "COVERAGE_ACTIVATION",
        "COVER_PERIOD",
        "PREMIUM_PAYMENT",
    ]
    assert bool(case(result, INHIL, "COVER_PERIOD")["complete"])


def test_apbd_workers_count_towards_the_district_of_their_village() -> None:
    forever = "2025-12-31"
    result = run(
        "2025-02-01",
        programs=[program(INHIL_APBD, "APBD", RIAU)],
        allocations=[allocation(INHIL_APBD, INHIL, 1_000_000, 604_800, 3, "2025-01-02")],
        premium_payments=[payment(INHIL_APBD, INHIL, "2025-01-10", 604_800, 3)],
        enrollments=[
            enrollment(nik(1), SANGLAR, INHIL_APBD, "2025-01-05"),
            enrollment(nik(2), PULAUKECIL, INHIL_APBD, "2025-01-05"),
            enrollment(nik(3), SANGLAR, INHIL_APBD, "2025-01-05"),
        ],
        coverage=[
            coverage(nik(1), INHIL_APBD, "2025-01-15", forever),
            coverage(nik(2), INHIL_APBD, "2025-01-15", forever),
            coverage(nik(3), INHIL_APBD, "2025-01-15", forever, "NON_AKTIF"),
        ],
    )

    # Three paid for 12 months (36 worker-months); two activated with 11 months each (15 January
    # to 31 December): 36 - 22 - 1 x 12 = 2 months short, Rp33,600 paid for cover that does
    # not exist, both activated workers short.
    assert brief(result) == [
        (INHIL_APBD, INHIL, "COVERAGE_ACTIVATION", 15, "CRITICAL"),
        (INHIL_APBD, INHIL, "COVER_PERIOD", 15, "CRITICAL"),
    ]
    assert result.stalls.loc[0, "workers_affected"] == 1
    assert result.stalls.loc[1, "amount_at_stake"] == 2 * 16_800
    assert result.stalls.loc[1, "workers_affected"] == 2
    assert result.stalls.loc[0, "district_code"] == INHIL
    assert case(result, INHIL, "COVERAGE_ACTIVATION")["achieved"] == 2


# --- boundaries, SLA overrides, dates after as_of ---------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2025-02-01", []),  # due today: not yet stalled
        ("2025-02-02", [(1, 31, "WARNING")]),
        ("2025-03-03", [(30, 60, "WARNING")]),  # overdue by exactly the SLA
        ("2025-03-04", [(31, 61, "CRITICAL")]),
    ],
)
def test_apbdes_premium_boundaries(as_of: str, expected: list[tuple[int, int, str]]) -> None:
    result = run(
        as_of,
        programs=[program(INHU_APBDES, "APBDES", RIAU)],
        allocations=[
            allocation(INHU_APBDES, SUNGAI_GUNTUNG_TENGAH, 20_000_000, 16_128_000, 80, "2025-01-02")
        ],
    )

    assert [
        (r["days_overdue"], r["days_waiting"], r["severity"]) for r in stalls_of(result)
    ] == expected
    for r in stalls_of(result):
        assert r["stage"] == "PREMIUM_PAYMENT"
        assert r["due_date"] == d("2025-02-01")
        assert (r["amount_at_stake"], r["workers_affected"]) == (16_128_000, 80)


def test_programme_sla_overrides_replace_the_defaults() -> None:
    apbdes = "JAMBI-APBDES-2025"
    result = run(
        "2025-02-01",
        programs=[
            program(JAMBI_BKBK, "BKBK", JAMBI, sla_district_days=10, sla_premium_days=5),
            program(apbdes, "APBDES", JAMBI, sla_premium_days=45),
        ],
        allocations=[
            allocation(JAMBI_BKBK, PEDUKUN, 100_000_000, 80_000_000, 50, "2025-01-10"),
            allocation(apbdes, LUBUK_NIUR, 10_000_000, 8_000_000, 40, "2025-01-02"),
        ],
        district_transfers=[district_transfer(JAMBI_BKBK, BUNGO, 100_000_000, "2025-01-15")],
        village_transfers=[village_transfer(JAMBI_BKBK, PEDUKUN, 100_000_000, "2025-01-20")],
    )

    bkbk = result.cases.loc[result.cases["program_id"] == JAMBI_BKBK]
    assert list(bkbk["sla_days"]) == [10, 30, 5, 7, 7]
    assert list(bkbk["due_date"].iloc[:3]) == [
        pd.Timestamp("2025-01-20"),
        pd.Timestamp("2025-02-14"),
        pd.Timestamp("2025-01-25"),
    ]
    # 7 days overdue on a 5-day SLA: CRITICAL. The APBDES premium is due on 16 February.
    assert brief(result) == [(JAMBI_BKBK, PEDUKUN, "PREMIUM_PAYMENT", 7, "CRITICAL")]
    assert case(result, LUBUK_NIUR, "PREMIUM_PAYMENT")["due_date"] == pd.Timestamp("2025-02-16")


def test_records_dated_after_as_of_are_ignored() -> None:
    result = run(
        "2025-03-15",
        programs=[program(JAMBI_BKBK, "BKBK", JAMBI)],
        allocations=bungo_allocations(second_decree="2025-04-01"),
        district_transfers=[
            district_transfer(JAMBI_BKBK, BUNGO, 40_000_000, "2025-02-01"),
            district_transfer(JAMBI_BKBK, BUNGO, 100_000_000, "2025-03-20"),
        ],
        village_transfers=[village_transfer(JAMBI_BKBK, PEDUKUN, 100_000_000, "2025-03-16")],
        premium_payments=[payment(JAMBI_BKBK, PEDUKUN, "2025-03-16", 80_000_000, 50)],
        enrollments=[enrollment(nik(1), PEDUKUN, JAMBI_BKBK, "2025-03-10")],
        coverage=[coverage(nik(1), JAMBI_BKBK, "2025-03-16", "2025-12-31")],
    )

    # Lubuk Niur's decree is not known yet, so it has no cases at all.
    assert set(result.cases["unit_code"]) == {BUNGO, PEDUKUN}
    assert [
        (r["unit_code"], r["stage"], r["days_overdue"], r["amount_at_stake"], r["severity"])
        for r in stalls_of(result)
    ] == [
        (BUNGO, "DISTRICT_TRANSFER", 34, 60_000_000, "CRITICAL"),
        (PEDUKUN, "VILLAGE_TRANSFER", 12, 100_000_000, "WARNING"),
    ]
    assert result.programs == [
        {
            "program_id": JAMBI_BKBK,
            "funding_source": "BKBK",
            "province_code": JAMBI,
            "allocated": 100_000_000,
            "transferred_to_districts": 40_000_000,
            "transferred_to_villages": 0,
            "premiums_paid": 0,
            "workers_targeted": 50,
            "workers_paid": 0,
            "workers_active": 0,
            **NOTHING_PROTECTED,
        }
    ]


def test_workers_affected_never_below_zero_when_more_are_paid_than_targeted() -> None:
    result = run(
        "2025-02-05",
        programs=[program(INHU_APBDES, "APBDES", RIAU)],
        allocations=[
            allocation(INHU_APBDES, SUNGAI_GUNTUNG_TENGAH, 12_000_000, 10_000_000, 10, "2025-01-02")
        ],
        premium_payments=[payment(INHU_APBDES, SUNGAI_GUNTUNG_TENGAH, "2025-01-10", 4_000_000, 12)],
    )

    assert [
        (r["stage"], r["days_overdue"], r["amount_at_stake"], r["workers_affected"], r["severity"])
        for r in stalls_of(result)
    ] == [
        ("COVERAGE_ACTIVATION", 19, 0, 12, "CRITICAL"),
        ("PREMIUM_PAYMENT", 4, 6_000_000, 0, "WARNING"),
    ]


# --- sort order ------------------------------------------------------------------------------


def test_stalls_sorted_by_severity_overdue_unit_stage_then_programme() -> None:
    a, b = "JAMBI-APBDES-2025-A", "JAMBI-APBDES-2025-B"
    result = run(
        "2025-02-05",
        programs=[program(b, "APBDES", JAMBI), program(a, "APBDES", JAMBI)],
        allocations=[
            allocation(b, PEDUKUN, 12_000_000, 10_000_000, 10, "2025-01-01"),
            allocation(a, TELUK_KECIMBUNG, 12_000_000, 10_000_000, 10, "2024-12-22"),
            allocation(a, PEDUKUN, 12_000_000, 10_000_000, 10, "2025-01-01"),
            allocation(b, SELAM_PAUNG, 12_000_000, 10_000_000, 10, "2025-01-01"),
            allocation(a, LUBUK_NIUR, 12_000_000, 10_000_000, 10, "2024-12-01"),
        ],
        # Partial payments on 24 January: premium and coverage both fall due on 31 January.
        premium_payments=[
            payment(b, PEDUKUN, "2025-01-24", 5_000_000, 5),
            payment(a, PEDUKUN, "2025-01-24", 5_000_000, 5),
        ],
    )

    assert brief(result) == [
        (a, LUBUK_NIUR, "PREMIUM_PAYMENT", 36, "CRITICAL"),
        (a, TELUK_KECIMBUNG, "PREMIUM_PAYMENT", 15, "WARNING"),
        (b, SELAM_PAUNG, "PREMIUM_PAYMENT", 5, "WARNING"),
        (a, PEDUKUN, "PREMIUM_PAYMENT", 5, "WARNING"),
        (b, PEDUKUN, "PREMIUM_PAYMENT", 5, "WARNING"),
        (a, PEDUKUN, "COVERAGE_ACTIVATION", 5, "WARNING"),
        (b, PEDUKUN, "COVERAGE_ACTIVATION", 5, "WARNING"),
    ]
    assert list(result.stalls.index) == list(range(7))


# --- programme metrics, missing sources ------------------------------------------------------


def test_programme_metrics_for_summary() -> None:
    forever = "2025-12-31"
    result = run(
        "2025-04-01",
        programs=[
            program(JAMBI_BKBK, "BKBK", JAMBI),
            program(INHU_APBDES, "APBDES", RIAU),
            program(INHIL_APBD, "APBD", RIAU),
        ],
        allocations=[
            *bungo_allocations(),
            allocation(INHIL_APBD, INHIL, 500_000_000, 400_000_000, 200, "2025-01-02"),
        ],
        district_transfers=[district_transfer(JAMBI_BKBK, BUNGO, 160_000_000, "2025-02-10")],
        village_transfers=[
            village_transfer(JAMBI_BKBK, PEDUKUN, 100_000_000, "2025-02-20"),
            village_transfer(JAMBI_BKBK, LUBUK_NIUR, 30_000_000, "2025-02-25"),
        ],
        premium_payments=[
            payment(JAMBI_BKBK, PEDUKUN, "2025-03-01", 80_000_000, 50),
            payment(INHIL_APBD, INHIL, "2025-02-01", 100_000_000, 40),
        ],
        enrollments=[
            enrollment(nik(1), PEDUKUN, JAMBI_BKBK, "2025-02-01"),
            enrollment(nik(2), PEDUKUN, JAMBI_BKBK, "2025-02-01"),
            enrollment(nik(3), SANGLAR, INHIL_APBD, "2025-02-01"),
        ],
        coverage=[
            coverage(nik(1), JAMBI_BKBK, "2025-03-05", forever),
            coverage(nik(2), JAMBI_BKBK, "2025-03-05", forever),
            coverage(nik(3), INHIL_APBD, "2025-02-05", forever),
        ],
    )

    assert result.programs == [
        {
            "program_id": JAMBI_BKBK,
            "funding_source": "BKBK",
            "province_code": JAMBI,
            "allocated": 160_000_000,
            "transferred_to_districts": 160_000_000,
            "transferred_to_villages": 130_000_000,
            "premiums_paid": 80_000_000,
            "workers_targeted": 80,
            "workers_paid": 50,
            "workers_active": 2,
            **NOTHING_PROTECTED,
            # Both activated and covered on 1 April, 9 months each (5 March to 31 December).
            "workers_activated": 2,
            "workers_covered": 2,
            "paid_worker_months": 600,
            "covered_worker_months": 18,
        },
        {
            "program_id": INHIL_APBD,
            "funding_source": "APBD",
            "province_code": RIAU,
            "allocated": 500_000_000,
            "transferred_to_districts": 0,
            "transferred_to_villages": 0,
            "premiums_paid": 100_000_000,
            "workers_targeted": 200,
            "workers_paid": 40,
            "workers_active": 1,
            **NOTHING_PROTECTED,
            # 5 February to 31 December: 10 months (5 December + 1 month - 1 day is past it).
            "workers_activated": 1,
            "workers_covered": 1,
            "paid_worker_months": 480,
            "covered_worker_months": 10,
        },
        {
            "program_id": INHU_APBDES,
            "funding_source": "APBDES",
            "province_code": RIAU,
            "allocated": 0,
            "transferred_to_districts": 0,
            "transferred_to_villages": 0,
            "premiums_paid": 0,
            "workers_targeted": 0,
            "workers_paid": 0,
            "workers_active": 0,
            **NOTHING_PROTECTED,
        },
    ]
    for metrics in result.programs:
        assert all(type(metrics[name]) is int for name in PROGRAM_METRICS)


def test_no_sources_gives_empty_results() -> None:
    result = evaluate({}, d("2025-03-01"))

    assert result.cases.empty and list(result.cases.columns) == CASE_COLUMNS
    assert result.stalls.empty and list(result.stalls.columns) == STALL_COLUMNS
    assert result.programs == []
    assert stall_summary_line(result.stalls) == "0 stalled"


def test_missing_sources_optional_and_extra_columns() -> None:
    programs = typed("programs", [program(JAMBI_BKBK, "BKBK", JAMBI)]).drop(
        columns=["premium_rate_monthly", "sla_district_days", "sla_premium_days"]
    )
    allocations = typed("allocations", bungo_allocations()).assign(keterangan="SK Gubernur")
    frames = {
        "programs": programs,
        "allocations": allocations,
        "coverage": typed("coverage", []),
    }

    result = evaluate(frames, d("2025-03-15"))

    assert brief(result) == [(JAMBI_BKBK, BUNGO, "DISTRICT_TRANSFER", 34, "CRITICAL")]
    assert result.programs[0]["allocated"] == 160_000_000
    assert result.programs[0]["transferred_to_districts"] == 0


def test_stall_summary_line_lists_stages_in_chain_order() -> None:
    stalls = pd.DataFrame(
        {
            "stage": [
                "PREMIUM_PAYMENT",
                "VILLAGE_TRANSFER",
                "PREMIUM_PAYMENT",
                "COVERAGE_ACTIVATION",
            ]
        }
    )

    assert (
        stall_summary_line(stalls)
        == "4 stalled: 1 VILLAGE_TRANSFER, 2 PREMIUM_PAYMENT, 1 COVERAGE_ACTIVATION"
    )
