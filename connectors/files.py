"""The folder connector: one CSV (or XLSX) file per contract source, read as raw text rows.

It only reads: values come out as stripped strings (None for empty cells; Excel cells keep
their Python values), headers lower-cased. Validation is `rantai.validate`'s job.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

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


def read_xlsx(path: Path, source: str, strict: bool = True) -> RawSource:
    """Read the first sheet of a contract XLSX file into raw rows (cells keep Excel's types)."""
    data = path.read_bytes()
    try:
        frame = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=object, engine="openpyxl")
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        raise UnreadableInput(f"{path.name}: not a readable XLSX workbook ({error})") from None
    if strict:
        _check_header(path, [str(c) for c in frame.columns], source)
    return RawSource(source, str(path), hashlib.sha256(data).hexdigest(), _clean(frame))


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
