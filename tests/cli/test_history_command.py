"""`rantai history`: a corrected record's versions, and when each flag opened and closed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from rantai.cli import main
from rantai.store.engine import engine_for
from rantai.store.schema import history_tables, source_tables
from tests.chain_folders import (
    CLAIM_HEADER,
    V1_WORKERS,
    YEAR,
    claims_load,
    first_load,
    second_load,
    write,
)

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.fixture
def corrected_store(tmp_path) -> str:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'h.db'}"
    first_load(tmp_path / "in1")
    second_load(tmp_path / "in2")
    for folder, as_of in (("in1", "2025-06-30"), ("in2", "2025-07-15")):
        assert (
            main(
                [
                    "run",
                    "--input",
                    str(tmp_path / folder),
                    "--as-of",
                    as_of,
                    "--out",
                    str(tmp_path / f"out-{folder}"),
                    "--db",
                    db,
                ]
            )
            == 0
        )
    return db


def test_history_shows_every_version_of_a_corrected_record(corrected_store, capsys):
    capsys.readouterr()
    assert main(["history", "--db", corrected_store, "--key", "PAY1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    versions = [line.split() for line in lines[1:-1]]
    assert [(v[0], v[1], v[2]) for v in versions] == [
        ("premium_payments", "1", "replaced"),
        ("premium_payments", "2", "current"),
    ]
    assert str(10 * YEAR) in lines[1] and str(20 * YEAR) in lines[2]


def test_history_of_a_worker_is_masked(corrected_store, capsys):
    capsys.readouterr()
    key = f"{V1_WORKERS[0]}|jambi-bkbk-2025"
    assert main(["history", "--db", corrected_store, "--key", key, "--source", "enrollments"]) == 0
    out = capsys.readouterr().out
    assert "1508********0001" in out
    assert V1_WORKERS[0] not in out and "Pekerja 0" not in out


def test_stall_history_shows_opening_and_resolution(corrected_store, capsys):
    capsys.readouterr()
    assert main(["history", "--db", corrected_store, "--stalls", "--unit", "15.08.01.2002"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:-1]]
    assert [(r[1], r[3], r[4], r[5]) for r in rows] == [
        ("jambi-bkbk-2025", "VILLAGE_TRANSFER", "opened", "2025-06-30"),
        ("jambi-bkbk-2025", "VILLAGE_TRANSFER", "resolved", "2025-07-15"),
    ]


def test_history_usage_errors_exit_2(corrected_store, capsys):
    assert main(["history", "--db", corrected_store]) == 2
    assert main(["history", "--db", corrected_store, "--key", "a|b|c|d"]) == 1
    assert main(["history", "--db", corrected_store, "--key", "x", "--source", "nope"]) == 2
    assert main(["history", "--db", corrected_store, "--key", "x|y", "--source", "programs"]) == 2


@pytest.fixture
def claim_paid_later(tmp_path) -> str:  # type: ignore[no-untyped-def]
    """CLM-2, a JKM claim SUBMITTED on 2025-06-03, then reported PAID (Rp42,000,000 on
    2025-07-10) in the next load: a correction of the claim."""
    db = f"sqlite:///{tmp_path / 'claims.db'}"
    first_load(tmp_path / "in1")
    claims_load(tmp_path / "in1")
    paid = [
        "CLM-2",
        V1_WORKERS[1],
        "jambi-bkbk-2025",
        "JKM",
        "2025-06-01",
        "2025-06-03",
        "PAID",
        "Rp42.000.000",
        "2025-07-10",
        "",
    ]
    write(tmp_path / "in2", "claims", CLAIM_HEADER, [paid])
    for folder, as_of in (("in1", "2025-06-30"), ("in2", "2025-07-15")):
        argv = ["run", "--input", str(tmp_path / folder), "--as-of", as_of]
        assert main([*argv, "--out", str(tmp_path / f"out-{folder}"), "--db", db]) == 0
    return db


def test_history_shows_a_corrected_claims_versions(claim_paid_later, capsys):
    capsys.readouterr()
    assert main(["history", "--db", claim_paid_later, "--key", "CLM-2", "--source", "claims"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    versions = [line.split() for line in lines[1:-1]]
    assert [(v[0], v[1], v[2]) for v in versions] == [
        ("claims", "1", "replaced"),
        ("claims", "2", "current"),
    ]
    assert " SUBMITTED " in lines[1] and "42000000" not in lines[1]
    assert " PAID " in lines[2] and "42000000" in lines[2] and "2025-07-10" in lines[2]
    # The claimant's NIK is masked, as every NIK on a screen is.
    assert "1508********0002" in out and V1_WORKERS[1] not in out

    # Without --source, the claim is found among the sources keyed by one field.
    assert main(["history", "--db", claim_paid_later, "--key", "CLM-2"]) == 0
    assert capsys.readouterr().out == out


def test_a_corrected_claim_replaces_its_old_version(claim_paid_later):
    claims, history = source_tables["claims"], history_tables["claims"]
    with engine_for(claim_paid_later).connect() as conn:
        current = conn.execute(
            select(claims.c.status, claims.c.paid_amount, claims.c.paid_date).where(
                claims.c.claim_id == "CLM-2"
            )
        ).all()
        old = conn.execute(select(history.c.status).where(history.c.claim_id == "CLM-2")).all()
        others = conn.execute(
            select(claims.c.claim_id)
            .where(claims.c.claim_id != "CLM-2")
            .order_by(claims.c.claim_id)
        ).scalars()
        assert [tuple(map(str, row)) for row in current] == [("PAID", "42000000", "2025-07-10")]
        assert [row[0] for row in old] == ["SUBMITTED"]
        # Loads are cumulative: the claims the second load left out are still there.
        assert list(others) == ["CLM-1", "CLM-3"]


def test_stall_history_shows_a_claims_flag_by_its_claim_id(claim_paid_later, capsys):
    # CLM-2 was filed on 2025-06-03 (CLAIM_PAYMENT due 14 days later): overdue on 2025-06-30,
    # paid on 2025-07-10, so its flag opened on the first run and resolved on the second.
    capsys.readouterr()
    argv = ["history", "--db", claim_paid_later, "--stalls", "--unit", "15.08.01.2001"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()[1:-1]
    claim = [line.split() for line in lines if " CLAIM_PAYMENT " in line and " CLM-2 " in line]
    assert [(r[1], r[3], r[4], r[5], r[6]) for r in claim] == [
        ("jambi-bkbk-2025", "CLAIM_PAYMENT", "CLM-2", "opened", "2025-06-30"),
        ("jambi-bkbk-2025", "CLAIM_PAYMENT", "CLM-2", "resolved", "2025-07-15"),
    ]
    # CLM-1 was paid within its SLA: it never stalled.
    assert not any(" CLM-1 " in line for line in lines)
