"""Organisation console pages (/manage/org/): admins only, 404 for everyone else; invalid
input comes back as 422 with Chinese messages and changes nothing; a redrawn grid is what
point-in-polygon uses next."""

from __future__ import annotations

import json
from html import unescape
from typing import Any

import pytest
from django.test import Client

from huying.conftest import World, square
from huying.core.models import ChangeLog
from huying.org.models import OrgUnit
from huying.org.selectors import grid_at


def client_for(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


@pytest.fixture
def admin(world: World) -> Client:
    return client_for(world, "admin")


def pages(world: World) -> list[str]:
    return [
        "/manage/org/departments/",
        f"/manage/org/departments/{world.departments['cg'].pk}/",
        f"/manage/org/departments/{world.departments['cg_unit'].pk}/",
        "/manage/org/grids/",
        f"/manage/org/grids/?unit={world.streets[1].pk}",
        f"/manage/org/grids/?unit={world.communities[0].pk}",
        f"/manage/org/grids/{world.grids[0].pk}/",
    ]


def test_every_page_renders_for_an_admin(world: World, admin: Client) -> None:
    for url in pages(world):
        r = admin.get(url)
        assert r.status_code == 200, url


def test_the_address_in_the_readme_leads_an_admin_to_the_departments(admin: Client) -> None:
    r = admin.get("/manage/org/", follow=True)
    assert r.redirect_chain == [("/manage/org/departments/", 302)]
    assert r.status_code == 200 and "区级部门" in r.content.decode()


@pytest.mark.parametrize("who", ["street", "dept_cg", "grid_leader", "hub"])
def test_every_page_is_404_for_other_roles(world: World, who: str) -> None:
    client = client_for(world, who)
    for url in ["/manage/org/", *pages(world)]:
        assert client.get(url).status_code == 404, url
    grid = world.grids[0]
    r = client.post(f"/manage/org/grids/{grid.pk}/", {"name": "x", "code": grid.code})
    assert r.status_code == 404
    r = client.post(
        f"/manage/org/departments/{world.departments['cg'].pk}/field-units/new",
        {"new-name": "x", "new-code": "D-cg-9"},
    )
    assert r.status_code == 404
    grid.refresh_from_db()
    assert grid.name == "网格1-1" and not OrgUnit.objects.filter(code="D-cg-9").exists()


def test_not_a_department_or_not_a_grid_is_404(world: World, admin: Client) -> None:
    assert admin.get(f"/manage/org/departments/{world.streets[0].pk}/").status_code == 404
    assert admin.get(f"/manage/org/grids/{world.communities[0].pk}/").status_code == 404
    assert admin.get("/manage/org/grids/999999/").status_code == 404


def test_department_list_shows_field_units_and_lead_counts(world: World, admin: Client) -> None:
    html = admin.get("/manage/org/departments/").content.decode()
    assert "城管局" in html and "城管执法一中队" in html and "D-sw" in html


def test_grid_list_filters_by_street_or_community(world: World, admin: Client) -> None:
    html = admin.get(f"/manage/org/grids/?unit={world.communities[1].pk}").content.decode()
    assert "网格2-1" in html and "网格2-2" in html and "网格1-1" not in html
    assert "共 2 个网格" in html
    fragment = admin.get(f"/manage/org/grids/?unit={world.streets[0].pk}", HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert body.lstrip().startswith('<div id="grid-table">') and "网格1-2" in body
    assert "HX-Request" in fragment["Vary"]


# --- departments --------------------------------------------------------------------------


def test_department_edit_changes_the_row(world: World, admin: Client) -> None:
    jt = world.departments["jt"]
    r = admin.post(
        f"/manage/org/departments/{jt.pk}/",
        {"name": "交通运输局", "code": "D-jt", "phone": "028-86668888", "is_active": "on"},
    )
    assert r.status_code == 302
    jt.refresh_from_db()
    assert (jt.name, jt.phone, jt.is_active) == ("交通运输局", "028-86668888", True)
    assert ChangeLog.objects.filter(object_id=str(jt.pk), action="org.unit.update").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "code": "D-jt"}, "这个字段是必填项。"),
        ({"name": "水务局", "code": "D-jt"}, "同一上级下已有名为「水务局」的区级部门"),
        ({"name": "交通局", "code": "D-sw"}, "编码 D-sw 已被其他机构使用"),
        ({"name": "交通局", "code": "D-jt", "phone": "电话"}, "联系电话格式不正确"),
    ],
)
def test_invalid_department_input_is_422_and_changes_nothing(
    world: World, admin: Client, data: dict[str, Any], message: str
) -> None:
    jt = world.departments["jt"]
    r = admin.post(f"/manage/org/departments/{jt.pk}/", {"is_active": "on", **data})
    assert r.status_code == 422
    assert message in r.content.decode()
    jt.refresh_from_db()
    assert (jt.name, jt.code, jt.phone) == ("交通局", "D-jt", "")
    assert not ChangeLog.objects.exists()


