"""Back-office writes to the organisation: department_update, field_unit_create, grid_update.

Each rule has a test that the write is refused with a Chinese message on the right field
and that nothing changed; each accepted write leaves a change-log row."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from huying.conftest import World, square
from huying.core.errors import InvalidInput, PermissionDenied
from huying.core.models import ChangeLog
from huying.org.models import OrgUnit
from huying.org.selectors import grid_at
from huying.org.services import department_update, field_unit_create, grid_update

K = OrgUnit.Kind
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def dept_kwargs(unit: OrgUnit, **overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "unit": unit,
        "name": unit.name,
        "code": unit.code,
        "phone": unit.phone,
        "is_active": unit.is_active,
        "now": NOW,
    }
    kwargs.update(overrides)
    return kwargs


def grid_kwargs(grid: OrgUnit, **overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "grid": grid,
        "name": grid.name,
        "code": grid.code,
        "boundary": grid.boundary,
        "is_active": grid.is_active,
        "now": NOW,
    }
    kwargs.update(overrides)
    return kwargs


def refused(service: Any, field: str, **kwargs: Any) -> str:
    logged = ChangeLog.objects.count()
    with pytest.raises(InvalidInput) as info:
        service(**kwargs)
    assert info.value.details["field"] == field, info.value.message
    assert ChangeLog.objects.count() == logged
    return info.value.message


# --- departments --------------------------------------------------------------------------


def test_department_update_changes_the_row_and_logs_who_and_what(world: World) -> None:
    admin = world.actor("admin")
    jt = world.departments["jt"]
    department_update(
        actor=admin,
        **dept_kwargs(jt, name="交通运输局", code="D-jt2", phone="028-8888 6666"),
    )
    jt.refresh_from_db()
    assert (jt.name, jt.code, jt.phone) == ("交通运输局", "D-jt2", "028-8888 6666")
    record = ChangeLog.objects.get()
    assert (record.action, record.object_type, record.object_id) == (
        "org.unit.update",
        "org.orgunit",
        str(jt.pk),
    )
    assert (record.user, record.username, record.role) == (admin.user, "admin", "admin")
    assert record.at == NOW
    assert record.before == {"name": "交通局", "code": "D-jt", "phone": ""}
    assert record.after == {"name": "交通运输局", "code": "D-jt2", "phone": "028-8888 6666"}


def test_department_update_without_changes_writes_nothing(world: World) -> None:
    department_update(actor=world.actor("admin"), **dept_kwargs(world.departments["jt"]))
    assert not ChangeLog.objects.exists()


@pytest.mark.parametrize("who", ["street", "dept_cg", "hub", "leader"])
def test_only_admins_may_edit_departments(world: World, who: str) -> None:
    jt = world.departments["jt"]
    with pytest.raises(PermissionDenied):
        department_update(actor=world.actor(who), **dept_kwargs(jt, name="改名"))
    jt.refresh_from_db()
    assert jt.name == "交通局"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "  "}, "name", "名称不能为空"),
        ({"name": "局" * 101}, "name", "不能超过100个字符"),
        ({"name": "水务局"}, "name", "已有名为「水务局」"),
        ({"code": ""}, "code", "字母、数字"),
        ({"code": "交通"}, "code", "字母、数字"),
        ({"code": "D-sw"}, "code", "已被其他机构使用"),
        ({"phone": "call me"}, "phone", "联系电话格式不正确"),
    ],
)
def test_department_update_refusals(
    world: World, overrides: dict[str, Any], field: str, message: str
) -> None:
    jt = world.departments["jt"]
    assert message in refused(
        department_update, field, actor=world.actor("admin"), **dept_kwargs(jt, **overrides)
    )
    jt.refresh_from_db()
    assert (jt.name, jt.code, jt.phone) == ("交通局", "D-jt", "")


def test_department_named_by_a_live_item_cannot_be_switched_off(world: World) -> None:
    sw = world.departments["sw"]  # lead of 排水口水质污染 in the current catalogue
    message = refused(
        department_update,
        "is_active",
        actor=world.actor("admin"),
        **dept_kwargs(sw, is_active=False),
    )
    assert "主办部门" in message and "排水口水质污染" in message
    hb = world.departments["hb"]  # a co-handler of the same item
    assert "协办部门" in refused(
        department_update,
        "is_active",
        actor=world.actor("admin"),
        **dept_kwargs(hb, is_active=False),
    )
    sw.refresh_from_db()
    assert sw.is_active


def test_department_with_active_field_units_cannot_be_switched_off(world: World) -> None:
    admin = world.actor("admin")
    cg = world.departments["cg"]
    # Free 城管局 from the catalogue first: it leads two items of the current version.
    cg.lead_items.update(lead_department=world.departments["jt"])
    message = refused(
        department_update, "is_active", actor=admin, **dept_kwargs(cg, is_active=False)
    )
    assert "城管执法一中队" in message
    unit = world.departments["cg_unit"]
    department_update(actor=admin, **dept_kwargs(unit, is_active=False))
    department_update(actor=admin, **dept_kwargs(cg, is_active=False))
    cg.refresh_from_db()
    assert not cg.is_active
    # And a field unit does not come back under a switched-off department.
    unit.refresh_from_db()
    assert "已停用" in refused(
        department_update, "is_active", actor=admin, **dept_kwargs(unit, is_active=True)
    )


def test_field_unit_code_must_extend_its_departments(world: World) -> None:
    unit = world.departments["cg_unit"]
    assert "D-cg-" in refused(
        department_update, "code", actor=world.actor("admin"), **dept_kwargs(unit, code="X-1")
    )


def test_a_departments_new_code_carries_over_to_its_field_units(world: World) -> None:
    cg = world.departments["cg"]
    department_update(actor=world.actor("admin"), **dept_kwargs(cg, code="D-zf"))
    unit = world.departments["cg_unit"]
    unit.refresh_from_db()
    assert unit.code == "D-zf-1"
    assert ChangeLog.objects.filter(object_id=str(unit.pk), after={"code": "D-zf-1"}).exists()


def test_only_department_side_units_are_edited_here(world: World) -> None:
    street = world.streets[0]
    refused(department_update, "unit", actor=world.actor("admin"), **dept_kwargs(street))


def test_field_unit_create(world: World) -> None:
    cg = world.departments["cg"]
    unit = field_unit_create(
        actor=world.actor("admin"), department=cg, code="D-cg-2", name="城管执法二中队", now=NOW
    )
    assert (unit.kind, unit.parent, unit.path) == (K.FIELD_UNIT, cg, f"{cg.path}{unit.pk}/")
    assert ChangeLog.objects.get().action == "org.unit.create"


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"code": "D-cg-2", "name": "城管执法一中队"}, "name", "已有名为"),
        ({"code": "D-cg-1", "name": "新中队"}, "code", "已被其他机构使用"),
        ({"code": "D-sw-1", "name": "新中队"}, "code", "须以所属部门编码「D-cg-」开头"),
        ({"code": "D-cg-2", "name": ""}, "name", "不能为空"),
    ],
)
def test_field_unit_create_refusals(
    world: World, kwargs: dict[str, Any], field: str, message: str
) -> None:
    before = OrgUnit.objects.count()
    assert message in refused(
        field_unit_create,
        field,
        actor=world.actor("admin"),
        department=world.departments["cg"],
        now=NOW,
        **kwargs,
    )
    assert OrgUnit.objects.count() == before


def test_field_unit_only_under_an_active_department(world: World) -> None:
    admin = world.actor("admin")
    refused(
        field_unit_create,
        "department",
        actor=admin,
        department=world.departments["cg_unit"],
        code="D-cg-1-1",
        name="x",
        now=NOW,
    )
    OrgUnit.objects.filter(pk=world.departments["jt"].pk).update(is_active=False)
    world.departments["jt"].refresh_from_db()
    refused(
        field_unit_create,
        "department",
        actor=admin,
        department=world.departments["jt"],
        code="D-jt-1",
        name="x",
        now=NOW,
    )


# --- grids --------------------------------------------------------------------------------


def test_grid_update_changes_the_row_and_logs_it(world: World) -> None:
    grid = world.grids[0]
    grid_update(
        actor=world.actor("admin"), **grid_kwargs(grid, name="水井坊一网格", code="510199001001009")
    )
    grid.refresh_from_db()
    assert (grid.name, grid.code) == ("水井坊一网格", "510199001001009")
    record = ChangeLog.objects.get()
    assert record.action == "org.grid.update"
    assert record.after == {"name": "水井坊一网格", "code": "510199001001009"}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "网格名称不能为空"),
        ({"name": "网格1-2"}, "name", "已有名为「网格1-2」的网格"),
        ({"code": "51019900100100"}, "code", "15位数字"),
        ({"code": "51019900100100A"}, "code", "15位数字"),
        ({"code": "510199002001009"}, "code", "须以上级编码 510199001001 开头"),
        ({"code": "510199001001002"}, "code", "已被其他机构使用"),
        ({"boundary": None}, "boundary", "启用的网格必须有边界"),
        ({"boundary": {"type": "Point", "coordinates": [104, 30.6]}}, "boundary", "Polygon"),
        (
            {
                "boundary": {
                    "type": "Polygon",
                    "coordinates": [[[104, 30.6], [104.01, 30.6], [104.01, 30.61], [104, 30.61]]],
                }
            },
            "boundary",
            "没有闭合",
        ),
        (
            {
                "boundary": {
                    "type": "Polygon",
                    "coordinates": [
                        [[104, 30.6], [104.01, 30.61], [104.01, 30.6], [104, 30.61], [104, 30.6]]
                    ],
                }
            },
            "boundary",
            "自相交",
        ),
        # Half over 网格1-2 (its sibling) …
        ({"boundary": square(104.005, 30.6)}, "boundary", "与网格「网格1-2」重叠"),
        # … and over 网格2-1 of the other street: any active grid counts.
        ({"boundary": square(103.995, 30.6, 0.03)}, "boundary", "重叠"),
    ],
)
def test_grid_update_refusals(
    world: World, overrides: dict[str, Any], field: str, message: str
) -> None:
    grid = world.grids[0]
    before = (grid.name, grid.code, grid.boundary, grid.min_lng)
    assert message in refused(
        grid_update, field, actor=world.actor("admin"), **grid_kwargs(grid, **overrides)
    )
    grid.refresh_from_db()
    assert (grid.name, grid.code, grid.boundary, grid.min_lng) == before


def test_grid_must_stay_inside_its_community_when_the_community_has_a_boundary(
    world: World,
) -> None:
    community = world.communities[0]  # its grids cover 104.00–104.02 × 30.60–30.61
    OrgUnit.objects.filter(pk=community.pk).update(boundary=square(104.0, 30.6, 0.02))
    grid = world.grids[0]
    moved = square(103.995, 30.6)  # half of it west of the community
    assert "超出所属社区「第1社区」" in refused(
        grid_update, "boundary", actor=world.actor("admin"), **grid_kwargs(grid, boundary=moved)
    )
    shrunk = square(104.0, 30.6, 0.008)
    grid_update(actor=world.actor("admin"), **grid_kwargs(grid, boundary=shrunk))


def test_a_sliver_of_overlap_is_tolerated(world: World) -> None:
    grid = world.grids[0]
    # 0.00005° (≈5 m) into 网格1-2 along the whole shared border: 0.5 % of either grid.
    widened = square(104.0, 30.6)
    for position in widened["coordinates"][0][1:3]:
        position[0] += 0.00005
    grid_update(actor=world.actor("admin"), **grid_kwargs(grid, boundary=widened))
    grid.refresh_from_db()
    assert grid.max_lng == pytest.approx(104.01005)


def test_switched_off_grids_do_not_block_and_are_checked_on_return(world: World) -> None:
    admin = world.actor("admin")
    neighbour = world.grids[1]
    grid_update(actor=admin, **grid_kwargs(neighbour, is_active=False))
    grid = world.grids[0]
    grid_update(actor=admin, **grid_kwargs(grid, boundary=square(104.0, 30.6, 0.02)))
    neighbour.refresh_from_db()
    assert "重叠" in refused(
        grid_update, "boundary", actor=admin, **grid_kwargs(neighbour, is_active=True)
    )


def test_grid_redraw_moves_point_in_polygon(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    grid = world.grids[0]
    outside = (30.65, 104.005)  # north of every grid
    assert grid_at(*world.point_in(0)) == grid and grid_at(*outside) is None
    with django_capture_on_commit_callbacks(execute=True):
        grid_update(
            actor=world.actor("admin"),
            **grid_kwargs(grid, boundary=square(104.0, 30.645), name="北移网格"),
        )
    found = grid_at(*outside)
    assert found == grid and found is not None and found.name == "北移网格"
    assert grid_at(*world.point_in(0)) is None


def test_switching_a_grid_off_takes_it_out_of_point_in_polygon(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    assert grid_at(*world.point_in(1)) == world.grids[1]
    with django_capture_on_commit_callbacks(execute=True):
        grid_update(actor=world.actor("admin"), **grid_kwargs(world.grids[1], is_active=False))
    assert grid_at(*world.point_in(1)) is None


def test_only_admins_may_edit_grids(world: World) -> None:
    with pytest.raises(PermissionDenied):
        grid_update(actor=world.actor("grid_leader"), **grid_kwargs(world.grids[0], name="x"))


def test_grid_update_is_for_grids_only(world: World) -> None:
    refused(grid_update, "grid", actor=world.actor("admin"), **grid_kwargs(world.communities[0]))


def test_a_field_unit_is_stationed_in_streets_and_the_change_is_logged(world: World) -> None:
    admin = world.actor("admin")
    unit = world.departments["cg_unit"]
    first, second = world.streets[0], world.streets[1]
    department_update(actor=admin, **dept_kwargs(unit, stationed_in=[second.pk, first.pk]))
    assert set(unit.stationed_in.all()) == {first, second}
    record = ChangeLog.objects.get()
    assert (record.before, record.after) == (
        {"stationed_in": []},
        {"stationed_in": sorted([first.pk, second.pk])},
    )
    department_update(actor=admin, **dept_kwargs(unit, stationed_in=[first.pk, second.pk]))
    department_update(actor=admin, **dept_kwargs(unit))  # not given: left as it is
    assert ChangeLog.objects.count() == 1 and unit.stationed_in.count() == 2
    new = field_unit_create(
        actor=admin,
        department=world.departments["cg"],
        code="D-cg-2",
        name="城管执法二中队",
        now=NOW,
        stationed_in=[second.pk],
    )
    assert list(new.stationed_in.all()) == [second]
    assert list(second.stationed_units.order_by("code")) == [unit, new]


@pytest.mark.parametrize("where", ["community", "department"])
def test_stations_are_streets_of_field_units(world: World, where: str) -> None:
    unit = world.departments["cg" if where == "department" else "cg_unit"]
    target = world.streets[0] if where == "department" else world.communities[0]
    message = refused(
        department_update,
        "stationed_in",
        actor=world.actor("admin"),
        **dept_kwargs(unit, name="改名", stationed_in=[target.pk]),
    )
    assert message in ("只有派驻机构有派驻街道", "派驻街道须是本区启用的街道")
    unit.refresh_from_db()
    assert unit.name != "改名" and not unit.stationed_in.exists()
