"""Parsers for the contract's value formats: amounts, dates, whole numbers and NIKs.

Each format has a scalar parser for one cell and a vectorised one over a pandas Series; both
follow the same rules and the tests hold them to agreeing. The vectorised parsers do their work
with regexes over the distinct texts of a column and numpy arithmetic, because a national load
carries millions of rows; only cells that are not text (an `.xlsx` reader's numbers and dates)
go through the scalar parser one by one.

Missing cells (None, NaN, NaT, empty or blank text) never parse: the scalar parsers return
None and the vectorised ones report `ok == False`. Telling a missing field from a bad one is
the validator's job.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rantai.bounds import AMOUNT_MAX
from rantai.regions import Gazetteer, load_gazetteer

# `[0-9]`, not `\d`: Python's `\d` also matches other scripts' digits (e.g. `١٦٨٠٠`).
# Amounts: plain digits or dot-grouped thousands (`1.234.567`), after an optional `Rp`/`Rp `.
# At most 18 digits, so every amount read fits an int64; `AMOUNT_MAX` then bounds it.
_AMOUNT = re.compile(r"(?:[Rr][Pp] ?)?([1-9][0-9]{0,2}(?:\.[0-9]{3}){1,5}|[0-9]{1,18})")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DMY_DATE = re.compile(r"[0-9]{2}/[0-9]{2}/[0-9]{4}")
# A leading minus is accepted so that a range check, not the format check, reports `-3`.
_INT = re.compile(r"-?[0-9]{1,18}")
_MAX_WHOLE = 10**18

_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)

# Why a NIK is invalid, by the code `_nik_failures` gives it.
NIK_PROBLEMS: dict[int, str] = {
    1: "characters are not 16 digits",
    2: "digits 1-2 are not a province code in the gazetteer",
    3: "digits 7-12 are not a real birth date DDMMYY (DD + 40 for women)",
    4: "digits 13-16 are 0000",
}

BoolArray = npt.NDArray[np.bool_]


# --- scalar parsers ---------------------------------------------------------------------------


def _is_missing(value: object) -> bool:
    """True for None, NaN, NaT, pd.NA and blank text."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def _whole(value: object) -> int | None:
    """An int (or an integral float, as Excel stores numbers) as an int; None for anything else."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isfinite(number) and number.is_integer():
            return int(number)
    return None


def as_text(value: object) -> str | None:
    """A cell as the text it shows: stripped; Excel numbers without `.0`; None when empty."""
    if _is_missing(value):
        return None
    if isinstance(value, str):
        return value.strip()
    whole = _whole(value)
    if whole is not None:
        return str(whole)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip() or None


def parse_amount(value: object) -> int | None:
    """Whole rupiah from 1 to `AMOUNT_MAX` from `16800`, `16.800`, `Rp16.800`, `Rp 16.800` or an
    Excel number."""
    if isinstance(value, str):
        match = _AMOUNT.fullmatch(value.strip())
        if match is None:
            return None
        amount = int(match.group(1).replace(".", ""))
    elif _is_missing(value):
        return None
    else:
        whole = _whole(value)
        if whole is None:
            return None
        amount = whole
    return amount if 0 < amount <= AMOUNT_MAX else None


def parse_date(value: object) -> dt.date | None:
    """A date from `YYYY-MM-DD`, `DD/MM/YYYY` or an Excel date cell; None if not a real date."""
    if _is_missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _ISO_DATE.fullmatch(text):
        year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
    elif _DMY_DATE.fullmatch(text):
        day, month, year = int(text[0:2]), int(text[3:5]), int(text[6:10])
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_int(value: object) -> int | None:
    """A whole number from digits with an optional leading `-`, or an integral Excel number."""
    if isinstance(value, str):
        text = value.strip()
        return int(text) if _INT.fullmatch(text) else None
    if _is_missing(value):
        return None
    whole = _whole(value)
    if whole is None or abs(whole) >= _MAX_WHOLE:
        return None
    return whole


def nik_problem(value: object, gazetteer: Gazetteer | None = None) -> str | None:
    """Why a NIK is invalid (one of `NIK_PROBLEMS`), or None when it is valid."""
    text = as_text(value) or ""
    if len(text) != 16 or not text.isascii() or not text.isdigit():
        return NIK_PROBLEMS[1]
    if text[0:2] not in _provinces(gazetteer or load_gazetteer()):
        return NIK_PROBLEMS[2]
    day, month, yy = int(text[6:8]), int(text[8:10]), int(text[10:12])
    if day > 40:
        day -= 40
    if not any(_date_exists(century + yy, month, day) for century in (1900, 2000)):
        return NIK_PROBLEMS[3]
    if text[12:16] == "0000":
        return NIK_PROBLEMS[4]
    return None


def valid_nik(value: object, gazetteer: Gazetteer | None = None) -> bool:
    """True for a 16-digit NIK with a known province, a real birth date and a serial not 0000."""
    return nik_problem(value, gazetteer) is None


def _date_exists(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


_province_cache: dict[int, tuple[Gazetteer, frozenset[str]]] = {}


def _provinces(gazetteer: Gazetteer) -> frozenset[str]:
    """The gazetteer's province codes (two digits), computed once per gazetteer."""
    cached = _province_cache.get(id(gazetteer))
    # The gazetteer is kept in the entry so its id cannot be reused by another object.
    if cached is None or cached[0] is not gazetteer:
        cached = (gazetteer, frozenset(c for c in gazetteer.names if len(c) == 2))
        _province_cache[id(gazetteer)] = cached
    return cached[1]


