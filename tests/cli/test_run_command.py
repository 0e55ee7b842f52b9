"""`rantai run` on hand-built contract folders: the exact stalls, quarantine and summary the
contract implies, a second load with corrections, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rantai.cli import main
from rantai.stages import FAILURE_COLUMNS, PROTECTION_COLUMNS
from rantai.store.engine import engine_for
from rantai.store.schema import history_tables, load_batches, source_tables
from tests.chain_folders import (
    BUNGO,
    FIRST_QUARANTINE,
    FIRST_STALLS,
    INHIL,
    V1,
    W1,
    W2,
    W3,
    YEAR,
    first_load,
    second_load,
)

pytestmark = pytest.mark.usefixtures("prefect_server")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def run(folder: Path, as_of: str, out: Path, db: str) -> int:
    return main(["run", "--input", str(folder), "--as-of", as_of, "--out", str(out), "--db", db])


def stall_tuples(rows: list[dict[str, str]]) -> list[tuple]:
    return [
        (
            r["unit_code"],
            r["stage"],
            r["start_date"],
            r["due_date"],
            int(r["days_waiting"]),
            int(r["days_overdue"]),
            int(r["amount_at_stake"]),
            int(r["workers_affected"]),
            r["severity"],
        )
        for r in rows
    ]


WHO = {
    ("VILLAGE_TRANSFER", "BKBK"): "DISTRICT",
    ("PREMIUM_PAYMENT", "BKBK"): "VILLAGE",
    ("PREMIUM_PAYMENT", "APBDES"): "VILLAGE",
    ("PREMIUM_PAYMENT", "APBD"): "DISTRICT",
    ("COVERAGE_ACTIVATION", "BKBK"): "BPJS",
    ("COVERAGE_ACTIVATION", "APBD"): "BPJS",
}


def test_first_load_gives_the_contracts_stalls_quarantine_and_summary(tmp_path, db_url):
    folder, out = tmp_path / "in", tmp_path / "out"
    first_load(folder)

    assert run(folder, "2025-06-30", out, db_url) == 0

    stalls = read_csv(out / "stalls.csv")
    assert list(stalls[0]) == [
        "as_of",
        "program_id",
        "funding_source",
        "province_code",
        "district_code",
        "unit_code",
        "stage",
        "case_id",
        "start_date",
        "due_date",
        "days_waiting",
        "days_overdue",
        "amount_at_stake",
        "workers_affected",
        "severity",
        "responsible",
        "first_flagged",
        "status",
        "branch_code",
    ]
    assert stall_tuples(stalls) == FIRST_STALLS
    # Whose move: the district's transfer to V2, the villages' and Inhil's premiums, BPJS's
    # activations.
    assert [(r["unit_code"], r["stage"], r["responsible"]) for r in stalls] == [
        (r["unit_code"], r["stage"], WHO[r["stage"], r["funding_source"]]) for r in stalls
    ]
    # Every stall of the first load is a unit's stage: no claim names its case.
    assert {r["case_id"] for r in stalls} == {""}
    assert {r["as_of"] for r in stalls} == {"2025-06-30"}
    assert {r["status"] for r in stalls} == {"NEW"}
    assert {r["first_flagged"] for r in stalls} == {"2025-06-30"}
    # No branches.csv: no stall has a BPJS branch.
    assert {r["branch_code"] for r in stalls} == {""}
    inhil = [r for r in stalls if r["unit_code"] == INHIL]
    assert {(r["district_code"], r["province_code"], r["funding_source"]) for r in inhil} == {
        (INHIL, "14", "APBD")
    }
    assert stalls[0]["district_code"] == BUNGO

    quarantine = read_csv(out / "quarantine.csv")
    assert [(q["source"], q["row_number"], q["record_id"], q["reason"]) for q in quarantine] == (
        FIRST_QUARANTINE
    )
    assert all(q["detail"] for q in quarantine)

    # Contract v2's files are always there, with their header even when the load has no claim.
    assert (out / "protection_failures.csv").read_text().splitlines() == [",".join(FAILURE_COLUMNS)]
    assert (out / "protection.csv").read_text().splitlines()[0] == ",".join(PROTECTION_COLUMNS)

    summary = json.loads((out / "summary.json").read_text())
    assert summary["as_of"] == "2025-06-30"
    assert summary["protection_failures"] == 0
    assert summary["stalls"]["by_stage"] == {
        "VILLAGE_TRANSFER": 1,
        "PREMIUM_PAYMENT": 3,
        "COVERAGE_ACTIVATION": 2,
    }
    assert summary["stalls"]["by_severity"] == {"CRITICAL": 4, "WARNING": 2}
    assert summary["resolved"] == 0
    assert summary["quarantined"] == {
        "BAD_DATE": 1,
        "BAD_AMOUNT": 1,
        "INVALID_NIK": 1,
        "UNKNOWN_PROGRAM": 1,
        "NOT_A_DESA": 1,
        "DUPLICATE_ID_CONFLICT": 2,
        "INCONSISTENT": 2,
    }
    # Inhil paid for 15 workers but enrolled 3: valid rows that do not add up.
    assert summary["anomalies"] == {"PAID_MORE_THAN_ENROLLED": 1}
    anomalies = read_csv(out / "anomalies.csv")
    assert [
        (a["check"], a["program_id"], a["unit_code"], a["observed"], a["expected"])
        for a in anomalies
    ] == [("PAID_MORE_THAN_ENROLLED", "inhil-apbd-2025", INHIL, "15", "3")]
    programs = {p["program_id"]: p for p in summary["programs"]}
    assert programs["jambi-bkbk-2025"] == {
        "program_id": "jambi-bkbk-2025",
        "funding_source": "BKBK",
        "province_code": "15",
        "allocated": 30 * YEAR,
        "transferred_to_districts": 30 * YEAR,
        "transferred_to_villages": 20 * YEAR,
        "premiums_paid": 10 * YEAR,
        "workers_targeted": 30,
        "workers_paid": 10,
        "workers_active": 8,
        # Contract v2: 8 of the 10 paid for activated and covered, a year each (96 of the 120
        # worker-months paid; the other two are COVERAGE_ACTIVATION's); no claim yet.
        "workers_activated": 8,
        "workers_covered": 8,
        "workers_lapsed": 0,
        "paid_worker_months": 120,
        "covered_worker_months": 96,
        "claims": {"SUBMITTED": 0, "PAID": 0, "REJECTED": 0},
        "benefits_paid": 0,
        "protection_failures": 0,
        "benefit_at_stake": 0,
    }
    assert programs["inhil-apbd-2025"]["transferred_to_districts"] == 0
    assert programs["inhil-apbd-2025"]["workers_active"] == 3
    assert programs["inhu-apbdes-2025"]["allocated"] == 15 * YEAR

    with engine_for(db_url).connect() as conn:
        # The identical copy of PAY1 is loaded once; PAY4's conflicting copies not at all.
        payments = conn.execute(select(source_tables["premium_payments"].c.payment_id)).scalars()
        assert sorted(payments) == ["PAY1", "PAY2"]
        assert conn.execute(select(func.count()).select_from(load_batches)).scalar() == 7


def test_second_load_with_corrections_resolves_and_keeps_history(tmp_path, db_url):
    first, second, out1, out2 = (tmp_path / n for n in ("in1", "in2", "out1", "out2"))
    first_load(first)
    second_load(second)
    assert run(first, "2025-06-30", out1, db_url) == 0

    assert run(second, "2025-07-15", out2, db_url) == 0

    stalls = read_csv(out2 / "stalls.csv")
    assert [
        (
            r["unit_code"],
            r["stage"],
            int(r["days_overdue"]),
            int(r["workers_affected"]),
            r["severity"],
            r["first_flagged"],
            r["status"],
        )
        for r in stalls
    ] == [
        (V1, "COVERAGE_ACTIVATION", 120, 12, "CRITICAL", "2025-06-30", "ONGOING"),
        (INHIL, "COVERAGE_ACTIVATION", 49, 12, "CRITICAL", "2025-06-30", "ONGOING"),
        (INHIL, "PREMIUM_PAYMENT", 45, 5, "CRITICAL", "2025-06-30", "ONGOING"),
        (W3, "PREMIUM_PAYMENT", 16, 5, "WARNING", "2025-06-30", "ONGOING"),
        (W2, "PREMIUM_PAYMENT", 15, 5, "WARNING", "2025-07-15", "NEW"),
        (W1, "PREMIUM_PAYMENT", 10, 5, "WARNING", "2025-07-15", "NEW"),
    ]
    summary = json.loads((out2 / "summary.json").read_text())
    # V2's village transfer (dated 2025-07-05) and V1's corrected payment close two flags.
    assert summary["resolved"] == 2
    assert summary["quarantined"] == {}
    assert read_csv(out2 / "quarantine.csv") == []
    jambi = next(p for p in summary["programs"] if p["program_id"] == "jambi-bkbk-2025")
    assert (jambi["premiums_paid"], jambi["workers_paid"]) == (20 * YEAR, 20)

    with engine_for(db_url).connect() as conn:
        history = history_tables["premium_payments"]
        old = conn.execute(select(history.c.payment_id, history.c.amount)).all()
        assert old == [("PAY1", 10 * YEAR)]


def test_same_input_twice_gives_the_same_files_but_status(tmp_path, db_url):
    folder, out1, out2 = tmp_path / "in", tmp_path / "out1", tmp_path / "out2"
    first_load(folder)
    assert run(folder, "2025-06-30", out1, db_url) == 0
    assert run(folder, "2025-06-30", out2, db_url) == 0

    one, two = read_csv(out1 / "stalls.csv"), read_csv(out2 / "stalls.csv")
    assert [{**r, "status": ""} for r in one] == [{**r, "status": ""} for r in two]
    assert {r["status"] for r in two} == {"ONGOING"}
    assert (out1 / "quarantine.csv").read_bytes() == (out2 / "quarantine.csv").read_bytes()
    summaries = [json.loads((o / "summary.json").read_text()) for o in (out1, out2)]
    assert [{**s, "resolved": 0} for s in summaries][0] == {**summaries[1], "resolved": 0}
    with engine_for(db_url).connect() as conn:
        for table in history_tables.values():
            assert conn.execute(select(func.count()).select_from(table)).scalar() == 0


def test_nothing_stalled_ends_completed_with_empty_stalls(tmp_path, db_url):
    folder, out = tmp_path / "in", tmp_path / "out"
    first_load(folder)
    assert run(folder, "2025-01-01", out, db_url) == 0  # before any decree: nothing started
    assert read_csv(out / "stalls.csv") == []
    assert json.loads((out / "summary.json").read_text())["stalls"]["by_stage"] == {}


def table_counts(db_url: str) -> dict[str, int]:
    with engine_for(db_url).connect() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for name, t in {**source_tables, "load_batches": load_batches}.items()
        }


def test_unreadable_file_exits_2_names_the_file_and_changes_nothing(tmp_path, db_url, capsys):
    good, bad, out = tmp_path / "good", tmp_path / "bad", tmp_path / "out"
    first_load(good)
    assert run(good, "2025-06-30", out, db_url) == 0
    before = table_counts(db_url)
    first_load(bad)
    second_load(bad)  # a correction that must not land either
    (bad / "coverage.csv").write_text("nik,program_id,kpj_no\n1,2,3\n", encoding="utf-8")
    capsys.readouterr()

    assert run(bad, "2025-07-15", tmp_path / "out-bad", db_url) == 2

    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "coverage.csv" in err[0] and "coverage_start" in err[0]
    assert table_counts(db_url) == before
    with engine_for(db_url).connect() as conn:
        amount = conn.execute(
            select(source_tables["premium_payments"].c.amount).where(
                source_tables["premium_payments"].c.payment_id == "PAY1"
            )
        ).scalar_one()
    assert amount == 10 * YEAR


def test_command_line_exit_codes_and_one_line_messages(tmp_path, prefect_server):
    folder = tmp_path / "in"
    first_load(folder)
    (folder / "allocations.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    env = {**os.environ, "PREFECT_API_URL": prefect_server}
    db = f"sqlite:///{tmp_path / 'cli.db'}"

    def rantai(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "rantai.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )

    bad_date = rantai("run", "--input", str(folder), "--as-of", "30/06/2025", "--out", "x")
    assert bad_date.returncode == 2
    assert len(bad_date.stderr.strip().splitlines()) == 1 and "--as-of" in bad_date.stderr

    unreadable = rantai(
        "run",
        "--input",
        str(folder),
        "--as-of",
        "2025-06-30",
        "--out",
        str(tmp_path / "o"),
        "--db",
        db,
    )
    assert unreadable.returncode == 2
    last = unreadable.stderr.strip().splitlines()[-1]
    assert last.startswith("rantai: unreadable input: allocations.csv")


def _parent_of(pid: str) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _alive(pid: int) -> bool:
    """A process that exists and is not a zombie (a zombie has ended; it waits to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _temporary_server_of(pid: int) -> int | None:
    """The child of `pid` that serves Prefect's API, if it has one yet."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _parent_of(entry.name) == pid:
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"prefect.server.api.server:create_app" in cmdline:
                return int(entry.name)
    return None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_run_takes_its_temporary_prefect_server_with_it(tmp_path):
    folder = tmp_path / "in"
    first_load(folder)
    # No server configured: the run starts a temporary one (in a Prefect home of its own).
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    argv = ["run", "--input", str(folder), "--as-of", "2025-06-30", "--out", str(tmp_path / "o")]
    argv += ["--db", f"sqlite:///{tmp_path / 'rantai.db'}"]
    command = subprocess.Popen(
        [sys.executable, "-m", "rantai.cli", *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = None
    try:
        deadline = time.monotonic() + 120
        while server is None and command.poll() is None:
            assert time.monotonic() < deadline, "the run started no temporary server"
            server = _temporary_server_of(command.pid)
            time.sleep(0.1)
        assert server is not None, "the run ended before its server was seen"

        command.kill()  # SIGKILL: no exit handler of the run's runs
        command.wait(timeout=10)

        deadline = time.monotonic() + 15
        while _alive(server) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(server), f"temporary server {server} outlived its killed run"
    finally:
        if command.poll() is None:
            command.kill()
            command.wait(timeout=10)
        if server is not None and _alive(server):
            os.kill(server, signal.SIGKILL)
