"""The folder connector: what it reads, and the unreadable files it refuses with a clear message."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest

from connectors.files import UnreadableInput, read_folder

HEADER = "transfer_id,program_id,district_code,amount,transfer_date,sp2d_no\n"


def test_reads_csv_with_bom_mixed_case_headers_and_blank_cells(tmp_path: Path):
    (tmp_path / "district_transfers.csv").write_bytes(
        ("\ufeff" + HEADER.upper() + " DT1 ,p,15.08,Rp16.800,2025-01-02,\n").encode()
    )
    raw = read_folder(tmp_path)["district_transfers"]
    assert list(raw.rows.columns) == HEADER.strip().split(",")
    assert raw.rows.iloc[0].tolist() == ["DT1", "p", "15.08", "Rp16.800", "2025-01-02", None]
    assert len(raw.checksum) == 64


def test_absent_files_mean_nothing_new(tmp_path: Path):
    assert read_folder(tmp_path) == {}


def test_xlsx_in_place_of_csv_keeps_excel_cells(tmp_path: Path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["DT1", "p", "15.08", 16800, dt.datetime(2025, 1, 2), "0001/SP2D"])
    book.save(tmp_path / "district_transfers.xlsx")
    row = read_folder(tmp_path)["district_transfers"].rows.iloc[0]
    assert row["amount"] == 16800
    assert row["transfer_date"] == dt.datetime(2025, 1, 2)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"transfer_id,program_id\nDT1,p\n", "missing required column(s) district_code, amount"),
        (HEADER.encode("utf-16"), "not UTF-8"),
        (b"", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
        (HEADER.replace("sp2d_no", "amount").encode(), "duplicate column(s) in header: amount"),
        ((HEADER + 'DT1,p,"15.08\n').encode(), "not a valid CSV"),
    ],
)
def test_unreadable_files_name_the_file_and_the_problem(tmp_path: Path, content, message):
    (tmp_path / "district_transfers.csv").write_bytes(content)
    with pytest.raises(UnreadableInput) as raised:
        read_folder(tmp_path)
    assert str(raised.value).startswith("district_transfers.csv: ")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_broken_workbook_is_unreadable(tmp_path: Path):
    (tmp_path / "coverage.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(UnreadableInput, match=r"^coverage.xlsx: not a readable XLSX"):
        read_folder(tmp_path)


def test_xlsx_cells_read_as_pandas_read_them(tmp_path: Path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append([" DT1 ", "p", "15.08", 16800.0, dt.datetime(2025, 1, 2), "#N/A"])
    assert sheet["F2"].data_type == "e"  # an error cell, as Excel caches a failed formula
    book.save(tmp_path / "district_transfers.xlsx")
    row = read_folder(tmp_path)["district_transfers"].rows.iloc[0]
    assert row["transfer_id"] == "DT1"
    assert row["amount"] == 16800 and type(row["amount"]) is int
    assert row["sp2d_no"] is None


def test_a_workbook_without_a_worksheet_or_content_types_is_unreadable(tmp_path: Path):
    with zipfile.ZipFile(tmp_path / "coverage.xlsx", "w") as fake:
        fake.writestr("hello.txt", "not a workbook")
    with pytest.raises(UnreadableInput, match=r"^coverage.xlsx: not a readable XLSX"):
        read_folder(tmp_path)