# --- vectorised parsers -----------------------------------------------------------------------


def _split(series: pd.Series, strip: bool = True) -> tuple[pd.Series, pd.Series]:
    """Split a column into text (object dtype: str, None where missing or not text; stripped,
    blank as None, unless `strip` is False) and the other, non-missing values (an xlsx reader's
    numbers and dates), both indexed by position."""
    values = series.reset_index(drop=True)
    no_others = pd.Series([], dtype=object)
    if isinstance(values.dtype, pd.StringDtype) and not strip:
        return pd.Series(values.to_numpy(dtype=object, na_value=None), dtype=object), no_others
    cells = values.to_numpy(dtype=object)
    all_text = isinstance(values.dtype, pd.StringDtype) or pd.api.types.infer_dtype(
        cells, skipna=True
    ) in ("string", "empty")
    if all_text and not strip:
        missing = pd.isna(cells)
        if missing.any():
            cells = cells.copy()
            cells[missing] = None
        return pd.Series(cells, dtype=object), no_others
    # Plain loops over str objects: pandas' string methods cost ten times more per cell, and a
    # national file has tens of millions of cells.
    text = np.empty(len(cells), dtype=object)
    if strip:
        text[:] = [(v.strip() or None) if isinstance(v, str) else None for v in cells]
    else:
        text[:] = [v if isinstance(v, str) else None for v in cells]
    if all_text:
        return pd.Series(text, dtype=object), no_others
    is_text = np.fromiter((isinstance(v, str) for v in cells), dtype=bool, count=len(cells))
    rest = values[~is_text]
    others = rest[~rest.map(_is_missing).astype(bool)].astype(object)
    return pd.Series(text, dtype=object), others


def _stripped(text: pd.Series) -> pd.Series:
    text = text.str.strip()
    return text.mask(text == "")


def texts(series: pd.Series) -> pd.Series:
    """Each cell as the text it shows (see `as_text`), string dtype with NA for empty cells."""
    return pd.Series(pd.array(text_cells(series).to_numpy(), dtype="string"), index=series.index)


def text_cells(series: pd.Series) -> pd.Series:
    """`texts` as str objects, None for empty cells: cheaper to work with in bulk."""
    text, others = _split(series)
    cells = text.to_numpy(dtype=object)
    if len(others):
        cells = cells.copy()
        cells[others.index.to_numpy()] = others.map(as_text).to_numpy(dtype=object)
    return pd.Series(cells, index=series.index, dtype=object)


