"""Coverage on a known square, then through the database for a world community: points
anywhere count, a second point closes the gap."""

from __future__ import annotations

import math

import pytest
from shapely.geometry import Point, box

from huying.conftest import World
from huying.core.geo import M_PER_DEG_LAT
from huying.lifecircle import coverage, selectors
from huying.lifecircle.tests.helpers import kinds, point

LAT0, LNG0 = 30.0, 120.0
#: Degrees for a metre here.
D_LAT = 1 / M_PER_DEG_LAT
D_LNG = 1 / (M_PER_DEG_LAT * math.cos(math.radians(LAT0 + 0.0045)))


def _square(km: float) -> object:
    return box(LNG0, LAT0, LNG0 + km * 1000 * D_LNG, LAT0 + km * 1000 * D_LAT)


def test_a_kilometre_square_at_100_m_has_100_cells() -> None:
    cells = coverage.lattice(_square(1), 100)
    assert len(cells) == 100
    assert all(LAT0 < c.lat < LAT0 + 1000 * D_LAT for c in cells)


def test_a_point_at_the_centre_covers_the_whole_square() -> None:
    cells = coverage.lattice(_square(1), 100)
    centre = (LAT0 + 500 * D_LAT, LNG0 + 500 * D_LNG)
    share = coverage.shares(cells, {"k": [centre]}, 1000)["k"]
    assert (share.covered, share.total, share.uncovered) == (100, 100, ())


def test_a_point_at_a_corner_covers_a_quarter_disc() -> None:
    """A 1000 m reach from a corner of a 1 km square: π/4 ≈ 78.5 % of it."""
    cells = coverage.lattice(_square(1), 50)
    share = coverage.shares(cells, {"k": [(LAT0, LNG0)]}, 1000)["k"]
    assert share.total == 400
    assert share.share == pytest.approx(math.pi / 4, abs=0.02)
    far = max(share.uncovered, key=lambda c: c.lat + c.lng)
    assert far.lat > LAT0 + 900 * D_LAT  # the far corner is a gap


def test_no_point_no_coverage() -> None:
    cells = coverage.lattice(_square(0.5), 100)
    share = coverage.shares(cells, {"k": []}, 1000)["k"]
    assert share.covered == 0
    assert share.share == 0
    assert len(share.uncovered) == share.total == 25


def test_a_tiny_area_still_has_a_sample() -> None:
    cells = coverage.lattice(box(LNG0, LAT0, LNG0 + 10 * D_LNG, LAT0 + 10 * D_LAT), 150)
    assert len(cells) == 1


@pytest.mark.django_db
def test_a_community_gap_closes_with_a_second_point(world: World) -> None:
    """Community 1 is two grids side by side (about 1.9 × 1.1 km): one health station at the
    west edge leaves the east uncovered; a second one in the east closes the gap."""
    kinds()
    community = world.communities[0]
    point(world, at=(30.605, 104.001))
    before = selectors.community_coverage(community)
    health = next(k for k in before.kinds if k.kind.code == "health")
    assert 0.2 < health.share.share < 0.8
    assert health in before.gaps
    point(world, at=(30.605, 104.015), name="东片卫生服务点")
    after = next(
        k for k in selectors.community_coverage(community).kinds if k.kind.code == "health"
    )
    assert after.share.covered == after.share.total


@pytest.mark.django_db
def test_a_point_in_the_next_community_counts(world: World) -> None:
    kinds()
    point(world, at=(30.605, 104.025), who="street_b", name="邻社区照料站", kind="elderly")
    result = selectors.community_coverage(world.communities[0])
    elderly = next(k for k in result.kinds if k.kind.code == "elderly")
    assert elderly.share.covered > 0  # the eastern cells of community 1 are within reach


@pytest.mark.django_db
def test_only_essential_kinds_are_checked(world: World) -> None:
    made = kinds()
    checked = {k.kind.code for k in selectors.community_coverage(world.communities[0]).kinds}
    assert checked == {code for code, kind in made.items() if kind.essential}
    assert "childcare" not in checked


def test_a_cell_on_the_border_clips_to_polygons_only() -> None:
    area = box(0, 0, 1, 1)
    touching = coverage.Cell(0.5, 1.05, (0.45, 1.0, 0.55, 1.1))  # shares only an edge
    assert coverage.cell_polygons(touching, area) == []
    inside = coverage.Cell(0.5, 0.5, (0.45, 0.45, 0.55, 0.55))
    assert [p.area for p in coverage.cell_polygons(inside, area)] == [pytest.approx(0.01)]


def test_a_border_cell_mostly_inside_is_sampled_inside() -> None:
    """A 1 km × 1.04 km area at 100 m: the top row's centres fall outside, but 40 % of each
    cell is inside, so the row is sampled at points inside; a 10 % sliver is not."""
    tall = box(LNG0, LAT0, LNG0 + 1000 * D_LNG, LAT0 + 1040 * D_LAT)
    cells = coverage.lattice(tall, 100)
    assert len(cells) == 110
    assert all(tall.covers(Point(c.lng, c.lat)) for c in cells)
    sliver = box(LNG0, LAT0, LNG0 + 1000 * D_LNG, LAT0 + 1010 * D_LAT)
    assert len(coverage.lattice(sliver, 100)) == 100
