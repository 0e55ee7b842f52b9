"""Contract v2's stage rules, protection and failures, each worked by hand from CONTRACT.md
("Protection over time and claims"). Dates in comments count both end days only where the
contract says so (uncovered_worker_days)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pandas as pd

from rantai.stages import FAILURE_COLUMNS, PROTECTION_COLUMNS, Evaluation, evaluate
from tests.rantai.test_stages import (
    BUNGO,
    INHIL,
    INHIL_APBD,
    INHU_APBDES,
    JAMBI,
    JAMBI_BKBK,
    PEDUKUN,
    RIAU,
    SANGLAR,
    SUNGAI_GUNTUNG_HILIR,
    SUNGAI_GUNTUNG_TENGAH,
    allocation,
    bungo_allocations,
    case,
    coverage,
    d,
    district_transfer,
    enrollment,
    nik,
    program,
    run,
    stalls_of,
)

_ids = itertools.count(1)
RATE = 16_800
SGT = SUNGAI_GUNTUNG_TENGAH


def pay(
    program_id: str, payer: str, paid: str, workers: int, months: int, start: str | None = None
) -> dict[str, Any]:
    """A payment of the right amount (workers x rate x months) for a period from `start`."""
    n = next(_ids)
    return {
        "payment_id": f"P2-{n}",
        "program_id": program_id,
        "payer_code": payer,
        "paid_date": paid,
        "amount": workers * RATE * months,
        "workers_count": workers,
        "months": months,
        "payment_ref": f"REF-{n}",
        "period_start": start,
    }


def claim(
    claim_id: str,
    worker: str,
    program_id: str,
    benefit: str,
    event: str,
    filed: str,
    status: str = "SUBMITTED",
    paid_amount: int | None = None,
    paid_date: str | None = None,
) -> dict[str, Any]:
    return {
        "claim_id": claim_id,
        "nik": worker,
        "program_id": program_id,
        "benefit": benefit,
        "event_date": event,
        "claim_date": filed,
        "status": status,
        "paid_amount": paid_amount,
        "paid_date": paid_date,
        "reject_reason": None,
    }


def apbdes(
    target: int = 3, decree: str = "2025-01-02", **extra: Any
) -> dict[str, list[dict[str, Any]]]:
    """An APBDES programme with one village, Sungai Guntung Tengah, planned for 2025."""
    return {
        "programs": [program(INHU_APBDES, "APBDES", RIAU, **extra)],
        "allocations": [
            allocation(INHU_APBDES, SGT, 100_000_000, target * RATE * 12, target, decree)
        ],
    }


def protection_row(result: Evaluation, unit: str, program_id: str = INHU_APBDES) -> dict[str, Any]:
    table = result.protection
    rows = table.loc[(table["unit_code"] == unit) & (table["program_id"] == program_id)]
    assert len(rows) == 1
    return dict(rows.iloc[0])


# --- workers paid ----------------------------------------------------------------------------


def test_workers_paid_are_the_most_paid_for_in_any_one_month() -> None:
    other = "RIAU-INHU-APBDES-2025-B"
    result = run(
        "2025-12-01",
        programs=[program(INHU_APBDES, "APBDES", RIAU), program(other, "APBDES", RIAU)],
        allocations=[
            allocation(INHU_APBDES, SGT, 10**9, 10**9, 2_000, "2025-01-02"),
            allocation(INHU_APBDES, SUNGAI_GUNTUNG_HILIR, 10**8, 10**8, 10, "2025-01-02"),
            allocation(other, SGT, 10**8, 10**8, 10, "2025-01-02"),
        ],
        premium_payments=[
            # A batch of 1,500 from April and a top-up of 500 from July: 2,000.
            pay(INHU_APBDES, SGT, "2025-04-01", 1_500, 9, "2025-04-01"),
            pay(INHU_APBDES, SGT, "2025-07-01", 500, 6, "2025-07-01"),
            # Six monthly payments of 3 workers: 3, not 18.
            *(
                pay(INHU_APBDES, SUNGAI_GUNTUNG_HILIR, f"2025-0{m}-01", 3, 1, f"2025-0{m}-01")
                for m in range(1, 7)
            ),
            # One payment of 10 workers for 12 months: 10.
            pay(other, SGT, "2025-01-10", 10, 12),
        ],
    )

    assert case(result, SGT, "COVERAGE_ACTIVATION", INHU_APBDES)["target"] == 2_000
    assert case(result, SUNGAI_GUNTUNG_HILIR, "COVERAGE_ACTIVATION")["target"] == 3
    assert case(result, SGT, "COVERAGE_ACTIVATION", other)["target"] == 10
    # PREMIUM_PAYMENT's workers_affected is target minus workers paid.
    assert case(result, SUNGAI_GUNTUNG_HILIR, "PREMIUM_PAYMENT")["workers_affected"] == 7
    assert protection_row(result, SGT)["workers_paid"] == 2_000
    assert protection_row(result, SGT)["paid_worker_months"] == 1_500 * 9 + 500 * 6
    metrics = {p["program_id"]: p for p in result.programs}
    assert metrics[INHU_APBDES]["workers_paid"] == 2_003


# --- COVERAGE_ACTIVATION and COVER_PERIOD ------------------------------------------------------


def _three_paid_two_activated(second_start: str) -> Evaluation:
    """Three workers paid for 12 months from 1 January; w1 covered all year, w2 in two
    episodes (the second from `second_start`), w3 registered but never in force."""
    return run(
        "2025-08-01",
        **apbdes(),
        premium_payments=[pay(INHU_APBDES, SGT, "2025-01-10", 3, 12, "2025-01-01")],
        enrollments=[enrollment(nik(i), SGT, INHU_APBDES, "2025-01-05") for i in (1, 2, 3)],
        coverage=[
            coverage(nik(1), INHU_APBDES, "2025-01-01", "2025-12-31"),
            coverage(nik(2), INHU_APBDES, "2025-01-01", "2025-06-30"),
            coverage(nik(2), INHU_APBDES, second_start, "2025-12-31"),
            coverage(nik(3), INHU_APBDES, "2025-01-01", "2025-12-31", "NON_AKTIF"),
        ],
    )


def test_episodes_that_touch_are_merged_and_non_aktif_is_never_activated() -> None:
    # w2's second episode starts the day after the first ends: one episode of 12 months.
    result = _three_paid_two_activated("2025-07-01")

    activation = case(result, SGT, "COVERAGE_ACTIVATION")
    assert (activation["target"], activation["achieved"]) == (3, 2)
    assert activation["workers_affected"] == 1 and bool(activation["stalled"])
    period = case(result, SGT, "COVER_PERIOD")
    # 36 paid worker-months, 24 covered, w3's 12 months are COVERAGE_ACTIVATION's.
    assert (period["target"], period["achieved"]) == (24, 24)
    assert bool(period["complete"]) and period["amount_at_stake"] == 0
    assert [s["stage"] for s in stalls_of(result)] == ["COVERAGE_ACTIVATION"]


def test_a_day_between_two_episodes_costs_a_month_of_cover() -> None:
    # 1 July to 31 December is 6 months; from 2 July it is 5 (2 December + 1 month - 1 day is
    # 1 January): w2 has 6 + 5 = 11 months, one short of the 12 paid for.
    result = _three_paid_two_activated("2025-07-02")

    period = case(result, SGT, "COVER_PERIOD")
    assert (period["target"], period["achieved"]) == (24, 23)
    assert period["amount_at_stake"] == RATE  # Rp16,800 paid for a month that does not exist
    assert period["workers_affected"] == 1
    # Started with the latest payment (10 January), due 7 days later.
    assert period["start_date"] == pd.Timestamp("2025-01-10")
    assert period["due_date"] == pd.Timestamp("2025-01-17")
    assert [s["stage"] for s in stalls_of(result)] == ["COVERAGE_ACTIVATION", "COVER_PERIOD"]


def test_cover_that_has_ended_still_counts_as_activated_after_the_year() -> None:
    # The demo's 2026-01-15 problem: a year that simply ended is not a failed activation.
    result = run(
        "2026-01-15",
        **apbdes(target=2),
        premium_payments=[pay(INHU_APBDES, SGT, "2025-01-10", 2, 12, "2025-01-01")],
        enrollments=[enrollment(nik(i), SGT, INHU_APBDES, "2025-01-05") for i in (1, 2)],
        coverage=[coverage(nik(i), INHU_APBDES, "2025-01-01", "2025-12-31") for i in (1, 2)],
    )

    assert stalls_of(result) == []
    row = protection_row(result, SGT)
    assert row["workers_activated"] == 2 and row["workers_covered"] == 0
    # The planned cover (2025) is over: nobody is lapsed in it.
    assert row["workers_lapsed"] == 0
    assert result.programs[0]["workers_active"] == 0  # v1's figure stays v1's


def test_premium_payment_starts_with_the_pks_when_it_is_later_than_the_decree() -> None:
    result = run(
        "2025-03-20",
        programs=[
            {**program(INHIL_APBD, "APBD", RIAU), "pks_date": "2025-02-26"},
            {**program(INHU_APBDES, "APBDES", RIAU), "pks_date": "2024-12-01"},
        ],
        allocations=[
            allocation(INHIL_APBD, INHIL, 10**9, 403_200_000, 2_000, "2025-01-02"),
            allocation(INHU_APBDES, SGT, 10**8, 10**7, 5, "2025-01-02"),
        ],
    )

    # Indragiri Hilir: the PKS of 26 February, not the decree; due 28 March, not stalled yet.
    apbd = case(result, INHIL, "PREMIUM_PAYMENT")
    assert apbd["start_date"] == pd.Timestamp("2025-02-26")
    assert not bool(apbd["stalled"])
    # A PKS before the decree: the decree.
    assert case(result, SGT, "PREMIUM_PAYMENT")["start_date"] == pd.Timestamp("2025-01-02")


# --- CLAIM_PAYMENT ----------------------------------------------------------------------------


def test_claim_payment_is_a_case_per_claim_of_an_enrolled_worker() -> None:
    result = run(
        "2025-04-01",
        **apbdes(target=5),
        enrollments=[enrollment(nik(i), SGT, INHU_APBDES, "2025-01-05") for i in (1, 2, 3, 4)],
        claims=[
            claim("C1", nik(1), INHU_APBDES, "JKM", "2025-03-01", "2025-03-05"),
            # Paid after as_of: still SUBMITTED on 1 April, its JKK amount not known yet.
            claim(
                "C2",
                nik(2),
                INHU_APBDES,
                "JKK",
                "2025-03-01",
                "2025-03-05",
                "PAID",
                5_000_000,
                "2025-04-10",
            ),
            claim("C3", nik(3), INHU_APBDES, "JKK", "2025-02-20", "2025-03-01", "REJECTED"),
            claim(
                "C4",
                nik(4),
                INHU_APBDES,
                "JKM",
                "2025-02-20",
                "2025-03-01",
                "PAID",
                42_000_000,
                "2025-03-20",
            ),
            claim("C5", nik(9), INHU_APBDES, "JKM", "2025-03-01", "2025-03-05"),  # not enrolled
            claim("C6", nik(1), INHU_APBDES, "JKK", "2025-03-30", "2025-04-02"),  # filed later
        ],
    )

    claims = [s for s in stalls_of(result) if s["stage"] == "CLAIM_PAYMENT"]
    assert [(s["case_id"], s["amount_at_stake"], s["workers_affected"]) for s in claims] == [
        ("C1", 42_000_000, 1),
        ("C2", None, 1),
    ]
    first = claims[0]
    assert (first["unit_code"], first["start_date"], first["due_date"]) == (
        SGT,
        d("2025-03-05"),
        d("2025-03-19"),
    )
    assert (first["days_overdue"], first["severity"]) == (13, "WARNING")
    decided = result.cases.loc[result.cases["stage"] == "CLAIM_PAYMENT"]
    assert sorted(decided["case_id"]) == ["C1", "C2", "C3", "C4"]  # C5 is only an anomaly
    metrics = result.programs[0]
    assert metrics["claims"] == {"SUBMITTED": 3, "PAID": 1, "REJECTED": 1}
    assert metrics["benefits_paid"] == 42_000_000
    by_id = result.claims.set_index("claim_id")
    assert by_id.loc["C2", "status"] == "SUBMITTED" and pd.isna(by_id.loc["C2", "paid_amount"])
    assert by_id.loc["C4", "days_to_payment"] == 19
    assert pd.isna(by_id.loc["C5", "unit_code"])


def test_claim_sla_override() -> None:
    result = run(
        "2025-04-01",
        **apbdes(sla_claim_days=30),
        enrollments=[enrollment(nik(1), SGT, INHU_APBDES, "2025-01-05")],
        claims=[claim("C1", nik(1), INHU_APBDES, "JKM", "2025-03-01", "2025-03-05")],
    )
    assert case(result, SGT, "CLAIM_PAYMENT")["due_date"] == pd.Timestamp("2025-04-04")
    assert not [s for s in stalls_of(result) if s["stage"] == "CLAIM_PAYMENT"]


# --- protection failures ----------------------------------------------------------------------


def _bungo_death(event: str, **more: list[dict[str, Any]]) -> Evaluation:
    """A BKBK worker of Pedukun, whose village transfer never came, dies on `event`."""
    return run(
        "2025-06-01",
        programs=[program(JAMBI_BKBK, "BKBK", JAMBI)],
        allocations=bungo_allocations(),
        district_transfers=[district_transfer(JAMBI_BKBK, BUNGO, 160_000_000, "2025-01-15")],
        enrollments=[enrollment(nik(1), PEDUKUN, JAMBI_BKBK, "2025-01-05")],
        claims=[claim("C1", nik(1), JAMBI_BKBK, "JKM", event, "2025-05-01")],
        **more,
    )


def test_a_death_in_a_village_whose_transfer_stalled_is_the_district_s_failure() -> None:
    result = _bungo_death("2025-03-01")

    assert list(result.failures.columns[: len(FAILURE_COLUMNS)]) == FAILURE_COLUMNS
    assert result.failures[FAILURE_COLUMNS].to_dict("records") == [
        {
            "claim_id": "C1",
            "program_id": JAMBI_BKBK,
            "unit_code": PEDUKUN,
            "benefit": "JKM",
            "event_date": d("2025-03-01"),
            "status": "SUBMITTED",
            # Transferred to the district on 15 January, due at the village 30 days later.
            "blocking_stage": "VILLAGE_TRANSFER",
            "days_overdue_on_event": 15,
            "benefit_at_stake": 42_000_000,
            "responsible": "DISTRICT",
        }
    ]
    metrics = result.programs[0]
    assert (metrics["protection_failures"], metrics["benefit_at_stake"]) == (1, 42_000_000)


def test_a_claim_on_the_day_its_stage_falls_due_is_not_yet_overdue() -> None:
    result = _bungo_death("2025-02-14")
    failure = result.failures.iloc[0]
    assert (failure["blocking_stage"], failure["days_overdue_on_event"]) == ("VILLAGE_TRANSFER", 0)


def test_before_the_district_had_the_money_the_province_had_to_act() -> None:
    result = _bungo_death("2025-01-12")  # decree 10 January, district transfer 15 January
    failure = result.failures.iloc[0]
    assert (failure["blocking_stage"], failure["responsible"]) == ("DISTRICT_TRANSFER", "PROVINCE")


def test_cover_of_any_programme_on_the_event_day_is_not_a_failure() -> None:
    covered = _bungo_death(
        "2025-03-01", coverage=[coverage(nik(1), INHU_APBDES, "2025-02-01", "2025-12-31")]
    )
    assert covered.failures.empty
    # Cover that began the day after the death does not help.
    late = _bungo_death(
        "2025-03-01", coverage=[coverage(nik(1), JAMBI_BKBK, "2025-03-02", "2025-12-31")]
    )
    assert list(late.failures["claim_id"]) == ["C1"]


def test_a_worker_registered_after_the_event_is_not_a_failure() -> None:
    result = run(
        "2025-06-01",
        **apbdes(),
        enrollments=[enrollment(nik(1), SGT, INHU_APBDES, "2025-03-02")],
        claims=[claim("C1", nik(1), INHU_APBDES, "JKK", "2025-03-01", "2025-03-05")],
    )
    assert result.failures.empty


def test_every_started_stage_complete_blocks_nothing_and_jkk_at_stake_is_unknown() -> None:
    # Two paid for and both activated; a third worker, never paid for, has an accident.
    result = run(
        "2025-06-01",
        **apbdes(target=2),
        premium_payments=[pay(INHU_APBDES, SGT, "2025-01-10", 2, 12, "2025-01-01")],
        enrollments=[enrollment(nik(i), SGT, INHU_APBDES, "2025-01-05") for i in (1, 2, 3)],
        coverage=[coverage(nik(i), INHU_APBDES, "2025-01-01", "2025-12-31") for i in (1, 2)],
        claims=[claim("C1", nik(3), INHU_APBDES, "JKK", "2025-03-01", "2025-03-05")],
    )
    failure = result.failures.iloc[0]
    assert (failure["blocking_stage"], failure["responsible"]) == ("NONE", "NONE")
    assert failure["days_overdue_on_event"] == 0
    assert pd.isna(failure["benefit_at_stake"])


def test_an_apbd_premium_left_unpaid_is_the_district_s_move() -> None:
    result = run(
        "2025-06-01",
        programs=[program(INHIL_APBD, "APBD", RIAU)],
        allocations=[allocation(INHIL_APBD, INHIL, 10**9, 403_200_000, 2_000, "2025-01-02")],
        enrollments=[enrollment(nik(1), SANGLAR, INHIL_APBD, "2025-01-05")],
        claims=[claim("C1", nik(1), INHIL_APBD, "JKM", "2025-03-01", "2025-03-05")],
    )
    failure = result.failures.iloc[0]
    assert failure["unit_code"] == INHIL  # an APBD worker's unit is the district
    assert (failure["blocking_stage"], failure["responsible"]) == ("PREMIUM_PAYMENT", "DISTRICT")
    assert failure["days_overdue_on_event"] == 28  # due 1 February


# --- protection.csv ---------------------------------------------------------------------------


def _protection(as_of: str, **more: list[dict[str, Any]]) -> Evaluation:
    """Three targeted from 1 January 2025 for 12 months: w1 covered all year, w2 until the end
    of June, w3 never."""
    sources = apbdes()
    sources.update(
        premium_payments=[pay(INHU_APBDES, SGT, "2025-01-10", 3, 12, "2025-01-01")],
        enrollments=[enrollment(nik(i), SGT, INHU_APBDES, "2025-01-05") for i in (1, 2, 3)],
        coverage=[
            coverage(nik(1), INHU_APBDES, "2025-01-01", "2025-12-31"),
            coverage(nik(2), INHU_APBDES, "2025-01-01", "2025-06-30"),
        ],
    )
    for name, rows in more.items():
        sources[name] = sources.get(name, []) + rows
    return run(as_of, **sources)


def test_protection_counts_covered_lapsed_and_uncovered_worker_days() -> None:
    result = _protection("2025-07-10")

    assert list(result.protection.columns) == PROTECTION_COLUMNS
    row = protection_row(result, SGT)
    assert (row["workers_targeted"], row["workers_paid"], row["workers_activated"]) == (3, 3, 2)
    assert (row["workers_covered"], row["workers_lapsed"], row["workers_expiring_30d"]) == (1, 1, 0)
    assert (row["paid_worker_months"], row["covered_worker_months"]) == (36, 12 + 6)
    # 1 January to 30 June (181 days) two covered: 1 missing a day; 1 to 10 July (10 days) one
    # covered: 2 missing a day. 181 + 20.
    assert row["uncovered_worker_days"] == 201


def test_before_the_planned_cover_starts_no_worker_day_is_missing() -> None:
    result = _protection("2024-12-31", programs=[])
    assert result.protection.empty or protection_row(result, SGT)["uncovered_worker_days"] == 0


def test_cover_ending_within_30_days_is_expiring_unless_renewed() -> None:
    expiring = _protection("2025-12-10")
    assert protection_row(expiring, SGT)["workers_expiring_30d"] == 1
    assert list(expiring.expiring["nik"]) == [nik(1)]
    assert list(expiring.expiring["cover_end"]) == [d("2025-12-31")]

    # Next year's cover of w1, in another programme, starts within those 30 days: arranged.
    renewed = _protection(
        "2025-12-10",
        coverage=[coverage(nik(1), "RIAU-INHU-APBDES-2026", "2026-01-01", "2026-12-31")],
    )
    assert protection_row(renewed, SGT)["workers_expiring_30d"] == 0
    # On the 30th day itself the cover of 31 December still holds: 1 December is not expiring.
    assert protection_row(_protection("2025-12-01"), SGT)["workers_expiring_30d"] == 0


def test_a_successor_counts_its_predecessor_s_workers_and_cover() -> None:
    next_year = "RIAU-INHU-APBDES-2026"
    result = _protection(
        "2026-01-15",
        programs=[
            {
                **program(next_year, "APBDES", RIAU),
                "fiscal_year": 2026,
                "predecessor_id": INHU_APBDES,
            }
        ],
        allocations=[
            {**allocation(next_year, SGT, 10**8, 3 * RATE * 12, 3, "2025-12-20")},
        ],
        # w1 renewed into 2026; w2 and w3 are only 2025's.
        enrollments=[enrollment(nik(1), SGT, next_year, "2025-12-20")],
        coverage=[coverage(nik(1), next_year, "2026-01-01", "2026-12-31")],
    )

    row = protection_row(result, SGT, next_year)
    assert row["workers_covered"] == 1
    # w2 was activated in the predecessor and is not covered inside 2026's planned cover.
    assert row["workers_lapsed"] == 1
    assert row["workers_activated"] == 1  # this programme's own, as COVERAGE_ACTIVATION counts
    # 1 to 15 January 2026: 3 targeted, 1 covered.
    assert row["uncovered_worker_days"] == 15 * 2
    assert protection_row(result, SGT)["workers_lapsed"] == 0  # 2025's planned cover is over


def test_protection_does_not_depend_on_the_order_of_the_records() -> None:
    # A 2024 programme and its 2025 successor, with units without enrolled workers: every
    # figure the same whichever order the rows arrive in.
    from tests.rantai.monev.test_protection_engine import AS_OF, story

    frames = story()
    forward = evaluate(frames, AS_OF)
    backward = evaluate(
        {name: frame.iloc[::-1].reset_index(drop=True) for name, frame in frames.items()}, AS_OF
    )
    pd.testing.assert_frame_equal(forward.protection, backward.protection)
    pd.testing.assert_frame_equal(forward.failures, backward.failures)
    assert forward.programs == backward.programs


def test_a_thousand_deaths_on_a_thousand_days_are_each_judged_on_their_own_day() -> None:
    # More event days than programmes that fit with NIKs in one int64 key (about 900).
    workers = [nik(i) for i in range(1, 1_001)]
    result = run(
        "2028-12-31",
        **apbdes(target=1_000),
        enrollments=[enrollment(w, SGT, INHU_APBDES, "2025-01-01") for w in workers],
        claims=[
            claim(
                f"C{i}",
                w,
                INHU_APBDES,
                "JKM",
                str(d("2025-01-02") + dt.timedelta(days=i)),
                "2028-12-01",
                "REJECTED",
            )
            for i, w in enumerate(workers)
        ],
    )
    failures = result.failures
    assert len(failures) == 1_000
    # PREMIUM_PAYMENT started with the decree (2 January 2025) and is due 30 days later.
    overdue = dict(zip(failures["claim_id"], failures["days_overdue_on_event"], strict=True))
    assert (overdue["C0"], overdue["C30"], overdue["C31"], overdue["C999"]) == (0, 0, 1, 969)
    assert set(failures["blocking_stage"]) == {"PREMIUM_PAYMENT"}


def test_every_stall_names_whose_move_it_is() -> None:
    """Issue 15: the office that must act, as contract v2 assigns it for failures: the
    province transfers to districts, the district to villages, the payer pays (the district
    for APBD, the village otherwise), BPJS activates cover and pays claims."""
    result = run(
        "2025-06-01",
        programs=[
            program(JAMBI_BKBK, "BKBK", JAMBI),
            program(INHIL_APBD, "APBD", RIAU),
            program(INHU_APBDES, "APBDES", RIAU),
        ],
        allocations=[
            *bungo_allocations(),
            allocation(INHIL_APBD, INHIL, 10**9, 403_200_000, 2_000, "2025-01-02"),
            allocation(INHU_APBDES, SGT, 10**8, 10**7, 5, "2025-01-02"),
        ],
        premium_payments=[pay(INHU_APBDES, SGT, "2025-01-10", 2, 12, "2025-01-01")],
        enrollments=[enrollment(nik(1), SGT, INHU_APBDES, "2025-01-05")],
        claims=[claim("C1", nik(1), INHU_APBDES, "JKM", "2025-03-01", "2025-03-05")],
    )
    who = {(s["unit_code"], s["stage"]): s["responsible"] for s in stalls_of(result)}
    assert who == {
        (BUNGO, "DISTRICT_TRANSFER"): "PROVINCE",
        (INHIL, "PREMIUM_PAYMENT"): "DISTRICT",
        (SGT, "PREMIUM_PAYMENT"): "VILLAGE",
        (SGT, "COVERAGE_ACTIVATION"): "BPJS",
        (SGT, "CLAIM_PAYMENT"): "BPJS",
    }
