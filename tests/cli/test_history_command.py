"""`rantai history`: a corrected record's versions, and when each flag opened and closed."""

from __future__ import annotations

import pytest

from rantai.cli import main
from tests.chain_folders import V1_WORKERS, YEAR, first_load, second_load

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
