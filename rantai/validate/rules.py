"""The rules, each a boolean mask over the whole file, driven by the source's declaration in
`rantai.records` (its fields' specs, its region rule, the stage it feeds, its named checks).
No rule names a source: a new source declares its rules and this engine applies them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rantai import parsing
from rantai.records import (
    Kind,
    NotAfter,
    NotBefore,
    Place,
    Reason,
    RegionRule,
    RequiredWhen,
    Source,
    fundings_with,
)
from rantai.regions import Gazetteer
from rantai.validate.details import (
    at,
    choice_detail,
    format_detail,
    level_detail,
    missing_detail,
    region_detail,
    required_when_detail,
    shown,
    unknown_program_detail,
    unknown_record_detail,
)
from rantai.validate.keys import duplicated
from rantai.validate.reading import DISTRICT, PROVINCE, VILLAGE, Codes, Field
from rantai.validate.verdicts import BoolArray, ObjectArray, Verdicts

_FORMAT_REASON = {
    Kind.DATE: Reason.BAD_DATE,
    Kind.AMOUNT: Reason.BAD_AMOUNT,
    Kind.INT: Reason.BAD_INT,
    Kind.NIK: Reason.INVALID_NIK,
}
# What each kind of place is called where a row's code is not one.
_EXPECTED_PLACE = {
    Place.PROVINCE: "a province code like 15",
    Place.DISTRICT: "a district code like 15.08",
    Place.VILLAGE: "a village code like 15.08.01.2001",
    Place.DESA: "a desa (village code ending 2xxx, or 3xxx for a desa adat)",
}
_LEVEL_OF_PLACE = {Place.PROVINCE: PROVINCE, Place.DISTRICT: DISTRICT, Place.VILLAGE: VILLAGE}


def check_required(fields: dict[str, Field], verdicts: Verdicts) -> None:
    """MISSING_FIELD: a required field left empty."""
    for field in fields.values():
        if field.spec.required:
            verdicts.flag(field.missing, Reason.MISSING_FIELD, missing_detail(field))


def check_formats(fields: dict[str, Field], verdicts: Verdicts, gazetteer: Gazetteer) -> None:
    """BAD_DATE, BAD_AMOUNT, BAD_INT, INVALID_NIK, in column order."""
    for field in fields.values():
        reason = _FORMAT_REASON.get(field.spec.kind)
        if reason is not None:
            verdicts.flag(~field.missing & ~field.ok, reason, format_detail(field, gazetteer))


def check_known_regions(fields: dict[str, Field], verdicts: Verdicts, gazetteer: Gazetteer) -> None:
    """UNKNOWN_REGION: a code that is not in the gazetteer's current edition (the detail says
    when the older edition had it)."""
    for field in fields.values():
        if field.codes is not None:
            verdicts.flag(
                ~field.missing & ~field.ok, Reason.UNKNOWN_REGION, region_detail(field, gazetteer)
            )


def check_region(
    rule: RegionRule,
    fields: dict[str, Field],
    funding: ObjectArray,
    province: ObjectArray,
    verdicts: Verdicts,
) -> None:
    """NOT_A_DESA, then REGION_MISMATCH: the kind of region the rule (and the programme's
    funding) needs, inside the programme's province."""
    field = fields[rule.column]
    code = field.codes
    assert code is not None, "a region rule's column is a CODE field"
    known = code.known
    fits = _fits(code, rule.place)
    needs = {place: np.zeros(len(known), dtype=bool) for place in Place}
    if rule.place is not None:
        needs[rule.place][:] = True
    for funding_source, place in rule.by_funding:
        # Where every row needs a kind of place already, the funding's need applies within it.
        needs[place] |= (funding == funding_source.value) & fits

    verdicts.flag(
        known & needs[Place.DESA] & ~code.desa,
        Reason.NOT_A_DESA,
        level_detail(field, code, _EXPECTED_PLACE[Place.DESA]),
    )
    for place, level in _LEVEL_OF_PLACE.items():
        verdicts.flag(
            known & needs[place] & (code.level != level),
            Reason.REGION_MISMATCH,
            level_detail(field, code, _EXPECTED_PLACE[place]),
        )
    if not rule.inside_programme_province:
        return

    def outside(hit: BoolArray) -> pd.Series:
        return (
            f"{field.name}: expected a region inside the programme's province "
            + at(province, hit)
            + ", found '"
            + shown(field, hit)
            + "'"
        )

    verdicts.flag(
        known & pd.notna(province) & (code.province != province), Reason.REGION_MISMATCH, outside
    )


def _fits(code: Codes, place: Place | None) -> np.ndarray:
    """Which rows' codes are the kind of place (every row, when no kind is asked)."""
    if place is None:
        return np.ones(len(code.known), dtype=bool)
    if place is Place.DESA:
        return code.desa
    return code.level == _LEVEL_OF_PLACE[place]


