"""The report's district maps: the outlines the package ships, how a border two districts share
is simplified, which districts are drawn in which colour, and what a district says on hover."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import math
import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest

from rantai.monev.data import Monev
from rantai.monev.maps import (
    MONEY_COLOURS,
    NO_PROGRAMME,
    WORKER_COLOURS,
    district_figures,
    district_map,
    outlines,
)
from rantai.scope import Scope

ROOT = Path(__file__).resolve().parents[3]
SHARED = next(
    (
        up / "shared" / "data" / "boundaries" / "districts_2025.jsonl"
        for up in ROOT.parents
        if (up / "shared" / "data" / "boundaries" / "districts_2025.jsonl").exists()
    ),
    None,
)


def _tool():
    spec = importlib.util.spec_from_file_location(
        "simplify_boundaries", ROOT / "tools" / "simplify_boundaries.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def monev(province: str | None, programs: list[str], districts: list[dict], resting: list[dict]):
    empty = pd.DataFrame()
    return Monev(
        as_of=dt.date(2025, 11, 7),
        scope=Scope(province_code=province),
        programs=pd.DataFrame(
            {"program_id": [f"p{p}" for p in programs], "province_code": programs}
        ),
        districts=pd.DataFrame(
            districts,
            columns=[
                "program_id",
                "district_code",
                "allocated",
                "workers_targeted",
                "workers_active",
            ],
        ),
        waiting=empty,
        delays=empty,
        money_at_rest=pd.DataFrame(resting, columns=["level", "district_code", "amount"]),
        history=empty,
        losses=empty,
        league=empty,
        stalls=empty,
    )


JAMBI = monev(
    "15",
    ["15"],
    [
        # Bungo in two programmes: Rp1.000.000 allocated, 400 targeted, 300 covered.
        {
            "program_id": "a",
            "district_code": "15.08",
            "allocated": 600_000,
            "workers_targeted": 300,
            "workers_active": 250,
        },
        {
            "program_id": "b",
            "district_code": "15.08",
            "allocated": 400_000,
            "workers_targeted": 100,
            "workers_active": 50,
        },
        # Tebo: everything still at the province, nobody covered.
        {
            "program_id": "a",
            "district_code": "15.09",
            "allocated": 2_000_000,
            "workers_targeted": 50,
            "workers_active": 0,
        },
    ],
    [
        {"level": "province", "district_code": "15.08", "amount": 100_000},
        {"level": "district", "district_code": "15.08", "amount": 50_000},
        {"level": "village", "district_code": "15.08", "amount": 50_000},
        {"level": "province", "district_code": "15.09", "amount": 2_000_000},
    ],
)


def uses(svg: str) -> dict[str, list[tuple[str, str]]]:
    """Each district's (fill, title) in the order of the panels."""
    out: dict[str, list[tuple[str, str]]] = {}
    # One group a district: its title, then its outline on each panel.
    for title, code, money, workers in re.findall(
        r'<g><title>(.*?)</title><use href="#dm([\d-]+)" fill="(#[0-9a-f]+)"/>'
        r'<use href="#dm\2"(?: [xy]="\d+")+ fill="(#[0-9a-f]+)"/></g>',
        svg,
        re.S,
    ):
        out[code.replace("-", ".")] = [(money, unescape(title)), (workers, unescape(title))]
    return out


def test_the_package_ships_every_district_of_the_2025_boundaries():
    for level in ("province", "national"):
        districts = outlines(level)
        assert len(districts) == 514
        assert all(
            o.polygons and all(len(r) >= 3 for p in o.polygons for r in p)
            for o in districts.values()
        )
        lng, lat = districts["15.08"].polygons[0][0][0]  # Bungo lies at about 102E 1.5S
        assert 101 < lng < 103 and -2.5 < lat < -1
    folder = ROOT / "rantai" / "data" / "boundaries"
    assert (folder / "LICENSE").exists() and "MIT" in (folder / "LICENSE").read_text()
    assert "simplify_boundaries.py" in (folder / "SOURCE.md").read_text()
    # Small enough to ship: a fraction of the 6.5 MB original.
    assert (folder / "districts_national.json").stat().st_size < 250_000
    assert (folder / "districts_province.json").stat().st_size < 700_000
    if SHARED is not None:
        codes = {json.loads(line)["code"] for line in SHARED.open()}
        assert codes == set(outlines("province"))


