"""A patrol's track, thinned: Douglas–Peucker on the points' local metres, with a bound on
how many points one patrol keeps (the tolerance doubles until the track fits)."""

from __future__ import annotations

import math
from collections.abc import Sequence

#: Points closer than this to the thinned line are dropped, in metres.
TOLERANCE_METRES = 5.0
#: At most this many points are kept per patrol, whatever its length.
MAX_POINTS = 500

Point = Sequence[float]  # (lat, lng, unix seconds)

_EARTH_METRES_PER_DEGREE = 111_320.0


def _metres(points: Sequence[Point]) -> list[tuple[float, float]]:
    """Equirectangular projection around the first point: good to centimetres over a grid."""
    lat0 = math.radians(points[0][0])
    return [
        (p[1] * _EARTH_METRES_PER_DEGREE * math.cos(lat0), p[0] * _EARTH_METRES_PER_DEGREE)
        for p in points
    ]


def _distance(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    if dx == dy == 0:
        return math.hypot(p[0] - a[0], p[1] - a[1])
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def douglas_peucker(points: Sequence[Point], tolerance: float) -> list[Point]:
    """The points kept (first and last always), in order; iterative, so a long track does
    not hit the recursion limit."""
    if len(points) < 3:
        return list(points)
    xy = _metres(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            d = _distance(xy[i], xy[first], xy[last])
            if d > worst:
                worst, index = d, i
        if index >= 0 and worst > tolerance:
            keep[index] = True
            stack.extend(((first, index), (index, last)))
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def thin(points: Sequence[Point], *, limit: int = MAX_POINTS) -> list[Point]:
    tolerance = TOLERANCE_METRES
    kept = douglas_peucker(points, tolerance)
    while len(kept) > limit:
        tolerance *= 2
        kept = douglas_peucker(kept, tolerance)
    return kept
