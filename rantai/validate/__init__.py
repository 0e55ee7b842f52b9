"""Validate one contract file: split its rows into typed records and quarantined rows.

A generic engine over the source's declaration in `rantai.records`: its fields' specs (kind,
required, range, choices), its region rule, the stage it feeds and its named checks across
fields. Every rule is a boolean mask over the whole file. Masks are applied in the contract's
order of precedence (CONTRACT.md, "Bad input"), and a row keeps the first reason that catches
it, so a row has exactly one reason however many rules it breaks.

- `reading`: each column parsed by its kind; region codes and programmes looked up.
- `rules`: the rules, in the contract's order.
- `keys`: a hash per row's key, and which rows repeat one.
- `details`: what a refused row's detail says.
- `results`: the typed records to load and the quarantine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rantai.records import SOURCES, Reason
from rantai.regions import Gazetteer
from rantai.validate.details import unknown_program_detail
from rantai.validate.keys import key_hash
from rantai.validate.reading import programme_of, read_field
from rantai.validate.results import QUARANTINE_COLUMNS, quarantine_frame, valid_frame
from rantai.validate.rules import (
    check_consistency,
    check_duplicates,
    check_formats,
    check_known_regions,
    check_named_programmes,
    check_named_records,
    check_region,
    check_required,
)
from rantai.validate.verdicts import ObjectArray, Verdicts

__all__ = ["QUARANTINE_COLUMNS", "STRIPPED", "Validated", "check_header", "validate"]

# A raw frame's `attrs` flag: every text cell is stripped and blank cells are None already (the
# folder connector's frames), so validation need not strip millions of cells again.
STRIPPED = "rantai.stripped"


@dataclass(frozen=True)
class Validated:
    """A validated file: typed records to load, and the rows it refused with their reasons."""

    valid: pd.DataFrame
    quarantine: pd.DataFrame


def check_header(source_name: str, columns: Iterable[object]) -> list[str]:
    """The required columns of a source that a header lacks (names compared case-insensitively)."""
    present = {str(c).strip().lower() for c in columns}
    return [c for c in SOURCES[source_name].required_columns if c not in present]


def validate(
    source_name: str,
    raw: pd.DataFrame,
    programs: pd.DataFrame | None,
    gazetteer: Gazetteer,
    stored_keys: Iterable[str] = (),
) -> Validated:
    """Validate one contract file's rows (as read, all text) against the contract's rules.
    `stored_keys`: the keys of this source's stored records, which a column naming a record of
    its own source (a branch's parent) may name besides this file's rows."""
    source = SOURCES[source_name]
    stripped = raw.attrs.get(STRIPPED) is True
    raw = raw.reset_index(drop=True)
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    # Of two headers that differ only in case or spaces, the first is the column.
    raw = raw.loc[:, ~raw.columns.duplicated()]
    n = len(raw)
    fields = {
        name: read_field(
            name, spec, raw[name] if name in raw.columns else None, n, gazetteer, stripped
        )
        for name, spec in source.specs.items()
    }
    verdicts = Verdicts(n)
    check_required(fields, verdicts)
    check_formats(fields, verdicts, gazetteer)

    funding: ObjectArray = np.full(n, None, dtype=object)
    province: ObjectArray = np.full(n, None, dtype=object)
    if source.refers_to_programme:
        program = fields["program_id"]
        known, funding, province = programme_of(program.written, programs)
        verdicts.flag(~known, Reason.UNKNOWN_PROGRAM, unknown_program_detail(program))
    check_named_programmes(fields, programs, verdicts)

    check_known_regions(fields, verdicts, gazetteer)
    if source.region is not None:
        check_region(source.region, fields, funding, province, verdicts)

    parsed = pd.DataFrame({name: field.value for name, field in fields.items()})
    keys = key_hash(parsed, source)
    check_duplicates(source, parsed, keys, verdicts)
    check_consistency(source, fields, funding, verdicts)
    check_named_records(source, fields, set(stored_keys), verdicts)

    return Validated(
        valid=valid_frame(source, parsed, keys, verdicts.open),
        quarantine=quarantine_frame(source, fields, verdicts),
    )
