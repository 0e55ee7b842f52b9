"""A stall flag's life, with no store: new, ongoing, resolved, reopened with its first date."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rantai.flags import FLAG_KEY, flag_lifecycle

DAY1, DAY2, DAY3 = dt.date(2025, 11, 5), dt.date(2025, 11, 6), dt.date(2025, 11, 7)


def _stalls(*units: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"program_id": "p", "unit_code": list(units), "stage": "PREMIUM_PAYMENT", "case_id": ""},
        columns=FLAG_KEY,
    )


def _known(rows: list[tuple[str, dt.date, bool]]) -> pd.DataFrame:
    return pd.DataFrame(
        [("p", unit, "PREMIUM_PAYMENT", "", first, is_open) for unit, first, is_open in rows],
        columns=[*FLAG_KEY, "first_flagged", "is_open"],
    )


def test_a_first_stall_opens_a_new_flag_flagged_today():
    changes = flag_lifecycle(_stalls("A"), _known([]), DAY1)
    assert changes.stalls["status"].tolist() == ["NEW"]
    assert changes.stalls["first_flagged"].tolist() == [DAY1]
    assert len(changes.opened) == 1 and changes.resolved.empty


def test_a_stall_seen_again_is_ongoing_and_keeps_its_first_date():
    changes = flag_lifecycle(_stalls("A"), _known([("A", DAY1, True)]), DAY2)
    assert changes.stalls["status"].tolist() == ["ONGOING"]
    assert changes.stalls["first_flagged"].tolist() == [DAY1]
    assert changes.continuing.tolist() == [True]
    assert changes.opened.empty and changes.resolved.empty


def test_an_open_flag_no_longer_stalled_is_resolved():
    changes = flag_lifecycle(_stalls("B"), _known([("A", DAY1, True)]), DAY2)
    assert changes.resolved["unit_code"].tolist() == ["A"]
    assert changes.stalls["status"].tolist() == ["NEW"]


def test_a_resolved_flag_that_stalls_again_reopens_ongoing_with_its_first_date():
    changes = flag_lifecycle(_stalls("A"), _known([("A", DAY1, False)]), DAY3)
    assert changes.stalls["status"].tolist() == ["ONGOING"]
    assert changes.stalls["first_flagged"].tolist() == [DAY1]
    assert changes.reopened.tolist() == [True]
    assert changes.opened["unit_code"].tolist() == ["A"]
    assert changes.resolved.empty
