"""The cover facts' arithmetic against a day-by-day count on small random cases."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rantai.cover import uncovered_days


def _by_day(first: str, last: str, target: int, episodes: list[tuple[str, str]]) -> int:
    """The contract's words, literally: each day, target minus the workers covered, >= 0."""
    total = 0
    for day in pd.date_range(first, last):
        covered = sum(pd.Timestamp(s) <= day <= pd.Timestamp(e) for s, e in episodes)
        total += max(0, target - covered)
    return total


def test_uncovered_worker_days_match_a_day_by_day_count() -> None:
    rng = np.random.default_rng(7)
    base = np.datetime64("2025-01-01")
    units, rows, expected = [], [], []
    for unit in range(60):
        first = base + int(rng.integers(0, 40))
        last = first + int(rng.integers(-5, 80))  # some windows are empty
        target = int(rng.integers(0, 6))
        # Some units have more workers than targeted: the sweep; the others the shortcut.
        spans = []
        for _ in range(int(rng.integers(0, 9))):
            start = base + int(rng.integers(-30, 120))
            spans.append((str(start), str(start + int(rng.integers(0, 60)))))
        units.append({"first": first, "last": last, "target": target})
        rows += [{"unit": unit, "start": s, "end": e} for s, e in spans]
        expected.append(_by_day(str(first), str(last), target, spans) if last >= first else 0)
    cover = pd.DataFrame(rows)
    cover["start"] = pd.to_datetime(cover["start"])
    cover["end"] = pd.to_datetime(cover["end"])
    frame = pd.DataFrame(units)
    assert uncovered_days(frame, cover).tolist() == expected
