"""The organisation tree: placement rules, unit-grid codes, polygons, point-in-grid."""

from __future__ import annotations

from typing import Any

import pytest

from huying.conftest import World, square
from huying.core.errors import InvalidInput
from huying.org.models import OrgUnit, Role
from huying.org.selectors import ancestors, grid_at, units_below
from huying.org.services import grant_role, person_create, unit_create

K = OrgUnit.Kind


def test_paths_make_subtrees(world: World) -> None:
    street = world.streets[0]
    below = set(units_below(street).values_list("pk", flat=True))
    assert {world.communities[0].pk, world.grids[0].pk, world.grids[1].pk} <= below
    assert world.grids[2].pk not in below
    assert [u.kind for u in ancestors(world.grids[0])] == [
        K.DISTRICT,
        K.STREET,
        K.COMMUNITY,
        K.GRID,
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": K.GRID, "code": "510199001001009", "name": "x"}, "不能设在"),  # no parent
        ({"kind": K.STREET, "code": "51019900", "name": "x", "parent": "district"}, "9位数字"),
        ({"kind": K.STREET, "code": "610199009", "name": "x", "parent": "district"}, "上级编码"),
        ({"kind": K.STREET, "code": "510199001", "name": "x", "parent": "district"}, "已存在"),
        (
            {"kind": K.COMMUNITY, "code": "510199001009", "name": "x", "parent": "district"},
            "不能设在",
        ),
    ],
)
def test_unit_create_refuses_bad_trees_and_codes(world: World, kwargs: dict, message: str) -> None:
    if kwargs.get("parent") == "district":
        kwargs["parent"] = world.district
    before = OrgUnit.objects.count()
    with pytest.raises(InvalidInput, match=message):
        unit_create(**kwargs)
    assert OrgUnit.objects.count() == before


def test_grid_polygon_must_be_valid(world: World) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[104, 30], [104.01, 30.01], [104.01, 30], [104, 30.01], [104, 30]]],
    }
    with pytest.raises(InvalidInput, match="无效"):
        unit_create(
            kind=K.GRID,
            code="510199001001009",
            name="x",
            parent=world.communities[0],
            boundary=bowtie,
        )
    with pytest.raises(InvalidInput, match="只有网格"):
        unit_create(
            kind=K.STREET,
            code="510199009",
            name="x",
            parent=world.district,
            boundary=square(104, 30),
        )


def test_grid_at_finds_the_containing_grid(world: World) -> None:
    for i, grid in enumerate(world.grids):
        assert grid_at(*world.point_in(i)) == grid
    assert grid_at(10.0, 10.0) is None


def test_roles_are_placed_only_where_they_belong(world: World) -> None:
    user = person_create(username="x", full_name="某人")
    with pytest.raises(InvalidInput, match="网格员"):
        grant_role(user=user, role=Role.GRID_WORKER, unit=world.streets[0])
    with pytest.raises(InvalidInput):
        grant_role(user=user, role=Role.DEPT_HANDLER, unit=world.streets[0])
    assert grant_role(user=user, role=Role.DEPT_HANDLER, unit=world.departments["cg_unit"]).pk


def test_grid_lookup_brings_its_parents_along(
    world: World, django_assert_num_queries: object
) -> None:
    lat, lng = world.point_in(0)
    with django_assert_num_queries(1):  # type: ignore[operator]
        grid = grid_at(lat, lng)
        assert grid is not None
        chain = ancestors(grid)
    assert [u.pk for u in chain] == [
        world.district.pk,
        world.streets[0].pk,
        world.communities[0].pk,
        grid.pk,
    ]


def test_caches_see_changes_made_in_this_process(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from huying.org.selectors import user_ids_with_roles

    street = world.streets[0]
    before = set(user_ids_with_roles([street.pk], [Role.STREET_CALLER]))
    newcomer = person_create(username="new", full_name="新人")
    grant_role(user=newcomer, role=Role.STREET_CALLER, unit=street)
    assert set(user_ids_with_roles([street.pk], [Role.STREET_CALLER])) == before | {newcomer.pk}

    lat, lng = 30.005, 103.005
    assert grid_at(lat, lng) is None
    with django_capture_on_commit_callbacks(execute=True):
        grid = unit_create(
            kind=K.GRID,
            code="510199001001009",
            name="新网格",
            parent=world.communities[0],
            boundary=square(103.0, 30.0),
        )
    assert grid_at(lat, lng) == grid
