"""Formula injection: text a source delivers (a programme's id or name, a record's key, a bad
value) reaches stalls.csv, quarantine.csv, anomalies.csv and report.xlsx as text a spreadsheet
shows, never as a formula it runs (OWASP's CSV injection payloads, planted through `rantai run`
and `rantai report`)."""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from rantai.cli import main
from rantai.records import SOURCES
from tests.chain_folders import CLAIM_HEADER, PAYMENT_HEADER, V1, YEAR, nik, write

pytestmark = pytest.mark.usefixtures("prefect_server")

AS_OF = "2025-06-30"

# OWASP's starters (=, +, -, @, tab, carriage return) and payloads, a line feed, the full-width
# forms some spreadsheets also take for a formula, and a formula after a `;` (the list separator
# of an Indonesian Excel, which splits a line there whatever the CSV's quotes say).
PAYLOADS = [
    '=HYPERLINK("http://evil.example/","x")',
    "-2+3*cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+2+5+cmd|' /C calc'!A0",
    "=1+1",
    "\t=2+2",
    "\r=3+3",
    "\n=4+4",
    "-1",
    "\uff1dSUM(5)",
    'ok;=HYPERLINK("http://evil.example/","y")',
    ' "=6+6',
]
CLAIMANT = nik("150801", 7)
FORMULA_STARTS = "=+-@\t\r\n\uff1d\uff0b\uff0d\uff20"


def runs_as_formula(cell: str) -> bool:
    """Whether a spreadsheet may take the cell, or a `;`-separated part of it, for a formula:
    it starts (after blanks or a quote) with a formula character."""
    firsts = (part.lstrip(' "\u00a0\u3000')[:1] for part in cell.split(";"))
    return any(first and first in FORMULA_STARTS for first in firsts)


def hostile_folder(folder: Path) -> None:
    """A programme per payload (its id and name the payload), each stalled and with an
    anomaly, and bad rows whose key or value is a payload."""
    write(
        folder,
        "programs",
        ["program_id", "funding_source", "province_code", "fiscal_year", "name"],
        [[p, "BKBK", "15", "2025", p] for p in PAYLOADS]
        + [["jambi-bkbk-2025", "BKBK", "15", "2025", "BKBK Jambi"]]
        # A name a worksheet cannot hold as it is (a control character), and one openpyxl
        # would write as an error value.
        + [
            ["bell-2025", "BKBK", "15", "2025", "Dana\x07Desa"],
            ["na-2025", "BKBK", "15", "2025", "#N/A"],
        ],
    )
    write(
        folder,
        "allocations",
        SOURCES["allocations"].columns,
        [[f"A{i}", p, V1, YEAR, YEAR, 1, 12, "2025-01-15"] for i, p in enumerate(PAYLOADS)]
        + [["A-J", "jambi-bkbk-2025", V1, YEAR, YEAR, 1, 12, "2025-01-15"]],
    )
    write(
        folder,
        "premium_payments",
        PAYMENT_HEADER,
        # Paid by a village that received no transfer: a PAYMENT_WITHOUT_TRANSFER anomaly.
        [[f"PAY{i}", p, V1, "2025-03-10", YEAR, 1, 12, p] for i, p in enumerate(PAYLOADS)]
        # A payload as the key of a bad row (quarantine's record_id), and as the bad value.
        + [[p, "jambi-bkbk-2025", V1, "2025-03-10", "x", 1, 12, "r"] for p in PAYLOADS]
        + [[f"BAD{i}", "jambi-bkbk-2025", V1, p, YEAR, 1, 12, "r"] for i, p in enumerate(PAYLOADS)],
    )
    # Contract v2: claims of an enrolled worker, each keyed by a payload, filed within their
    # SLA (the claims the Monev report lists); a PAID claim without its paid_date is
    # quarantined with the payload as its record_id.
    write(
        folder,
        "enrollments",
        SOURCES["enrollments"].columns,
        [[CLAIMANT, "Pekerja", V1, "petani", "jambi-bkbk-2025", "2025-02-01"]],
    )
    claim = [CLAIMANT, "jambi-bkbk-2025", "JKM", "2025-06-20", "2025-06-25"]
    write(
        folder,
        "claims",
        CLAIM_HEADER,
        [[p, *claim, "SUBMITTED", "", "", p] for p in PAYLOADS]
        + [[f"Q{p}", *claim, "PAID", "1000", "", ""] for p in PAYLOADS[:1]]
        + [[p + "-x", *claim, "PAID", "1000", "", ""] for p in PAYLOADS[1:2]],
    )


def csv_cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("injection")
    hostile_folder(root / "in")
    db = f"sqlite:///{root / 'rantai.db'}"
    run = ["run", "--input", str(root / "in"), "--as-of", AS_OF, "--out", str(root / "out")]
    assert main([*run, "--db", db]) == 0
    report = ["report", "--db", db, "--as-of", AS_OF, "--out", str(root / "report")]
    assert main(report) == 0
    return root


@pytest.mark.parametrize("name", ["stalls.csv", "quarantine.csv", "anomalies.csv"])
def test_no_text_cell_of_the_csv_outputs_runs_as_a_formula(hostile_run, name):
    cells = csv_cells(hostile_run / "out" / name)
    # The payloads did arrive (as text with a leading ').
    assert any(cell.startswith("'=HYPERLINK(") for cell in cells), name
    assert [cell for cell in cells if runs_as_formula(cell)] == []


def test_the_owasp_payloads_arrive_whole_behind_one_quote(hostile_run):
    stalls = csv_cells(hostile_run / "out" / "stalls.csv")
    quarantine = csv_cells(hostile_run / "out" / "quarantine.csv")
    for cells in (stalls, quarantine):
        assert "'-2+3*cmd|' /C calc'!A0" in cells
        assert "'@SUM(1+1)*cmd|' /C calc'!A0" in cells
        assert 'ok;\'=HYPERLINK("http://evil.example/","y")' in cells
    assert "jambi-bkbk-2025" in stalls  # ordinary text is left as it is


def test_a_claim_keyed_by_a_payload_is_quarantined_as_text(hostile_run):
    with (hostile_run / "out" / "quarantine.csv").open(encoding="utf-8", newline="") as handle:
        claims = [r["record_id"] for r in csv.DictReader(handle) if r["source"] == "claims"]
    assert sorted(claims) == [
        "'-2+3*cmd|' /C calc'!A0-x",
        'Q=HYPERLINK("http://evil.example/","x")',
    ]


def test_report_xlsx_holds_no_formula_and_no_text_that_runs_as_one(hostile_run):
    path = hostile_run / "report" / "report.xlsx"
    book = load_workbook(path)
    formulas, unsafe, texts = [], [], []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type in ("f", "e"):
                    formulas.append((sheet.title, cell.coordinate, cell.value))
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    if runs_as_formula(cell.value):
                        unsafe.append((sheet.title, cell.coordinate, cell.value))
    assert formulas == []
    assert unsafe == []
    assert '\'=HYPERLINK("http://evil.example/","x")' in texts
    assert {"#N/A", "Dana\ufffdDesa"} <= set(texts)
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        for member in sheets:
            assert not re.search(rb"<(?:\w+:)?f[\s>/]", archive.read(member)), member
