"""Validate one contract file: split its rows into typed records and quarantined rows.

Every rule is a boolean mask over the whole file. Masks are applied in the contract's order of
precedence (CONTRACT.md, "Bad input"), and a row keeps the first reason that catches it, so a
row has exactly one reason however many rules it breaks. The columns, their kinds, which are
optional and their ranges all come from the record models in `rantai.records`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from rantai import parsing
from rantai.bounds import AMOUNT_MAX, DATE_MAX, DATE_MIN, OPEN_END
from rantai.records import SOURCES, FundingSource, Kind, Reason, Source, Spec
from rantai.regions import Gazetteer, normalise_codes

QUARANTINE_COLUMNS = ["source", "row_number", "record_id", "reason", "detail"]
# A raw frame's `attrs` flag: every text cell is stripped and blank cells are None already (the
# folder connector's frames), so validation need not strip millions of cells again.
STRIPPED = "rantai.stripped"

BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]
Detail = Callable[[BoolArray], "pd.Series | str"]

_REASONS = list(Reason)
_OPEN = -1

# Levels by the length of a dotted code (`15`, `15.08`, `15.08.01`, `15.08.01.2001`).
_PROVINCE, _DISTRICT, _SUBDISTRICT, _VILLAGE = 1, 2, 3, 4
_LEVEL_BY_LENGTH = {2: _PROVINCE, 5: _DISTRICT, 8: _SUBDISTRICT, 13: _VILLAGE}
_LEVEL_NAMES = np.array(
    ["not a region", "a province", "a district", "a subdistrict", "a village"], dtype=object
)

# The code column whose kind of unit each source's rules are about (CONTRACT.md, per file).
_UNIT_COLUMN = {
    "programs": "province_code",
    "allocations": "unit_code",
    "district_transfers": "district_code",
    "village_transfers": "village_code",
    "enrollments": "village_code",
    "premium_payments": "payer_code",
}
# Programmes whose cases are villages: their units must be desa, never kelurahan.
_DESA_FUNDING = [FundingSource.BKBK.value, FundingSource.APBDES.value]
_BKBK_ONLY = {"district_transfers": "district transfers", "village_transfers": "village transfers"}

_EXPECTED = {
    Kind.DATE: f"a date YYYY-MM-DD or DD/MM/YYYY from {DATE_MIN} to {DATE_MAX}",
    Kind.AMOUNT: f"whole rupiah from 1 to {AMOUNT_MAX:,} like 16800 or Rp16.800".replace(",", "."),
}
_FORMAT_REASON = {
    Kind.DATE: Reason.BAD_DATE,
    Kind.AMOUNT: Reason.BAD_AMOUNT,
    Kind.INT: Reason.BAD_INT,
    Kind.NIK: Reason.INVALID_NIK,
}


@dataclass(frozen=True)
class Validated:
    """A validated file: typed records to load, and the rows it refused with their reasons."""

    valid: pd.DataFrame
    quarantine: pd.DataFrame


def check_header(source_name: str, columns: Iterable[object]) -> list[str]:
    """The required columns of a source that a header lacks (names compared case-insensitively)."""
    present = {str(c).strip().lower() for c in columns}
    return [c for c in SOURCES[source_name].required_columns if c not in present]


@dataclass
class _Codes:
    """What the gazetteer says of each row's region code."""

    known: BoolArray
    level: npt.NDArray[np.int8]  # 0 where unknown
    desa: BoolArray
    province: ObjectArray  # None where unknown


@dataclass
class _Field:
    """One contract column of the file: as written, parsed, and whether it parsed."""

    name: str
    spec: Spec
    written: pd.Series  # stripped text as written (str objects), None when empty
    missing: BoolArray
    value: pd.Series  # parsed and typed; None, NA or NaT where empty or not parsed
    ok: BoolArray  # parsed and within the spec (choices: in the list; codes: in the gazetteer)
    codes: _Codes | None = None  # CODE fields only


class _Verdicts:
    """Each row's reason (an index into `Reason`, or open) and detail; the first reason wins."""

    def __init__(self, n: int) -> None:
        self.reason = np.full(n, _OPEN, dtype=np.int8)
        self.detail = np.full(n, None, dtype=object)

    @property
    def open(self) -> BoolArray:
        """Rows without a reason so far."""
        return self.reason == _OPEN

    def flag(self, mask: Any, reason: Reason, detail: Detail) -> None:
        """Give `reason` to the rows of `mask` that have none yet; `detail(hit)` explains each."""
        hit = np.asarray(mask, dtype=bool) & self.open
        if not hit.any():
            return
        self.reason[hit] = _REASONS.index(reason)
        text = detail(hit)
        self.detail[hit] = text if isinstance(text, str) else text.to_numpy(dtype=object)


