"""Segment lines: what a responsibility segment's GeoJSON must be, and drawing it.

A line is a GeoJSON LineString in WGS-84 (``[lng, lat]``), simple (it does not cross
itself), of some length, and inside its street. Only grids store a boundary, so the street is
the union of its active grids; a road often runs on the street's edge, so a line may stray
:data:`EDGE_TOLERANCE_M` outside it (digitising never puts it exactly on the border).
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

from django.utils.translation import gettext as _
from shapely.geometry import LineString, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from huying.core.errors import InvalidInput
from huying.org.geometry import M_PER_DEG_LAT, M_PER_DEG_LNG_EQUATOR
from huying.org.models import OrgUnit

FIELD = "line"
#: Vertices a segment may have: a traced street has tens; the bound keeps GEOS quick.
MAX_VERTICES = 2_000
#: How far (metres) a line may run outside its street's grids.
EDGE_TOLERANCE_M = 5.0


def _fail(message: str) -> InvalidInput:
    return InvalidInput(message, field=FIELD)


def _position(position: Any) -> tuple[float, float]:
    if not isinstance(position, list | tuple) or len(position) not in (2, 3):
        raise _fail(_("每个坐标点应为 [经度, 纬度]"))
    if any(
        isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v)
        for v in position
    ):
        raise _fail(_("坐标必须是数字"))
    lng, lat = float(position[0]), float(position[1])
    if not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise _fail(
            _("坐标 [{lng}, {lat}] 超出经纬度范围（应为 [经度, 纬度] 顺序）").format(
                lng=lng, lat=lat
            )
        )
    return lng, lat


def parse_line(line: Any) -> LineString:
    """The shapely line of a GeoJSON LineString that passes every shape rule, or InvalidInput."""
    if not isinstance(line, dict) or line.get("type") != "LineString":
        raise _fail(_("路段走向必须是 LineString 类型的 GeoJSON"))
    coordinates = line.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        raise _fail(_("路段走向至少需要两个坐标点"))
    if len(coordinates) > MAX_VERTICES:
        raise _fail(
            _("路段顶点过多：{count} 个，最多 {limit} 个").format(
                count=len(coordinates), limit=MAX_VERTICES
            )
        )
    geom = LineString([_position(p) for p in coordinates])
    if geom.length <= 0:
        raise _fail(_("路段长度为零"))
    if not geom.is_simple:
        raise _fail(_("路段走向自相交"))
    return geom


def _scale(lat: float) -> tuple[float, float]:
    """Metres per degree of longitude and latitude near ``lat``."""
    return M_PER_DEG_LNG_EQUATOR * math.cos(math.radians(lat)), M_PER_DEG_LAT


def length_m(geom: BaseGeometry) -> float:
    """Approximate length in metres (equirectangular at the centre; fine for a street)."""
    mx, my = _scale(geom.centroid.y)
    coords = list(geom.coords) if geom.geom_type == "LineString" else []
    if not coords:
        return sum(length_m(part) for part in getattr(geom, "geoms", []))
    return sum(
        math.hypot((x2 - x1) * mx, (y2 - y1) * my) for (x1, y1), (x2, y2) in pairwise(coords)
    )


def street_area(street: OrgUnit) -> BaseGeometry | None:
    """The street's territory: the union of its active grids' boundaries (None: none drawn)."""
    boundaries = OrgUnit.objects.filter(
        kind=OrgUnit.Kind.GRID,
        is_active=True,
        boundary__isnull=False,
        path__startswith=street.path,
    ).values_list("boundary", flat=True)
    shapes = [shape(b) for b in boundaries if b]
    return unary_union(shapes) if shapes else None


def check_in_street(geom: LineString, street: OrgUnit) -> None:
    area = street_area(street)
    if area is None:
        raise _fail(
            _("街道「{street}」还没有网格边界，无法核对路段位置").format(street=street.name)
        )
    tolerance = EDGE_TOLERANCE_M / M_PER_DEG_LAT
    outside = geom.difference(area.buffer(tolerance))
    if not outside.is_empty and length_m(outside) > 0.5:
        raise _fail(
            _("路段超出街道「{street}」的范围约 {length} 米").format(
                street=street.name, length=f"{length_m(outside):,.0f}"
            )
        )


def midpoint(line: dict[str, Any]) -> tuple[float, float]:
    """(lat, lng) halfway along a stored line."""
    point = shape(line).interpolate(0.5, normalized=True)
    return point.y, point.x
