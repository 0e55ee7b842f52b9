"""The gazetteer: codes dotted/undotted, levels, desa vs kelurahan, containment."""

from __future__ import annotations

import pandas as pd
import pytest

from rantai.regions import (
    Level,
    district_of,
    is_desa_code,
    level_of,
    load_gazetteer,
    normalise_code,
    normalise_codes,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("15.08.01.2001", "15.08.01.2001"),
        ("1508012001", "15.08.01.2001"),
        (" 1508012001 ", "15.08.01.2001"),
        ("1508", "15.08"),
        ("150801", "15.08.01"),
        ("15", "15"),
        ("15.8", None),
        ("150", None),
        ("15080120011", None),
        ("15.08.01.20011", None),
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_code(raw, expected):
    assert normalise_code(raw) == expected
    assert normalise_codes(pd.Series([raw], dtype=object)).tolist() == [expected]


def test_levels_and_parts():
    assert level_of("15") is Level.PROVINCE
    assert level_of("15.08") is Level.DISTRICT
    assert level_of("15.08.01") is Level.SUBDISTRICT
    assert level_of("15.08.01.2001") is Level.VILLAGE
    assert district_of("15.08.01.2001") == "15.08"
    assert district_of("15") is None
    assert is_desa_code("15.08.01.2001") and not is_desa_code("15.08.03.1006")


def test_gazetteer_counts_match_the_source():
    gazetteer = load_gazetteer()
    frame = gazetteer.frame()
    assert (frame["level"] == "province").sum() == 34
    assert (frame["level"] == "district").sum() == 514
    assert int(frame["is_desa"].sum()) == 74_953
    assert ((frame["level"] == "village") & ~frame["is_desa"]).sum() == 8_488


def test_names_containment_and_desa_lists():
    gazetteer = load_gazetteer()
    assert gazetteer.name("15") == "JAMBI"
    assert gazetteer.name("15.08") == "KAB. BUNGO"
    assert gazetteer.is_desa("15.08.01.2001")
    assert not gazetteer.is_desa("15.08.03.1006")  # a kelurahan
    assert not gazetteer.is_desa("15.08.01.2999")  # not in the gazetteer
    assert gazetteer.within("15.08.01.2001", "15.08")
    assert not gazetteer.within("15.08.01.2001", "15.09")
    assert not gazetteer.within("14.04", "1")
    jambi = gazetteer.desa_in("15")
    assert len(jambi) == 1_399 and all(c.startswith("15.") for c in jambi)
