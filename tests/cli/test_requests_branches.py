"""`rantai run` with the optional sources of issue 15: village_requests.csv and branches.csv.
A folder without them behaves as before (tests/cli/test_run_command.py pins that run)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from rantai.store.engine import engine_for
from rantai.store.schema import source_tables
from tests.chain_folders import (
    BRANCH_HEADER,
    REQUEST_HEADER,
    V1,
    V2,
    branches_load,
    first_load,
    requests_load,
    write,
)
from tests.cli.test_run_command import read_csv, run

pytestmark = pytest.mark.usefixtures("prefect_server")


def test_a_folder_with_requests_and_branches_loads_them_and_quarantines_bad_rows(tmp_path, db_url):
    folder, out = tmp_path / "in", tmp_path / "out"
    first_load(folder)
    write(
        folder,
        "village_requests",
        REQUEST_HEADER,
        [
            ["jambi-bkbk-2025", V1, "2025-02-12", "2025-02-20", ""],
            ["jambi-bkbk-2025", V2, "2025-02-12", "", "rekening desa"],
            ["jambi-bkbk-2025", V2, "2025-02-12", "2025-02-01", ""],  # duplicate key
            ["inhu-apbdes-2025", "14.02.01.2001", "2025-02-12", "", ""],  # no such step
        ],
    )
    write(
        folder,
        "branches",
        BRANCH_HEADER,
        [
            ["KC-MUARA-BUNGO", "KC Muara Bungo", "", "15.08"],
            ["KC-RENGAT", "KC Rengat", "", "14.02"],
            ["KCP-TEMBILAHAN", "KCP Tembilahan", "KC-RENGAT", "14.04"],
            ["KC-X", "KC X", "KC-NOWHERE", "14.03"],  # INCONSISTENT: no such parent
        ],
    )

    assert run(folder, "2025-06-30", out, db_url) == 0

    quarantine = [
        (q["source"], q["row_number"], q["reason"]) for q in read_csv(out / "quarantine.csv")
    ]
    assert [q for q in quarantine if q[0] in ("village_requests", "branches")] == [
        ("village_requests", "2", "DUPLICATE_ID_CONFLICT"),
        ("village_requests", "3", "DUPLICATE_ID_CONFLICT"),
        ("village_requests", "4", "INCONSISTENT"),
        ("branches", "4", "INCONSISTENT"),
    ]
    with engine_for(db_url).connect() as conn:
        requests = source_tables["village_requests"]
        assert conn.execute(select(requests.c.village_code)).scalars().all() == [V1]
        stored = source_tables["branches"]
        assert sorted(conn.execute(select(stored.c.branch_code)).scalars()) == [
            "KC-MUARA-BUNGO",
            "KC-RENGAT",
            "KCP-TEMBILAHAN",
        ]


def test_a_parent_branch_stored_by_an_earlier_run_is_known(tmp_path, db_url):
    first, second, out = tmp_path / "in1", tmp_path / "in2", tmp_path / "out"
    first_load(first)
    requests_load(first)
    branches_load(first)
    assert run(first, "2025-06-30", out, db_url) == 0
    write(
        second,
        "branches",
        BRANCH_HEADER,
        [["KCP-DURI", "KCP Duri", "KC-RENGAT", "14.03"]],
    )
    assert run(second, "2025-06-30", out, db_url) == 0
    assert [q for q in read_csv(out / "quarantine.csv") if q["source"] == "branches"] == []
    with engine_for(db_url).connect() as conn:
        stored = source_tables["branches"]
        assert len(conn.execute(select(stored.c.branch_code)).scalars().all()) == 4


def test_a_village_without_a_complete_request_has_the_move_on_its_transfer(tmp_path, db_url):
    """first_load's one VILLAGE_TRANSFER stall (Lubuk Niur, waiting since Bungo had the money
    on 2025-02-10) is the district's without requests, the village's while its request lacks
    a document, and the district's again, counted from complete_date, once it is complete."""
    folder, out = tmp_path / "in", tmp_path / "out"
    first_load(folder)
    assert run(folder, "2025-06-30", out, db_url) == 0
    transfer = [s for s in read_csv(out / "stalls.csv") if s["stage"] == "VILLAGE_TRANSFER"]
    assert [(s["unit_code"], s["responsible"]) for s in transfer] == [(V2, "DISTRICT")]

    requests_load(folder)  # Lubuk Niur applied on 2025-02-12, rekening desa missing
    assert run(folder, "2025-06-30", out, db_url) == 0
    stalls = read_csv(out / "stalls.csv")
    transfer = [s for s in stalls if s["stage"] == "VILLAGE_TRANSFER"]
    assert [(s["unit_code"], s["start_date"], s["responsible"]) for s in transfer] == [
        (V2, "2025-02-10", "VILLAGE")
    ]
    # The other stalls keep their office.
    assert {(s["stage"], s["responsible"]) for s in stalls if s["stage"] != "VILLAGE_TRANSFER"} == {
        ("PREMIUM_PAYMENT", "VILLAGE"),
        ("PREMIUM_PAYMENT", "DISTRICT"),
        ("COVERAGE_ACTIVATION", "BPJS"),
    }

    write(
        folder,
        "village_requests",
        REQUEST_HEADER,
        [
            ["jambi-bkbk-2025", V1, "2025-02-12", "2025-02-20", ""],
            ["jambi-bkbk-2025", V2, "2025-02-12", "2025-05-20", ""],
        ],
    )
    assert run(folder, "2025-06-30", out, db_url) == 0
    transfer = [s for s in read_csv(out / "stalls.csv") if s["stage"] == "VILLAGE_TRANSFER"]
    # Complete on 20 May: the district's 30 days ran to 19 June; 11 days overdue on 30 June.
    assert [
        (s["unit_code"], s["start_date"], s["due_date"], s["days_overdue"], s["responsible"])
        for s in transfer
    ] == [(V2, "2025-05-20", "2025-06-19", "11", "DISTRICT")]


def test_each_stall_names_the_bpjs_branch_of_its_district(tmp_path, db_url):
    folder, out = tmp_path / "in", tmp_path / "out"
    first_load(folder)
    branches_load(folder)  # Bungo: KC Muara Bungo; Indragiri Hilir: KCP Tembilahan
    assert run(folder, "2025-06-30", out, db_url) == 0
    stalls = read_csv(out / "stalls.csv")
    assert list(stalls[0])[-3:] == ["first_flagged", "status", "branch_code"]
    assert {(s["district_code"], s["branch_code"]) for s in stalls} == {
        ("15.08", "KC-MUARA-BUNGO"),
        ("14.04", "KCP-TEMBILAHAN"),
        ("14.02", "KC-RENGAT"),
    }
