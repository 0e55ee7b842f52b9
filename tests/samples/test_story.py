"""The demo's story across 2024 and 2025 (issue 14): the five seed situations with their own
figures, cover that follows the payments, renewals, claims, and the families the chain failed.

Checked on the demo as the validator reads it (`rantai.ingest.validate_load`), so every figure
is the one a run would see. Stall counts are the engine's and are not pinned here: the story's
inputs are.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from rantai.chain import episode_months, period_end, unit_of_worker
from rantai.ingest import validate_load
from rantai.records import JKM_BENEFIT, SOURCES
from rantai.regions import load_gazetteer
from samples import DEMO_AS_OF, generate_demo, generate_province

GAZETTEER = load_gazetteer()
BENGKALIS_HEIRS = {
    "14.03.01.2022": "Kelebuk",
    "14.03.01.2025": "Prapat Tunggal",
    "14.03.02.2003": "Bantan Tua",
}


def _typed(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    validated = validate_load(frames, pd.DataFrame(), GAZETTEER)
    return {name: result.valid for name, result in validated.items()}


@pytest.fixture(scope="module")
def clean() -> dict[str, pd.DataFrame]:
    """The demo without its bad rows, as the validator types it (nothing may be quarantined)."""
    frames = [
        generate_province(p, 2025, DEMO_AS_OF, with_bad_rows=False) for p in ("15", "14", "64")
    ]
    raw = {name: pd.concat([f[name] for f in frames], ignore_index=True) for name in SOURCES}
    validated = validate_load(raw, pd.DataFrame(), GAZETTEER)
    for name, result in validated.items():
        assert result.quarantine.empty, (name, result.quarantine.head().to_dict("records"))
    return {name: result.valid for name, result in validated.items()}


@pytest.fixture(scope="module")
def units(clean: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every enrolment with the unit it counts for (its desa; its district for APBD)."""
    enrollments = clean["enrollments"]
    funding = enrollments["program_id"].map(
        clean["programs"].set_index("program_id")["funding_source"]
    )
    return enrollments.assign(unit_code=unit_of_worker(enrollments["village_code"], funding))


def _day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def test_programmes_of_2024_are_the_predecessors_of_2025(clean: dict[str, pd.DataFrame]) -> None:
    programs = clean["programs"].set_index("program_id")
    assert programs.loc["jambi-bkbk-2024", "fiscal_year"] == 2024
    assert programs.loc["jambi-bkbk-2025", "predecessor_id"] == "jambi-bkbk-2024"
    assert programs.loc["inhil-apbd-2024", "fiscal_year"] == 2024
    assert programs.loc["inhil-apbd-2025", "predecessor_id"] == "inhil-apbd-2024"
    assert programs.loc["inhil-apbd-2025", "pks_date"] == _day("2025-02-26")
    assert programs.loc["inhu-apbdes-2025", "funding_source"] == "APBDES"
    kukar = programs.loc["kukar-apbdes-2024"]
    assert (kukar["funding_source"], kukar["province_code"], kukar["fiscal_year"]) == (
        "APBDES",
        "64",
        2024,
    )
    bengkalis = programs.loc["bengkalis-apbd-2025"]
    assert (bengkalis["funding_source"], bengkalis["province_code"]) == ("APBD", "14")


def test_jambi_2024_money_mostly_still_held_at_the_end_of_2024(
    clean: dict[str, pd.DataFrame],
) -> None:
    allocations = clean["allocations"]
    allocated = allocations.loc[
        allocations["program_id"] == "jambi-bkbk-2024", "allocated_amount"
    ].sum()
    districts = clean["district_transfers"]
    reached = districts.loc[districts["program_id"] == "jambi-bkbk-2024", "amount"].sum()
    assert reached == allocated  # all of it reached the districts
    villages = clean["village_transfers"]
    by_year_end = villages[
        (villages["program_id"] == "jambi-bkbk-2024")
        & (villages["transfer_date"] <= _day("2024-12-31"))
    ]["amount"].sum()
    held = 1 - by_year_end / allocated
    assert 0.55 <= held <= 0.70  # "up to 70% still held at the end of 2024"


