"""Reading a contract file's columns: each parsed by its kind, region codes looked up once per
distinct cell, and each row's programme found among the known ones."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from rantai import parsing
from rantai.bounds import DATE_MAX, DATE_MIN, OPEN_END
from rantai.records import Kind, Spec
from rantai.regions import Gazetteer, desa_codes, normalise_codes
from rantai.validate.verdicts import BoolArray, ObjectArray

# Levels by the length of a dotted code (`15`, `15.08`, `15.08.01`, `15.08.01.2001`).
PROVINCE, DISTRICT, SUBDISTRICT, VILLAGE = 1, 2, 3, 4
_LEVEL_BY_LENGTH = {2: PROVINCE, 5: DISTRICT, 8: SUBDISTRICT, 13: VILLAGE}


@dataclass
class Codes:
    """What the gazetteer says of each row's region code."""

    known: BoolArray
    level: npt.NDArray[np.int8]  # 0 where unknown
    desa: BoolArray
    province: ObjectArray  # None where unknown


@dataclass
class Field:
    """One contract column of the file: as written, parsed, and whether it parsed."""

    name: str
    spec: Spec
    written: pd.Series  # stripped text as written (str objects), None when empty
    missing: BoolArray
    value: pd.Series  # parsed and typed; None, NA or NaT where empty or not parsed
    ok: BoolArray  # parsed and within the spec (choices: in the list; codes: in the gazetteer)
    codes: Codes | None = None  # CODE fields only


def read_field(
    name: str,
    spec: Spec,
    column: pd.Series | None,
    n: int,
    gazetteer: Gazetteer,
    stripped: bool = False,
) -> Field:
    """Parse one column by its kind; an absent (optional) column reads as all empty."""
    if column is None:
        column = pd.Series([None] * n, dtype=object)
    column = column.reset_index(drop=True)
    all_text = _all_text(column)
    if stripped and all_text and column.dtype == object:
        # The connector stripped every cell and emptied blank ones: that is what was written.
        written = column
    else:
        written = parsing.text_cells(column)
    missing = written.isna().to_numpy(dtype=bool)
    if all_text:
        # Text parses the same from what was written (stripped, blanks empty), which is text
        # already; only an xlsx reader's numbers and dates need the cell itself.
        column = written
    kind = spec.kind
    codes: Codes | None = None
    value: pd.Series
    ok: pd.Series | BoolArray
    if kind is Kind.AMOUNT:
        value, ok = parsing.amounts(column)
    elif kind is Kind.INT:
        value, ok = parsing.ints(column)
        if spec.minimum is not None:
            ok &= (value >= spec.minimum).fillna(False)
        if spec.maximum is not None:
            ok &= (value <= spec.maximum).fillna(False)
    elif kind is Kind.DATE:
        value, ok = parsing.dates(column)
        value, ok = _within_date_bounds(value, ok, spec)
    elif kind is Kind.NIK:
        # `written` is text as `text_cells` gives it: str objects, None where empty.
        ok = parsing.niks_valid(written, gazetteer, stripped=True)
        value = written
    elif kind is Kind.CODE:
        value, codes = _codes_of(written, gazetteer)
        ok = codes.known
    elif kind is Kind.CHOICE:
        upper = pd.Series([None if v is None else v.upper() for v in written], dtype=object)
        ok = upper.isin([str(c) for c in spec.choices]).to_numpy(dtype=bool)
        value = upper
    else:
        ok = ~missing
        value = written
    if not spec.required and kind in (Kind.AMOUNT, Kind.INT):
        value = value.astype("Int64")
    return Field(name, spec, written, missing, value, np.asarray(ok, dtype=bool), codes)


