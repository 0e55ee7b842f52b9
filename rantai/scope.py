"""What a run looks at: everything, one programme, one province, or some districts/villages."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import pandas as pd

from rantai import parsing
from rantai.records import REGION_COLUMNS
from rantai.regions import Gazetteer, Level, level_of, normalise_code, normalise_codes

if TYPE_CHECKING:
    from rantai.stages import Evaluation


@dataclass(frozen=True)
class Scope:
    """A run's scope; empty fields mean "all". Codes are dotted district, subdistrict
    (kecamatan) or village codes: a code takes every region inside it, and for reading the rows
    of the regions above it too (`_related_regions`)."""

    program_id: str | None = None
    province_code: str | None = None
    codes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_everything(self) -> bool:
        """True when nothing narrows the run."""
        return self.program_id is None and self.province_code is None and not self.codes

    def label(self) -> str:
        """A short, human label for run names: `jambi-bkbk-2025`, `15.08.01.2001`, `all`."""
        parts = [p for p in (self.program_id, self.province_code, *self.codes) if p]
        return "+".join(parts) if parts else "all-programmes"

    def to_json(self) -> str:
        """The scope as stored with a run."""
        return json.dumps(
            {
                "program_id": self.program_id,
                "province_code": self.province_code,
                "codes": list(self.codes),
            },
            sort_keys=True,
        )

    def unit_mask(self, frame: pd.DataFrame, unit_column: str = "unit_code") -> pd.Series:
        """Rows of a frame (with program_id and a unit column) that lie inside the scope."""
        mask = pd.Series(True, index=frame.index)
        if self.program_id is not None:
            mask &= frame["program_id"] == self.program_id
        units = frame[unit_column].astype(str)
        if self.province_code is not None:
            mask &= units.str.startswith(self.province_code)
        if self.codes:
            inside = pd.Series(False, index=frame.index)
            for code in self.codes:
                inside |= (units == code) | units.str.startswith(code + ".")
            mask &= inside
        return mask


def restrict(evaluation: Evaluation, scope: Scope) -> Evaluation:
    """Keep only the cases, stalls, district funnel, anomalies and (contract v2) protection,
    protection failures, claims and expiring workers inside a scope.

    Programme metrics are left as evaluated: whole when the store was read whole, the scope's
    own when only the scope's rows were read (a rerun). A claim whose worker is not enrolled in
    its programme has no unit, so only a programme scope keeps it (it is an anomaly)."""
    if scope.is_everything:
        return evaluation

    def inside(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[scope.unit_mask(frame)].reset_index(drop=True) if len(frame) else frame

    return replace(
        evaluation,
        cases=evaluation.cases[scope.unit_mask(evaluation.cases)].reset_index(drop=True),
        stalls=evaluation.stalls[scope.unit_mask(evaluation.stalls)].reset_index(drop=True),
        protection=inside(evaluation.protection),
        failures=inside(evaluation.failures),
        claims=inside(evaluation.claims),
        expiring=inside(evaluation.expiring),
        districts=(
            evaluation.districts[
                scope.unit_mask(evaluation.districts, "district_code")
            ].reset_index(drop=True)
            if len(evaluation.districts)
            else evaluation.districts
        ),
        anomalies=(
            evaluation.anomalies[scope.unit_mask(evaluation.anomalies)].reset_index(drop=True)
            if len(evaluation.anomalies)
            else evaluation.anomalies
        ),
    )


def checked_province(gazetteer: Gazetteer, written: str) -> str:
    """A province code as the gazetteer writes it (`15`), or ValueError: a scope that names no
    province would select nothing and read as an all-clear."""
    province = normalise_code(written)
    if province is None or province not in gazetteer or level_of(province) is not Level.PROVINCE:
        raise ValueError(
            f"{written!r} is not a province code in the gazetteer (e.g. 15){_retired(gazetteer, province)}"
        )
    return province


def _retired(gazetteer: Gazetteer, code: str | None) -> str:
    """`: retired in the Kepmendagri 2025 edition; was ...` for a code the older edition had."""
    note = gazetteer.retirement(code)
    return f": {note}" if note else ""


def checked_programme(program_id: str, known: Collection[str]) -> str:
    """A programme the run knows (stored, or valid in this delivery), or ValueError: a scope of
    an unknown programme would select nothing and read as an all-clear."""
    if program_id not in known:
        shown = sorted(known)
        listed = ", ".join(shown[:10]) + (f" and {len(shown) - 10} more" if len(shown) > 10 else "")
        raise ValueError(f"{program_id!r} is not a known programme (known: {listed or 'none'})")
    return program_id


_LEVEL_NAMES = {
    Level.DISTRICT: "district",
    Level.SUBDISTRICT: "subdistrict (kecamatan)",
    Level.VILLAGE: "village",
}
_EXAMPLES = {Level.DISTRICT: "15.08", Level.SUBDISTRICT: "15.08.01", Level.VILLAGE: "15.08.01.2001"}


def scope_for(
    gazetteer: Gazetteer,
    program_id: str | None = None,
    province_code: str | None = None,
    district_codes: Sequence[str] = (),
    village_codes: Sequence[str] = (),
    subdistrict_codes: Sequence[str] = (),
) -> Scope:
    """A rerun's (or a report's) scope from its parameters; every code must be a region of its
    level."""
    province = None
    if province_code:
        try:
            province = checked_province(gazetteer, province_code)
        except ValueError as error:
            raise ValueError(f"province_code: {error}") from None
    codes: list[str] = []
    for field_name, written, level in (
        ("district_codes", district_codes, Level.DISTRICT),
        ("subdistrict_codes", subdistrict_codes, Level.SUBDISTRICT),
        ("village_codes", village_codes, Level.VILLAGE),
    ):
        for raw in written:
            code = normalise_code(raw)
            if code is None or code not in gazetteer or level_of(code) is not level:
                raise ValueError(
                    f"{field_name}: {raw!r} is not a {_LEVEL_NAMES[level]} code in the gazetteer "
                    f"(expected e.g. {_EXAMPLES[level]})" + _retired(gazetteer, code)
                )
            if province is not None and not code.startswith(province + "."):
                raise ValueError(f"{field_name}: {code} is outside province {province}")
            codes.append(code)
    return Scope(
        program_id=program_id or None, province_code=province, codes=tuple(sorted(set(codes)))
    )


def _related_regions(scope: Scope, codes: pd.Series) -> pd.Series:
    """Regions on the same line of descent as the scope: inside it, or above a code of it.

    A village's evaluation depends on rows of its district (district transfers start its
    village transfer step), so a rerun re-reads those too.
    """
    codes = codes.astype(object)
    known = codes.notna()
    text = codes.where(known, "").astype(str)
    mask = known.copy()
    if scope.province_code is not None:
        mask &= (text == scope.province_code) | text.str.startswith(scope.province_code + ".")
    if scope.codes:
        related = pd.Series(False, index=codes.index)
        ancestors = {code[:length] for code in scope.codes for length in (2, 5, 8)}
        related |= text.isin(ancestors | set(scope.codes))
        for code in scope.codes:
            related |= text.str.startswith(code + ".")
        mask &= related
    return mask


def _programme_rows(rows: pd.DataFrame, scope: Scope) -> pd.Series:
    # A source without programmes (branches) bears on every programme.
    if scope.program_id is None or "program_id" not in rows.columns:
        return pd.Series(True, index=rows.index)
    return rows["program_id"].astype(object) == scope.program_id


def _predecessors_of(programs: pd.DataFrame, kept: pd.Series) -> pd.Series:
    """The delivered programmes that the kept ones name as predecessor, and theirs in turn
    (contract v2): a programme is valid only if its predecessor is known, so a rerun of this
    year's programme re-reads last year's when it comes in the same delivery."""
    if "predecessor_id" not in programs.columns:
        return pd.Series(False, index=programs.index)
    ids = parsing.text_cells(programs["program_id"])
    predecessors = parsing.text_cells(programs["predecessor_id"])
    found = kept.copy()
    while True:  # one pass per year back: a chain of programmes is a few years long
        named = set(predecessors[found].dropna())
        more = found | ids.isin(named)
        if more.equals(found):
            return found & ~kept
        found = more


def select_rows(
    raw: Mapping[str, pd.DataFrame], scope: Scope, enrolled: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """The delivered rows that bear on a scope: what a rerun re-reads.

    Rows are kept when their programme is in scope and their region lies in (or above) the
    scope; a coverage or claims row is kept when its worker (nik, program_id) is enrolled in the scope,
    by this delivery's enrollments or by `enrolled` (the stored ones). Rows keep their index,
    their position in the delivered file. A row whose region is not a code cannot be placed
    and is left out: it belongs to the next full run's quarantine.
    """
    if scope.is_everything:
        return dict(raw)
    selected: dict[str, pd.DataFrame] = {}
    for source, rows in raw.items():
        mask = _programme_rows(rows, scope)
        if source == "programs":
            provinces = normalise_codes(rows["province_code"])
            wanted = {scope.province_code} if scope.province_code else set()
            wanted |= {code[:2] for code in scope.codes}
            if wanted:
                mask &= provinces.isin(wanted)
            mask |= _predecessors_of(rows, mask)
        elif source in REGION_COLUMNS:
            mask &= _related_regions(scope, normalise_codes(rows[REGION_COLUMNS[source]]))
        selected[source] = rows[mask]
    for follower in ("coverage", "claims"):
        if follower not in raw:
            continue
        rows = raw[follower]
        workers = [
            enrolled.loc[
                _programme_rows(enrolled, scope)
                & _inside(scope, enrolled["village_code"].astype(object)),
                ["nik", "program_id"],
            ]
        ]
        if "enrollments" in selected:
            delivered = selected["enrollments"]
            placed = _inside(scope, normalise_codes(delivered["village_code"]))
            workers.append(delivered.loc[placed, ["nik", "program_id"]])
        keys = pd.concat([_worker_key(w) for w in workers], ignore_index=True)
        in_scope = _worker_key(rows).isin(set(keys))
        selected[follower] = rows[_programme_rows(rows, scope) & in_scope]
    return {source: selected[source] for source in raw}


def _worker_key(frame: pd.DataFrame) -> pd.Series:
    return frame["nik"].astype(str) + "|" + frame["program_id"].astype(str)


def _inside(scope: Scope, codes: pd.Series) -> pd.Series:
    """Villages inside the scope (not above it): whose workers a scoped rerun looks at."""
    text = codes.astype(object).where(codes.notna(), "").astype(str)
    mask = codes.notna()
    if scope.province_code is not None:
        mask &= text.str.startswith(scope.province_code + ".")
    if scope.codes:
        inside = pd.Series(False, index=codes.index)
        for code in scope.codes:
            inside |= (text == code) | text.str.startswith(code + ".")
        mask &= inside
    return mask


def file_row_numbers(frame: pd.DataFrame, kept: pd.Index) -> pd.DataFrame:
    """Rows validated from a selection, renumbered to their row in the delivered file.

    Validation numbers rows by position; `kept` is the selection's index (0 = first data row).
    """
    if frame.empty or "row_number" not in frame:
        return frame
    out = frame.copy()
    positions = kept.to_numpy()
    out["row_number"] = (positions[out["row_number"].to_numpy(dtype="int64") - 1] + 1).astype(
        "int64"
    )
    return out
