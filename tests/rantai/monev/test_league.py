"""The village league (coverage, within one programme) and the villages to visit, on frames the
stage engine evaluates (rantai.monev.league)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from rantai.monev.data import covered_workers, known_records, village_league
from rantai.monev.league import (
    coverage_league,
    tenths_of_percent,
    top_by_coverage,
    villages_to_visit,
)
from rantai.stages import evaluate
from tests.rantai.test_stages import (
    INHU_APBDES,
    JAMBI,
    JAMBI_BKBK,
    LUBUK_NIUR,
    PEDUKUN,
    RIAU,
    SUNGAI_GUNTUNG_HILIR,
    SUNGAI_GUNTUNG_TENGAH,
    TELUK_KECIMBUNG,
    allocation,
    coverage,
    d,
    district_transfer,
    enrollment,
    nik,
    payment,
    program,
    typed,
)

RATE = 16_800
YEAR = 12 * RATE
SGT, SGH = SUNGAI_GUNTUNG_TENGAH, SUNGAI_GUNTUNG_HILIR
# A third Inhu village, for a tie on code.
KOTA_LAMA = "14.02.01.2003"
AS_OF = "2025-06-30"


def workers(
    program_id: str, village: str, first: int, count: int, start: str = "2025-01-01"
) -> dict[str, list[dict[str, Any]]]:
    """`count` enrolled workers of a village, each covered from `start` to the year's end."""
    niks = [nik(first + i) for i in range(count)]
    return {
        "enrollments": [enrollment(n, village, program_id, "2024-12-20") for n in niks],
        "coverage": [coverage(n, program_id, start, "2025-12-31") for n in niks],
    }


def evaluated(**sources: list[dict[str, Any]]) -> tuple[Any, dict[str, pd.DataFrame]]:
    frames = {name: typed(name, rows) for name, rows in sources.items()}
    return evaluate(frames, d(AS_OF)), known_records(frames, d(AS_OF))