def validate(
    source_name: str, raw: pd.DataFrame, programs: pd.DataFrame | None, gazetteer: Gazetteer
) -> Validated:
    """Validate one contract file's rows (as read, all text) against the contract's rules."""
    source = SOURCES[source_name]
    stripped = raw.attrs.get(STRIPPED) is True
    raw = raw.reset_index(drop=True)
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    # Of two headers that differ only in case or spaces, the first is the column.
    raw = raw.loc[:, ~raw.columns.duplicated()]
    n = len(raw)
    fields = {
        name: _read_field(
            name, spec, raw[name] if name in raw.columns else None, n, gazetteer, stripped
        )
        for name, spec in source.specs.items()
    }
    verdicts = _Verdicts(n)

    for field in fields.values():
        if field.spec.required:
            verdicts.flag(field.missing, Reason.MISSING_FIELD, _missing_detail(field))

    for field in fields.values():
        reason = _FORMAT_REASON.get(field.spec.kind)
        if reason is not None:
            verdicts.flag(~field.missing & ~field.ok, reason, _format_detail(field, gazetteer))

    funding: ObjectArray = np.full(n, None, dtype=object)
    province: ObjectArray = np.full(n, None, dtype=object)
    if source_name != "programs":
        program = fields["program_id"]
        known, funding, province = _programme_of(program.written, programs)
        verdicts.flag(~known, Reason.UNKNOWN_PROGRAM, _unknown_program_detail(program))

    for field in fields.values():
        if field.codes is not None:
            verdicts.flag(~field.missing & ~field.ok, Reason.UNKNOWN_REGION, _region_detail(field))

    unit = _UNIT_COLUMN.get(source_name)
    if unit is not None:
        _check_unit(source_name, fields[unit], funding, province, verdicts)

    parsed = pd.DataFrame({name: field.value for name, field in fields.items()})
    key_hash = _key_hash(parsed, source)
    _check_duplicates(source, parsed, key_hash, verdicts)
    _check_consistency(source_name, fields, funding, verdicts)

    return Validated(
        valid=_valid_frame(source, parsed, key_hash, verdicts.open),
        quarantine=_quarantine_frame(source, fields, verdicts),
    )


# --- reading and parsing ----------------------------------------------------------------------


def _read_field(
    name: str,
    spec: Spec,
    column: pd.Series | None,
    n: int,
    gazetteer: Gazetteer,
    stripped: bool = False,
) -> _Field:
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
    codes: _Codes | None = None
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
    return _Field(name, spec, written, missing, value, np.asarray(ok, dtype=bool), codes)


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


def _objects(text: pd.Series) -> pd.Series:
    """Python str objects, None where empty."""
    return text.astype("object").where(text.notna(), None).reset_index(drop=True)


def _per_row(positions: npt.NDArray[np.intp], values: np.ndarray, fill: object) -> np.ndarray:
    """Spread values worked out per distinct cell back to the rows; position -1 gets `fill`."""
    return np.append(values, np.array([fill], dtype=values.dtype))[positions]


def _codes_of(written: pd.Series, gazetteer: Gazetteer) -> tuple[pd.Series, _Codes]:
    """Dotted codes (None unless in the gazetteer) and what the gazetteer says of them.

    Worked out once per distinct cell: a million enrollments name a few thousand villages.
    """
    positions, distinct = pd.factorize(written)
    dotted = normalise_codes(pd.Series(distinct, dtype="string"))
    known = dotted.isin(gazetteer.names.keys()).to_numpy(dtype=bool)
    text = dotted.where(known, "").astype(str)
    lengths = text.str.len()
    level = lengths.map(_LEVEL_BY_LENGTH).fillna(0).to_numpy(dtype=np.int8)
    desa = ((lengths == 13) & (text.str.slice(9, 10) == "2")).to_numpy(dtype=bool)
    province = text.str.slice(0, 2).where(known, None).to_numpy(dtype=object)
    value = _per_row(positions, dotted.where(known, None).to_numpy(dtype=object), None)
    codes = _Codes(
        known=_per_row(positions, known, False),
        level=_per_row(positions, level, 0),
        desa=_per_row(positions, desa, False),
        province=_per_row(positions, province, None),
    )
    return pd.Series(value, dtype="object"), codes


