"""Douglas–Peucker thinning with a bound on the points kept."""

from __future__ import annotations

import random

import pytest

from huying.grid import track

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once


def test_a_straight_walk_keeps_its_ends_only() -> None:
    points = [(30.6 + i * 1e-5, 104.0, float(i)) for i in range(100)]
    assert track.thin(points) == [points[0], points[-1]]


def test_corners_are_kept() -> None:
    east = [(30.6, 104.0 + i * 1e-4, float(i)) for i in range(11)]
    north = [(30.6 + i * 1e-4, 104.001, float(10 + i)) for i in range(1, 11)]
    kept = track.thin([*east, *north])
    assert kept == [east[0], east[-1], north[-1]]


def test_a_wiggle_under_the_tolerance_is_dropped_over_it_kept() -> None:
    # 1e-5 degrees of latitude is about 1.1 m; 1e-4 about 11 m.
    small = [(30.6 + (1e-5 if i == 5 else 0), 104.0 + i * 1e-4, float(i)) for i in range(11)]
    big = [(30.6 + (1e-4 if i == 5 else 0), 104.0 + i * 1e-4, float(i)) for i in range(11)]
    assert len(track.thin(small)) == 2
    assert big[5] in track.thin(big)


def test_a_long_wandering_walk_is_bounded() -> None:
    rng = random.Random(7)
    lat, lng, points = 30.6, 104.0, []
    for i in range(3000):
        lat += rng.uniform(-1e-4, 1e-4)
        lng += rng.uniform(-1e-4, 1e-4)
        points.append((lat, lng, float(i)))
    assert len(track.thin(points)) > 100
    kept = track.thin(points, limit=100)
    assert 2 < len(kept) <= 100
    assert kept[0] == points[0] and kept[-1] == points[-1]
    assert [p[2] for p in kept] == sorted(p[2] for p in kept)