def merged(*parts: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for part in parts:
        for name, rows in part.items():
            out.setdefault(name, []).extend(rows)
    return out


def league_of(sources: dict[str, list[dict[str, Any]]]) -> pd.DataFrame:
    evaluation, known = evaluated(**sources)
    no_dates = pd.Series(
        pd.NaT,
        index=pd.MultiIndex.from_arrays([[], []], names=["program_id", "unit_code"]),
        dtype="datetime64[ns]",
    )
    return coverage_league(evaluation, known, no_dates, d(AS_OF), {})


def ranks(league: pd.DataFrame) -> list[tuple[str, str, int, int | None]]:
    return [
        (r.program_id, r.unit_code, r.coverage_rank, r.coverage_tenths)
        for r in league.itertuples(index=False)
    ]


def test_share_of_integers_in_tenths_of_a_percent_rounds_half_up() -> None:
    part = pd.Series([1, 2, 1, 1, 0, 5, 3])
    whole = pd.Series([3, 3, 8, 16, 7, 0, 3])
    # 33.33, 66.67, 12.5, 6.25 (half up: 6.3), 0, nothing to share, 100.
    assert tenths_of_percent(part, whole).tolist() == [333, 667, 125, 63, 0, None, 1000]
    # Exact for amounts past float64's integers (a national pagu in rupiah would not be).
    assert tenths_of_percent(pd.Series([2**60], dtype=object), pd.Series([3 * 2**59])).tolist() == [
        667
    ]


def test_villages_are_ranked_by_the_share_of_promised_worker_months_within_their_programme() -> (
    None
):
    other = "RIAU-INHU-APBDES-2025-B"
    sources = merged(
        {
            "programs": [program(INHU_APBDES, "APBDES", RIAU), program(other, "APBDES", RIAU)],
            "allocations": [
                # 4 workers x 12 months promised each.
                allocation(INHU_APBDES, SGT, 10**8, 4 * YEAR, 4, "2025-01-02"),
                allocation(INHU_APBDES, SGH, 10**8, 4 * YEAR, 4, "2025-01-02"),
                allocation(other, SGT, 10**8, 2 * YEAR, 2, "2025-01-02"),
            ],
        },
        # SGT: 3 of 4 for the whole year (36 of 48 worker-months).
        workers(INHU_APBDES, SGT, 1, 3),
        # SGH: all 4, but from April: 9 months each (36 of 48), the same share.
        workers(INHU_APBDES, SGH, 10, 4, start="2025-04-01"),
        # The other programme's SGT: 1 of 2 (12 of 24), ranked in its own league.
        workers(other, SGT, 20, 1),
    )
    league = league_of(sources)
    assert ranks(league) == [
        # A tie (750 and 750, same promise): the village code decides.
        (INHU_APBDES, SGT, 1, 750),
        (INHU_APBDES, SGH, 2, 750),
        # Ranked 1 in its own programme, though its share is lower than both.
        (other, SGT, 1, 500),
    ]
    row = league.iloc[0]
    assert (row.workers_targeted, row.promised_worker_months, row.covered_worker_months) == (
        4,
        48,
        36,
    )
    assert row.workers_covered == 3


def test_tie_on_share_the_larger_promise_first_and_cover_beyond_it_counts_no_more() -> None:
    sources = merged(
        {
            "programs": [program(INHU_APBDES, "APBDES", RIAU)],
            "allocations": [
                allocation(INHU_APBDES, SGT, 10**8, 2 * YEAR, 2, "2025-01-02"),
                allocation(INHU_APBDES, SGH, 10**8, 3 * YEAR, 3, "2025-01-02"),
                allocation(INHU_APBDES, KOTA_LAMA, 10**8, 2 * YEAR, 2, "2025-01-02"),
            ],
        },
        # SGT covers 3 workers for 2 promised: 36 worker-months, counted as its 24.
        workers(INHU_APBDES, SGT, 1, 3),
        workers(INHU_APBDES, SGH, 10, 3),
        workers(INHU_APBDES, KOTA_LAMA, 20, 1),
    )
    league = league_of(sources)
    assert ranks(league) == [
        (INHU_APBDES, SGH, 1, 1000),  # 36 of 36: the larger promise before SGT's 24 of 24
        (INHU_APBDES, SGT, 2, 1000),
        (INHU_APBDES, KOTA_LAMA, 3, 500),
    ]
    assert league.loc[league["unit_code"] == SGT, "covered_worker_months"].item() == 36


def test_tie_on_share_and_promise_the_village_covered_sooner_first() -> None:
    def paid_and_covered(village: str, first: int, second_start: str, second_end: str) -> Any:
        return merged(
            {
                "allocations": [allocation(INHU_APBDES, village, 10**8, 2 * YEAR, 2, "2025-01-02")],
                "premium_payments": [payment(INHU_APBDES, village, "2025-01-03", 2 * YEAR, 2)],
                "enrollments": [
                    enrollment(nik(first + i), village, INHU_APBDES, "2024-12-20") for i in (0, 1)
                ],
                "coverage": [
                    coverage(nik(first), INHU_APBDES, "2025-01-01", "2025-12-31"),
                    coverage(nik(first + 1), INHU_APBDES, second_start, second_end),
                ],
            }
        )

    sources = merged(
        {"programs": [program(INHU_APBDES, "APBDES", RIAU)]},
        # Both cover 24 of 24 worker-months; SGT's second worker from 01-20, SGH's from 01-05.
        paid_and_covered(SGT, 1, "2025-01-20", "2026-01-19"),
        paid_and_covered(SGH, 10, "2025-01-05", "2026-01-04"),
    )
    evaluation, known = evaluated(**sources)
    league = village_league(evaluation, known, covered_workers(known, d(AS_OF)), d(AS_OF), {})
    assert [(r.unit_code, r.coverage_rank, r.days, r.speed_rank) for r in league.itertuples()] == [
        (SGH, 1, 3, 1),  # decree 01-02, both workers covered from 01-05
        (SGT, 2, 18, 2),
    ]


def test_top_by_coverage_gives_each_programme_its_own_best() -> None:
    league = pd.DataFrame(
        {
            "program_id": ["a", "a", "a", "b"],
            "unit_code": ["1", "2", "3", "4"],
            "coverage_rank": [3, 1, 2, 1],
        }
    )
    top = top_by_coverage(league, n=2)
    assert {p: rows["unit_code"].tolist() for p, rows in top.items()} == {
        "a": ["2", "3"],
        "b": ["4"],
    }


def test_villages_to_visit_name_the_longest_unfinished_step_and_whose_move_it_is() -> None:
    sources = merged(
        {
            "programs": [
                program(INHU_APBDES, "APBDES", RIAU),
                program(JAMBI_BKBK, "BKBK", JAMBI),
            ],
            "allocations": [
                # Never paid: the premium step from the decree, the village's move.
                allocation(INHU_APBDES, SGT, 10**8, 2 * YEAR, 2, "2025-02-01"),
                # Paid for 2 on 03-05, 1 activated: cover activation, BPJS's move (its
                # months of cover are short as well, from the same day: the earlier step).
                allocation(INHU_APBDES, SGH, 10**8, 2 * YEAR, 2, "2025-02-01"),
                # Bungo's villages wait for their district (money in Bungo from 03-01).
                allocation(JAMBI_BKBK, PEDUKUN, 10 * YEAR, 2 * YEAR, 2, "2025-01-15"),
                allocation(JAMBI_BKBK, LUBUK_NIUR, 10 * YEAR, 2 * YEAR, 2, "2025-01-15"),
                allocation(JAMBI_BKBK, TELUK_KECIMBUNG, 10 * YEAR, 2 * YEAR, 2, "2025-01-15"),
            ],
            "premium_payments": [payment(INHU_APBDES, SGH, "2025-03-05", 2 * YEAR, 2)],
            "district_transfers": [district_transfer(JAMBI_BKBK, "15.08", 30 * YEAR, "2025-03-01")],
        },
        workers(INHU_APBDES, SGH, 1, 1, start="2025-03-08"),
    )
    evaluation, _ = evaluated(**sources)
    visit = villages_to_visit(evaluation, {})
    got = [
        (r.program_id, r.visit_rank, r.unit_code, r.stage, r.responsible, r.days_waiting)
        for r in visit.itertuples(index=False)
    ]
    assert got == [
        (JAMBI_BKBK, 1, PEDUKUN, "VILLAGE_TRANSFER", "DISTRICT", 121),
        (JAMBI_BKBK, 2, LUBUK_NIUR, "VILLAGE_TRANSFER", "DISTRICT", 121),
        (JAMBI_BKBK, 3, TELUK_KECIMBUNG, "VILLAGE_TRANSFER", "DISTRICT", 121),
        (INHU_APBDES, 1, SGT, "PREMIUM_PAYMENT", "VILLAGE", 149),
        (INHU_APBDES, 2, SGH, "COVERAGE_ACTIVATION", "BPJS", 117),
    ]
    sgh = visit.loc[visit["unit_code"] == SGH].iloc[0]
    assert sgh["unfinished_steps"] == 2
    assert bool(sgh["stalled"]) and sgh["workers_affected"] == 1
    # Whose move agrees with stalls.csv for every stalled step.
    stalls = evaluation.stalls.set_index(["program_id", "unit_code", "stage"])["responsible"]
    for r in visit.itertuples(index=False):
        assert stalls[(r.program_id, r.unit_code, r.stage)] == r.responsible