def _programme_of(
    program_ids: pd.Series, programs: pd.DataFrame | None
) -> tuple[BoolArray, ObjectArray, ObjectArray]:
    """Per row: whether its programme is known, and that programme's funding and province."""
    table = _programme_table(programs)
    positions, distinct = pd.factorize(program_ids)
    found = table.index.get_indexer(pd.Index(np.asarray(distinct, dtype=object)))
    # -1 (an unknown programme, or an empty cell) picks the None appended to each column.
    found = _per_row(positions, found, -1)
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
            "program_id": _objects(parsing.texts(programs["program_id"])),
            "funding_source": _objects(parsing.texts(programs["funding_source"]).str.upper()),
            "province_code": normalise_codes(programs["province_code"]).reset_index(drop=True),
        },
        dtype="object",
    )
    table = table[table["program_id"].notna()]
    # Should an id come twice, the first wins: `rantai.ingest` lists this load's programmes
    # before the stored ones.
    return table.drop_duplicates("program_id", keep="first").set_index("program_id")


# --- rules ------------------------------------------------------------------------------------


def _check_unit(
    source_name: str,
    field: _Field,
    funding: ObjectArray,
    province: ObjectArray,
    verdicts: _Verdicts,
) -> None:
    """NOT_A_DESA, then REGION_MISMATCH: the kind of unit its programme needs, its province."""
    code = field.codes
    assert code is not None, "a unit column is a CODE field"
    known = code.known
    if source_name == "programs":
        verdicts.flag(
            known & (code.level != _PROVINCE),
            Reason.REGION_MISMATCH,
            _level_detail(field, code, "a province code like 15"),
        )
        return

    desa_funding = pd.Series(funding, dtype="object").isin(_DESA_FUNDING).to_numpy(dtype=bool)
    needs_desa = np.zeros(len(known), dtype=bool)
    needs_district = np.zeros(len(known), dtype=bool)
    if source_name in ("allocations", "premium_payments"):
        needs_desa = desa_funding
        needs_district = funding == FundingSource.APBD.value
    elif source_name == "village_transfers":
        needs_desa[:] = True
    elif source_name == "district_transfers":
        needs_district[:] = True

    if source_name == "enrollments":
        is_village = code.level == _VILLAGE
        verdicts.flag(
            known & is_village & ~code.desa & desa_funding,
            Reason.NOT_A_DESA,
            _level_detail(field, code, "a desa (village code ending 2xxx) for a BKBK or APBDES"),
        )
        verdicts.flag(
            known & ~is_village,
            Reason.REGION_MISMATCH,
            _level_detail(field, code, "a village code like 15.08.01.2001"),
        )
    verdicts.flag(
        known & needs_desa & ~code.desa,
        Reason.NOT_A_DESA,
        _level_detail(field, code, "a desa (village code ending 2xxx)"),
    )
    verdicts.flag(
        known & needs_district & (code.level != _DISTRICT),
        Reason.REGION_MISMATCH,
        _level_detail(field, code, "a district code like 15.08"),
    )

    def outside(hit: BoolArray) -> pd.Series:
        return (
            f"{field.name}: expected a region inside the programme's province "
            + _at(province, hit)
            + ", found '"
            + _shown(field, hit)
            + "'"
        )

    verdicts.flag(
        known & pd.notna(province) & (code.province != province), Reason.REGION_MISMATCH, outside
    )


def _check_duplicates(
    source: Source, parsed: pd.DataFrame, key_hash: np.ndarray, verdicts: _Verdicts
) -> None:
    """DUPLICATE_ID_CONFLICT: one key with different content, among rows that passed so far."""
    key = list(source.key)
    repeated = parsed[_duplicated(parsed, verdicts.open, key, key_hash, keep=False)]
    if repeated.empty:
        return
    group = repeated.groupby(key, sort=False, dropna=False).ngroup()
    versions = repeated.assign(_group=group).drop_duplicates().groupby("_group").size()
    conflict = group[group.isin(versions.index[versions > 1])]
    in_conflict = np.zeros(len(parsed), dtype=bool)
    in_conflict[conflict.index.to_numpy()] = True
    copies = np.zeros(len(parsed), dtype=np.int64)
    copies[conflict.index.to_numpy()] = conflict.map(conflict.value_counts()).to_numpy()
    label = "|".join(key)

    def detail(hit: BoolArray) -> pd.Series:
        return (
            f"{label}: expected one version of a record per load, found "
            + _at(copies, hit)
            + " rows with this key and different content"
        )

    verdicts.flag(in_conflict, Reason.DUPLICATE_ID_CONFLICT, detail)