def test_jambi_2025_reached_every_district_and_about_half_the_village_accounts(
    clean: dict[str, pd.DataFrame],
) -> None:
    allocations = clean["allocations"]
    mine = allocations[allocations["program_id"] == "jambi-bkbk-2025"]
    districts = clean["district_transfers"]
    assert districts.loc[districts["program_id"] == "jambi-bkbk-2025", "amount"].sum() == (
        mine["allocated_amount"].sum()
    )
    villages = clean["village_transfers"]
    received = villages[villages["program_id"] == "jambi-bkbk-2025"].groupby("village_code")[
        "amount"
    ]
    complete = (
        received.sum().reindex(mine["unit_code"], fill_value=0).to_numpy()
        >= mine["allocated_amount"].to_numpy()
    )
    assert 0.4 <= complete.mean() <= 0.6


def test_indragiri_hilir_2000_workers_since_2024_renewed_as_their_cover_ended(
    clean: dict[str, pd.DataFrame],
) -> None:
    allocations = clean["allocations"].set_index("program_id")
    for program in ("inhil-apbd-2024", "inhil-apbd-2025"):
        assert allocations.loc[program, "target_workers"] == 2000
        assert allocations.loc[program, "unit_code"] == "14.04"
    payments = clean["premium_payments"].set_index("program_id")
    paid_2024 = payments.loc["inhil-apbd-2024"]
    paid_2025 = payments.loc["inhil-apbd-2025"]
    assert paid_2025["paid_date"] >= _day("2025-02-26")  # after the PKS
    assert paid_2025["workers_count"] == 1500
    # The 2025 period starts the day after the 2024 period ends.
    end_2024 = period_end(np.array([paid_2024["period_start"]]), paid_2024["months"])[0]
    assert pd.Timestamp(end_2024) + pd.Timedelta(days=1) == paid_2025["period_start"]
    coverage = clean["coverage"]
    aktif = coverage[coverage["status"] == "AKTIF"]
    old = aktif[aktif["program_id"] == "inhil-apbd-2024"].set_index("nik")
    new = aktif[aktif["program_id"] == "inhil-apbd-2025"].set_index("nik")
    renewed = old.index.intersection(new.index)
    assert len(renewed) > 1000
    gap = new.loc[renewed, "coverage_start"] - old.loc[renewed, "coverage_end"]
    assert (gap == pd.Timedelta(days=1)).all()  # the covers meet


def test_renewed_workers_are_never_paid_for_twice(clean: dict[str, pd.DataFrame]) -> None:
    """A NIK in two programmes is last year's worker renewed: the covers meet or leave a lapse,
    never overlap (NIK_ENROLLED_TWICE needs 30 days)."""
    aktif = clean["coverage"][clean["coverage"]["status"] == "AKTIF"]
    predecessor = clean["programs"].set_index("program_id")["predecessor_id"].dropna()
    pairs = aktif.merge(aktif, on="nik", suffixes=("_new", "_old"))
    pairs = pairs[pairs["program_id_new"].map(predecessor) == pairs["program_id_old"]]
    assert pairs["program_id_new"].nunique() == 2  # Jambi and Indragiri Hilir
    assert (pairs["coverage_start_new"] > pairs["coverage_end_old"]).all()
    meet = pairs["coverage_start_new"] - pairs["coverage_end_old"] == pd.Timedelta(days=1)
    assert meet.sum() > 1000
    assert (~meet).any()  # some desa paid late: their workers lapsed in between


def test_bengkalis_allocated_6_1_billion_and_paid_5_9_billion(
    clean: dict[str, pd.DataFrame],
) -> None:
    allocations = clean["allocations"]
    mine = allocations[allocations["program_id"] == "bengkalis-apbd-2025"]
    assert mine["unit_code"].tolist() == ["14.03"]
    assert round(mine["allocated_amount"].sum() / 1e9, 1) == 6.1
    payments = clean["premium_payments"]
    paid = payments.loc[payments["program_id"] == "bengkalis-apbd-2025", "amount"].sum()
    assert round(paid / 1e9, 1) == 5.9