def test_switching_off_a_department_the_catalogue_needs_is_refused(
    world: World, admin: Client
) -> None:
    sw = world.departments["sw"]
    r = admin.post(f"/manage/org/departments/{sw.pk}/", {"name": "水务局", "code": "D-sw"})
    assert r.status_code == 422
    assert "是现行或草稿清单事项「A3 排水口水质污染」的主办部门" in r.content.decode()
    sw.refresh_from_db()
    assert sw.is_active


def test_field_unit_create_from_the_department_page(world: World, admin: Client) -> None:
    cg = world.departments["cg"]
    url = f"/manage/org/departments/{cg.pk}/field-units/new"
    r = admin.post(url, {"new-name": "城管执法二中队", "new-code": "X-2"})
    assert r.status_code == 422 and "须以所属部门编码「D-cg-」开头" in r.content.decode()
    assert not OrgUnit.objects.filter(name="城管执法二中队").exists()
    r = admin.post(url, {"new-name": "城管执法二中队", "new-code": "D-cg-2", "new-phone": "12345"})
    assert r.status_code == 302
    unit = OrgUnit.objects.get(code="D-cg-2")
    assert (unit.parent, unit.kind, unit.phone) == (cg, OrgUnit.Kind.FIELD_UNIT, "12345")


# --- grids --------------------------------------------------------------------------------


def grid_data(grid: OrgUnit, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": grid.name,
        "code": grid.code,
        "boundary": json.dumps(grid.boundary),
        "is_active": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def many_vertices(n: int) -> dict[str, Any]:
    """A valid square ring of ``n`` + 1 points (its bottom edge finely divided)."""
    bottom = [[round(104.0 + 0.005 * i / n, 9), 30.6] for i in range(n)]
    ring = [*bottom[: n - 3], [104.005, 30.6], [104.005, 30.605], [104.0, 30.605], bottom[0]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_grid_page_shows_the_polygon_and_its_neighbours(world: World, admin: Client) -> None:
    html = admin.get(f"/manage/org/grids/{world.grids[0].pk}/").content.decode()
    assert "<svg" in html and 'class="this"' in html and "网格1-2" in html
    # One point a line (in the textarea, whichever entity escapes its quotes).
    assert '"coordinates": [\n  [\n    [104.0, 30.6],' in unescape(html)
    assert "平方千米" in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"boundary": "{not json"}, "边界不是有效的 JSON：第 1 行第 2 列附近有错误"),
        ({"boundary": ""}, "启用的网格必须有边界"),
        (
            {"boundary": json.dumps({"type": "Point", "coordinates": [104, 30.6]})},
            "边界必须是 Polygon 或 MultiPolygon",
        ),
        (
            {
                "boundary": json.dumps(
                    {
                        "type": "Polygon",
                        "coordinates": [
                            [[104, 30.6], [104.01, 30.6], [104.01, 30.61], [104, 30.61]]
                        ],
                    }
                )
            },
            "外环没有闭合：最后一个点必须与第一个点相同",
        ),
        (
            {
                "boundary": json.dumps(
                    {
                        "type": "Polygon",
                        "coordinates": [
                            [
                                [104, 30.6],
                                [104.01, 30.61],
                                [104.01, 30.6],
                                [104, 30.61],
                                [104, 30.6],
                            ]
                        ],
                    }
                )
            },
            "边界多边形无效：边界自相交",
        ),
        ({"boundary": json.dumps(square(104.005, 30.6))}, "边界与网格「网格1-2」重叠约"),
        (
            {
                "boundary": '{"type": "Polygon", "coordinates": [[[Infinity, 30.6], [104.01, 30.6],'
                " [104.01, 30.61], [Infinity, 30.6]]]}"
            },
            "边界不是有效的 JSON：不能有 Infinity",
        ),
        ({"boundary": "[" * 5000 + "]" * 5000}, "边界 JSON 嵌套过深"),
        ({"boundary": json.dumps(many_vertices(25_000))}, "边界顶点过多：25001 个，最多 20000 个"),
        ({"boundary": "x" * 1_000_001}, "边界文本太长：最多 1000000 个字符"),
        ({"code": "510199002001001"}, "编码须以上级编码 510199001001 开头"),
        ({"code": "12345"}, "网格编码应为15位数字"),
        ({"name": "网格1-2"}, "同一上级下已有名为「网格1-2」的网格"),
    ],
)
def test_invalid_grid_input_is_422_with_chinese_messages_and_changes_nothing(
    world: World, admin: Client, overrides: dict[str, Any], message: str
) -> None:
    grid = world.grids[0]
    before = (grid.name, grid.code, grid.boundary, grid.min_lng)
    r = admin.post(f"/manage/org/grids/{grid.pk}/", grid_data(grid, **overrides))
    assert r.status_code == 422
    assert message in r.content.decode()
    grid.refresh_from_db()
    assert (grid.name, grid.code, grid.boundary, grid.min_lng) == before
    assert not ChangeLog.objects.exists()


