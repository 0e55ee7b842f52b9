"""The national generator: every desa of the gazetteer allocated, a mix of BKBK, APBD and
APBDES programmes in every province, about N workers, deterministic, and a next-day delivery
that corrects a share of the records and nothing else."""

from __future__ import annotations

import collections
from pathlib import Path

import pandas as pd
import pytest

from rantai.cli import main
from rantai.ingest import validate_load
from rantai.records import SOURCES
from rantai.regions import is_desa_code, load_gazetteer, normalise_codes
from samples import national_plans, national_province, write_national
from samples.claims import NOT_COVERED

GAZETTEER = load_gazetteer()
PROVINCES = sorted(c for c in GAZETTEER.names if len(c) == 2)
DESA = sorted(c for c in GAZETTEER.names if is_desa_code(c))


@pytest.fixture(scope="module")
def plans():
    return national_plans(workers=200_000, seed=5)


@pytest.fixture(scope="module")
def riau(plans):
    return national_province("14", plans["14"], seed=5)


def test_every_province_has_a_mix_of_programmes_with_unique_ids(plans) -> None:
    assert sorted(plans) == PROVINCES
    ids = [p.program_id for mine in plans.values() for p in mine]
    assert len(ids) == len(set(ids))
    kinds = collections.Counter(p.funding.value for mine in plans.values() for p in mine)
    with_desa = {c[:2] for c in DESA}
    assert kinds["BKBK"] == len(with_desa)  # every province that has desa
    assert kinds["APBD"] >= len(PROVINCES) and kinds["APBDES"] >= len(with_desa)
    for province, mine in plans.items():
        funding = {p.funding.value for p in mine}
        assert "APBD" in funding, province
        assert province not in with_desa or funding == {"BKBK", "APBD", "APBDES"}, province


def test_a_province_allocates_every_desa_once_and_its_bad_rows_are_quarantined(riau) -> None:
    validated = validate_load(riau, pd.DataFrame(), GAZETTEER)
    allocations = validated["allocations"].valid
    units = allocations["unit_code"]
    desa = [c for c in DESA if c.startswith("14.")]
    in_desa = units[units.str.len() == 13]
    assert sorted(in_desa) == desa  # each desa exactly once: BKBK or its own Dana Desa
    assert (units[units.str.len() == 5].isin([c for c in GAZETTEER.names if len(c) == 5])).all()
    reasons = {
        str(reason)
        for result in validated.values()
        for reason in result.quarantine["reason"].unique()
    }
    assert reasons == {
        "NOT_A_DESA",
        "INCONSISTENT",
        "REGION_MISMATCH",
        "BAD_DATE",
        "DUPLICATE_ID_CONFLICT",
        "INVALID_NIK",
        "UNKNOWN_REGION",
        "MISSING_FIELD",
        "BAD_AMOUNT",
        "UNKNOWN_PROGRAM",
        "BAD_INT",
    }
    bad = sum(len(r.quarantine) for r in validated.values())
    assert bad < sum(len(f) for f in riau.values()) / 100  # a small share


def test_the_next_delivery_corrects_a_share_of_the_records_and_keeps_the_rest(plans, riau) -> None:
    again = national_province("14", plans["14"], seed=5)
    later = national_province("14", plans["14"], seed=5, changed=0.01)
    for name in SOURCES:
        assert again[name].equals(riau[name]), name
        assert len(later[name]) == len(riau[name]), name
        differs = (later[name] != riau[name]).any(axis=1)
        if name != "programs" and len(riau[name]) >= 200:
            assert 0.005 < differs.mean() <= 0.011, name
        key = list(SOURCES[name].key)
        # Corrections keep their key: the same records, other content.
        same_key = (later[name][key] == riau[name][key]).all(axis=1)
        assert same_key[differs].all(), name


def test_workers_add_up_to_about_n_over_the_nation(plans) -> None:
    targets = sum(
        p.target if p.funding.value == "APBD" else 0 for mine in plans.values() for p in mine
    )
    assert targets > 0
    scale = next(iter(plans.values()))[0].scale
    assert all(p.scale == scale for mine in plans.values() for p in mine)


def test_national_files_are_the_same_bytes_in_parallel_and_stream_by_province(
    tmp_path: Path,
) -> None:
    one = write_national(tmp_path / "one", 200_000, 5, provinces=["21", "31"])
    two = write_national(tmp_path / "two", 200_000, 5, provinces=["21", "31"], processes=2)
    for first, second in zip(one, two, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name
    enrolled = pd.read_csv(tmp_path / "one" / "enrollments.csv", dtype=str)
    assert set(normalise_codes(enrolled["village_code"]).dropna().str.slice(0, 2)) == {"21", "31"}


def test_the_whole_nation_from_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "nation"
    assert (
        main(["generate", "--national", "--workers", "100000", "--seed", "3", "--out", str(out)])
        == 0
    )
    allocations = pd.read_csv(out / "allocations.csv", dtype=str)
    units = set(normalise_codes(allocations["unit_code"]).dropna())
    assert set(DESA) <= units  # all 75,266 desa (14 of them desa adat)
    enrolled = sum(1 for _ in (out / "enrollments.csv").open()) - 1
    assert 95_000 < enrolled < 110_000
    # Payments buy periods, and covered workers claim at plausible rates.
    payments = pd.read_csv(out / "premium_payments.csv", dtype=str, keep_default_na=False)
    assert (payments["period_start"] != "").all()
    dates = {c: "mixed" for c in ("coverage_start", "coverage_end")}
    coverage = pd.read_csv(out / "coverage.csv", dtype=str)
    aktif = coverage[coverage["status"] == "AKTIF"]
    start, end = (pd.to_datetime(aktif[c], format=f, dayfirst=True) for c, f in dates.items())
    until = end.clip(upper=pd.Timestamp("2025-11-07"))
    years = ((until - start).dt.days.clip(lower=0) + 1).sum() / 365.25
    claims = pd.read_csv(out / "claims.csv", dtype=str, keep_default_na=False)
    # Workers never covered have accidents and die too: their families' claims are rejected.
    uncovered = claims["reject_reason"] == NOT_COVERED
    assert 0 < uncovered.sum() < len(claims) / 2
    per_thousand = claims.loc[~uncovered, "benefit"].value_counts() / years * 1000
    assert 1.5 <= per_thousand["JKM"] <= 6  # about 3 deaths per 1,000 workers a year
    assert 2.5 <= per_thousand["JKK"] <= 10  # about 5 work accidents
    assert set(claims["status"]) == {"SUBMITTED", "PAID", "REJECTED"}


@pytest.mark.parametrize(
    "argv",
    [
        ["generate", "--national", "--workers", "0", "--out", "x"],
        ["generate", "--national", "--changed", "2", "--out", "x"],
        ["generate", "--province", "15", "--workers", "10", "--out", "x"],
        ["generate", "--province", "15", "--national", "--out", "x"],
    ],
)
def test_bad_national_invocations_exit_2(argv: list[str], capsys) -> None:
    assert main(argv) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
