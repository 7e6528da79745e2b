"""WGS-84 ⇄ GCJ-02: the stored coordinate in the system a map's tiles are drawn in.

Cases and grid boundaries are stored in WGS-84, as phones' GPS reports them. 天地图 tiles
are in CGCS2000, which agrees with WGS-84 to well under a metre, so they need nothing;
高德 and 腾讯 tiles are in GCJ-02 ("火星坐标"), offset from WGS-84 by a few hundred metres
inside mainland China. The map shifts points and outlines to the tiles' system
(``HUYING_MAP_COORDS``) before they reach the browser; nothing is ever stored in GCJ-02.

Written by hand, not taken from PyPI: the packages that do this (eviltransform,
coord-convert, prcoords) have had no release since 2018–2019, and the newer ones
(coordtransform, prcoords-typed) are small single-author projects with few users. The
algorithm is the widely published one (Krasovsky 1940 ellipsoid, the same formulas as
eviltransform and coordtransform), about forty lines, and is checked in
``huying/core/tests/test_geo.py`` against those projects' reference pairs. The inverse has
no closed form: ``gcj02_to_wgs84`` iterates the forward transform until it agrees to
~1e-9° (well under a millimetre).

All functions take and return ``(lat, lng)`` in degrees; GeoJSON helpers keep GeoJSON's
``[lng, lat]`` order. Points outside China's rough bounding box are returned unchanged.

Distances (``distance_m``, ``box_around``) are for "near each other" at the scale of a street
(tens to hundreds of metres): a sphere of the mean Earth radius is good to well under 1 %.
"""

from __future__ import annotations

from collections.abc import Callable
from math import asin, cos, fabs, pi, radians, sin, sqrt
from typing import Any

#: Krasovsky 1940: semi-major axis (m) and first eccentricity squared.
_A = 6378245.0
_EE = 0.00669342162296594323

WGS84 = "wgs84"
GCJ02 = "gcj02"
SYSTEMS = {WGS84: "WGS-84", GCJ02: "GCJ-02"}

LatLng = tuple[float, float]


def out_of_china(lat: float, lng: float) -> bool:
    """Outside the box that GCJ-02 covers: no offset is applied there."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _offset_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(fabs(x))
    ret += (20.0 * sin(6.0 * x * pi) + 20.0 * sin(2.0 * x * pi)) * 2.0 / 3.0
    ret += (20.0 * sin(y * pi) + 40.0 * sin(y / 3.0 * pi)) * 2.0 / 3.0
    ret += (160.0 * sin(y / 12.0 * pi) + 320.0 * sin(y * pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(fabs(x))
    ret += (20.0 * sin(6.0 * x * pi) + 20.0 * sin(2.0 * x * pi)) * 2.0 / 3.0
    ret += (20.0 * sin(x * pi) + 40.0 * sin(x / 3.0 * pi)) * 2.0 / 3.0
    ret += (150.0 * sin(x / 12.0 * pi) + 300.0 * sin(x / 30.0 * pi)) * 2.0 / 3.0
    return ret


def _forward(lat: float, lng: float) -> LatLng:
    """The GCJ-02 offset applied unconditionally (the caller checks the bounding box)."""
    x, y = lng - 105.0, lat - 35.0
    rad_lat = lat / 180.0 * pi
    magic = 1.0 - _EE * sin(rad_lat) ** 2
    sqrt_magic = sqrt(magic)
    d_lat = (_offset_lat(x, y) * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * pi)
    d_lng = (_offset_lng(x, y) * 180.0) / (_A / sqrt_magic * cos(rad_lat) * pi)
    return lat + d_lat, lng + d_lng


def wgs84_to_gcj02(lat: float, lng: float) -> LatLng:
    if out_of_china(lat, lng):
        return lat, lng
    return _forward(lat, lng)


#: Stop when the forward transform of the estimate is this close to the input (degrees).
_INVERSE_TOLERANCE = 1e-9
_INVERSE_MAX_STEPS = 30


def gcj02_to_wgs84(lat: float, lng: float) -> LatLng:
    """The WGS-84 point whose GCJ-02 image is (lat, lng), by fixed-point iteration: the
    offset changes slowly with position, so each step removes almost all remaining error."""
    if out_of_china(lat, lng):
        return lat, lng
    w_lat, w_lng = lat, lng
    for _ in range(_INVERSE_MAX_STEPS):
        g_lat, g_lng = _forward(w_lat, w_lng)
        d_lat, d_lng = g_lat - lat, g_lng - lng
        w_lat, w_lng = w_lat - d_lat, w_lng - d_lng
        if fabs(d_lat) < _INVERSE_TOLERANCE and fabs(d_lng) < _INVERSE_TOLERANCE:
            break
    return w_lat, w_lng


def _identity(lat: float, lng: float) -> LatLng:
    return lat, lng


def from_wgs84(system: str) -> Callable[[float, float], LatLng]:
    """The function taking a stored (WGS-84) point to ``system``."""
    if system == WGS84:
        return _identity
    if system == GCJ02:
        return wgs84_to_gcj02
    raise ValueError(f"unknown coordinate system {system!r}")


def to_wgs84(system: str) -> Callable[[float, float], LatLng]:
    """The function taking a point in ``system`` (picked on a map) to WGS-84 for storage."""
    if system == WGS84:
        return _identity
    if system == GCJ02:
        return gcj02_to_wgs84
    raise ValueError(f"unknown coordinate system {system!r}")


def geometry_from_wgs84(
    geometry: dict[str, Any], system: str, *, digits: int = 6
) -> dict[str, Any]:
    """A GeoJSON Polygon/MultiPolygon (``[lng, lat]``) in ``system``, rounded to ``digits``
    decimals (1e-6° ≈ 0.1 m; enough for a grid outline, and it halves the JSON)."""
    convert = from_wgs84(system)

    def ring(positions: list[list[float]]) -> list[list[float]]:
        out = []
        for position in positions:
            lat, lng = convert(position[1], position[0])
            out.append([round(lng, digits), round(lat, digits)])
        return out

    coordinates = geometry.get("coordinates") or []
    if geometry.get("type") == "MultiPolygon":
        converted: list[Any] = [[ring(r) for r in polygon] for polygon in coordinates]
    else:
        converted = [ring(r) for r in coordinates]
    return {"type": geometry.get("type", "Polygon"), "coordinates": converted}


#: The mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8
#: Metres per degree of latitude on that sphere (≈ 111.2 km).
M_PER_DEG_LAT = EARTH_RADIUS_M * pi / 180


def distance_m(a: LatLng, b: LatLng) -> float:
    """Great-circle distance between two WGS-84 points, metres (haversine)."""
    lat1, lng1, lat2, lng2 = map(radians, (*a, *b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(min(1.0, sqrt(h)))


def box_around(point: LatLng, metres: float) -> tuple[LatLng, LatLng]:
    """The (south-west, north-east) corners of a lat/lng box holding every point within
    ``metres`` of ``point``: a database prefilter (two index-friendly ranges) that
    ``distance_m`` then narrows to the circle. Slightly generous, never short."""
    lat, lng = point
    d_lat = metres / M_PER_DEG_LAT
    # The box's widest latitude decides how many degrees of longitude the metres span.
    widest = min(89.9, abs(lat) + d_lat)
    d_lng = metres / (M_PER_DEG_LAT * cos(radians(widest)))
    return (lat - d_lat, lng - d_lng), (lat + d_lat, lng + d_lng)