def _within_date_bounds(value: pd.Series, ok: pd.Series, spec: Spec) -> tuple[pd.Series, pd.Series]:
    """Dates outside DATE_MIN..DATE_MAX do not parse, except that an open-ended field's date
    past DATE_MAX is kept as OPEN_END (the one place that rule is applied)."""
    late = (value > pd.Timestamp(DATE_MAX)).to_numpy(dtype=bool)
    if spec.open_ended and late.any():
        value = value.mask(late, pd.Timestamp(OPEN_END))
    inside = ((value >= pd.Timestamp(DATE_MIN)) & (value <= pd.Timestamp(DATE_MAX))).to_numpy(
        dtype=bool
    )
    return value, ok & inside


def _all_text(column: pd.Series) -> bool:
    """True when every cell is text or missing (a CSV column; an xlsx one may hold numbers)."""
    return isinstance(column.dtype, pd.StringDtype) or (
        column.dtype == object
        and pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty")
    )


def objects(text: pd.Series) -> pd.Series:
    """Python str objects, None where empty."""
    return text.astype("object").where(text.notna(), None).reset_index(drop=True)


def per_row(positions: npt.NDArray[np.intp], values: np.ndarray, fill: object) -> np.ndarray:
    """Spread values worked out per distinct cell back to the rows; position -1 gets `fill`."""
    return np.append(values, np.array([fill], dtype=values.dtype))[positions]


def _codes_of(written: pd.Series, gazetteer: Gazetteer) -> tuple[pd.Series, Codes]:
    """Dotted codes (None unless in the gazetteer) and what the gazetteer says of them.

    Worked out once per distinct cell: a million enrollments name a few thousand villages.
    """
    positions, distinct = pd.factorize(written)
    dotted = normalise_codes(pd.Series(distinct, dtype="string"))
    known = dotted.isin(gazetteer.names.keys()).to_numpy(dtype=bool)
    text = dotted.where(known, "").astype(str)
    lengths = text.str.len()
    level = lengths.map(_LEVEL_BY_LENGTH).fillna(0).to_numpy(dtype=np.int8)
    desa = desa_codes(text).to_numpy(dtype=bool)
    province = text.str.slice(0, 2).where(known, None).to_numpy(dtype=object)
    value = per_row(positions, dotted.where(known, None).to_numpy(dtype=object), None)
    codes = Codes(
        known=per_row(positions, known, False),
        level=per_row(positions, level, 0),
        desa=per_row(positions, desa, False),
        province=per_row(positions, province, None),
    )
    return pd.Series(value, dtype="object"), codes


def programme_of(
    program_ids: pd.Series, programs: pd.DataFrame | None
) -> tuple[BoolArray, ObjectArray, ObjectArray]:
    """Per row: whether its programme is known, and that programme's funding and province."""
    table = _programme_table(programs)
    positions, distinct = pd.factorize(program_ids)
    found = table.index.get_indexer(pd.Index(np.asarray(distinct, dtype=object)))
    # -1 (an unknown programme, or an empty cell) picks the None appended to each column.
    found = per_row(positions, found, -1)
    funding = np.append(table["funding_source"].to_numpy(dtype=object), [None])[found]
    province = np.append(table["province_code"].to_numpy(dtype=object), [None])[found]
    return found >= 0, funding, province


def _programme_table(programs: pd.DataFrame | None) -> pd.DataFrame:
    """The known programmes by id, with upper-case funding and dotted province codes."""
    if programs is None or programs.empty or "program_id" not in programs.columns:
        empty = pd.Index([], dtype=object, name="program_id")
        return pd.DataFrame({"funding_source": [], "province_code": []}, index=empty, dtype=object)
    table = pd.DataFrame(
        {
            "program_id": objects(parsing.texts(programs["program_id"])),
            "funding_source": objects(parsing.texts(programs["funding_source"]).str.upper()),
            "province_code": normalise_codes(programs["province_code"]).reset_index(drop=True),
        },
        dtype="object",
    )
    table = table[table["program_id"].notna()]
    # Should an id come twice, the first wins: `rantai.ingest` lists this load's programmes
    # before the stored ones.
    return table.drop_duplicates("program_id", keep="first").set_index("program_id")
