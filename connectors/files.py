"""The folder connector: one CSV (or XLSX) file per contract source, read as raw text rows.

It only reads: values come out as stripped strings (None for empty cells; Excel cells keep
their Python values), headers lower-cased. Validation is `rantai.validate`'s job.
"""

from __future__ import annotations

import csv
import hashlib
import io
import warnings
import zipfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from rantai.records import SOURCES
from rantai.validate import STRIPPED


class UnreadableInput(Exception):
    """A source file that cannot be read at all; the run stops and stores nothing."""


@dataclass(frozen=True)
class RawSource:
    """One source's rows as delivered, with where they came from and a checksum of the bytes."""

    source: str
    origin: str
    checksum: str
    rows: pd.DataFrame


def _clean(frame: pd.DataFrame, all_text: bool = False) -> pd.DataFrame:
    """Lower-case the header, strip every text cell and empty blank ones (None).

    `all_text`: every cell is a `str` (a CSV read without NA parsing), which allows the
    faster loop: two C-level passes per column instead of a type check and `isna` per cell.
    """
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    columns = {}
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position].to_numpy(dtype=object)
        text = np.empty(len(values), dtype=object)
        if all_text:
            text[:] = [v.strip() for v in values]
            text[text == ""] = None
        else:
            # Excel cells keep their types (numbers, datetimes); only text is stripped.
            text[:] = [v.strip() if type(v) is str else v for v in values]
            text[pd.isna(text) | (text == "")] = None
        columns[position] = text
    # dtype=object: pandas 3 would infer its str dtype and turn the None of empty cells into NaN.
    cleaned = pd.DataFrame(columns, copy=False, dtype=object)
    cleaned.columns = frame.columns
    cleaned.attrs[STRIPPED] = True  # validation need not strip the cells again
    return cleaned


def _check_header(path: Path, columns: list[str], source: str) -> None:
    names = [str(c).strip().lower() for c in columns]
    duplicated = sorted({n for n in names if names.count(n) > 1 and n})
    if duplicated:
        raise UnreadableInput(
            f"{path.name}: duplicate column(s) in header: {', '.join(duplicated)}"
        )
    missing = [c for c in SOURCES[source].required_columns if c not in names]
    if missing:
        raise UnreadableInput(
            f"{path.name}: missing required column(s) {', '.join(missing)}; "
            f"header has: {', '.join(n for n in names if n) or '(nothing)'}"
        )