def _check_consistency(
    source_name: str, fields: dict[str, _Field], funding: ObjectArray, verdicts: _Verdicts
) -> None:
    """INCONSISTENT: a value outside its list, or fields that contradict each other."""
    for field in fields.values():
        if field.spec.kind is Kind.CHOICE:
            verdicts.flag(~field.missing & ~field.ok, Reason.INCONSISTENT, _choice_detail(field))

    if source_name == "allocations":
        premium, allocated = fields["premium_amount"], fields["allocated_amount"]

        def over_allocated(hit: BoolArray) -> pd.Series:
            return (
                "premium_amount: expected at most allocated_amount ("
                + _at(allocated.value, hit)
                + "), found "
                + _at(premium.value, hit)
            )

        too_much = (premium.value > allocated.value).fillna(False)
        verdicts.flag(too_much, Reason.INCONSISTENT, over_allocated)

    if source_name == "coverage":
        start, end = fields["coverage_start"], fields["coverage_end"]

        def ends_first(hit: BoolArray) -> pd.Series:
            return (
                "coverage_end: expected on or after coverage_start ("
                + _shown(start, hit)
                + "), found '"
                + _shown(end, hit)
                + "'"
            )

        verdicts.flag(end.value < start.value, Reason.INCONSISTENT, ends_first)

    if source_name in _BKBK_ONLY:
        what = _BKBK_ONLY[source_name]
        program = fields["program_id"]

        def not_bkbk(hit: BoolArray) -> pd.Series:
            return (
                f"program_id: expected a BKBK programme for {what}, found '"
                + _shown(program, hit)
                + "', a "
                + _at(funding, hit)
                + " programme"
            )

        other = pd.notna(funding) & (funding != FundingSource.BKBK.value)
        verdicts.flag(other, Reason.INCONSISTENT, not_bkbk)


# --- details ----------------------------------------------------------------------------------


def _at(values: pd.Series | np.ndarray, hit: BoolArray) -> pd.Series:
    """The rows hit of an array or a positional series, as text on a fresh index."""
    return pd.Series(np.asarray(values, dtype=object)[hit], dtype="object").astype(str)


def _written_at(written: pd.Series, hit: BoolArray) -> pd.Series:
    """The written text of the rows hit ("" where empty), on a fresh index: the few rows
    picked before their gaps are filled, not the millions of the column."""
    picked = pd.Series(written.to_numpy(dtype=object)[hit], dtype="object")
    return picked.fillna("").astype(str)


def _shown(field: _Field, hit: BoolArray) -> pd.Series:
    """The written values of the rows hit, cut short so one odd cell cannot flood a report."""
    text = _written_at(field.written, hit)
    return text.where(text.str.len() <= 60, text.str.slice(0, 57) + "...")


def _missing_detail(field: _Field) -> Detail:
    return lambda hit: f"{field.name}: required, found an empty cell"


def _format_detail(field: _Field, gazetteer: Gazetteer) -> Detail:
    spec = field.spec

    def bad_nik(hit: BoolArray) -> pd.Series:
        # The NIK is personal data, and record_id already carries it: say only what is wrong.
        problems = parsing.nik_problems(field.written[hit], gazetteer)
        return f"{field.name}: expected a valid 16-digit NIK, found one whose " + _at(
            problems, np.ones(len(problems), dtype=bool)
        )

    if spec.kind is Kind.NIK:
        return bad_nik
    if spec.kind is Kind.INT:
        expected = "a whole number" + _range_text(spec)
    else:
        expected = _EXPECTED[spec.kind]
    return lambda hit: f"{field.name}: expected {expected}, found '" + _shown(field, hit) + "'"


def _range_text(spec: Spec) -> str:
    if spec.minimum is not None and spec.maximum is not None:
        return f" from {spec.minimum} to {spec.maximum}"
    if spec.minimum is not None:
        return f" >= {spec.minimum}"
    if spec.maximum is not None:
        return f" <= {spec.maximum}"
    return ""


def _unknown_program_detail(field: _Field) -> Detail:
    return lambda hit: (
        "program_id: expected a programme in programs.csv (this load or an earlier one), found '"
        + _shown(field, hit)
        + "'"
    )


def _region_detail(field: _Field) -> Detail:
    def detail(hit: BoolArray) -> pd.Series:
        is_code = normalise_codes(field.written[hit]).notna().to_numpy(dtype=bool)
        why = pd.Series(
            np.where(is_code, "not in the gazetteer", "not a region code"), dtype="object"
        )
        return (
            f"{field.name}: expected a Kemendagri region code like 15.08.01.2001, found '"
            + _shown(field, hit)
            + "' ("
            + why
            + ")"
        )

    return detail


