"""`rantai run` on the Kepmendagri 2025 edition: a programme of Papua Selatan (93, made in 2022)
loads and is evaluated with its desa, a desa adat (3xxx) is a desa, and a code that the 2025
edition retired is quarantined as UNKNOWN_REGION saying so."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from rantai.cli import main
from tests.chain_folders import YEAR, nik, write

pytestmark = pytest.mark.usefixtures("prefect_server")

NASEM = "93.01.01.2001"  # a desa of Kabupaten Merauke, Papua Selatan
WASUR = "93.01.01.2008"  # another
NASEM_BEFORE_2022 = "91.01.01.2001"  # Nasem's code in Papua, retired in the 2025 edition
YOBOI = "91.03.01.3007"  # Desa Adat Yoboi, Kabupaten Jayapura, Papua
SELATAN = "papua-selatan-bkbk-2025"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def papua_load(folder: Path) -> None:
    """Two BKBK programmes, as of 2025-06-30: Papua Selatan's over two desa of Merauke, Papua's
    over a desa adat; one enrollment written with Nasem's code from before 2022."""
    write(
        folder,
        "programs",
        ["program_id", "funding_source", "province_code", "fiscal_year", "name"],
        [
            [SELATAN, "BKBK", "93", "2025", "BKBK Provinsi Papua Selatan 2025"],
            ["papua-bkbk-2025", "BKBK", "91", "2025", "BKBK Provinsi Papua 2025"],
        ],
    )
    write(
        folder,
        "allocations",
        [
            "allocation_id",
            "program_id",
            "unit_code",
            "allocated_amount",
            "premium_amount",
            "target_workers",
            "months",
            "decree_date",
        ],
        [
            ["A1", SELATAN, NASEM, 2 * YEAR, 2 * YEAR, 2, 12, "2025-01-15"],
            ["A2", SELATAN, WASUR, YEAR, YEAR, 1, 12, "2025-01-15"],
            ["A3", "papua-bkbk-2025", YOBOI, YEAR, YEAR, 1, 12, "2025-01-15"],
        ],
    )
    write(
        folder,
        "district_transfers",
        ["transfer_id", "program_id", "district_code", "amount", "transfer_date", "sp2d_no"],
        [
            ["DT1", SELATAN, "93.01", 3 * YEAR, "2025-02-10", "1/SP2D/2025"],
            ["DT2", "papua-bkbk-2025", "91.03", YEAR, "2025-02-10", "2/SP2D/2025"],
        ],
    )
    write(
        folder,
        "village_transfers",
        ["transfer_id", "program_id", "village_code", "amount", "transfer_date", "sp2d_no"],
        [
            ["VT1", SELATAN, NASEM, 2 * YEAR, "2025-03-01", "11/SP2D/2025"],
            ["VT2", "papua-bkbk-2025", YOBOI, YEAR, "2025-03-01", "12/SP2D/2025"],
        ],
    )
    write(
        folder,
        "enrollments",
        ["nik", "name", "village_code", "occupation", "program_id", "registered_date"],
        [
            [nik("930101", 1), "Pekerja Satu", NASEM, "petani", SELATAN, "2025-02-01"],
            [nik("930101", 2), "Pekerja Dua", NASEM_BEFORE_2022, "petani", SELATAN, "2025-02-01"],
            [nik("910301", 3), "Pekerja Tiga", YOBOI, "nelayan", "papua-bkbk-2025", "2025-02-01"],
        ],
    )


def test_a_2025_province_a_desa_adat_and_a_retired_code_through_rantai_run(tmp_path, db_url):
    folder, out = tmp_path / "in", tmp_path / "out"
    papua_load(folder)
    argv = ["--input", str(folder), "--as-of", "2025-06-30", "--out", str(out), "--db", db_url]
    assert main(["run", *argv]) == 0

    quarantine = read_csv(out / "quarantine.csv")
    assert [(q["source"], q["reason"], q["detail"]) for q in quarantine] == [
        (
            "enrollments",
            "UNKNOWN_REGION",
            "village_code: expected a Kemendagri region code like 15.08.01.2001, found "
            f"'{NASEM_BEFORE_2022}' (retired in the Kepmendagri 2025 edition; was Nasem, now "
            f"{NASEM})",
        )
    ]
    summary = json.loads((out / "summary.json").read_text())
    programs = {p["program_id"]: p for p in summary["programs"]}
    assert programs[SELATAN]["province_code"] == "93"
    assert programs[SELATAN]["allocated"] == 3 * YEAR
    assert programs[SELATAN]["transferred_to_villages"] == 2 * YEAR
    assert programs["papua-bkbk-2025"]["transferred_to_villages"] == YEAR
    # The desa are the programmes' units: Wasur waits for its transfer, Nasem and the desa adat
    # for their premiums.
    stalls = read_csv(out / "stalls.csv")
    assert sorted((s["unit_code"], s["stage"], s["district_code"]) for s in stalls) == [
        (YOBOI, "PREMIUM_PAYMENT", "91.03"),
        (NASEM, "PREMIUM_PAYMENT", "93.01"),
        (WASUR, "VILLAGE_TRANSFER", "93.01"),
    ]