def read_csv(path: Path, source: str, strict: bool = True) -> RawSource:
    """Read one contract CSV file (UTF-8, optional BOM) into raw rows.

    `strict=False` skips the header check (the simulator serves what a file holds)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableInput(
            f"{path.name}: not UTF-8 text (byte {error.start}: {data[error.start]:#04x})"
        ) from None
    if "\x00" in text:
        raise UnreadableInput(f"{path.name}: not a CSV file (contains NUL bytes)")
    # The header is in the first lines; a copy of a national file's text would cost a gigabyte.
    reader = csv.reader(io.StringIO(_head(text), newline=""))
    del text
    try:
        header = next(reader)
    except StopIteration:
        raise UnreadableInput(f"{path.name}: empty file, expected a header row") from None
    except csv.Error as error:
        raise UnreadableInput(f"{path.name}: not a CSV file ({error})") from None
    if strict:
        _check_header(path, header, source)
    try:
        frame = pd.read_csv(
            io.BytesIO(data[len(_BOM) :] if data.startswith(_BOM) else data),
            encoding="utf-8",
            dtype=object,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            on_bad_lines="error",
        )
    except (pd.errors.ParserError, ValueError, csv.Error) as error:
        message = str(error).strip().splitlines()[0]
        raise UnreadableInput(f"{path.name}: not a valid CSV file ({message})") from None
    return RawSource(
        source, str(path), hashlib.sha256(data).hexdigest(), _clean(frame, all_text=True)
    )


_BOM = "\ufeff".encode()
_HEAD_CHARS = 1 << 16


def _head(text: str) -> str:
    """The text up to the end of a line past the first 64 KiB: where the header row is."""
    end = text.find("\n", _HEAD_CHARS)
    return text if end < 0 else text[: end + 1]


# A workbook is a zip of XML parts, and a sheet's declared size says nothing of what it holds:
# a 5 KB file with one cell at XFD1048576 declares 17 billion cells, and a few hundred
# kilobytes of zip can unpack to gigabytes. So the sheet is streamed (openpyxl's read-only
# mode), only the rows the XML really holds are kept, and these caps bound the rest.
XLSX_MAX_COLUMNS = 256  # the header's last named column; a contract source has at most ten
XLSX_MAX_ROWS = 1_048_576  # Excel's own last row: a row numbered past it was not written by Excel
# openpyxl reads every part but the worksheets whole, at up to 30 bytes of memory per byte of
# XML (styles) or 8 (shared strings): these caps hold a crafted workbook to about 0.5 GB. A
# real workbook stays far below them but for its shared strings, which a sheet of ~550,000
# rows of distinct names can reach; a bigger delivery is a CSV file.
XLSX_MAX_SHEET_BYTES = 2 << 30  # a worksheet, streamed: this bounds the time, not the memory
XLSX_MAX_STRINGS_BYTES = 48 << 20  # the shared strings (every distinct text of the workbook)
XLSX_MAX_PART_BYTES = 8 << 20  # any other XML part (styles, workbook, relations, properties)
_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_CONTENT_TYPES = "[Content_Types].xml"
_XML_SUFFIXES = (".xml", ".rels")  # what openpyxl parses, besides the parts typed in the manifest


def read_xlsx(path: Path, source: str, strict: bool = True) -> RawSource:
    """Read the first sheet of a contract XLSX file into raw rows, streaming and bounded.

    Row 1 is the header, as a CSV's first line is. Cells keep Excel's types (numbers, dates),
    text is stripped, empty and error cells (`#N/A`) are None. Rows blank in every column are
    skipped, as blank CSV lines are, so row numbers count the same. Cells to the right of the
    header's last named column are ignored: they have no column (notes beside a table). With
    `strict`, only the columns the contract names are kept (validation reads no others).
    A workbook over a cap (`XLSX_MAX_*`) is unreadable: the message names the file and the cap.
    """
    try:
        with warnings.catch_warnings():
            # openpyxl warns of styles and extensions it does not keep; only values matter here.
            warnings.simplefilter("ignore")
            with zipfile.ZipFile(path) as archive:
                _check_parts(path, archive)
            book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
            try:
                rows = _sheet_rows(path, book, source, strict)
            finally:
                book.close()
    except UnreadableInput:
        raise
    except Exception as error:  # zipfile, XML and openpyxl raise many kinds for a broken workbook
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UnreadableInput(f"{path.name}: not a readable XLSX workbook ({reason})") from None
    return RawSource(source, str(path), _file_checksum(path), rows)


def _check_parts(path: Path, archive: zipfile.ZipFile) -> None:
    """Refuse, before unpacking anything, a workbook whose parts unpack past the caps.

    zipfile stops at a part's declared size (and then fails its checksum), so checking the
    declared sizes bounds what is read. A part's cap follows the content type the workbook
    declares for it (that is how openpyxl finds the shared strings), the strictest if several;
    a part neither typed nor XML (a picture) is never unpacked.
    """
    parts = {info.filename: info for info in archive.infolist()}
    manifest = parts.get(_CONTENT_TYPES)
    if manifest is None:
        raise UnreadableInput(f"{path.name}: not a readable XLSX workbook (no {_CONTENT_TYPES})")
    _check_part(path, manifest, XLSX_MAX_PART_BYTES)
    types: dict[str, set[str]] = {}
    for override in ElementTree.fromstring(archive.read(manifest)):
        if name := override.get("PartName", "").lstrip("/"):
            types.setdefault(name, set()).add(override.get("ContentType", ""))
    for name, info in parts.items():
        declared = types.get(name, set())
        if declared == {_WORKSHEET}:
            _check_part(path, info, XLSX_MAX_SHEET_BYTES)
        elif declared == {_STRINGS}:
            _check_part(path, info, XLSX_MAX_STRINGS_BYTES)
        elif declared or name.lower().endswith(_XML_SUFFIXES):
            _check_part(path, info, XLSX_MAX_PART_BYTES)


def _check_part(path: Path, part: zipfile.ZipInfo, cap: int) -> None:
    if part.file_size > cap:
        raise UnreadableInput(
            f"{path.name}: part {part.filename} unpacks to {part.file_size:,} bytes, over the "
            f"{cap:,} read from a workbook; deliver a file this large as CSV"
        )


def _sheet_rows(path: Path, book: Any, source: str, strict: bool) -> pd.DataFrame:
    """The first worksheet's header and non-blank rows, as `_clean` would give them."""
    if not book.worksheets:
        raise UnreadableInput(f"{path.name}: the workbook has no worksheet")
    sheet = book.worksheets[0]
    # The declared dimension (it may say A1:XFD1048576) would pad every row to its width and
    # the sheet to its last row: forget it, and ask only for the columns the header names.
    sheet.reset_dimensions()
    with closing(sheet.iter_rows(min_row=1, max_row=1, min_col=1)) as top:
        first = next(top, ())
    header = [_cell_value(cell) for cell in first]
    while header and header[-1] is None:
        header.pop()
    if len(header) > XLSX_MAX_COLUMNS:
        raise UnreadableInput(
            f"{path.name}: the header row reaches column {get_column_letter(len(header))} "
            f"({len(header):,} columns); at most {XLSX_MAX_COLUMNS} are read"
        )
    # Blank header cells are named as pandas names them in a CSV header.
    names = [f"Unnamed: {i}" if v is None else str(v) for i, v in enumerate(header)]
    if strict:
        _check_header(path, names, source)
    lowered = _unique([n.strip().lower() for n in names])
    wanted = [i for i, n in enumerate(lowered) if not strict or n in SOURCES[source].columns]
    kept: list[list[object]] = [[] for _ in wanted]
    if header:
        row_number, padding = 1, None
        for cells in sheet.iter_rows(min_row=2, min_col=1, max_col=len(header)):
            row_number += 1
            if row_number > XLSX_MAX_ROWS:
                raise UnreadableInput(
                    f"{path.name}: the sheet has rows past row {XLSX_MAX_ROWS:,}, Excel's last row"
                )
            if cells is padding:  # openpyxl fills a gap between rows with one shared tuple
                continue
            values = [_cell_value(cell) for cell in cells]
            if all(value is None for value in values):
                padding = cells
                continue  # a blank row, skipped as pandas skips a blank CSV line
            for column, position in zip(kept, wanted, strict=True):
                column.append(values[position])
    columns = {}
    for number, values in enumerate(kept):
        cells = np.empty(len(values), dtype=object)
        cells[:] = values
        columns[number] = cells
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(kept[0]) if kept else 0), dtype=object)
    frame.columns = [lowered[i] for i in wanted]
    frame.attrs[STRIPPED] = True  # validation need not strip the cells again
    return frame