def test_bengkalis_paid_three_jkm_claims_on_2025_09_22_in_the_named_villages(
    clean: dict[str, pd.DataFrame],
) -> None:
    for code, name in BENGKALIS_HEIRS.items():
        assert GAZETTEER.name(code) == name
    claims = clean["claims"].merge(
        clean["enrollments"][["nik", "program_id", "village_code"]], on=["nik", "program_id"]
    )
    handed = claims[
        (claims["program_id"] == "bengkalis-apbd-2025")
        & (claims["benefit"] == "JKM")
        & (claims["status"] == "PAID")
        & (claims["paid_date"] == _day("2025-09-22"))
        & claims["village_code"].isin(list(BENGKALIS_HEIRS))
    ]
    assert sorted(handed["village_code"]) == sorted(BENGKALIS_HEIRS)
    assert (handed["paid_amount"] == JKM_BENEFIT).all()
    # Each died while covered.
    cover = handed.merge(clean["coverage"], on=["nik", "program_id"], suffixes=("", "_cover"))
    inside = (cover["coverage_start"] <= cover["event_date"]) & (
        cover["event_date"] <= cover["coverage_end"]
    )
    assert (inside & (cover["status_cover"] == "AKTIF")).sum() == 3


def test_kutai_kartanegara_2024_handed_claims_over_at_its_monev(
    clean: dict[str, pd.DataFrame],
) -> None:
    allocations = clean["allocations"]
    units = allocations.loc[allocations["program_id"] == "kukar-apbdes-2024", "unit_code"]
    assert len(units) > 10
    assert set(units) <= set(GAZETTEER.desa_in("64.02"))
    claims = clean["claims"]
    handed = claims[
        (claims["program_id"] == "kukar-apbdes-2024")
        & (claims["status"] == "PAID")
        & (claims["paid_date"] == _day("2024-11-19"))
    ]
    assert set(handed["benefit"]) == {"JKM", "JKK"}
    assert (handed["claim_date"] <= _day("2024-11-19")).all()


def test_cover_episodes_follow_the_payments_except_the_planted_faults(
    clean: dict[str, pd.DataFrame], units: pd.DataFrame
) -> None:
    payments = clean["premium_payments"]
    assert payments["period_start"].notna().all()
    assert (payments["period_start"] >= payments["paid_date"]).all()
    coverage = clean["coverage"].merge(
        units[["nik", "program_id", "unit_code"]], on=["nik", "program_id"]
    )
    # Each episode against the periods its unit paid for (one or two payments).
    periods = payments.rename(columns={"payer_code": "unit_code"})[
        ["program_id", "unit_code", "period_start", "months"]
    ]
    periods = periods.assign(period_end=period_end(periods["period_start"], periods["months"]))
    matched = coverage.merge(periods, on=["program_id", "unit_code"])
    follows = (matched["coverage_start"] == matched["period_start"]) & (
        matched["coverage_end"] == matched["period_end"]
    )
    key = ["nik", "program_id"]
    exact = follows.groupby([matched[k] for k in key]).any()
    assert len(exact) == len(coverage)  # every episode is of a unit that paid
    assert exact.mean() >= 0.9
    # A worker paid for 12 months has 12 months of cover.
    aktif = coverage[coverage["status"] == "AKTIF"]
    months = episode_months(aktif["coverage_start"], aktif["coverage_end"])
    assert (months == 12).mean() >= 0.9
    # The planted faults: late activation, half the months recorded, NON_AKTIF.
    late = matched[
        (matched["coverage_start"] > matched["period_start"])
        & (matched["coverage_end"] == matched["period_end"])
    ]
    assert late["status"].eq("AKTIF").any()
    assert (months == 6).any()
    assert (coverage["status"] == "NON_AKTIF").any()


def test_claims_come_at_a_plausible_rate_with_every_status(
    clean: dict[str, pd.DataFrame],
) -> None:
    claims = clean["claims"]
    assert set(claims["status"]) == {"SUBMITTED", "PAID", "REJECTED"}
    assert claims["claim_id"].is_unique
    aktif = clean["coverage"][clean["coverage"]["status"] == "AKTIF"]
    until = np.minimum(aktif["coverage_end"], pd.Timestamp(DEMO_AS_OF))
    years = ((until - aktif["coverage_start"]).dt.days.clip(lower=0) + 1).sum() / 365.25
    per_thousand = claims["benefit"].value_counts() / years * 1000
    assert 1.5 <= per_thousand["JKM"] <= 6  # about 3 deaths per 1,000 workers a year
    assert 2.5 <= per_thousand["JKK"] <= 10  # about 5 work accidents
    paid = claims[claims["status"] == "PAID"]
    assert (paid.loc[paid["benefit"] == "JKM", "paid_amount"] == JKM_BENEFIT).all()
    assert (paid["paid_date"] >= paid["claim_date"]).all()
    assert (claims["event_date"] <= claims["claim_date"]).all()
    assert (claims["claim_date"] <= pd.Timestamp(DEMO_AS_OF)).all()


