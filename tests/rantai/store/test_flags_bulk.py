"""Flags at national scale: tens of thousands opened, seen again, resolved, in bulk statements
that behave as the row-by-row ones do."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rantai.scope import Scope
from rantai.stages import STALL_COLUMNS
from rantai.store.engine import engine_for
from rantai.store.flags import read_flags, update_flags

DAY1, DAY2, DAY3 = dt.date(2025, 11, 7), dt.date(2025, 11, 8), dt.date(2025, 11, 9)


def stalls(count: int, as_of: dt.date, province: str = "15") -> pd.DataFrame:
    """`count` stalled village transfers, one per desa, in a province."""
    units = [f"{province}.08.{1 + i // 9000:02d}.{2001 + i % 9000}" for i in range(count)]
    frame = pd.DataFrame(
        {
            "as_of": as_of,
            "program_id": f"p{province}",
            "funding_source": "BKBK",
            "province_code": province,
            "district_code": [u[:5] for u in units],
            "unit_code": units,
            "stage": "VILLAGE_TRANSFER",
            "case_id": "",
            "start_date": dt.date(2025, 3, 1),
            "due_date": dt.date(2025, 3, 31),
            "days_waiting": 250,
            "days_overdue": 220,
            "amount_at_stake": 1_000_000,
            "workers_affected": 10,
            "severity": "CRITICAL",
            "responsible": "DISTRICT",
            "branch_code": "",
        }
    )
    return frame[STALL_COLUMNS]


EVERYTHING = Scope()


def flag_run(db_url: str, frame: pd.DataFrame, as_of: dt.date, scope: Scope = EVERYTHING):  # type: ignore[no-untyped-def]
    with engine_for(db_url).begin() as conn:
        return update_flags(conn, frame, as_of, f"run-{as_of}", scope)


def test_thousands_of_flags_seen_again_and_resolved(db_url):
    first = flag_run(db_url, pd.concat([stalls(2500, DAY1), stalls(1200, DAY1, "14")]), DAY1)
    assert len(first.opened) == 3700 and set(first.stalls["status"]) == {"NEW"}

    # Day 2: 2,000 of Jambi's stay stalled, 500 resolve; a rerun of Riau only.
    second = flag_run(db_url, stalls(2000, DAY2), DAY2, Scope(province_code="15"))
    assert set(second.stalls["status"]) == {"ONGOING"}
    assert len(second.opened) == 0 and len(second.resolved) == 500
    with engine_for(db_url).connect() as conn:
        flags = read_flags(conn).set_index("unit_code")
    jambi, riau = flags[flags["program_id"] == "p15"], flags[flags["program_id"] == "p14"]
    assert (jambi["last_seen"].iloc[:2000] == DAY2).all()
    assert (jambi["first_flagged"] == DAY1).all()
    assert (~jambi["is_open"].iloc[2000:]).all() and (
        jambi["resolved_on"].iloc[2000:] == DAY2
    ).all()
    # Outside the scope nothing moved.
    assert (riau["last_seen"] == DAY1).all() and riau["is_open"].all()

    # Day 3: they all stall again; the resolved ones reopen and keep their first_flagged.
    third = flag_run(db_url, stalls(2500, DAY3), DAY3, Scope(province_code="15"))
    assert len(third.opened) == 500
    assert (third.stalls["first_flagged"] == DAY1).all()
    with engine_for(db_url).connect() as conn:
        flags = read_flags(conn)
    jambi = flags[flags["program_id"] == "p15"]
    assert jambi["is_open"].all() and (jambi["last_seen"] == DAY3).all()
    assert sorted(jambi["times_opened"].unique()) == [1, 2]


def test_a_claims_flag_with_a_benefit_not_yet_known_is_logged_without_an_amount(db_url):
    """A CLAIM_PAYMENT stall of a JKK claim not yet paid has no amount at stake (unknown, not
    zero): its flag opens, keyed by its claim, and its event row keeps the amount empty."""
    frame = stalls(2, DAY1).assign(
        stage="CLAIM_PAYMENT",
        case_id=["KLM-1", "KLM-2"],
        amount_at_stake=pd.array([pd.NA, 42_000_000], dtype="Int64"),
    )
    update = flag_run(db_url, frame, DAY1)
    assert len(update.opened) == 2
    with engine_for(db_url).connect() as conn:
        logged = pd.read_sql(
            "SELECT case_id, amount_at_stake FROM flag_events ORDER BY case_id", conn
        )
    assert logged["case_id"].tolist() == ["KLM-1", "KLM-2"]
    assert pd.isna(logged["amount_at_stake"][0]) and logged["amount_at_stake"][1] == 42_000_000