def _cell_value(cell: Any) -> object:
    """A cell's value as pandas read it: text stripped, integral floats as int, None if empty."""
    value = cell.value
    if value is None:
        return None
    if isinstance(value, str):
        if cell.data_type == "e":  # #N/A, #VALUE! (also a date serial past 9999-12-31)
            return None
        return value.strip() or None
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if value.is_integer():
            return int(value)
    return value


def _unique(names: list[str]) -> list[str]:
    """Column names made unique as pandas makes them (`a`, `a.1`), for the unchecked reader."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}.{count}")
    return out


def _file_checksum(path: Path) -> str:
    """SHA-256 of a file, read in pieces (a workbook need not be held whole)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while piece := handle.read(1 << 20):
            digest.update(piece)
    return digest.hexdigest()


def find_source_file(folder: Path, source: str) -> Path | None:
    """The file for a source in a folder (`.csv` preferred over `.xlsx`; names case-insensitive)."""
    by_name = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    for suffix in (".csv", ".xlsx"):
        if (found := by_name.get(source + suffix)) is not None:
            return found
    return None


def read_folder(folder: Path) -> dict[str, RawSource]:
    """Read every contract file present in a folder; an absent file means nothing new."""
    if not folder.is_dir():
        raise UnreadableInput(f"{folder}: input folder does not exist")
    found: dict[str, RawSource] = {}
    for source in SOURCES:
        path = find_source_file(folder, source)
        if path is None:
            continue
        reader = read_xlsx if path.suffix.lower() == ".xlsx" else read_csv
        found[source] = reader(path, source)
    return found
