"""What a run looks at: everything, one programme, one province, or some districts/villages."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from rantai.stages import Evaluation


@dataclass(frozen=True)
class Scope:
    """A run's scope; empty fields mean "all". Codes are dotted district or village codes."""

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
    """Keep only the cases and stalls inside a scope (programme metrics stay whole)."""
    if scope.is_everything:
        return evaluation
    return replace(
        evaluation,
        cases=evaluation.cases[scope.unit_mask(evaluation.cases)].reset_index(drop=True),
        stalls=evaluation.stalls[scope.unit_mask(evaluation.stalls)].reset_index(drop=True),
    )