def test_a_shared_border_is_simplified_alike_on_both_sides():
    tool = _tool()
    # Two districts sharing a wavy border near x = 1, drawn in opposite directions; the right
    # one's ring starts in the middle of the border, where a Douglas-Peucker of the whole ring
    # would anchor itself and keep other points than the left one's does.
    wave = [
        [y / 40, 1 + 0.02 * math.sin(y / 40 * 9) + 0.01 * math.sin(y / 40 * 23)] for y in range(41)
    ]
    left = [[0, 0], *wave, [1, 0], [0, 0]]  # [lat, lng]
    right = [*wave[::-1], [0, 2], [1, 2]]
    right = right[27:] + right[:27]
    records = [
        {"code": "1.01", "name": "L", "rings": [left + left[:1]]},
        {"code": "1.02", "name": "R", "rings": [right + right[:1]]},
    ]
    out = {d["code"]: d for d in tool.simplify(records, 1000, 0.005, 0.0)}

    def border(code: str) -> set[tuple[int, int]]:
        flat = out[code]["polygons"][0][0]
        x = y = 0
        found = set()
        for i in range(0, len(flat), 2):
            x, y = x + flat[i], y + flat[i + 1]
            found.add((x, y))
        return {(x, y) for x, y in found if 900 <= x <= 1100 and 0 < y < 1000}

    assert border("1.01") == border("1.02")
    assert 4 <= len(border("1.01")) < 39  # simplified, not kept whole nor flattened


def test_each_district_is_coloured_by_its_shares_and_says_its_figures():
    figures = district_figures(JAMBI)
    assert figures.loc["15.08", "at_rest"] == 200_000
    assert figures.loc["15.08", "money_share"] == pytest.approx(0.2)
    assert figures.loc["15.08", "workers_share"] == pytest.approx(100 / 400)
    assert figures.loc["15.09", "money_share"] == 1

    svg = district_map(JAMBI)
    drawn = uses(svg)
    jambi = {c for c in outlines("province") if c.startswith("15.")}
    assert set(drawn) == jambi  # the province's districts, and only them
    assert all(len(panels) == 2 for panels in drawn.values())  # money, then workers
    (money, title), (workers, _) = drawn["15.08"]
    assert money == MONEY_COLOURS[1]  # 20%: the 10–25% class
    assert workers == WORKER_COLOURS[0 + 1]  # 25%: the 10–25% class (upper bound included)
    assert "Kabupaten Bungo (15.08)" in title
    assert "20%" in title and "Rp200.000" in title and "Rp1,0 jt" in title
    assert "25%" in title and "100 dari/of 400" in title
    assert drawn["15.09"][0][0] == MONEY_COLOURS[-1] and drawn["15.09"][1][0] == WORKER_COLOURS[-1]
    # A district without a programme is grey on both panels and says so.
    assert drawn["15.01"] == [(NO_PROGRAMME, drawn["15.01"][0][1])] * 2
    assert "no programme" in drawn["15.01"][0][1]
    # No scripts, nothing fetched; a legend under each panel.
    assert "<script" not in svg and "http" not in svg and "url(" not in svg
    assert svg.count("75–100%") == 2 and svg.count("tanpa program") == 2
    assert len(svg) < 60_000  # a province map: tens of kilobytes


def test_a_report_over_provinces_draws_the_nation():
    nation = monev(
        None,
        ["15", "14"],
        [
            {
                "program_id": "a",
                "district_code": "14.04",
                "allocated": 10,
                "workers_targeted": 10,
                "workers_active": 10,
            }
        ],
        [],
    )
    svg = district_map(nation)
    drawn = uses(svg)
    assert len(drawn) == 514
    assert drawn["14.04"][0][0] == MONEY_COLOURS[0] and drawn["14.04"][1][0] == WORKER_COLOURS[0]
    assert drawn["94.01"][0][0] == NO_PROGRAMME  # a 2025 Papua Tengah district
    assert len(svg) < 400_000  # a few hundred kilobytes at most
    # One province's programmes only: that province, even without --province.
    assert len(uses(district_map(monev(None, ["15"], [], [])))) == len(
        [c for c in outlines("province") if c.startswith("15.")]
    )
