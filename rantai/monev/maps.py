"""The report's maps: the districts of the province in scope (or of the nation when the report
is not limited to one province) as inline SVG, each coloured by the share of its money at rest
and, in a second panel, by the share of its target workers without cover.

The outlines are the package's simplified copy of the 2025 district boundaries
(rantai/data/boundaries/, made by tools/simplify_boundaries.py; see its SOURCE.md): one level
of detail for a province, a coarser one for the nation. The map is keyed by the boundary
file's district codes (`15.08`). No scripts and nothing fetched: each district is one path,
drawn once per panel with `<use>`, and its figures are its `<title>`, which a browser shows on
hover over either panel.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib import resources

import pandas as pd

from rantai.monev.data import Monev
from rantai.monev.labels import angka, persen, rupiah_short

NATIONAL, PROVINCE = "national", "province"
# Upper bounds of the colour classes (a share in [0, 1]) and their labels.
CLASSES = [0.1, 0.25, 0.5, 0.75, 1.0]
CLASS_LABELS = ["0–10%", "10–25%", "25–50%", "50–75%", "75–100%"]
MONEY_COLOURS = ["#fff3c4", "#fdd47a", "#f5a03c", "#d8641f", "#8c3408"]
WORKER_COLOURS = ["#fde2e4", "#f7a8b4", "#e5607a", "#b3264f", "#6b0d2f"]
NO_PROGRAMME = "#d5dadf"
INK, MUTED = "#1f2933", "#616e7c"

PANELS = [
    (
        "money",
        ("Dana mengendap (bagian dari dana dialokasikan)", "Money at rest (share of allocated)"),
        MONEY_COLOURS,
    ),
    (
        "workers",
        ("Pekerja target tanpa perlindungan", "Target workers without cover"),
        WORKER_COLOURS,
    ),
]


@dataclass(frozen=True)
class Outline:
    """A district's outline: its polygons, each a list of rings of (lng, lat) degrees."""

    code: str
    name: str
    polygons: list[list[list[tuple[float, float]]]]