def _by_distinct(
    text: pd.Series, parse: Callable[[pd.Series], tuple[Any, BoolArray]], fill: Any
) -> tuple[np.ndarray, BoolArray]:
    """Parse each distinct text once: a column of a million rows holds a few thousand dates."""
    # Stripping the distinct texts only is much cheaper than stripping every row.
    codes, uniques = pd.factorize(text)
    values, ok = parse(_stripped(pd.Series(uniques, dtype="string")))
    # Code -1 (missing) picks the appended fill.
    values = np.append(np.asarray(values), np.array([fill], dtype=np.asarray(values).dtype))
    return values[codes], np.append(ok, False)[codes]


def _match(text: pd.Series, pattern: re.Pattern[str]) -> BoolArray:
    return text.str.fullmatch(pattern.pattern).fillna(False).to_numpy(dtype=bool)


def _amounts_distinct(text: pd.Series) -> tuple[np.ndarray, BoolArray]:
    ok = _match(text, _AMOUNT)
    values = np.zeros(len(text), dtype=np.int64)
    # Only digits remain once `Rp`, the space and the thousands dots are gone.
    values[ok] = text[ok].str.replace(r"[^0-9]", "", regex=True).astype("int64").to_numpy()
    return values, ok & (values > 0) & (values <= AMOUNT_MAX)


def _ints_distinct(text: pd.Series) -> tuple[np.ndarray, BoolArray]:
    ok = _match(text, _INT)
    values = np.zeros(len(text), dtype=np.int64)
    values[ok] = text[ok].astype("int64").to_numpy()
    return values, ok


def _dates_distinct(text: pd.Series) -> tuple[np.ndarray, BoolArray]:
    iso = _match(text, _ISO_DATE)
    dmy = _match(text, _DMY_DATE)
    as_iso = text.where(
        iso,
        text.str.slice(6, 10) + "-" + text.str.slice(3, 5) + "-" + text.str.slice(0, 2),
    ).where(iso | dmy)
    parsed = pd.to_datetime(as_iso, format="%Y-%m-%d", errors="coerce").astype("datetime64[us]")
    # numpy knows a year 0 that no calendar (nor `datetime.date`) has.
    ok = (parsed.notna() & (parsed.dt.year >= 1)).to_numpy(dtype=bool)
    return parsed.where(ok).to_numpy(), ok


def _cells(others: pd.Series) -> list[tuple[int, Any]]:
    """(position, value) of the cells `_split` set aside."""
    return list(zip(others.index.to_numpy(dtype=np.int64).tolist(), others.tolist(), strict=True))


def _with_others(
    values: np.ndarray,
    ok: BoolArray,
    others: pd.Series,
    parse: Callable[[object], Any],
) -> None:
    """Fill in, in place, the cells that were not text, through the scalar parser."""
    for position, value in _cells(others):
        parsed = parse(value)
        if parsed is not None:
            values[position] = parsed
            ok[position] = True