def test_a_death_in_a_stalled_village_of_a_worker_never_covered(
    clean: dict[str, pd.DataFrame], units: pd.DataFrame
) -> None:
    """The protection failure the issue asks for: enrolled, never covered, and the desa never
    got its BKBK money although its district had it."""
    claims = clean["claims"].merge(
        units[["nik", "program_id", "unit_code", "registered_date"]], on=["nik", "program_id"]
    )
    coverage = clean["coverage"]
    episodes = coverage[coverage["status"] == "AKTIF"].merge(
        claims[["claim_id", "nik", "event_date"]], on="nik"
    )
    inside = episodes[
        (episodes["coverage_start"] <= episodes["event_date"])
        & (episodes["event_date"] <= episodes["coverage_end"])
    ]
    failures = claims[
        ~claims["claim_id"].isin(inside["claim_id"])
        & (claims["registered_date"] <= claims["event_date"])
    ]
    villages = clean["village_transfers"]
    districts = clean["district_transfers"]
    jambi = failures[(failures["program_id"] == "jambi-bkbk-2025") & (failures["benefit"] == "JKM")]
    assert len(jambi) >= 1
    for claim in jambi.itertuples():
        got = villages[
            (villages["program_id"] == claim.program_id)
            & (villages["village_code"] == claim.unit_code)
            & (villages["transfer_date"] <= claim.event_date)
        ]
        assert got.empty, claim.claim_id
        district_had = districts[
            (districts["program_id"] == claim.program_id)
            & (districts["district_code"] == claim.unit_code[:5])
            & (districts["transfer_date"] <= claim.event_date)
        ]
        assert not district_had.empty, claim.claim_id


def test_another_day_is_what_had_been_delivered_by_then() -> None:
    early = _typed(generate_demo(as_of=dt.date(2025, 9, 1)))
    claims = early["claims"]
    assert (claims["claim_date"] <= _day("2025-09-01")).all()
    assert (claims["paid_date"].dropna() <= _day("2025-09-01")).all()
    # Bengkalis' heirs had filed but were not paid yet.
    bengkalis = claims[
        (claims["program_id"] == "bengkalis-apbd-2025") & (claims["benefit"] == "JKM")
    ]
    waiting = bengkalis[
        bengkalis["claim_date"].isin([_day(d) for d in ("2025-08-11", "2025-08-18", "2025-08-25")])
    ]
    assert len(waiting) == 3
    assert (waiting["status"] == "SUBMITTED").all() and waiting["paid_amount"].isna().all()
    # By 2026-01-15 BPJS has reported the covers it activated late, after 2025-11-07; the
    # rest of the story is as it stood on 2025-11-07 (nothing in it happens later).
    later = _typed(generate_demo(as_of=dt.date(2026, 1, 15)))
    today = _typed(generate_demo())
    for name, source in SOURCES.items():
        new, old = (
            f.drop(columns="row_number").sort_values(list(source.key)).reset_index(drop=True)
            for f in (later[name], today[name])
        )
        if name == "coverage":
            arrived = ~new.set_index(list(source.key)).index.isin(
                old.set_index(list(source.key)).index
            )
            assert (new.loc[arrived, "coverage_start"] > pd.Timestamp(DEMO_AS_OF)).all()
            assert arrived.any()
            new = new[~arrived].reset_index(drop=True)
        pd.testing.assert_frame_equal(new, old, obj=name)


def test_rantai_demo_takes_an_evaluation_date() -> None:
    from rantai.cli import _parser

    args = _parser().parse_args(["demo", "--as-of", "2026-01-15"])
    assert args.as_of == dt.date(2026, 1, 15)
    assert _parser().parse_args(["demo"]).as_of is None  # the default, 2025-11-07


def test_claims_and_periods_are_the_same_for_a_seed_and_differ_for_another() -> None:
    first = generate_province("64", 3, DEMO_AS_OF)
    again = generate_province("64", 3, DEMO_AS_OF)
    other = generate_province("64", 4, DEMO_AS_OF)
    for name in ("claims", "premium_payments", "coverage"):
        pd.testing.assert_frame_equal(first[name], again[name])
        assert not first[name].equals(other[name]), name
