"""The camat's table (`rantai.monev.cuts.village_actions`): each desa's open step, whose move
and by when, on hand-made cases, including a village whose step waits for its district's."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rantai.monev.cuts import DONE, DUE, NO_PROGRAMME, OVERDUE, village_actions
from rantai.records import responsible_for
from rantai.regions import load_gazetteer

AS_OF = dt.date(2025, 7, 31)
BUNGO, TANAH_TUMBUH = "15.08", "15.08.01"
PEDUKUN, LUBUK_NIUR, BASKOM = "15.08.01.2001", "15.08.01.2002", "15.08.01.2003"
NAMES = load_gazetteer().names


def case(
    program, unit, stage, start, sla, complete, funding="BKBK", at_stake=0, workers=0, who=None
):
    start_ts = pd.Timestamp(start) if start else pd.NaT
    due = start_ts + pd.Timedelta(days=sla) if start else pd.NaT
    stalled = bool(start) and not complete and due < pd.Timestamp(AS_OF)
    return {
        "program_id": program,
        "funding_source": funding,
        "district_code": BUNGO,
        "unit_code": unit,
        "stage": stage,
        "case_id": "",
        "start_date": start_ts,
        "due_date": due,
        "complete": complete,
        "stalled": stalled,
        "days_overdue": (pd.Timestamp(AS_OF) - due).days if stalled else pd.NA,
        "amount_at_stake": at_stake,
        "workers_affected": workers,
        # Whose move: the engine's word on the case (records.responsible_for).
        "responsible": who or responsible_for(stage, funding).value,
    }


def test_each_desa_gets_its_open_step_whose_move_and_by_when_most_urgent_first():
    cases = pd.DataFrame(
        [
            # Bungo's transfer of programme B is late: Lubuk Niur's transfer has not started.
            case("B", BUNGO, "DISTRICT_TRANSFER", "2025-06-01", 30, False, at_stake=9, workers=9),
            case("B", LUBUK_NIUR, "VILLAGE_TRANSFER", None, 30, False),
            # Pedukun got its money (programme A) and has not paid its premiums: overdue.
            case("A", BUNGO, "DISTRICT_TRANSFER", "2025-01-10", 30, True),
            case("A", PEDUKUN, "VILLAGE_TRANSFER", "2025-02-01", 30, True),
            case("A", PEDUKUN, "PREMIUM_PAYMENT", "2025-03-01", 14, False, at_stake=5, workers=4),
            case("A", PEDUKUN, "COVERAGE_ACTIVATION", None, 7, False),
            # Lubuk Niur, programme A: its premium is due in 6 days.
            case("A", LUBUK_NIUR, "VILLAGE_TRANSFER", "2025-06-01", 30, True),
            case("A", LUBUK_NIUR, "PREMIUM_PAYMENT", "2025-07-23", 14, False, workers=3),
            # Baskom: every step done.
            case("A", BASKOM, "VILLAGE_TRANSFER", "2025-02-01", 30, True),
            case("A", BASKOM, "PREMIUM_PAYMENT", "2025-02-10", 14, True),
        ]
    )
    table = village_actions(cases, (TANAH_TUMBUH,), NAMES, AS_OF)
    rows = table.to_dict("records")

    first, second, third, fourth = rows[:4]
    assert (first["village_name"], first["program_id"], first["status"]) == (
        "Pedukun",
        "A",
        OVERDUE,
    )
    assert (first["stage"], first["responsible"]) == ("PREMIUM_PAYMENT", "VILLAGE")
    assert first["due_date"] == dt.date(2025, 3, 15) and first["days_overdue"] == 138
    assert (first["amount_at_stake"], first["workers_affected"]) == (5, 4)
    # Lubuk Niur's step in programme B waits for Bungo's transfer: the province's move.
    assert (second["village_code"], second["program_id"]) == (LUBUK_NIUR, "B")
    assert (second["stage"], second["held_at"], second["responsible"]) == (
        "DISTRICT_TRANSFER",
        BUNGO,
        "PROVINCE",
    )
    assert second["status"] == OVERDUE and second["days_overdue"] == 30
    assert second["amount_at_stake"] == 0  # the district report's figure, not a kecamatan's
    assert (third["village_code"], third["status"], third["days_left"]) == (LUBUK_NIUR, DUE, 6)
    assert third["responsible"] == "VILLAGE"  # not stalled: the contract's assignment
    assert (fourth["village_code"], fourth["status"], fourth["stage"]) == (BASKOM, DONE, "")
    # Every other desa of Tanah Tumbuh is listed, in no programme.
    others = {r["village_code"] for r in rows[4:]}
    assert all(r["status"] == NO_PROGRAMME for r in rows[4:])
    desa = load_gazetteer().desa_in(TANAH_TUMBUH)
    assert others == set(desa) - {PEDUKUN, LUBUK_NIUR, BASKOM} and len(desa) == 11