@cache
def outlines(level: str) -> dict[str, Outline]:
    """The package's district outlines at one level of detail (`province` or `national`)."""
    path = resources.files("rantai").joinpath(f"data/boundaries/districts_{level}.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    grid = float(document["grid"])
    out = {}
    for district in document["districts"]:
        polygons = []
        for polygon in district["polygons"]:
            rings = []
            for flat in polygon:
                x, y, ring = 0, 0, []
                for i in range(0, len(flat), 2):
                    x, y = x + flat[i], y + flat[i + 1]
                    ring.append((x / grid, y / grid))
                rings.append(ring)
            polygons.append(rings)
        out[district["code"]] = Outline(district["code"], district["name"], polygons)
    return out


def region_of(monev: Monev) -> str | None:
    """The province the map draws: the scope's, else the one province every programme of the
    report lies in; None (the nation) when the report spans provinces."""
    if monev.scope.province_code:
        return str(monev.scope.province_code)
    provinces = {str(c) for c in monev.programs["province_code"].dropna()}
    return provinces.pop() if len(provinces) == 1 else None


def district_figures(monev: Monev) -> pd.DataFrame:
    """Per district with a programme (indexed by district code): allocated, at_rest (rupiah
    at the province for it, at the district and at its villages), workers targeted and
    without cover, and the two shares."""
    funnel = monev.districts
    columns = ["allocated", "workers_targeted", "workers_active"]
    if funnel.empty:
        by_district = pd.DataFrame(columns=columns, dtype="int64")
    else:
        by_district = funnel.groupby(funnel["district_code"].astype(str))[columns].sum()
    resting = monev.money_at_rest
    at_rest = (
        resting.groupby(resting["district_code"].astype(str))["amount"].sum()
        if len(resting)
        else pd.Series(dtype="int64")
    )
    # Whole rupiah and workers as Python ints (object columns): a total may pass 2**63, as
    # the rest of the report allows; the shares are for colour and hover only.
    out = by_district.map(int).astype(object)
    out["at_rest"] = pd.Series(
        [int(v) for v in at_rest.reindex(out.index).fillna(0)], index=out.index, dtype=object
    )
    out["uncovered"] = pd.Series(
        [
            max(int(t) - int(a), 0)
            for t, a in zip(out["workers_targeted"], out["workers_active"], strict=True)
        ],
        index=out.index,
        dtype=object,
    )
    out["money_share"] = _shares(out["at_rest"], out["allocated"])
    out["workers_share"] = _shares(out["uncovered"], out["workers_targeted"])
    shown = [a > 0 or t > 0 for a, t in zip(out["allocated"], out["workers_targeted"], strict=True)]
    return out.loc[shown]


def _shares(part: pd.Series, whole: pd.Series) -> pd.Series:
    """part / whole for display, at most 1, NaN where the whole is nothing (exact ints in)."""
    return pd.Series(
        [min(p / w, 1.0) if w > 0 else float("nan") for p, w in zip(part, whole, strict=True)],
        index=part.index,
        dtype="float64",
    )


def colour(share: float | None, colours: list[str]) -> str:
    """The fill of a share: its class's colour, grey when there is nothing to share."""
    if share is None or pd.isna(share):
        return NO_PROGRAMME
    for upper, fill in zip(CLASSES, colours, strict=True):
        if share <= upper:
            return fill
    return colours[-1]


def _path(outline: Outline, project: Projection) -> str:
    """A district's outline as SVG path data in whole pixels, each ring relative to its start."""
    parts = []
    for polygon in outline.polygons:
        for ring in polygon:
            points: list[tuple[int, int]] = []
            for lng, lat in ring:
                point = project(lng, lat)
                if not points or points[-1] != point:
                    points.append(point)
            if len(points) > 1 and points[0] == points[-1]:
                points.pop()
            if len(points) < 3:
                continue
            steps = [points[0]] + [
                (x2 - x1, y2 - y1) for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False)
            ]
            parts.append("M" + _numbers(steps[:1]) + "l" + _numbers(steps[1:]) + "z")
    return "".join(parts)


def _numbers(points: list[tuple[int, int]]) -> str:
    """Numbers for path data, as short as SVG reads them (a minus sign separates itself)."""
    out = ""
    for number in (n for point in points for n in point):
        text = str(number)
        out += text if not out or text.startswith("-") else " " + text
    return out


@dataclass(frozen=True)
class Projection:
    """Longitude and latitude to pixels: equirectangular, scaled by the cosine of the middle
    latitude (Indonesia lies on the equator, so little is distorted)."""

    west: float
    north: float
    scale: float
    squeeze: float

    def __call__(self, lng: float, lat: float) -> tuple[int, int]:
        return (
            round((lng - self.west) * self.scale * self.squeeze),
            round((self.north - lat) * self.scale),
        )


def _fit(drawn: list[Outline], width: int) -> tuple[Projection, int]:
    lngs = [lng for o in drawn for p in o.polygons for lng, _ in p[0]]
    lats = [lat for o in drawn for p in o.polygons for _, lat in p[0]]
    west, east, south, north = min(lngs), max(lngs), min(lats), max(lats)
    squeeze = math.cos(math.radians((north + south) / 2))
    scale = width / max((east - west) * squeeze, 1e-9)
    return Projection(west, north, scale, squeeze), math.ceil((north - south) * scale)


def _title(outline: Outline, row: pd.Series | None) -> str:
    name = f"{outline.name} ({outline.code})"
    if row is None:
        return f"{name}\nTanpa program / no programme"
    return (
        f"{name}\n"
        f"Dana mengendap / money at rest: {persen(row['at_rest'], row['allocated'])} "
        f"({rupiah_short(row['at_rest'])} dari/of {rupiah_short(row['allocated'])})\n"
        f"Pekerja tanpa perlindungan / workers without cover: "
        f"{persen(row['uncovered'], row['workers_targeted'])} "
        f"({angka(row['uncovered'])} dari/of {angka(row['workers_targeted'])})"
    )


