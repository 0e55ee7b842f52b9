"""What a quarantined row's detail says: which field, what was expected, what was found."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rantai import parsing
from rantai.bounds import AMOUNT_MAX, DATE_MAX, DATE_MIN
from rantai.distinct import map_distinct
from rantai.records import Kind, Spec
from rantai.regions import Gazetteer, normalise_codes
from rantai.validate.reading import VILLAGE, Codes, Field
from rantai.validate.verdicts import BoolArray, Detail

_LEVEL_NAMES = np.array(
    ["not a region", "a province", "a district", "a subdistrict", "a village"], dtype=object
)
_EXPECTED = {
    Kind.DATE: f"a date YYYY-MM-DD or DD/MM/YYYY from {DATE_MIN} to {DATE_MAX}",
    Kind.AMOUNT: f"whole rupiah from 1 to {AMOUNT_MAX:,} like 16800 or Rp16.800".replace(",", "."),
}


def at(values: pd.Series | np.ndarray, hit: BoolArray) -> pd.Series:
    """The rows hit of an array or a positional series, as text on a fresh index."""
    return pd.Series(np.asarray(values, dtype=object)[hit], dtype="object").astype(str)


def written_at(written: pd.Series, hit: BoolArray) -> pd.Series:
    """The written text of the rows hit ("" where empty), on a fresh index: the few rows
    picked before their gaps are filled, not the millions of the column."""
    picked = pd.Series(written.to_numpy(dtype=object)[hit], dtype="object")
    return picked.fillna("").astype(str)


def shown(field: Field, hit: BoolArray) -> pd.Series:
    """The written values of the rows hit, cut short so one odd cell cannot flood a report."""
    text = written_at(field.written, hit)
    return text.where(text.str.len() <= 60, text.str.slice(0, 57) + "...")


def missing_detail(field: Field) -> Detail:
    return lambda hit: f"{field.name}: required, found an empty cell"


def format_detail(field: Field, gazetteer: Gazetteer) -> Detail:
    spec = field.spec

    def bad_nik(hit: BoolArray) -> pd.Series:
        # The NIK is personal data, and record_id already carries it: say only what is wrong.
        problems = parsing.nik_problems(field.written[hit], gazetteer)
        return f"{field.name}: expected a valid 16-digit NIK, found one whose " + at(
            problems, np.ones(len(problems), dtype=bool)
        )

    if spec.kind is Kind.NIK:
        return bad_nik
    if spec.kind is Kind.INT:
        expected = "a whole number" + _range_text(spec)
    else:
        expected = _EXPECTED[spec.kind]
    return lambda hit: f"{field.name}: expected {expected}, found '" + shown(field, hit) + "'"


def _range_text(spec: Spec) -> str:
    if spec.minimum is not None and spec.maximum is not None:
        return f" from {spec.minimum} to {spec.maximum}"
    if spec.minimum is not None:
        return f" >= {spec.minimum}"
    if spec.maximum is not None:
        return f" <= {spec.maximum}"
    return ""


def unknown_program_detail(field: Field) -> Detail:
    """A programme id (program_id, or a column naming another programme such as
    predecessor_id) that no programme of this load or an earlier one has."""
    return lambda hit: (
        f"{field.name}: expected a programme in programs.csv (this load or an earlier one), "
        "found '" + shown(field, hit) + "'"
    )


def unknown_record_detail(field: Field, source: str) -> Detail:
    """A value naming a record of its own source (a branch's parent branch) that neither this
    file nor an earlier load has."""
    return lambda hit: (
        f"{field.name}: expected a {field.spec.names_own_record} in {source}.csv (this load or "
        "an earlier one), found '" + shown(field, hit) + "'"
    )


def required_when_detail(field: Field, column: str, value: str) -> Detail:
    """A field that a row needs because of another field's value (a PAID claim's paid_date)."""
    return lambda hit: f"{field.name}: required when {column} is {value}, found an empty cell"


def region_detail(field: Field, gazetteer: Gazetteer) -> Detail:
    """A code not in the current edition: retired by it (naming what the code was), not in
    the gazetteer at all, or not a code. Worked out once per distinct code hit."""

    def detail(hit: BoolArray) -> pd.Series:
        dotted = normalise_codes(field.written[hit]).reset_index(drop=True)
        retired = pd.Series(map_distinct(dotted, gazetteer.retirement), dtype="object")
        why = retired.fillna(
            pd.Series(
                np.where(dotted.notna(), "not in the gazetteer", "not a region code"),
                dtype="object",
            )
        )
        return (
            f"{field.name}: expected a Kemendagri region code like 15.08.01.2001, found '"
            + shown(field, hit)
            + "' ("
            + why
            + ")"
        )

    return detail


def level_detail(field: Field, code: Codes, expected: str) -> Detail:
    def detail(hit: BoolArray) -> pd.Series:
        level = code.level[hit].astype(np.int64)
        kelurahan = (level == VILLAGE) & ~code.desa[hit]
        names = pd.Series(np.where(kelurahan, "a kelurahan", _LEVEL_NAMES[level]), dtype="object")
        return f"{field.name}: expected {expected}, found '" + shown(field, hit) + "', " + names

    return detail


def choice_detail(field: Field) -> Detail:
    choices = ", ".join(str(c) for c in field.spec.choices)
    return lambda hit: f"{field.name}: expected one of {choices}, found '" + shown(field, hit) + "'"
