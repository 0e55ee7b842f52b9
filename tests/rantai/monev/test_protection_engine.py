"""The Perlindungan section on the stage engine's own frames: a Bungo story across 2024 and
2025 evaluated by `rantai.stages.evaluate` through `assemble`, as `rantai report` does.

Jambi BKBK 2024 reached Pedukun: five workers paid for a year from February 2024 and covered
from 15 February 2024 to 14 February 2025. Jambi BKBK 2025 (its successor) reached Bungo on
15 January 2025 and never reached the village; a worker enrolled there on 5 January died on
1 March 2025 without cover: the district's failure (the village transfer was due on
14 February). As of 1 June 2025 the five of 2024 have lapsed inside 2025's planned cover; a
year earlier, on 1 June 2024, they were covered.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd
from openpyxl import load_workbook

from rantai.monev import assemble
from rantai.monev.html import render_html
from rantai.monev.labels import display_name
from rantai.monev.protection import PROTECTION_COUNTS
from rantai.monev.xlsx import write_xlsx
from rantai.records import SOURCES
from rantai.regions import load_gazetteer
from rantai.scope import Scope
from rantai.stages import evaluate
from tests.rantai.test_stages import (
    BUNGO,
    JAMBI,
    JAMBI_BKBK,
    PEDUKUN,
    allocation,
    bungo_allocations,
    coverage,
    district_transfer,
    enrollment,
    nik,
    program,
    typed,
)
from tests.rantai.test_stages_v2 import claim, pay

LAST = "JAMBI-BKBK-2024"
AS_OF = dt.date(2025, 6, 1)


def village_transfer(program_id: str, village: str, amount: int, day: str) -> dict[str, Any]:
    return {
        "transfer_id": f"VT-{program_id}-{village}",
        "program_id": program_id,
        "village_code": village,
        "amount": amount,
        "transfer_date": day,
        "sp2d_no": "SP2D-1",
    }


def story() -> dict[str, pd.DataFrame]:
    last_year = [nik(10 + i) for i in range(5)]
    rows: dict[str, list[dict[str, Any]]] = {
        "programs": [
            {**program(LAST, "BKBK", JAMBI), "fiscal_year": 2024},
            {**program(JAMBI_BKBK, "BKBK", JAMBI), "predecessor_id": LAST},
        ],
        "allocations": [
            {**allocation(LAST, PEDUKUN, 2_000_000, 1_008_000, 5, "2024-01-10"), "allocation_id": "A24"},
            *bungo_allocations(),
        ],
        "district_transfers": [
            {**district_transfer(LAST, BUNGO, 2_000_000, "2024-01-20"), "transfer_id": "DT24"},
            district_transfer(JAMBI_BKBK, BUNGO, 160_000_000, "2025-01-15"),
        ],
        "village_transfers": [village_transfer(LAST, PEDUKUN, 2_000_000, "2024-02-01")],
        "premium_payments": [pay(LAST, PEDUKUN, "2024-02-10", 5, 12, "2024-02-15")],
        "enrollments": [
            *(enrollment(n, PEDUKUN, LAST, "2024-02-01") for n in last_year),
            enrollment(nik(1), PEDUKUN, JAMBI_BKBK, "2025-01-05"),
        ],
        "coverage": [coverage(n, LAST, "2024-02-15", "2025-02-14") for n in last_year],
        "claims": [claim("C1", nik(1), JAMBI_BKBK, "JKM", "2025-03-01", "2025-05-01")],
    }  # fmt: skip
    return {name: typed(name, rows.get(name, [])) for name in SOURCES}


def test_the_section_says_what_the_engine_found():
    frames = story()
    names = load_gazetteer().names
    runs = pd.DataFrame(columns=["run_id", "as_of", "started_at"])
    monev = assemble(frames, AS_OF, Scope(), pd.DataFrame(), runs, pd.DataFrame(), names)
    protection = monev.protection
    evaluation = evaluate(frames, AS_OF)

    [failure] = protection.failures.to_dict("records")
    assert (failure["claim_id"], failure["blocking_stage"], failure["responsible"]) == (
        "C1",
        "VILLAGE_TRANSFER",
        "DISTRICT",
    )
    assert failure["unit_name"] == display_name(names, PEDUKUN) != ""
    assert failure["benefit_at_stake"] == 42_000_000
    assert protection.totals["claims_filed"] == 1 and protection.totals["claims_pending"] == 1

    # Per programme, the section's figures are the engine's (summary.json's) figures.
    mine = protection.programs.set_index("program_id")
    for metrics in evaluation.programs:
        for figure in ("workers_covered", "workers_lapsed", "paid_worker_months"):
            expected = metrics[figure]
            assert mine.loc[metrics["program_id"], figure] == expected, figure
    # The headline counts workers once: 2024's are counted again in 2025's Pedukun (contract
    # v2), so 2024 is left out of the worker counts; months are each programme's own.
    assert protection.superseded == (LAST,)
    engine = evaluation.protection
    this_year = engine.loc[engine["program_id"] == JAMBI_BKBK]
    for figure in PROTECTION_COUNTS:
        source = engine if figure.endswith("_months") else this_year
        assert protection.totals[figure] == int(source[figure].sum()), figure
    assert set(PROTECTION_COUNTS) <= set(protection.units.columns)

    # A year earlier the five of 2024 were covered; now they have lapsed in 2025's Pedukun.
    assert protection.last_year == dt.date(2024, 6, 1)
    [row] = protection.year_on_year.to_dict("records")
    assert (row["program_id"], row["predecessor_id"], row["district_code"]) == (
        JAMBI_BKBK,
        LAST,
        BUNGO,
    )
    assert (row["workers_covered_before"], row["workers_paid_before"]) == (5, 5)
    assert (row["workers_covered_now"], row["workers_lapsed_now"]) == (0, 5)


def test_the_page_and_the_workbook_hold_no_nik(tmp_path):
    names = load_gazetteer().names
    runs = pd.DataFrame(columns=["run_id", "as_of", "started_at"])
    monev = assemble(story(), AS_OF, Scope(), pd.DataFrame(), runs, pd.DataFrame(), names)
    html = render_html(monev)
    assert html.index("<section") == html.index('<section id="perlindungan"')
    assert not re.search(r"(?<!\d)\d{16}(?!\d)", html)
    path = write_xlsx(monev, tmp_path / "report.xlsx", names)
    book = load_workbook(path, read_only=True)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert not any(re.fullmatch(r"\d{16}", str(v)) for v in row if v is not None)


def test_a_report_of_one_programme_counts_its_predecessor_s_workers_as_the_whole_one_does():
    frames = story()
    names = load_gazetteer().names
    runs = pd.DataFrame(columns=["run_id", "as_of", "started_at"])
    whole = assemble(frames, AS_OF, Scope(), pd.DataFrame(), runs, pd.DataFrame(), names)

    # What read_frames hands over for one programme, and its predecessor's read apart.
    # (A source without programmes, branches, is read whole.)
    def of(programme: str) -> dict[str, pd.DataFrame]:
        return {
            name: frame.loc[frame["program_id"] == programme] if "program_id" in frame else frame
            for name, frame in frames.items()
        }

    mine, earlier = of(JAMBI_BKBK), of(LAST)
    scope = Scope(program_id=JAMBI_BKBK)
    one = assemble(mine, AS_OF, scope, pd.DataFrame(), runs, pd.DataFrame(), names, earlier)

    assert list(one.programs["program_id"]) == [JAMBI_BKBK]  # the funnel stays its own
    assert set(one.protection.units["program_id"]) == {JAMBI_BKBK}
    expected = whole.protection.units.loc[whole.protection.units["program_id"] == JAMBI_BKBK]
    pd.testing.assert_frame_equal(one.protection.units, expected.reset_index(drop=True))
    assert one.protection.units["workers_lapsed"].sum() == 5  # the five of 2024, in Pedukun
    pd.testing.assert_frame_equal(one.protection.year_on_year, whole.protection.year_on_year)
    assert list(one.protection.failures["claim_id"]) == ["C1"]