def _both(x: float, y: float, pair: tuple[str, str], **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return "".join(
        f'<text x="{x:.0f}" y="{y:.0f}" class="{cls}"{extra}>{escape(text)}</text>'
        for cls, text in zip(("l-id", "l-en"), pair, strict=True)
    )


def _legend(x: float, y: float, colours: list[str]) -> str:
    out, step = [], 82
    for i, (fill, label) in enumerate(zip(colours, CLASS_LABELS, strict=True)):
        out.append(
            f'<rect x="{x + i * step:.0f}" y="{y:.0f}" width="14" height="14" fill="{fill}" '
            f'stroke="{MUTED}" stroke-width=".5"/>'
            f'<text x="{x + i * step + 19:.0f}" y="{y + 12:.0f}">{label}</text>'
        )
    grey = x + len(colours) * step
    out.append(
        f'<rect x="{grey:.0f}" y="{y:.0f}" width="14" height="14" fill="{NO_PROGRAMME}" '
        f'stroke="{MUTED}" stroke-width=".5"/>'
        + _both(grey + 19, y + 12, ("tanpa program", "no programme"))
    )
    return "".join(out)


def district_map(monev: Monev) -> str:
    """The map section's SVG: two panels (money at rest, workers without cover) of the
    districts of the report's province, or of the nation; '' when there is nothing to draw."""
    region = region_of(monev)
    level = NATIONAL if region is None else PROVINCE
    every = outlines(level)
    drawn = [
        o for code, o in sorted(every.items()) if region is None or code.startswith(region + ".")
    ]
    if not drawn:
        return ""
    figures = district_figures(monev)
    # Side by side unless the region is much wider than tall (the nation: one above the other).
    probe, probe_height = _fit(drawn, 1000)
    side_by_side = probe_height > 1000 / 2.2
    panel_width = 560 if side_by_side else 1160
    project, height = _fit(drawn, panel_width)
    head, legend = 26, 34
    panel_height = head + height + legend
    gap = 40
    width = panel_width * 2 + gap if side_by_side else panel_width
    total_height = panel_height if side_by_side else panel_height * 2 + gap // 2
    body = ["<defs>"]
    for outline in drawn:
        d = _path(outline, project)
        if d:
            body.append(f'<path id="dm{outline.code.replace(".", "-")}" d="{d}"/>')
    body.append("</defs>")
    offsets = [
        ((panel_width + gap) * i, 0) if side_by_side else (0, (panel_height + gap // 2) * i)
        for i in range(len(PANELS))
    ]
    for (x0, y0), (_, label, colours) in zip(offsets, PANELS, strict=True):
        body.append(f'<g transform="translate({x0} {y0})">')
        body.append(_both(0, 17, label, font_weight="bold", font_size="15"))
        body.append(_legend(0, head + height + 12, colours))
        body.append("</g>")
    # A district once: its title (shown on hover over either panel) and its two uses.
    body.append(
        f'<g transform="translate(0 {head})" stroke="#fff" stroke-width=".7" '
        'stroke-linejoin="round" fill-rule="evenodd">'
    )
    for outline in drawn:
        row = figures.loc[outline.code] if outline.code in figures.index else None
        ref = f'href="#dm{outline.code.replace(".", "-")}"'
        uses = []
        for (x0, y0), (key, _, colours) in zip(offsets, PANELS, strict=True):
            share = None if row is None else row[f"{key}_share"]
            at = (f' x="{x0}"' if x0 else "") + (f' y="{y0}"' if y0 else "")
            uses.append(f'<use {ref}{at} fill="{colour(share, colours)}"/>')
        body.append(f"<g><title>{escape(_title(outline, row))}</title>{''.join(uses)}</g>")
    body.append("</g>")
    return (
        f'<svg class="chart map" viewBox="0 0 {width} {total_height}" role="img" '
        f'font-size="12" fill="{INK}" aria-label="Peta kabupaten/kota / district map">'
        + "".join(body)
        + "</svg>"
    )
