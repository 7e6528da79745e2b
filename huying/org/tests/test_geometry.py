"""Grid boundary rules (huying.org.geometry), one test per rule, no database."""

from __future__ import annotations

from typing import Any

import pytest
from shapely.geometry import shape

from huying.conftest import square
from huying.core.errors import InvalidInput
from huying.org import geometry

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once


def polygon(*rings: list[list[Any]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


def refused(boundary: Any) -> str:
    with pytest.raises(InvalidInput) as info:
        geometry.parse_boundary(boundary)
    assert info.value.details["field"] == "boundary"
    return info.value.message


def test_a_square_passes() -> None:
    geom = geometry.parse_boundary(square(104.0, 30.6))
    assert geom.geom_type == "Polygon"
    # 0.01° × 0.01° at 30.6°N is about 1.11 km × 0.96 km.
    assert 1_000_000 < geometry.area_m2(geom) < 1_120_000


def test_multipolygon_passes() -> None:
    multi = {
        "type": "MultiPolygon",
        "coordinates": [square(104.0, 30.6)["coordinates"], square(104.1, 30.6)["coordinates"]],
    }
    assert geometry.parse_boundary(multi).geom_type == "MultiPolygon"


@pytest.mark.parametrize(
    ("boundary", "message"),
    [
        ("not a dict", "GeoJSON 对象"),
        ({"type": "Point", "coordinates": [104, 30]}, "Polygon 或 MultiPolygon"),
        ({"type": "LineString", "coordinates": [[104, 30], [105, 31]]}, "Polygon 或 MultiPolygon"),
        ({"type": "Polygon", "coordinates": []}, "至少要有一个外环"),
        ({"type": "Polygon"}, "至少要有一个外环"),
        ({"type": "MultiPolygon", "coordinates": []}, "至少要有一个多边形"),
        (polygon([[104, 30], [104.01, 30], [104, 30]]), "至少需要4个坐标点"),
        (polygon([[104, 30], ["104.01", 30], [104.01, 30.01], [104, 30]]), "必须是数字"),
        (polygon([[104, 30], [104.01], [104.01, 30.01], [104, 30]]), "[经度, 纬度]"),
        (polygon([[30, 104], [30.01, 104], [30.01, 104.01], [30, 104]]), "超出经纬度范围"),
    ],
)
def test_malformed_geojson_is_refused_in_chinese(boundary: Any, message: str) -> None:
    assert message in refused(boundary)


def test_rings_must_be_written_closed() -> None:
    # shapely would silently close this ring; we do not guess what the author meant.
    open_ring = polygon([[104, 30], [104.01, 30], [104.01, 30.01], [104, 30.01]])
    assert "没有闭合" in refused(open_ring)
    square_with_open_hole = square(104, 30, 0.03)
    square_with_open_hole["coordinates"].append(
        [[104.01, 30.01], [104.02, 30.01], [104.02, 30.02], [104.01, 30.02]]
    )
    assert "第1个内环没有闭合" in refused(square_with_open_hole)


def test_self_intersecting_polygon_is_refused_with_where() -> None:
    bowtie = polygon([[104, 30], [104.01, 30.01], [104.01, 30], [104, 30.01], [104, 30]])
    message = refused(bowtie)
    assert "无效" in message and "自相交" in message and "位置 104.005000, 30.005000" in message


def test_hole_outside_its_shell_is_refused() -> None:
    boundary = square(104, 30)
    boundary["coordinates"].append(
        [[104.1, 30.1], [104.11, 30.1], [104.11, 30.11], [104.1, 30.11], [104.1, 30.1]]
    )
    assert "内环" in refused(boundary)


def test_degenerate_polygons_are_refused() -> None:
    spike = polygon([[104, 30], [104.01, 30], [104.02, 30], [104, 30]])
    assert "无效" in refused(spike)
    repeated = polygon([[104, 30], [104.01, 30], [104.01, 30], [104, 30]])
    assert "顶点太少" in refused(repeated)


def test_inside_the_community_within_tolerance() -> None:
    community = shape(square(104.0, 30.0, 0.1))
    geometry.check_inside(shape(square(104.01, 30.01)), community, container_name="社区")
    # 0.5 % of the grid sticks out: a digitising sliver, accepted.
    sliver = shape(square(104.0 - 0.00005, 30.01))
    geometry.check_inside(sliver, community, container_name="社区")
    with pytest.raises(InvalidInput, match="超出所属社区「社区」的范围"):
        geometry.check_inside(shape(square(104.095, 30.01)), community, container_name="社区")


def test_overlap_with_another_grid_beyond_tolerance_is_refused() -> None:
    neighbour = [("网格1-2", shape(square(104.01, 30.6)))]
    geometry.check_no_overlap(shape(square(104.0, 30.6)), neighbour)  # shares a border only
    geometry.check_no_overlap(shape(square(104.00005, 30.6)), neighbour)  # 0.5 % sliver
    with pytest.raises(InvalidInput, match="与网格「网格1-2」重叠约"):
        geometry.check_no_overlap(shape(square(104.005, 30.6)), neighbour)


def test_validity_message_translates_geos_reasons() -> None:
    bowtie = shape(polygon([[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]))
    assert geometry.validity_message(bowtie).startswith("边界自相交（位置")
