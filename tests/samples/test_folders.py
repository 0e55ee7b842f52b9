"""The input generator: deterministic, contract-shaped, valid where meant, bad where meant."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rantai.records import DEFAULT_PREMIUM_RATE_MONTHLY, SOURCES, Kind, Reason
from rantai.regions import load_gazetteer, normalise_codes
from rantai.validate import validate
from samples import DEMO_AS_OF, generate_demo, generate_province, write_folder

GAZETTEER = load_gazetteer()
CODE_COLUMNS = [
    (name, column)
    for name, source in SOURCES.items()
    for column, spec in source.specs.items()
    if spec.kind is Kind.CODE
]

# The bad rows of the demo and the reason each must get (the module docstring's table).
EXPECTED_QUARANTINE = {
    ("allocations", Reason.NOT_A_DESA): 1,
    ("allocations", Reason.INCONSISTENT): 1,
    ("allocations", Reason.REGION_MISMATCH): 1,
    ("district_transfers", Reason.INCONSISTENT): 1,
    ("village_transfers", Reason.BAD_DATE): 1,
    ("village_transfers", Reason.DUPLICATE_ID_CONFLICT): 2,
    ("enrollments", Reason.INVALID_NIK): 1,
    ("enrollments", Reason.UNKNOWN_REGION): 1,
    ("enrollments", Reason.MISSING_FIELD): 1,
    ("premium_payments", Reason.BAD_AMOUNT): 1,
    ("premium_payments", Reason.UNKNOWN_PROGRAM): 1,
    ("premium_payments", Reason.REGION_MISMATCH): 1,
    ("premium_payments", Reason.BAD_INT): 1,
    ("coverage", Reason.INCONSISTENT): 2,
    ("claims", Reason.INVALID_NIK): 1,
    ("claims", Reason.UNKNOWN_PROGRAM): 1,
    ("claims", Reason.INCONSISTENT): 3,
}


@pytest.fixture(scope="module")
def demo() -> dict[str, pd.DataFrame]:
    return generate_demo()


@pytest.fixture(scope="module")
def clean() -> dict[str, pd.DataFrame]:
    """The demo's story without its bad rows."""
    provinces = [
        generate_province(p, 2025, DEMO_AS_OF, with_bad_rows=False) for p in ("15", "14", "64")
    ]
    return {name: pd.concat([f[name] for f in provinces], ignore_index=True) for name in SOURCES}


def parse_dates(text: pd.Series) -> pd.Series:
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    return iso.fillna(pd.to_datetime(text, format="%d/%m/%Y", errors="coerce"))


def parse_amounts(text: pd.Series) -> pd.Series:
    bare = text.str.replace(r"^Rp ?", "", regex=True)
    assert bare.str.fullmatch(r"\d+|\d{1,3}(\.\d{3})+").all()
    return bare.str.replace(".", "", regex=False).astype("int64")


def test_same_seed_gives_the_same_frames_and_another_seed_does_not() -> None:
    first = generate_province("14", 7, DEMO_AS_OF)
    again = generate_province("14", 7, DEMO_AS_OF)
    other = generate_province("14", 8, DEMO_AS_OF)
    for name in SOURCES:
        pd.testing.assert_frame_equal(first[name], again[name])
    assert not first["enrollments"].equals(other["enrollments"])
    assert not first["premium_payments"].equals(other["premium_payments"])