def _level_detail(field: _Field, code: _Codes, expected: str) -> Detail:
    def detail(hit: BoolArray) -> pd.Series:
        level = code.level[hit].astype(np.int64)
        kelurahan = (level == _VILLAGE) & ~code.desa[hit]
        names = pd.Series(np.where(kelurahan, "a kelurahan", _LEVEL_NAMES[level]), dtype="object")
        return f"{field.name}: expected {expected}, found '" + _shown(field, hit) + "', " + names

    return detail


def _choice_detail(field: _Field) -> Detail:
    choices = ", ".join(str(c) for c in field.spec.choices)
    return lambda hit: (
        f"{field.name}: expected one of {choices}, found '" + _shown(field, hit) + "'"
    )


def _key_hash(parsed: pd.DataFrame, source: Source) -> np.ndarray:
    """A 64-bit hash of each row's key; equal keys hash equal (see `_duplicated`).

    Only compared within this process: text takes Python's own string hash, which a str
    object computes once and keeps (pandas' hash encodes every string to UTF-8 first).
    """
    combined = np.zeros(len(parsed), dtype=np.uint64)
    for name in source.key:
        column = parsed[name]
        hashed: np.ndarray
        if column.dtype == object:
            cells = column.to_numpy(dtype=object)
            hashed = np.fromiter(map(hash, cells), dtype=np.int64, count=len(cells))
            hashed = hashed.view(np.uint64)
        else:
            hashed = pd.util.hash_pandas_object(column, index=False).to_numpy()
        combined = (combined * np.uint64(1_000_003)) ^ hashed
    return combined


def _duplicated(
    parsed: pd.DataFrame,
    rows: BoolArray,
    key: list[str],
    key_hash: np.ndarray,
    keep: Literal["first", False],
) -> BoolArray:
    """`parsed[rows].duplicated(subset=key, keep=keep)` exactly, spread over all rows (False
    outside `rows`), given the rows' `_key_hash`.

    Rows whose key hash no other row shares are unique; only the few whose hash repeats are
    compared by value. Factorizing millions of distinct NIKs is what this avoids.
    """
    positions = np.flatnonzero(rows)
    maybe = pd.Series(key_hash[positions]).duplicated(keep=False).to_numpy()
    out = np.zeros(len(parsed), dtype=bool)
    if maybe.any():
        candidates = positions[maybe]
        out[candidates] = parsed.iloc[candidates][key].duplicated(keep=keep).to_numpy()
    return out


# --- results ----------------------------------------------------------------------------------


def _valid_frame(
    source: Source, parsed: pd.DataFrame, key_hash: np.ndarray, accepted: BoolArray
) -> pd.DataFrame:
    """Accepted rows, typed, in file order; of identical copies only the first."""
    # Conflicting copies are quarantined by now, so rows sharing a key here are identical.
    kept = accepted & ~_duplicated(parsed, accepted, list(source.key), key_hash, keep="first")
    valid = parsed[kept]
    for name, spec in source.specs.items():
        if spec.required and spec.kind in (Kind.AMOUNT, Kind.INT):
            valid[name] = valid[name].astype("int64")
    valid["row_number"] = (np.flatnonzero(kept) + 1).astype("int64")
    return valid.reset_index(drop=True)


def _quarantine_frame(
    source: Source, fields: dict[str, _Field], verdicts: _Verdicts
) -> pd.DataFrame:
    """Refused rows in file order: source, row_number, record_id, reason, detail."""
    hit = ~verdicts.open
    # record_id is the key as written, so an operator can find the row in their own file.
    parts = [_written_at(fields[name].written, hit) for name in source.key]
    record_id = parts[0]
    for part in parts[1:]:
        record_id = record_id + "|" + part
    reasons = np.array([r.value for r in _REASONS], dtype=object)
    count = int(hit.sum())
    return pd.DataFrame(
        {
            "source": pd.Series([source.name] * count, dtype="object"),
            "row_number": pd.Series(np.flatnonzero(hit) + 1, dtype="int64"),
            "record_id": pd.Series(record_id.to_numpy(dtype=object), dtype="object"),
            "reason": pd.Series(reasons[verdicts.reason[hit]], dtype="object"),
            "detail": pd.Series(verdicts.detail[hit], dtype="object"),
        },
        columns=QUARANTINE_COLUMNS,
    )
