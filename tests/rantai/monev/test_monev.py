"""The Monev report's pure parts: counting each worker once, ages of money, the replay of the
flag history, the number formats, and charts that are well-formed SVG."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from rantai.chain import once_per_worker
from rantai.monev import charts
from rantai.monev.data import age_bucket, stalled_steps, unprotected_history
from rantai.monev.labels import (
    angka,
    desa_called,
    display_name,
    persen,
    rupiah_short,
    short_region,
    tanggal,
)
from rantai.regions import load_gazetteer
from rantai.scope import Scope


def steps(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["program_id", "unit_code", "stage", "workers_affected"])


def test_each_worker_counts_once_per_unit_and_per_district():
    frame = steps(
        [
            # A village's stalled transfer and its premium are the same ten workers.
            ("bkbk", "15.08.01.2001", "VILLAGE_TRANSFER", 10),
            ("bkbk", "15.08.01.2001", "PREMIUM_PAYMENT", 7),
            ("bkbk", "15.08.01.2002", "VILLAGE_TRANSFER", 5),
            # A stalled district transfer covers the district's villages: the larger counts.
            ("bkbk", "15.08", "DISTRICT_TRANSFER", 12),
            ("bkbk", "15.09", "DISTRICT_TRANSFER", 40),
            ("bkbk", "15.09.01.2001", "VILLAGE_TRANSFER", 3),
            # An APBD programme's unit is the district itself.
            ("apbd", "14.04", "PREMIUM_PAYMENT", 5),
            ("apbd", "14.04", "COVERAGE_ACTIVATION", 12),
        ]
    )
    counted = once_per_worker(frame, "workers_affected")
    assert counted.to_dict() == {
        ("apbd", "14.04"): 12,
        ("bkbk", "15.08"): 15,
        ("bkbk", "15.09"): 40,
    }
    assert once_per_worker(frame.iloc[:0], "workers_affected").empty


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "0-30"),
        (30, "0-30"),
        (31, "31-90"),
        (90, "31-90"),
        (91, "91-180"),
        (180, "91-180"),
        (181, ">180"),
    ],
)
def test_age_buckets_have_inclusive_upper_bounds(days, bucket):
    assert age_bucket(pd.Series([days])).tolist() == [bucket]


def test_history_replays_the_flags_run_by_run():
    runs = pd.DataFrame(
        {
            "run_id": ["r1", "r2", "r3", "r4", "r5"],
            "as_of": [
                dt.date(2025, 6, 30),
                dt.date(2025, 7, 31),
                dt.date(2025, 7, 31),
                dt.date(2025, 8, 15),
                dt.date(2025, 9, 30),
            ],
            "started_at": pd.to_datetime(
                [
                    "2025-07-01 06:00",
                    "2025-08-01 06:00",
                    "2025-08-01 09:00",
                    "2025-08-16 06:00",
                    "2025-10-01 06:00",
                ]
            ),
        }
    )
    events = pd.DataFrame(
        [
            ("r1", "a", "15.08.01.2001", "VILLAGE_TRANSFER", "opened", 10),
            ("r1", "a", "15.08.01.2001", "PREMIUM_PAYMENT", "opened", 10),
            ("r1", "b", "14.04", "PREMIUM_PAYMENT", "opened", 5),
            ("r2", "a", "15.08.01.2001", "VILLAGE_TRANSFER", "resolved", None),
            # A rerun the same day: the later run's picture is the day's.
            ("r3", "a", "15.08.01.2002", "PREMIUM_PAYMENT", "opened", 4),
            # r4 changed nothing; r5 is after the report date.
            ("r5", "b", "14.04", "PREMIUM_PAYMENT", "resolved", None),
        ],
        columns=["run_id", "program_id", "unit_code", "stage", "event", "workers_affected"],
    )
    history = unprotected_history(runs, events, Scope(), dt.date(2025, 8, 31))
    assert history.to_dict(orient="list") == {
        "as_of": [dt.date(2025, 6, 30), dt.date(2025, 7, 31), dt.date(2025, 8, 15)],
        "open_steps": [3, 3, 3],
        "workers": [15, 19, 19],
        "opened": [3, 1, 0],
        "resolved": [0, 1, 0],
    }
    # One programme's report replays only its own flags.
    mine = unprotected_history(runs, events, Scope(program_id="b"), dt.date(2025, 12, 31))
    assert mine["workers"].tolist() == [5, 5, 5, 0]
    assert mine["resolved"].tolist() == [0, 0, 0, 1]
    assert unprotected_history(runs.iloc[:0], events, Scope(), dt.date(2025, 8, 31)).empty


def test_numbers_and_dates_the_indonesian_way():
    assert rupiah_short(10_881_820_800) == "Rp10,9 M"
    assert rupiah_short(302_400_000) == "Rp302,4 jt"
    assert rupiah_short(2_500_000_000_000) == "Rp2,5 T"
    assert rupiah_short(16_800) == "Rp16.800"
    assert angka(52_638) == "52.638"
    assert persen(1, 3) == "33%" and persen(1, 0) == "–"
    assert tanggal(dt.date(2025, 11, 7)) == "7 November 2025"
    assert tanggal(dt.date(2025, 8, 17), short=True) == "17 Agu 2025"


def test_regions_are_named_as_the_2025_gazetteer_writes_them():
    names = load_gazetteer().names
    assert display_name(names, "15.08") == "Kabupaten Bungo"
    assert display_name(names, "15.08.01.2001") == "Pedukun"
    assert display_name(names, "99") == ""
    assert desa_called(display_name(names, "15.08.01.2001")) == "Desa Pedukun"
    assert desa_called(display_name(names, "91.03.01.3007")) == "Desa Adat Yoboi"
    # Where room is short (a chart's labels), as Indonesians abbreviate them.
    assert short_region(display_name(names, "15.08")) == "Kab. Bungo"
    assert short_region(display_name(names, "31.01")) == "Kab. Adm. Kepulauan Seribu"
    assert short_region(display_name(names, "31.71")) == "Kota Adm. Jakarta Pusat"
    assert short_region(display_name(names, "14.72")) == "Kota Dumai"


def test_charts_are_well_formed_svg_with_both_languages():
    program = {
        "funding_source": "BKBK",
        "allocated": 100,
        "transferred_to_districts": 100,
        "transferred_to_villages": 55,
        "premiums_paid": 40,
        "workers_targeted": 10,
        "workers_paid": 4,
        "workers_active": 3,
    }
    waiting = pd.DataFrame(
        {
            "days_waiting": [3, 20, 45, 200],
            "sla_days": [14, 14, 30, 30],
            "stalled": [False, True, True, True],
        }
    )
    resting = pd.DataFrame(
        {
            "level": ["district", "village"],
            "amount": [500, 20],
            "holder_code": ["15.08", "15.08.01.2001"],
            "age": [">180", "0-30"],
        }
    )
    history = pd.DataFrame(
        {
            "as_of": [dt.date(2025, 6, 30), dt.date(2025, 7, 31)],
            "open_steps": [6, 4],
            "workers": [37, 20],
        }
    )
    losses = pd.DataFrame(
        {
            "district_code": ["15.08"],
            "district_name": ["Kabupaten Bungo & Co <x>"],
            "program_id": ["a"],
            "workers": [20],
            "worker_days": [2000],
        }
    )
    drawn = [
        charts.funnel(program),
        charts.waiting_histogram(waiting, ("Pembayaran iuran", "Premium payment")),
        charts.waiting_histogram(waiting.iloc[:0], ("Pembayaran iuran", "Premium payment")),
        charts.money_at_rest(resting),
        charts.history(history),
        charts.history(history.iloc[:0]),
        charts.worker_days(losses),
    ]
    for svg in drawn:
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg")
        classes = {c for e in root.iter() for c in e.get("class", "").split()}
        assert {"l-id", "l-en"} <= classes
    assert "Kab. Bungo &amp; Co &lt;x&gt;" in drawn[-1]
    assert ">SLA 14<" in drawn[1] and ">SLA 30<" in drawn[1]
    assert ">37<" in drawn[4] and ">20<" in drawn[4]


def test_two_claims_of_one_village_are_two_steps_with_their_own_flags():
    stalls = pd.DataFrame(
        {
            "program_id": ["a", "a", "a"],
            "district_code": ["15.08"] * 3,
            "unit_code": ["15.08.01.2001"] * 3,
            "stage": ["PREMIUM_PAYMENT", "CLAIM_PAYMENT", "CLAIM_PAYMENT"],
            "case_id": ["", "K-1", "K-2"],
        }
    )
    flags = pd.DataFrame(
        {
            "program_id": ["a", "a", "a"],
            "unit_code": ["15.08.01.2001"] * 3,
            "stage": ["PREMIUM_PAYMENT", "CLAIM_PAYMENT", "CLAIM_PAYMENT"],
            "case_id": ["", "K-1", "K-2"],
            "first_flagged": [dt.date(2025, 5, 1), dt.date(2025, 6, 1), dt.date(2025, 7, 1)],
        }
    )
    shown = stalled_steps(stalls, flags, {})
    assert list(shown["first_flagged"]) == [
        dt.date(2025, 5, 1),
        dt.date(2025, 6, 1),
        dt.date(2025, 7, 1),
    ]
    assert stalled_steps(stalls.iloc[:0], flags, {}).empty

    runs = pd.DataFrame(
        {
            "run_id": ["r1", "r2"],
            "as_of": [dt.date(2025, 7, 1), dt.date(2025, 7, 15)],
            "started_at": pd.to_datetime(["2025-07-02 06:00", "2025-07-16 06:00"]),
        }
    )
    events = pd.DataFrame(
        [
            ("r1", "a", "15.08.01.2001", "CLAIM_PAYMENT", "K-1", "opened", 1),
            ("r1", "a", "15.08.01.2001", "CLAIM_PAYMENT", "K-2", "opened", 1),
            ("r2", "a", "15.08.01.2001", "CLAIM_PAYMENT", "K-1", "resolved", None),
        ],
        columns=["run_id", "program_id", "unit_code", "stage", "case_id", "event", "workers"],
    ).rename(columns={"workers": "workers_affected"})
    history = unprotected_history(runs, events, Scope(), dt.date(2025, 7, 31))
    assert history["open_steps"].tolist() == [2, 1]
    assert history["resolved"].tolist() == [0, 1]
