"""Hostile workbooks: a few kilobytes that declare a sheet of 17 billion cells, stray cells far
below or beside the table, blank rows, decompression bombs. Each is read in bounded memory and
gives the rows it really holds, or a one-line message naming the file; never a flood of rows,
a traceback or an exhausted machine. The bombs are made here: no binary fixture is committed."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

import openpyxl
import pandas as pd
import pytest

from connectors.files import (
    XLSX_MAX_COLUMNS,
    XLSX_MAX_PART_BYTES,
    XLSX_MAX_STRINGS_BYTES,
    UnreadableInput,
    read_folder,
    read_xlsx,
)
from rantai.cli import main
from rantai.ingest import validate_load
from rantai.records import SOURCES
from rantai.regions import load_gazetteer
from tests.chain_folders import first_load

GAZETTEER = load_gazetteer()
STORED_PROGRAMS = pd.DataFrame(
    {"program_id": ["p"], "funding_source": ["BKBK"], "province_code": ["15"]}
)
TRANSFERS = SOURCES["district_transfers"].columns
ROW = ["DT1", "p", "15.08", 16800, dt.datetime(2025, 1, 2), "0001/SP2D"]

# Runs `rantai` in a grandchild and prints its peak resident memory: RUSAGE_CHILDREN of this
# fresh wrapper holds only that run, not whatever else the test session started. The address
# space is capped at 4 GiB so that a regression fails here instead of exhausting the machine.
MEASURED = """
import resource, subprocess, sys
cap = 4 << 30
limit = lambda: resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, preexec_fn=limit)
sys.stderr.write(done.stderr)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def workbook(path: Path, rows: list[list[object]], **cells: object) -> Path:
    """An .xlsx written by openpyxl: a header row, then rows, then single cells by coordinate."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for coordinate, value in cells.items():
        sheet[coordinate] = value
    book.save(path)
    return path


def with_parts(path: Path, parts: dict[str, Callable[[IO[bytes]], object]]) -> None:
    """Replace (or add) parts of a workbook's zip, each written in pieces by its function."""
    original = path.with_suffix(".orig")
    path.rename(original)
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            if info.filename not in parts:
                target.writestr(info, source.read(info), compress_type=zipfile.ZIP_DEFLATED)
        for name, write in parts.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with target.open(info, "w", force_zip64=True) as part:
                write(part)
    original.unlink()


def with_sheet(path: Path, change: Callable[[bytes], bytes]) -> None:
    """Rewrite the XML of a workbook's (first and only) worksheet."""
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as book:
        xml = change(book.read(sheet))
    with_parts(path, {sheet: lambda part: part.write(xml)})


def read_then_validate(folder: Path, source: str = "district_transfers"):  # type: ignore[no-untyped-def]
    raw = read_folder(folder)[source].rows
    return raw, validate_load({source: raw}, STORED_PROGRAMS, GAZETTEER)[source]