def check_duplicates(
    source: Source, parsed: pd.DataFrame, key_hash: np.ndarray, verdicts: Verdicts
) -> None:
    """DUPLICATE_ID_CONFLICT: one key with different content, among rows that passed so far."""
    key = list(source.key)
    repeated = parsed[duplicated(parsed, verdicts.open, key, key_hash, keep=False)]
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
            + at(copies, hit)
            + " rows with this key and different content"
        )

    verdicts.flag(in_conflict, Reason.DUPLICATE_ID_CONFLICT, detail)


def check_consistency(
    source: Source, fields: dict[str, Field], funding: ObjectArray, verdicts: Verdicts
) -> None:
    """INCONSISTENT: a value outside its list, a named check across fields that fails, or a
    record that feeds a stage its programme does not have."""
    for field in fields.values():
        if field.spec.kind is Kind.CHOICE:
            verdicts.flag(~field.missing & ~field.ok, Reason.INCONSISTENT, choice_detail(field))
    for check in source.checks:
        if isinstance(check, RequiredWhen):
            _check_required_when(check, fields, verdicts)
        else:
            _check_order(check, fields, verdicts)
    if source.feeds is not None:
        _check_stage(source, fields["program_id"], funding, verdicts)


def _check_order(check: NotAfter | NotBefore, fields: dict[str, Field], verdicts: Verdicts) -> None:
    """A named check between two fields of a row: one must not exceed, or precede, the other."""
    if isinstance(check, NotAfter):
        field, other = fields[check.column], fields[check.limit]
        broken = (field.value > other.value).fillna(False)
        words = "at most" if field.spec.kind is not Kind.DATE else "on or before"
    else:
        field, other = fields[check.column], fields[check.floor]
        broken = (field.value < other.value).fillna(False)
        words = "at least" if field.spec.kind is not Kind.DATE else "on or after"
    # Numbers are shown as read; dates as written, so the row can be found in the file.
    numeric = field.spec.kind in (Kind.AMOUNT, Kind.INT)

    def detail(hit: BoolArray) -> pd.Series:
        if numeric:
            found = at(field.value, hit)
            return (
                f"{field.name}: expected {words} {other.name} ("
                + at(other.value, hit)
                + ("), found " + found)
            )
        return (
            f"{field.name}: expected {words} {other.name} ("
            + shown(other, hit)
            + "), found '"
            + shown(field, hit)
            + "'"
        )

    verdicts.flag(broken, Reason.INCONSISTENT, detail)


def _check_required_when(check: RequiredWhen, fields: dict[str, Field], verdicts: Verdicts) -> None:
    """A named check: where one field has a value, others must be given (a PAID claim needs
    its paid_amount and paid_date). The first one missing, in the check's order, is named."""
    when = fields[check.column]
    applies = (~when.missing & (when.value == check.value).to_numpy(dtype=bool)).astype(bool)
    for name in check.required:
        field = fields[name]
        verdicts.flag(
            applies & field.missing,
            Reason.INCONSISTENT,
            required_when_detail(field, check.column, check.value),
        )


def check_named_programmes(
    fields: dict[str, Field], programs: pd.DataFrame | None, verdicts: Verdicts
) -> None:
    """UNKNOWN_PROGRAM: a column other than program_id that names a programme (a programme's
    predecessor_id) must name one known from an earlier load or this file's own rows."""
    named = [field for field in fields.values() if field.spec.names_programme]
    if not named:
        return
    known: set[str] = set()
    if programs is not None and "program_id" in programs.columns:
        known.update(parsing.text_cells(programs["program_id"]).dropna())
    if "program_id" in fields:
        known.update(fields["program_id"].written.dropna())
    for field in named:
        unknown = ~field.missing & ~field.written.isin(known).to_numpy(dtype=bool)
        verdicts.flag(unknown, Reason.UNKNOWN_PROGRAM, unknown_program_detail(field))


def check_named_records(
    source: Source, fields: dict[str, Field], stored: set[str], verdicts: Verdicts
) -> None:
    """INCONSISTENT: a column naming a record of its own source (a branch's
    parent_branch_code) must name one in this file or `stored` (an earlier load's), as a
    predecessor_id must name a programme."""
    for field in fields.values():
        column = field.spec.names_own_record
        if column is None:
            continue
        known = set(stored) | set(fields[column].written.dropna())
        unknown = ~field.missing & ~field.written.isin(known).to_numpy(dtype=bool)
        verdicts.flag(unknown, Reason.INCONSISTENT, unknown_record_detail(field, source.name))


def _check_stage(source: Source, program: Field, funding: ObjectArray, verdicts: Verdicts) -> None:
    """Only programmes whose funding has the stage a source feeds may have its records."""
    assert source.feeds is not None
    allowed = fundings_with(source.feeds)
    what = source.name.replace("_", " ")
    expected = " or ".join(allowed)

    def detail(hit: BoolArray) -> pd.Series:
        return (
            f"program_id: expected a {expected} programme for {what}, found '"
            + shown(program, hit)
            + "', a "
            + at(funding, hit)
            + " programme"
        )

    other = pd.notna(funding) & ~pd.Series(funding, dtype="object").isin(allowed).to_numpy()
    verdicts.flag(other, Reason.INCONSISTENT, detail)