def amounts(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised `parse_amount`: (Int64 values, bool ok), on the series' index."""
    text, others = _split(series, strip=False)
    values, ok = _by_distinct(text, _amounts_distinct, 0)
    values, ok = values.copy(), ok.copy()
    _with_others(values, ok, others, parse_amount)
    result = pd.array(values, dtype="Int64")
    result[~ok] = pd.NA
    return pd.Series(result, index=series.index), pd.Series(ok, index=series.index)


def ints(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised `parse_int`: (Int64 values, bool ok), on the series' index."""
    text, others = _split(series, strip=False)
    values, ok = _by_distinct(text, _ints_distinct, 0)
    values, ok = values.copy(), ok.copy()
    _with_others(values, ok, others, parse_int)
    result = pd.array(values, dtype="Int64")
    result[~ok] = pd.NA
    return pd.Series(result, index=series.index), pd.Series(ok, index=series.index)


def dates(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised `parse_date`: (datetime64[us] values at midnight, NaT where not ok; bool ok)."""
    text, others = _split(series, strip=False)
    values, ok = _by_distinct(text, _dates_distinct, np.datetime64("NaT", "us"))
    values, ok = values.copy(), ok.copy()
    _with_others(values, ok, others, lambda v: _as_datetime64(parse_date(v)))
    return (
        pd.Series(values, index=series.index, dtype="datetime64[us]"),
        pd.Series(ok, index=series.index),
    )


def _as_datetime64(day: dt.date | None) -> np.datetime64 | None:
    return None if day is None else np.datetime64(day, "us")


def _nik_failures(text: pd.Series, gazetteer: Gazetteer) -> npt.NDArray[np.int8]:
    """Per row, 0 for a valid NIK or the `NIK_PROBLEMS` code of the first rule it breaks.

    Works on the code points of fixed-width unicode arrays rather than with `.str` methods:
    3 million NIKs take a fraction of a second this way. Chunks bound the memory it needs.
    """
    known = np.zeros(100, dtype=bool)
    known[[int(p) for p in _provinces(gazetteer)]] = True
    cells = text.fillna("").to_numpy(dtype=object)
    failures = np.zeros(len(cells), dtype=np.int8)
    for start in range(0, len(cells), _NIK_CHUNK):
        chunk = cells[start : start + _NIK_CHUNK]
        failures[start : start + len(chunk)] = _nik_chunk_failures(chunk, known)
    return failures


_NIK_CHUNK = 500_000


def _nik_chunk_failures(cells: np.ndarray, known: BoolArray) -> npt.NDArray[np.int8]:
    n = len(cells)
    # 17 wide: a 17th character that is not padding means the text is longer than 16.
    chars = np.asarray(cells, dtype="U17").view(np.uint32).reshape(n, 17)
    head = chars[:, :16]
    is_digits = ((head >= 48) & (head <= 57)).all(axis=1) & (chars[:, 16] == 0)

    def number(first: int, last: int) -> npt.NDArray[np.int64]:
        out = np.zeros(n, dtype=np.int64)
        for col in range(first, last + 1):
            # Rows that are not all digits get 0 here; they fail on `is_digits` anyway.
            out = out * 10 + np.where(is_digits, chars[:, col].astype(np.int64) - 48, 0)
        return out

    province_ok = known[number(0, 1)]
    day, month, yy = number(6, 7), number(8, 9), number(10, 11)
    day = np.where(day > 40, day - 40, day)
    month_ok = (month >= 1) & (month <= 12)
    # 20YY is a leap year when YY % 4 == 0 (2000 included); 19YY adds none that 20YY lacks.
    days = _DAYS_IN_MONTH[np.clip(month, 1, 12) - 1] + ((month == 2) & (yy % 4 == 0))
    date_ok = month_ok & (day >= 1) & (day <= days)
    serial_ok = number(12, 15) != 0

    failures = np.zeros(n, dtype=np.int8)
    # Applied from the last rule to the first, so the first rule a NIK breaks is what stays.
    for code, broken in ((4, ~serial_ok), (3, ~date_ok), (2, ~province_ok), (1, ~is_digits)):
        failures[broken] = code
    return failures


def _nik_codes(
    series: pd.Series, gazetteer: Gazetteer | None, stripped: bool = False
) -> npt.NDArray[np.int8]:
    gazetteer = gazetteer or load_gazetteer()
    if stripped:  # str objects already stripped, None where empty (see `text_cells`)
        text, others = series.reset_index(drop=True), pd.Series([], dtype=object)
    else:
        text, others = _split(series)
    failures = _nik_failures(text, gazetteer)
    for position, value in _cells(others):
        problem = nik_problem(value, gazetteer)
        failures[position] = next(
            (code for code, message in NIK_PROBLEMS.items() if message == problem), 0
        )
    return failures


def niks_valid(
    series: pd.Series, gazetteer: Gazetteer | None = None, stripped: bool = False
) -> pd.Series:
    """Vectorised `valid_nik`: a bool series on the series' index. `stripped`: the cells are
    text already as `text_cells` gives it (str objects stripped, None where empty)."""
    return pd.Series(_nik_codes(series, gazetteer, stripped) == 0, index=series.index)


def nik_problems(series: pd.Series, gazetteer: Gazetteer | None = None) -> pd.Series:
    """Vectorised `nik_problem`: the problem text per row, None where the NIK is valid."""
    failures = _nik_codes(series, gazetteer)
    messages = np.array([None, *NIK_PROBLEMS.values()], dtype=object)
    return pd.Series(messages[failures], index=series.index, dtype=object)
