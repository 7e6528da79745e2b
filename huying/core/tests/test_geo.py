"""WGS-84 ⇄ GCJ-02 against published reference pairs; the map's coordinate setting is checked
at start-up."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from huying.core.geo import (
    box_around,
    distance_m,
    from_wgs84,
    gcj02_to_wgs84,
    geometry_from_wgs84,
    out_of_china,
    wgs84_to_gcj02,
)
from huying.env import EnvError, env_choice

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once

#: (WGS-84 lat, lng) → (GCJ-02 lat, lng): the reference pairs that eviltransform's and
#: coordtransform's test suites use (Shanghai, Shenzhen, Beijing twice).
REFERENCE = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
    ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),
]

#: Points the offset does not apply to: Greenwich, New York, Sydney, Tokyo, the poles' edge.
ABROAD = [(51.4779, -0.0015), (40.7128, -74.006), (-33.8688, 151.2093), (35.6762, 139.6503)]


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_wgs84_to_gcj02_matches_the_reference_pairs(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    lat, lng = wgs84_to_gcj02(*wgs)
    assert lat == pytest.approx(gcj[0], abs=1e-9)
    assert lng == pytest.approx(gcj[1], abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_gcj02_to_wgs84_inverts_to_under_a_millimetre(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    lat, lng = gcj02_to_wgs84(*gcj)
    assert lat == pytest.approx(wgs[0], abs=1e-8)  # 1e-8° ≈ 1 mm
    assert lng == pytest.approx(wgs[1], abs=1e-8)


def test_the_offset_is_a_few_hundred_metres_in_chengdu() -> None:
    """The demo district: the shift is real (so forgetting it misplaces points) but small."""
    lat, lng = 30.6586, 104.0648
    g_lat, g_lng = wgs84_to_gcj02(lat, lng)
    metres = ((g_lat - lat) * 110_574) ** 2 + ((g_lng - lng) * 111_320 * 0.86) ** 2
    assert 100 < metres**0.5 < 700
    assert gcj02_to_wgs84(g_lat, g_lng) == pytest.approx((lat, lng), abs=1e-8)


@pytest.mark.parametrize("point", ABROAD)
def test_points_outside_china_are_unchanged(point: tuple[float, float]) -> None:
    assert out_of_china(*point)
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


def test_geometry_keeps_geojson_order_and_converts_every_ring() -> None:
    ring = [[121.5272106, 31.1774276], [121.53, 31.18], [121.52, 31.18], [121.5272106, 31.1774276]]
    polygon = {"type": "Polygon", "coordinates": [ring]}
    out = geometry_from_wgs84(polygon, "gcj02")
    assert out["type"] == "Polygon"
    assert out["coordinates"][0][0] == [121.531542, 31.175304]  # [lng, lat], 6 decimals
    assert len(out["coordinates"][0]) == 4
    multi = geometry_from_wgs84({"type": "MultiPolygon", "coordinates": [[ring], [ring]]}, "gcj02")
    assert multi["coordinates"][1][0][0] == [121.531542, 31.175304]
    same = geometry_from_wgs84(polygon, "wgs84")
    assert same["coordinates"][0][0] == [121.527211, 31.177428]


def test_from_wgs84_refuses_an_unknown_system() -> None:
    assert from_wgs84("wgs84")(31.0, 121.0) == (31.0, 121.0)
    with pytest.raises(ValueError, match="bd09"):
        from_wgs84("bd09")


def test_env_choice_names_the_variable_and_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_COORDS", "gcj02")
    assert env_choice("X_COORDS", "wgs84", {"wgs84", "gcj02"}) == "gcj02"
    monkeypatch.setenv("X_COORDS", "")
    assert env_choice("X_COORDS", "wgs84", {"wgs84", "gcj02"}) == "wgs84"
    monkeypatch.setenv("X_COORDS", "bd09")
    with pytest.raises(EnvError, match=r"X_COORDS='bd09' must be one of: gcj02, wgs84"):
        env_choice("X_COORDS", "wgs84", {"wgs84", "gcj02"})


def test_a_bad_map_coordinate_system_stops_start_up() -> None:
    env = {**os.environ, "HUYING_MAP_COORDS": "bd09", "DJANGO_SETTINGS_MODULE": "huying.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "HUYING_MAP_COORDS='bd09' must be one of: gcj02, wgs84" in result.stderr


def test_distances_at_street_scale() -> None:
    """A thousandth of a degree north is ≈ 111 m anywhere; east it shrinks with latitude."""
    chengdu = (30.6, 104.0)
    assert distance_m(chengdu, (30.601, 104.0)) == pytest.approx(111.2, abs=0.2)
    assert distance_m(chengdu, (30.6, 104.001)) == pytest.approx(95.7, abs=0.2)
    assert distance_m(chengdu, chengdu) == 0
    (south, west), (north, east) = box_around(chengdu, 200)
    # The box holds the circle: its edges are at least 200 m from the centre.
    assert distance_m(chengdu, (south, 104.0)) >= 200 - 0.01
    assert distance_m(chengdu, (30.6, east)) >= 200 - 0.01
    assert distance_m(chengdu, (30.6, west)) == pytest.approx(distance_m(chengdu, (30.6, east)))
    assert distance_m(chengdu, (north, 104.0)) < 201
