"""Regenerate the district outlines the Monev report draws (rantai/data/boundaries/) from the
shared boundary file (../shared/data/boundaries/districts_2025.jsonl, 6.5 MB, 160,840 points).

    .venv/bin/python tools/simplify_boundaries.py [--source PATH] [--out rantai/data/boundaries]

Two levels of detail, each a JSON file (see rantai/data/boundaries/SOURCE.md for the format):
`districts_province.json` for the map of one province and `districts_national.json` for the
map of the nation. Each is made in the same steps:

1. every coordinate is rounded to the level's grid (1/1000 or 1/100 of a degree), so points that
   two districts share stay the same point;
2. each ring is cut into arcs at its junctions (a point whose set of districts differs from
   its neighbour's: where a shared border begins or ends), and each arc is simplified by
   Douglas-Peucker keeping its ends, so a border two districts share is simplified alike on
   both sides and no gap or overlap opens between them where the source shares the points;
3. rings that come out smaller than the level's least area are dropped (small islands and
   holes), except each district's largest polygon, so every district is drawn.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

Point = tuple[int, int]  # (lng, lat) on the level's grid
Ring = list[Point]

# ../shared beside the checkout (a worktree sits one level deeper: the nearest one up).
SOURCE = next(
    (
        up / "shared" / "data" / "boundaries"
        for up in Path(__file__).resolve().parents
        if (up / "shared" / "data" / "boundaries").is_dir()
    ),
    Path("../shared/data/boundaries"),
)
OUT = Path(__file__).resolve().parents[1] / "rantai" / "data" / "boundaries"

# name: (grid cells per degree, Douglas-Peucker tolerance and least ring area in degrees)
LEVELS = {
    "province": (1000, 0.004, 0.0004),
    "national": (100, 0.03, 0.004),
}


def polygons(rings: list) -> list[list[list[list[float]]]]:
    """A district's polygons (each a list of rings of [lat, lng]) whether the source holds a
    polygon or a multipolygon."""
    if rings and rings[0] and isinstance(rings[0][0][0], (int, float)):
        return [rings]
    return rings


def snapped(ring: list[list[float]], grid: int) -> Ring:
    """A ring's points as (lng, lat) on the grid, without repeats, open (first != last)."""
    out: Ring = []
    for lat, lng in ring:
        point = (round(lng * grid), round(lat * grid))
        if not out or out[-1] != point:
            out.append(point)
    while len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def douglas_peucker(points: Ring, tolerance: float) -> Ring:
    """The points of an open polyline Douglas-Peucker keeps (its two ends always)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        worst, index = -1.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            if length == 0:
                distance = math.hypot(px - x1, py - y1)
            else:
                distance = abs(dy * (px - x1) - dx * (py - y1)) / length
            if distance > worst:
                worst, index = distance, i
        if index > 0 and worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_ring(ring: Ring, owners: dict[Point, frozenset[str]], tolerance: float) -> Ring:
    """A ring simplified arc by arc between its junctions (closed again by the caller)."""
    n = len(ring)
    if n < 4:
        return ring
    junctions = [
        i
        for i in range(n)
        if owners[ring[i]] != owners[ring[i - 1]] or owners[ring[i]] != owners[ring[(i + 1) % n]]
    ]
    if not junctions:
        # An island or a district alone: cut at its first point and the point farthest from it.
        x0, y0 = ring[0]
        far = max(range(n), key=lambda i: (ring[i][0] - x0) ** 2 + (ring[i][1] - y0) ** 2)
        junctions = [0, far] if far else [0]
    out: Ring = []
    for k, start in enumerate(junctions):
        end = junctions[(k + 1) % len(junctions)]
        arc = ring[start : end + 1] if end > start else ring[start:] + ring[: end + 1]
        out += douglas_peucker(arc, tolerance)[:-1]
    return out


def area(ring: Ring) -> float:
    """A ring's area in grid cells (shoelace, unsigned)."""
    total = 0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2


def simplify(records: Iterable[dict], grid: int, tolerance: float, least: float) -> list[dict]:
    """Every district with its polygons simplified at one level (see the module's steps)."""
    districts = []
    owners_of: dict[Point, set[str]] = defaultdict(set)
    for record in records:
        shapes = [
            [r for r in (snapped(ring, grid) for ring in polygon) if len(r) >= 3]
            for polygon in polygons(record["rings"])
        ]
        shapes = [p for p in shapes if p]
        districts.append((record, shapes))
        for polygon in shapes:
            for ring in polygon:
                for point in ring:
                    owners_of[point].add(record["code"])
    owners = {point: frozenset(codes) for point, codes in owners_of.items()}
    least_cells = least * grid * grid
    out = []
    for record, shapes in districts:
        kept: list[list[Ring]] = []
        largest: list[Ring] | None = None
        largest_area = -1.0
        for polygon in shapes:
            rings = [simplify_ring(ring, owners, tolerance * grid) for ring in polygon]
            rings = [r for r in rings if len(r) >= 3]
            if not rings:
                continue
            outer = area(rings[0])
            if outer > largest_area:
                largest, largest_area = rings[:1], outer
            if outer >= least_cells:
                kept.append([rings[0], *(r for r in rings[1:] if area(r) >= least_cells)])
        if not kept and largest is not None:
            kept = [largest]
        out.append(
            {
                "code": record["code"],
                "name": record["name"],
                "polygons": [[encode(ring) for ring in polygon] for polygon in kept],
            }
        )
    return out


def encode(ring: Ring) -> list[int]:
    """A ring as its first point and then each step from the point before: x0, y0, dx, dy..."""
    flat = [ring[0][0], ring[0][1]]
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        flat += [x2 - x1, y2 - y1]
    return flat


def main(argv: list[str] | None = None) -> int:
    """Write both levels and copy the licence beside them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE / "districts_2025.jsonl")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with args.source.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    args.out.mkdir(parents=True, exist_ok=True)
    for name, (grid, tolerance, least) in LEVELS.items():
        districts = simplify(records, grid, tolerance, least)
        path = args.out / f"districts_{name}.json"
        document = {"grid": grid, "order": "lng,lat", "districts": districts}
        path.write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")
        points = sum(len(r) // 2 for d in districts for p in d["polygons"] for r in p)
        print(f"{path}: {len(districts)} districts, {points} points, {path.stat().st_size} bytes")
    licence = args.source.parent / "LICENSE"
    if licence.exists():
        shutil.copyfile(licence, args.out / "LICENSE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