def rantai_measured(server: str, folder: Path, out: Path, db: str) -> tuple[int, int, list[str]]:
    """(exit status, peak resident kilobytes, stderr lines) of `rantai run` in a child."""
    env = {**os.environ, "PREFECT_API_URL": server}
    argv = ["run", "--input", str(folder), "--as-of", "2025-06-30", "--out", str(out), "--db", db]
    done = subprocess.run(
        [sys.executable, "-c", MEASURED, sys.executable, "-m", "rantai.cli", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    status, peak = (int(n) for n in done.stdout.split()[-2:])
    return status, peak, done.stderr.strip().splitlines()


def as_xlsx(folder: Path, source: str, extra: Callable[[openpyxl.Workbook], None]) -> None:
    """Turn a folder's CSV for a source into an .xlsx of the same text cells, then `extra`."""
    path = folder / f"{source}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append([cell or None for cell in row])
    extra(book)
    book.save(folder / f"{source}.xlsx")
    path.unlink()


# --- the sheet of 17 billion cells ------------------------------------------------------------


@pytest.mark.usefixtures("prefect_server")
def test_a_cell_at_xfd1048576_is_read_in_bounded_memory_and_ignored(tmp_path, prefect_server):
    folder = tmp_path / "in"
    first_load(folder)
    as_xlsx(folder, "premium_payments", lambda book: book.active.cell(1_048_576, 16_384, 1))
    assert (folder / "premium_payments.xlsx").stat().st_size < 8_000
    same = tmp_path / "same"
    first_load(same)

    status, peak_kb, err = rantai_measured(
        prefect_server, folder, tmp_path / "out", f"sqlite:///{tmp_path / 'x.db'}"
    )

    assert not any("Traceback" in line for line in err), err
    assert status == 0, err
    assert peak_kb < 500 * 1024, f"peak resident memory {peak_kb // 1024} MB"
    # The cell is beyond the table's columns, so it is ignored: the results are the CSV's.
    assert (
        main(
            ["run", "--input", str(same), "--as-of", "2025-06-30", "--out", str(tmp_path / "o2")]
            + ["--db", f"sqlite:///{tmp_path / 'y.db'}"]
        )
        == 0
    )
    for name in ("quarantine.csv", "stalls.csv"):
        assert (tmp_path / "out" / name).read_text() == (tmp_path / "o2" / name).read_text()


def test_a_cell_at_xfd1048576_gives_only_the_real_rows(tmp_path: Path):
    workbook(tmp_path / "district_transfers.xlsx", [TRANSFERS, ROW], XFD1048576=1)
    raw, result = read_then_validate(tmp_path)
    assert list(raw.columns) == TRANSFERS
    assert len(raw) == 1 and result.quarantine.empty


def test_a_stray_cell_at_a1048576_is_one_row_not_a_million(tmp_path: Path):
    workbook(tmp_path / "district_transfers.xlsx", [TRANSFERS, ROW], A1048576="stray")
    raw, result = read_then_validate(tmp_path)
    assert len(raw) == 2
    assert result.quarantine[["row_number", "record_id", "reason"]].values.tolist() == [
        [2, "stray", "MISSING_FIELD"]
    ]


def test_a_declared_dimension_of_the_whole_sheet_drives_no_work(tmp_path: Path):
    path = workbook(tmp_path / "district_transfers.xlsx", [TRANSFERS, ROW])
    whole = b'<dimension ref="A1:XFD1048576"/>'
    with_sheet(path, lambda xml: xml.replace(b'<dimension ref="A1:F2"/>', whole))
    with zipfile.ZipFile(path) as book:
        assert whole in book.read("xl/worksheets/sheet1.xml")
    raw, result = read_then_validate(tmp_path)
    assert len(raw) == 1 and result.quarantine.empty


# --- caps: one line naming the file and the problem, nothing read -----------------------------


def test_a_header_wider_than_the_cap_is_unreadable(tmp_path: Path):
    workbook(tmp_path / "district_transfers.xlsx", [TRANSFERS, ROW], XFD1="note")
    with pytest.raises(UnreadableInput) as raised:
        read_folder(tmp_path)
    message = str(raised.value)
    assert message.startswith("district_transfers.xlsx: ") and "\n" not in message
    assert "XFD" in message and str(XLSX_MAX_COLUMNS) in message


def test_a_row_numbered_past_excels_last_row_is_unreadable(tmp_path: Path):
    path = workbook(tmp_path / "district_transfers.xlsx", [TRANSFERS, ROW])
    far = b'<row r="2000000000"><c r="A2000000000"><v>1</v></c></row></sheetData>'
    with_sheet(path, lambda xml: xml.replace(b"</sheetData>", far))
    with pytest.raises(UnreadableInput, match=r"^district_transfers.xlsx: .*1,048,576"):
        read_folder(tmp_path)


SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


@pytest.mark.parametrize(
    ("part", "cap", "root", "item"),
    [
        ("xl/sharedStrings.xml", XLSX_MAX_STRINGS_BYTES, "sst", b"<si><t>x</t></si>"),
        ("xl/styles.xml", XLSX_MAX_PART_BYTES, "styleSheet", b'<numFmt numFmtId="1"/>'),
    ],
)
def test_a_decompression_bomb_in_a_part_read_whole_is_refused_unread(
    tmp_path: Path, part: str, cap: int, root: str, item: bytes
):
    path = workbook(tmp_path / "district_transfers.xlsx", [TRANSFERS, ROW])
    with zipfile.ZipFile(path) as book:
        types = book.read("[Content_Types].xml")
    if b"/xl/sharedStrings.xml" not in types:  # openpyxl wrote its text inline
        override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS}"/>'
        types = types.replace(b"</Types>", override.encode() + b"</Types>")
    items = item * 65_536

    def bomb(out: IO[bytes]) -> None:
        out.write(f"<{root} {MAIN}>".encode())
        for _ in range(cap // len(items) + 1):
            out.write(items)
        out.write(f"</{root}>".encode())

    with_parts(path, {"[Content_Types].xml": lambda out: out.write(types), part: bomb})
    assert path.stat().st_size < cap // 100
    with pytest.raises(UnreadableInput) as raised:
        read_folder(tmp_path)
    message = str(raised.value)
    assert message.startswith("district_transfers.xlsx: ") and "\n" not in message
    assert f"part {part} unpacks to" in message and "as CSV" in message


# --- blank rows and dates ---------------------------------------------------------------------


def blank_rows(book: openpyxl.Workbook) -> None:
    """Blank rows before the third data row and after the last: empty, styled, whitespace."""
    sheet = book.active
    sheet.insert_rows(4, 3)
    sheet["B5"].number_format = "@"  # a formatted but empty cell
    sheet["C6"] = "   "
    last = sheet.max_row
    sheet.cell(last + 2, 1, " ")


@pytest.mark.usefixtures("prefect_server")
def test_blank_rows_are_skipped_as_blank_csv_lines_are(tmp_path: Path):
    as_csv, as_book = tmp_path / "csv", tmp_path / "xlsx"
    first_load(as_csv)
    first_load(as_book)
    text = (as_csv / "village_transfers.csv").read_text(encoding="utf-8").splitlines()
    text[3:3] = ["", "  ", ""]
    (as_csv / "village_transfers.csv").write_text("\n".join(text + ["", " "]) + "\n")
    as_xlsx(as_book, "village_transfers", blank_rows)

    for folder in (as_csv, as_book):
        argv = ["run", "--input", str(folder), "--as-of", "2025-06-30"]
        argv += ["--out", str(folder / "out"), "--db", f"sqlite:///{folder / 'r.db'}"]
        assert main(argv) == 0

    quarantine = (as_book / "out" / "quarantine.csv").read_text()
    assert quarantine == (as_csv / "out" / "quarantine.csv").read_text()
    assert "MISSING_FIELD" not in quarantine
    villages = [
        r for r in csv.DictReader(quarantine.splitlines()) if r["source"] == "village_transfers"
    ]
    assert [(r["row_number"], r["record_id"]) for r in villages] == [("3", "VT3"), ("4", "VT4")]


def test_excel_date_cells_are_dates_even_at_9999_12_31_and_past_excels_last_day(tmp_path: Path):
    header = SOURCES["coverage"].columns
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    nik = "1508014101900001"
    sheet.append([nik, "p", None, dt.datetime(2025, 1, 1), dt.datetime(9999, 12, 31), "AKTIF"])
    sheet.append([nik, "p", None, dt.datetime(2025, 2, 1), 2958466, "AKTIF"])
    sheet["E3"].number_format = "yyyy-mm-dd"  # a date cell one day past 9999-12-31
    book.save(tmp_path / "coverage.xlsx")

    raw, result = read_then_validate(tmp_path, "coverage")
    assert raw.loc[0, "coverage_end"] == dt.datetime(9999, 12, 31)
    assert raw.loc[0, "coverage_start"] == dt.datetime(2025, 1, 1)
    assert pd.isna(raw.loc[1, "coverage_end"])  # Excel shows #VALUE!; pandas read it as empty
    assert len(result.valid) + len(result.quarantine) == 2


def test_cells_beside_the_table_are_ignored_and_unnamed_columns_served_as_named(tmp_path):
    header = [*TRANSFERS[:3], None, *TRANSFERS[3:]]
    row = [*ROW[:3], "no column of the contract", *ROW[3:], "a note beside the table"]
    path = workbook(tmp_path / "district_transfers.xlsx", [header, row])
    raw = read_folder(tmp_path)["district_transfers"].rows
    assert list(raw.columns) == TRANSFERS
    assert raw.iloc[0].tolist() == ROW
    served = read_xlsx(path, "district_transfers", strict=False).rows  # as the simulator does
    assert list(served.columns) == [*TRANSFERS[:3], "unnamed: 3", *TRANSFERS[3:]]
    assert served.iloc[0].tolist() == [*ROW[:3], "no column of the contract", *ROW[3:]]


def test_a_workbook_in_place_of_a_csv_reads_the_same_rows(tmp_path: Path):
    as_csv, as_book = tmp_path / "csv", tmp_path / "xlsx"
    first_load(as_csv)
    first_load(as_book)
    for source in SOURCES:
        if (as_book / f"{source}.csv").exists():
            as_xlsx(as_book, source, lambda book: None)
    text, books = read_folder(as_csv), read_folder(as_book)
    assert text.keys() == books.keys()
    for source in text:
        pd.testing.assert_frame_equal(text[source].rows, books[source].rows)
