"""The per-district funnel on the run page: the engine's funnel, the one the Monev report shows."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from connectors.files import read_folder
from rantai.ingest import PROGRAM_COLUMNS, validate_load
from rantai.regions import load_gazetteer
from rantai.report import district_funnel, markdown_summary, stall_rows
from rantai.stages import evaluate
from tests.chain_folders import BUNGO, INHIL, YEAR, first_load


def test_funnel_per_district_from_the_first_load(tmp_path):
    first_load(tmp_path)
    raw = {name: s.rows for name, s in read_folder(tmp_path).items()}
    validated = validate_load(raw, pd.DataFrame(columns=PROGRAM_COLUMNS), load_gazetteer())
    evaluation = evaluate({n: v.valid for n, v in validated.items()}, dt.date(2025, 6, 30))

    funnel = district_funnel(evaluation)

    assert [(d["program_id"], d["district_code"], d["stalled"]) for d in funnel] == [
        ("jambi-bkbk-2025", BUNGO, 3),
        ("inhil-apbd-2025", INHIL, 2),
        ("inhu-apbdes-2025", "14.02", 1),
    ]
    bungo = funnel[0]
    assert (bungo["transferred_to_districts"], bungo["allocated"]) == (30 * YEAR, 30 * YEAR)
    # VT2 (Lubuk Niur) is dated after as_of: not known yet.
    assert bungo["transferred_to_villages"] == 20 * YEAR
    assert bungo["premiums_paid"] == 10 * YEAR
    assert (bungo["workers_active"], bungo["workers_paid"]) == (8, 10)
    inhil = funnel[1]
    # APBD has no transfers.
    assert inhil["transferred_to_districts"] == inhil["transferred_to_villages"] == 0
    # The run page's programme metrics are its districts' sums.
    for program in evaluation.programs:
        mine = [d for d in funnel if d["program_id"] == program["program_id"]]
        assert program["allocated"] == sum(d["allocated"] for d in mine)
        assert program["workers_active"] == sum(d["workers_active"] for d in mine)

    text = markdown_summary(
        "t",
        evaluation.stalls,
        evaluation.programs,
        0,
        0,
        {},
        load_gazetteer().names,
        districts=funnel,
    )
    assert "## Funnel per district, most stalled first" in text
    assert "| Kabupaten Bungo (15.08) | jambi-bkbk-2025 | Rp6.048.000 of Rp6.048.000 |" in text
    assert "| 8 of 10 | 3 |" in text
    assert "| Kabupaten Indragiri Hilir (14.04) | inhil-apbd-2025 | – | – |" in text


def test_no_records_no_funnel():
    evaluation = evaluate({}, dt.date(2025, 6, 30))
    assert district_funnel(evaluation) == []


def test_a_stalled_claim_whose_benefit_is_unknown_shows_no_amount():
    # A SUBMITTED JKK claim's benefit is unknown until paid: "not yet known" on the run page
    # (as in the failures' table), never Rp0.
    row = {
        "severity": "CRITICAL",
        "stage": "CLAIM_PAYMENT",
        "program_id": "p",
        "district_code": "15.08",
        "unit_code": "15.08.01.2001",
        "start_date": dt.date(2025, 6, 3),
        "days_overdue": 13,
        "workers_affected": 1,
    }
    stalls = pd.DataFrame([row, row]).assign(
        amount_at_stake=pd.array([None, 42_000_000], dtype="Int64")
    )
    shown = stall_rows(stalls, {}, 10)
    assert [r["amount_at_stake"] for r in shown] == ["not yet known", "Rp42.000.000"]