def test_a_geojson_feature_collection_is_accepted(world: World, admin: Client) -> None:
    grid = world.grids[0]
    shrunk = square(104.0, 30.6, 0.005)
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": shrunk}],
    }
    r = admin.post(
        f"/manage/org/grids/{grid.pk}/", grid_data(grid, boundary=json.dumps(collection))
    )
    assert r.status_code == 302
    grid.refresh_from_db()
    assert grid.boundary == shrunk


def test_grid_edit_redraws_point_in_polygon(
    world: World, admin: Client, django_capture_on_commit_callbacks: Any
) -> None:
    grid = world.grids[0]
    moved_to = (30.655, 104.005)  # well north of every grid
    was_in = world.point_in(0)
    assert grid_at(*moved_to) is None and grid_at(*was_in) == grid
    with django_capture_on_commit_callbacks(execute=True):
        r = admin.post(
            f"/manage/org/grids/{grid.pk}/",
            grid_data(grid, name="北移网格", boundary=json.dumps(square(104.0, 30.65))),
        )
    assert r.status_code == 302 and r["Location"] == f"/manage/org/grids/{grid.pk}/"
    grid.refresh_from_db()
    assert grid.name == "北移网格" and grid.min_lat == pytest.approx(30.65)
    assert grid_at(*moved_to) == grid
    assert grid_at(*was_in) is None
    record = ChangeLog.objects.get()
    assert record.action == "org.grid.update" and set(record.after or {}) == {"name", "boundary"}
    html = admin.get(f"/manage/org/grids/{grid.pk}/").content.decode()
    assert "修改：名称、边界（GeoJSON）" in html


def test_switching_a_grid_off_from_the_page(
    world: World, admin: Client, django_capture_on_commit_callbacks: Any
) -> None:
    grid = world.grids[3]
    with django_capture_on_commit_callbacks(execute=True):
        r = admin.post(f"/manage/org/grids/{grid.pk}/", grid_data(grid, is_active=None))
    assert r.status_code == 302
    grid.refresh_from_db()
    assert not grid.is_active
    assert grid_at(*world.point_in(3)) is None


def test_a_field_units_streets_are_ticked_on_its_page(world: World, admin: Client) -> None:
    unit = world.departments["cg_unit"]
    street = world.streets[1]
    page = admin.get(f"/manage/org/departments/{unit.pk}/").content.decode()
    assert "派驻街道" in page and f'value="{street.pk}"' in page
    r = admin.post(
        f"/manage/org/departments/{unit.pk}/",
        {"name": unit.name, "code": unit.code, "is_active": "on", "stationed_in": [street.pk]},
    )
    assert r.status_code == 302
    assert list(unit.stationed_in.all()) == [street]
    department = admin.get(f"/manage/org/departments/{world.departments['cg'].pk}/")
    assert "<td>第2街道</td>" in department.content.decode()  # the field units' table
