"""Coverage of a community by the 15-minute walk (pure geometry; no database).

A community's area is the union of its grids. It is sampled on a square lattice of
``step`` metres (``HUYING_LIFECIRCLE_LATTICE_M``, default 150): each sample stands for the
cell around it. A sample is covered by a kind when some point of that kind lies within a
15-minute walk (``rules.reach_m``) of it; the share covered is covered samples ÷ samples. We
have no population layer, so the whole community counts as populated: the share is of its
area, not of its people (docs/glossary.md).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry

from huying.core.geo import M_PER_DEG_LAT, LatLng, box_around, distance_m

Key = TypeVar("Key", bound=Hashable)

#: A border cell whose centre lies outside counts when this share of it is inside.
BORDER_SHARE = 0.25
#: A community larger than this many samples is sampled more coarsely (a safety bound).
MAX_SAMPLES = 5_000


@dataclass(frozen=True)
class Cell:
    """A lattice sample: its centre and its square (south, west, north, east)."""

    lat: float
    lng: float
    bounds: tuple[float, float, float, float]


@dataclass(frozen=True)
class KindShare:
    covered: int
    total: int
    #: The cells no point of the kind reaches (drawn on the drill-down map).
    uncovered: tuple[Cell, ...]

    @property
    def share(self) -> float:
        return self.covered / self.total if self.total else 0.0


def lattice(area: BaseGeometry, step_m: float) -> list[Cell]:
    """The cells whose centre lies in ``area``; at least one (its representative point)."""
    west, south, east, north = area.bounds
    mid = (south + north) / 2
    d_lat = step_m / M_PER_DEG_LAT
    d_lng = step_m / (M_PER_DEG_LAT * math.cos(math.radians(mid)))
    rows = max(1, math.ceil((north - south) / d_lat))
    cols = max(1, math.ceil((east - west) / d_lng))
    if rows * cols > MAX_SAMPLES:
        scale = math.sqrt(rows * cols / MAX_SAMPLES)
        return lattice(area, step_m * scale)
    cells = []
    half_lat, half_lng = d_lat / 2, d_lng / 2
    for r in range(rows):
        lat = south + (r + 0.5) * d_lat
        for c in range(cols):
            lng = west + (c + 0.5) * d_lng
            bounds = (lat - half_lat, lng - half_lng, lat + half_lat, lng + half_lng)
            if area.covers(Point(lng, lat)):
                cells.append(Cell(lat, lng, bounds))
                continue
            # A cell on the border whose centre falls outside still samples the community
            # when at least a quarter of it is inside: at a point of that part.
            square = box(lng - half_lng, lat - half_lat, lng + half_lng, lat + half_lat)
            if not area.intersects(square):
                continue
            part = square.intersection(area)
            if part.area >= BORDER_SHARE * square.area:
                p = part.representative_point()
                cells.append(Cell(p.y, p.x, bounds))
    if not cells:
        p = area.representative_point()
        cells.append(Cell(p.y, p.x, (p.y, p.x, p.y, p.x)))
    return cells


def within(a: LatLng, points: Sequence[LatLng], reach: float) -> bool:
    """Some point of ``points`` is within ``reach`` metres of ``a`` (box first, then exact)."""
    (s, w), (n, e) = box_around(a, reach)
    return any(
        s <= lat <= n and w <= lng <= e and distance_m(a, (lat, lng)) <= reach
        for lat, lng in points
    )


def shares(
    cells: Sequence[Cell], points_by_kind: Mapping[Key, Sequence[LatLng]], reach: float
) -> dict[Key, KindShare]:
    """Per kind: how many cells a point of that kind reaches, and the cells none reaches."""
    out: dict[Key, KindShare] = {}
    for kind, points in points_by_kind.items():
        missed = tuple(c for c in cells if not within((c.lat, c.lng), points, reach))
        out[kind] = KindShare(covered=len(cells) - len(missed), total=len(cells), uncovered=missed)
    return out


def cell_polygons(cell: Cell, area: BaseGeometry) -> list[BaseGeometry]:
    """The cell's square clipped to the community (for the map): its polygons only (a cell
    touching the border at a point or along a line clips to a collection with those)."""
    s, w, n, e = cell.bounds
    clipped = box(w, s, e, n).intersection(area)
    parts = getattr(clipped, "geoms", [clipped])
    return [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty]
