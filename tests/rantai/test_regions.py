"""The gazetteer: codes dotted/undotted, levels, desa vs kelurahan, containment, the editions."""

from __future__ import annotations

import pandas as pd
import pytest

from rantai.regions import (
    Level,
    desa_codes,
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
    assert is_desa_code("91.03.01.3007")  # a desa adat is a desa
    assert not is_desa_code("15.08.01") and not is_desa_code("15.08.01.4001")
    codes = pd.Series(["15.08.01.2001", "91.03.01.3007", "15.08.03.1006", "15.08", None])
    assert desa_codes(codes).tolist() == [True, True, False, False, False]


def test_the_shipped_editions_have_the_counts_of_their_sources():
    gazetteer = load_gazetteer()
    assert gazetteer.edition == "Kepmendagri 2025"
    frame = gazetteer.frame()
    assert (frame["level"] == "province").sum() == 38
    assert (frame["level"] == "district").sum() == 514
    assert (frame["level"] == "subdistrict").sum() == 7_285
    assert int(frame["is_desa"].sum()) == 75_266  # 75,252 desa and 14 desa adat
    assert int(frame["code"].str.slice(9, 10).eq("3").sum()) == 14
    assert ((frame["level"] == "village") & ~frame["is_desa"]).sum() == 8_496
    # The edition before the 2022 Papua split is kept only for the codes it had that 2025 has
    # not: 6,642 of its 83,441 villages and 7,230 kecamatan, 514 districts and 34 provinces.
    assert len(gazetteer.retired) == 6_642
    assert not set(gazetteer.retired) & set(gazetteer.names)
    assert gazetteer.retired["91.03.01.2007"] == "Keheran"


def test_the_new_papua_provinces_are_known_and_their_old_codes_retired():
    gazetteer = load_gazetteer()
    assert [gazetteer.name(p) for p in ("93", "94", "95", "96")] == [
        "Papua Selatan",
        "Papua Tengah",
        "Papua Pegunungan",
        "Papua Barat Daya",
    ]
    assert gazetteer.name("93.01") == "Kabupaten Merauke"
    assert "91.01" not in gazetteer and gazetteer.retired["91.01"] == "KAB. MERAUKE"
    assert gazetteer.desa_in("93")


def test_a_retired_code_names_its_successor_where_the_names_tell_it():
    gazetteer = load_gazetteer()
    # Moved to a new province, the same district, kecamatan and village names.
    assert gazetteer.successors["91.01.01.2001"] == "93.01.01.2001"  # Nasem, Merauke
    assert gazetteer.successors["91.01"] == "93.01"
    # A kecamatan split: the one village of the district with the name.
    assert gazetteer.name("15.01.22.2011") == "Koto Iman" == gazetteer.retired["15.01.02.2009"]
    assert gazetteer.successors["15.01.02.2009"] == "15.01.22.2011"
    # A desa made a kelurahan keeps its number in the same kecamatan.
    assert gazetteer.successors["32.16.01.2007"] == "32.16.01.1007"
    # No village of that name is left: no successor, only what it was.
    assert "91.03.01.2007" not in gazetteer.successors
    assert gazetteer.retirement("91.03.01.2007") == (
        "retired in the Kepmendagri 2025 edition; was Keheran"
    )
    assert gazetteer.retirement("91.01") == (
        "retired in the Kepmendagri 2025 edition; was KAB. MERAUKE, now 93.01"
    )
    assert gazetteer.retirement("15.08.01.2001") is None  # a current code
    assert gazetteer.retirement(None) is None
    assert all(now in gazetteer.names for now in gazetteer.successors.values())
    assert set(gazetteer.successors) <= set(gazetteer.retired)
    assert "91.03.01.3007" in gazetteer.desa_in("91.03.01")


def test_names_containment_and_desa_lists():
    gazetteer = load_gazetteer()
    assert gazetteer.name("15") == "Jambi"
    assert gazetteer.name("15.08") == "Kabupaten Bungo"
    assert gazetteer.is_desa("15.08.01.2001")
    assert not gazetteer.is_desa("15.08.03.1006")  # a kelurahan
    assert not gazetteer.is_desa("15.08.01.2999")  # not in the gazetteer
    assert gazetteer.is_desa("91.03.01.3007")  # a desa adat
    assert not gazetteer.is_desa("15.01.02.2009")  # retired in 2025
    assert gazetteer.within("15.08.01.2001", "15.08")
    assert not gazetteer.within("15.08.01.2001", "15.09")
    assert not gazetteer.within("14.04", "1")
    jambi = gazetteer.desa_in("15")
    assert len(jambi) == 1_414 and all(c.startswith("15.") for c in jambi)
