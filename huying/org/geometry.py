"""Grid boundary rules: what a grid polygon must be before point-in-polygon may rely on it.

A boundary is GeoJSON (RFC 7946) in WGS-84, ``[lng, lat]`` order. It must be a Polygon or
MultiPolygon whose rings are written closed, valid (no self-intersection, holes inside
their shell), with an area; it must lie inside its community's boundary when the community
has one, and may overlap no other active grid by more than :data:`OVERLAP_TOLERANCE` —
digitised neighbours rarely share their border point for point, and a thin sliver there
must not make the polygon unsaveable, while a real overlap makes ``grid_at`` ambiguous.
"""

from __future__ import annotations

import math
import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from huying.core.errors import InvalidInput

#: Overlap (and, for the community, spill-over) allowed, as a share of the smaller polygon.
OVERLAP_TOLERANCE = 0.01

#: Metres per degree of latitude; a degree of longitude is this times cos(latitude), roughly.
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LNG_EQUATOR = 111_320.0

#: GEOS's reasons (``explain_validity``) in words (Chinese, translated).
_REASONS = {
    "Self-intersection": gettext_lazy("边界自相交"),
    "Ring Self-intersection": gettext_lazy("边界环自相交"),
    "Too few points": gettext_lazy("顶点太少"),
    "Hole lies outside shell": gettext_lazy("内环（洞）不在外环之内"),
    "Nested holes": gettext_lazy("内环相互嵌套"),
    "Interior is disconnected": gettext_lazy("多边形内部被分割成不连通的几块"),
    "Nested shells": gettext_lazy("多个外环相互嵌套"),
    "Duplicate Rings": gettext_lazy("存在重复的环"),
    "Invalid Coordinate": gettext_lazy("坐标无效"),
    "Ring is not closed": gettext_lazy("环没有闭合"),
}
_REASON_AT = re.compile(r"^(?P<reason>[^\[]+?)\s*\[(?P<x>[-\d.eE]+)\s+(?P<y>[-\d.eE]+)\]")

FIELD = "boundary"

#: Vertices a boundary may have, all rings together. A digitised grid has hundreds; the
#: bound keeps a pasted survey file (or a probe) from holding a worker for seconds in GEOS.
MAX_VERTICES = 20_000


def _fail(message: str) -> InvalidInput:
    return InvalidInput(message, field=FIELD)


def _check_position(position: Any) -> None:
    if not isinstance(position, list | tuple) or len(position) not in (2, 3):
        raise _fail(_("每个坐标点应为 [经度, 纬度]"))
    for value in position:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise _fail(_("坐标必须是数字"))
    lng, lat = position[0], position[1]
    if not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise _fail(
            _("坐标 [{lng}, {lat}] 超出经纬度范围（应为 [经度, 纬度] 顺序）").format(
                lng=lng, lat=lat
            )
        )


def _check_rings(rings: Any) -> None:
    if not isinstance(rings, list) or not rings:
        raise _fail(_("多边形至少要有一个外环"))
    for n, ring in enumerate(rings):
        which = _("外环") if n == 0 else _("第{n}个内环").format(n=n)
        if not isinstance(ring, list):
            raise _fail(_("{ring}格式不正确").format(ring=which))
        for position in ring:
            _check_position(position)
        if len(ring) < 4:
            raise _fail(_("{ring}至少需要4个坐标点（首尾相同）").format(ring=which))
        if list(ring[0][:2]) != list(ring[-1][:2]):
            raise _fail(_("{ring}没有闭合：最后一个点必须与第一个点相同").format(ring=which))


def validity_message(geom: BaseGeometry) -> str:
    """GEOS's reason a geometry is invalid, in words, with where it happens."""
    raw = explain_validity(geom)
    match = _REASON_AT.match(raw)
    reason = (match.group("reason") if match else raw).strip()
    known = [key for key in _REASONS if reason.startswith(key)]
    text = str(_REASONS[max(known, key=len)]) if known else reason
    if match:
        x, y = float(match.group("x")), float(match.group("y"))
        text += _("（位置 {x}, {y}）").format(x=f"{x:.6f}", y=f"{y:.6f}")
    return text


def _vertex_count(kind: Any, coordinates: Any) -> int:
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list):
        return 0
    return sum(
        len(ring)
        for polygon in polygons
        if isinstance(polygon, list)
        for ring in polygon
        if isinstance(ring, list)
    )


def parse_boundary(boundary: Any) -> BaseGeometry:
    """The shapely geometry of a GeoJSON boundary that passes every shape rule, or InvalidInput."""
    if not isinstance(boundary, dict):
        raise _fail(_("边界必须是 GeoJSON 对象"))
    kind = boundary.get("type")
    coordinates = boundary.get("coordinates")
    count = _vertex_count(kind, coordinates)
    if count > MAX_VERTICES:
        raise _fail(
            _("边界顶点过多：{count} 个，最多 {limit} 个").format(count=count, limit=MAX_VERTICES)
        )
    if kind == "Polygon":
        _check_rings(coordinates)
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise _fail(_("多多边形至少要有一个多边形"))
        for rings in coordinates:
            _check_rings(rings)
    else:
        raise _fail(_("边界必须是 Polygon 或 MultiPolygon 类型的 GeoJSON"))
    try:
        geom = shape(boundary)
    except Exception as exc:  # shapely raises several types for malformed GeoJSON
        raise _fail(_("边界不是有效的 GeoJSON 多边形")) from exc
    if geom.is_empty:
        raise _fail(_("边界不能为空"))
    if not geom.is_valid:
        raise _fail(_("边界多边形无效：{reason}").format(reason=validity_message(geom)))
    if geom.area <= 0:
        raise _fail(_("边界多边形面积为零"))
    return geom


def area_m2(geom: BaseGeometry) -> float:
    """Approximate area in square metres (equirectangular at the centroid; fine for a grid)."""
    lat = geom.centroid.y
    return geom.area * M_PER_DEG_LAT * M_PER_DEG_LNG_EQUATOR * math.cos(math.radians(lat))


def check_inside(geom: BaseGeometry, container: BaseGeometry, *, container_name: str) -> None:
    """``geom`` lies inside ``container``, but for a sliver within the tolerance."""
    outside = geom.difference(container)
    if outside.area > OVERLAP_TOLERANCE * geom.area:
        raise _fail(
            _("边界超出所属社区「{community}」的范围约 {area} 平方米").format(
                community=container_name, area=f"{area_m2(outside):,.0f}"
            )
        )


def check_no_overlap(geom: BaseGeometry, others: list[tuple[str, BaseGeometry]]) -> None:
    """``geom`` overlaps none of ``others`` (name, geometry) beyond the tolerance."""
    for name, other in others:
        if not geom.intersects(other):
            continue
        shared = geom.intersection(other).area
        if shared > OVERLAP_TOLERANCE * min(geom.area, other.area):
            raise _fail(
                _("边界与网格「{grid}」重叠约 {area} 平方米，超出允许误差").format(
                    grid=name, area=f"{area_m2(geom.intersection(other)):,.0f}"
                )
            )