def test_the_demo_writes_the_same_bytes_for_the_same_seed(
    demo: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    a = write_folder(demo, tmp_path / "a")
    b = write_folder(generate_demo(), tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


def test_every_file_has_exactly_the_contract_columns_as_text(
    demo: dict[str, pd.DataFrame],
) -> None:
    assert set(demo) == set(SOURCES)
    for name, frame in demo.items():
        assert list(frame.columns) == SOURCES[name].columns
        assert len(frame) > 0, name
        assert frame.map(lambda v: isinstance(v, str)).all().all(), name


def test_the_demo_is_of_the_promised_size(demo: dict[str, pd.DataFrame]) -> None:
    assert 100_000 <= len(demo["enrollments"]) <= 130_000
    assert set(demo["programs"]["program_id"]) == {
        "jambi-bkbk-2024",
        "jambi-bkbk-2025",
        "inhil-apbd-2024",
        "inhil-apbd-2025",
        "inhu-apbdes-2025",
        "bengkalis-apbd-2025",
        "kukar-apbdes-2024",
    }


def test_niks_are_valid_and_unique(clean: dict[str, pd.DataFrame]) -> None:
    enrollments = clean["enrollments"]
    nik = enrollments["nik"]
    assert nik.str.fullmatch(r"\d{16}").all()
    assert not enrollments[["nik", "program_id"]].duplicated().any()
    # One NIK in two programmes only as a worker renewed into the successor programme.
    successor = clean["programs"].set_index("program_id")["predecessor_id"]
    twice = enrollments[nik.duplicated(keep=False)].sort_values(["nik", "program_id"])
    pairs = twice.groupby("nik")["program_id"].agg(tuple)
    assert len(pairs) > 0
    assert all(successor[new] == old for old, new in pairs), pairs.value_counts()
    village = normalise_codes(enrollments["village_code"]).str.replace(".", "", regex=False)
    assert (nik.str.slice(0, 6) == village.str.slice(0, 6)).all()
    day = nik.str.slice(6, 8).astype(int)
    day = day.where(day <= 40, day - 40)
    yy = nik.str.slice(10, 12).astype(int)
    birth = pd.to_datetime(
        {
            "year": yy.where(yy > 25, yy + 100) + 1900,
            "month": nik.str.slice(8, 10).astype(int),
            "day": day,
        },
        errors="coerce",
    )
    assert birth.notna().all()
    age = (pd.Timestamp(DEMO_AS_OF) - birth).dt.days / 365.25
    assert age.between(18, 61).all()
    assert (nik.str.slice(12, 16) != "0000").all()
    covered = clean["coverage"]
    assert not covered[["nik", "program_id"]].duplicated().any()
    assert covered["nik"].isin(nik).all()


def test_every_code_is_in_the_gazetteer(clean: dict[str, pd.DataFrame]) -> None:
    for name, column in CODE_COLUMNS:
        written = clean[name][column]
        codes = normalise_codes(written)
        assert codes.notna().all(), (name, column)
        assert codes.isin(list(GAZETTEER.names)).all(), (name, column)


def test_formats_vary_as_in_real_submissions(clean: dict[str, pd.DataFrame]) -> None:
    dates = clean["enrollments"]["registered_date"]
    assert dates.str.contains("/").any() and dates.str.contains("-").any()
    assert parse_dates(dates).notna().all()
    amounts = clean["allocations"]["allocated_amount"]
    assert amounts.str.startswith("Rp").any() and amounts.str.fullmatch(r"\d+").any()
    parse_amounts(amounts)
    codes = clean["enrollments"]["village_code"]
    assert codes.str.contains(".", regex=False).any() and codes.str.fullmatch(r"\d{10}").any()


def test_amounts_add_up(clean: dict[str, pd.DataFrame]) -> None:
    allocations = clean["allocations"]
    premium = parse_amounts(allocations["premium_amount"])
    assert (premium <= parse_amounts(allocations["allocated_amount"])).all()
    target = allocations["target_workers"].astype(int)
    months = allocations["months"].astype(int)
    assert (premium == target * months * DEFAULT_PREMIUM_RATE_MONTHLY).all()
    payments = clean["premium_payments"]
    workers = payments["workers_count"].astype(int) * payments["months"].astype(int)
    assert (parse_amounts(payments["amount"]) == workers * DEFAULT_PREMIUM_RATE_MONTHLY).all()


def test_jambi_bkbk_covers_every_jambi_desa_and_all_money_reached_the_districts(
    clean: dict[str, pd.DataFrame],
) -> None:
    allocations = clean["allocations"]
    jambi = allocations[allocations["program_id"] == "jambi-bkbk-2025"]
    units = normalise_codes(jambi["unit_code"])
    assert units.is_unique
    assert set(units) == set(GAZETTEER.desa_in("15"))
    allocated = parse_amounts(jambi["allocated_amount"]).groupby(units.str.slice(0, 5).values).sum()
    transfers = clean["district_transfers"]
    transfers = transfers[transfers["program_id"] == "jambi-bkbk-2025"]
    sent = (
        parse_amounts(transfers["amount"])
        .groupby(normalise_codes(transfers["district_code"]).values)
        .sum()
    )
    pd.testing.assert_series_equal(allocated.sort_index(), sent.sort_index(), check_names=False)

    villages = clean["village_transfers"]
    villages = villages[villages["program_id"] == "jambi-bkbk-2025"]
    received = (
        parse_amounts(villages["amount"])
        .groupby(normalise_codes(villages["village_code"]).values)
        .sum()
    )
    due = parse_amounts(jambi["allocated_amount"]).set_axis(units.values)
    complete = (received.reindex(due.index, fill_value=0) >= due).mean()
    assert 0.4 <= complete <= 0.6  # about half the desa got their money


def test_inhil_apbd_targets_exactly_2000_workers_and_paid_for_1500(
    clean: dict[str, pd.DataFrame],
) -> None:
    allocations = clean["allocations"]
    inhil = allocations[allocations["program_id"] == "inhil-apbd-2025"]
    assert len(inhil) == 1
    assert normalise_codes(inhil["unit_code"]).tolist() == ["14.04"]
    assert inhil["target_workers"].tolist() == ["2000"]
    enrollments = clean["enrollments"]
    workers = enrollments[enrollments["program_id"] == "inhil-apbd-2025"]
    assert len(workers) == 2000
    assert normalise_codes(workers["village_code"]).str.startswith("14.04.").all()
    payments = clean["premium_payments"]
    paid = payments[payments["program_id"] == "inhil-apbd-2025"]
    assert paid["workers_count"].astype(int).sum() == 1500


def test_inhu_apbdes_is_a_subset_of_indragiri_hulu_desa(clean: dict[str, pd.DataFrame]) -> None:
    allocations = clean["allocations"]
    units = normalise_codes(
        allocations.loc[allocations["program_id"] == "inhu-apbdes-2025", "unit_code"]
    )
    assert 60 <= len(units) <= 100
    assert set(units) <= set(GAZETTEER.desa_in("14.02"))


def test_workers_register_before_their_cover_starts(clean: dict[str, pd.DataFrame]) -> None:
    enrollments = clean["enrollments"].assign(
        registered=lambda f: parse_dates(f["registered_date"])
    )
    coverage = clean["coverage"].assign(
        start=lambda f: parse_dates(f["coverage_start"]),
        end=lambda f: parse_dates(f["coverage_end"]),
    )
    joined = coverage.merge(enrollments, on=["nik", "program_id"])
    assert len(joined) == len(coverage)
    assert (joined["registered"] < joined["start"]).all()
    assert (joined["start"] <= joined["end"]).all()
    assert set(coverage["status"]) == {"AKTIF", "NON_AKTIF"}


def test_nothing_is_dated_after_as_of() -> None:
    as_of = dt.date(2025, 3, 31)
    frames = generate_province("14", 3, as_of)
    for name, source in SOURCES.items():
        if source.known_date is None or frames[name].empty:
            continue
        dates = parse_dates(frames[name][source.known_date]).dropna()
        assert (dates <= pd.Timestamp(as_of)).all(), name
    later = generate_province("14", 3, DEMO_AS_OF)
    assert len(frames["premium_payments"]) < len(later["premium_payments"])


def test_the_bad_rows_get_the_reasons_they_were_made_for(demo: dict[str, pd.DataFrame]) -> None:
    programs = validate("programs", demo["programs"], None, GAZETTEER).valid
    found: dict[tuple[str, str], int] = {}
    for name in SOURCES:
        quarantine = validate(name, demo[name], programs, GAZETTEER).quarantine
        for reason, count in quarantine["reason"].value_counts().items():
            found[(name, str(reason))] = int(count)
    assert found == {(name, str(reason)): n for (name, reason), n in EXPECTED_QUARANTINE.items()}
    # The unknown village is a Jambi desa's code from before the 2025 edition, and says so.
    enrollments = validate("enrollments", demo["enrollments"], programs, GAZETTEER).quarantine
    unknown = enrollments.loc[enrollments["reason"] == "UNKNOWN_REGION", "detail"]
    assert unknown.tolist() == [
        "village_code: expected a Kemendagri region code like 15.08.01.2001, found "
        "'15.01.02.2009' (retired in the Kepmendagri 2025 edition; was Koto Iman, now "
        "15.01.22.2011)"
    ]


def test_any_province_gets_all_three_kinds_of_programme() -> None:
    frames = generate_province("21", 1, DEMO_AS_OF)
    assert sorted(frames["programs"]["funding_source"]) == ["APBD", "APBDES", "BKBK"]
    assert set(frames["programs"]["province_code"]) == {"21"}
    nik = frames["enrollments"]["nik"]
    assert nik[nik.str.len() == 16].str.startswith("21").all()


def test_an_unknown_province_is_refused() -> None:
    with pytest.raises(ValueError, match="not a province"):
        generate_province("99", 1, DEMO_AS_OF)


def test_write_folder_writes_seven_csv_files_pandas_can_read(
    demo: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    paths = write_folder(demo, tmp_path / "input")
    # The demo ships the optional files too (issue 15).
    assert sorted(p.name for p in paths) == sorted(f"{name}.csv" for name in SOURCES)
    for path in paths:
        name = path.stem
        read = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        assert list(read.columns) == SOURCES[name].columns
        assert len(read) == len(demo[name])
        assert np.array_equal(read.to_numpy(), demo[name].to_numpy(dtype=object))
