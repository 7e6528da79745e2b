"""The case map: the page, its points and grids endpoints, and the detail's mini-map data.

Every endpoint reads from the acting role's scope (a street never receives another street's
points or grids), coordinates leave in the configured system, and the points query count
does not grow with the number of cases.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from huying.cases import map_views
from huying.cases.models import Case, CaseState
from huying.cases.tests.helpers import case_in_state, submit
from huying.conftest import World
from huying.core.geo import wgs84_to_gcj02
from huying.org.models import OrgUnit
from huying.org.selectors import grid_index

pytestmark = pytest.mark.django_db


def login(world: World, name: str) -> Client:
    return world.client(name)


def points(client: Client, query: str = "") -> dict[str, Any]:
    response = client.get(f"/cases/map/points.json{query}")
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    data["by_id"] = {row[0]: dict(zip(data["fields"], row, strict=True)) for row in data["rows"]}
    return data


def grid_names(client: Client) -> set[str]:
    response = client.get("/cases/map/grids.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection"
    return {f["properties"]["name"] for f in body["features"]}


# --- the page ---------------------------------------------------------------------------------


def test_map_page_renders_for_a_street_role_with_filters_and_vendored_scripts(world: World) -> None:
    response = login(world, "street").get("/cases/map/?state=submitted")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="case-map"' in page
    assert 'aria-current="page">地图</a>' in page  # the nav link, marked current
    assert 'name="state"' in page  # the case list's filter form
    assert "/static/vendor/leaflet/leaflet.js" in page
    assert "/static/vendor/leaflet.markercluster/leaflet.markercluster.js" in page
    assert "/static/vendor/leaflet.heat/leaflet-heat.js" in page
    assert "/static/cases/map.js" in page
    assert "https://" not in page.split("<main", 1)[1]  # nothing from a CDN
    config = json.loads(page.split('id="map-config" type="application/json">')[1].split("<")[0])
    assert config["points"] == "/cases/map/points.json?state=submitted"
    assert config["grids"] == "/cases/map/grids.json"
    assert config["system"] == {"code": "wgs84", "label": "WGS-84", "stored": "WGS-84"}
    assert config["tiles"] == {"url": "", "attribution": ""}
    assert "未配置底图" in page


def test_map_page_passes_tile_settings_through(world: World, settings: Any) -> None:
    settings.HUYING_MAP_TILE_URL = "/tiles/{z}/{x}/{y}.png"
    settings.HUYING_MAP_TILE_ATTRIBUTION = "© 高德地图"
    settings.HUYING_MAP_COORDS = "gcj02"
    page = login(world, "street").get("/cases/map/").content.decode()
    config = json.loads(page.split('id="map-config" type="application/json">')[1].split("<")[0])
    assert config["tiles"] == {"url": "/tiles/{z}/{x}/{y}.png", "attribution": "© 高德地图"}
    assert config["system"]["label"] == "GCJ-02"
    assert "地图按 GCJ-02 显示（已换算）" in page


def test_map_needs_a_login(world: World) -> None:
    for url in ["/cases/map/", "/cases/map/points.json", "/cases/map/grids.json"]:
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_a_resident_is_sent_to_their_own_cases(world: World) -> None:
    response = login(world, "resident").get("/cases/map/")
    assert response.status_code == 302
    assert response["Location"] == "/m/"


# --- bad filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?state=bogus", "state"),
        ("?level=9", "level"),
        ("?street=abc", "street"),
        ("?date_from=2026-13-45", "date_from"),
        ("?date_from=2026-03-10&date_to=2026-03-01", "date_to"),
    ],
)
def test_bad_filter_values_are_400_with_chinese_messages(
    world: World, query: str, field: str
) -> None:
    client = login(world, "street")
    response = client.get(f"/cases/map/points.json{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["message"] == "筛选条件有误"
    messages = error["details"]["errors"][field]
    assert messages and all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in messages)
    assert "\\u" not in response.content.decode()  # ensure_ascii=False: readable Chinese

    page = client.get(f"/cases/map/{query}")
    assert page.status_code == 400
    body = page.content.decode()
    assert "筛选条件有误" in body
    config = json.loads(body.split('id="map-config" type="application/json">')[1].split("<")[0])
    assert config["points"] is None  # the page does not ask for points it would be refused


# --- scope ----------------------------------------------------------------------------------------


def test_a_street_receives_only_its_own_points_and_grids(world: World) -> None:
    mine = submit(world, grid=0)
    theirs = submit(world, grid=2)
    street = login(world, "street")
    assert set(points(street)["by_id"]) == {mine.pk}
    assert grid_names(street) == {"网格1-1", "网格1-2"}
    # Filtering by the other street cannot widen the scope.
    assert points(street, f"?street={world.streets[1].pk}")["rows"] == []

    other = login(world, "street_b")
    assert set(points(other)["by_id"]) == {theirs.pk}
    assert grid_names(other) == {"网格2-1", "网格2-2"}


def test_roles_that_see_all_get_every_point_and_grid(world: World) -> None:
    a, b = submit(world, grid=0), submit(world, grid=3)
    for who in ["hub", "leader"]:
        client = login(world, who)
        assert set(points(client)["by_id"]) == {a.pk, b.pk}
        assert grid_names(client) == {"网格1-1", "网格1-2", "网格2-1", "网格2-2"}


def test_a_grid_worker_sees_only_their_grid(world: World) -> None:
    mine, neighbour = submit(world, grid=0), submit(world, grid=1)
    client = login(world, "grid_worker")
    assert set(points(client)["by_id"]) == {mine.pk}
    assert neighbour.pk not in points(client)["by_id"]
    assert grid_names(client) == {"网格1-1"}


def test_a_department_sees_its_cases_and_the_grids_they_lie_in(world: World) -> None:
    called = case_in_state(world, CaseState.IN_PROGRESS, grid=1)  # led by 城管局
    submit(world, grid=3)  # never called: no department sees it
    cg = login(world, "dept_cg")
    assert set(points(cg)["by_id"]) == {called.pk}
    assert grid_names(cg) == {"网格1-2"}
    sw = login(world, "dept_sw")
    assert points(sw)["rows"] == []
    assert grid_names(sw) == set()


def test_filters_narrow_the_points(world: World) -> None:
    open_case = submit(world, grid=0)
    closed = case_in_state(world, CaseState.CLOSED, grid=1)
    client = login(world, "street")
    assert set(points(client, "?state=closed")["by_id"]) == {closed.pk}
    assert set(points(client, "?state=submitted")["by_id"]) == {open_case.pk}
    assert set(points(client, f"?text={closed.number}")["by_id"]) == {closed.pk}


def test_cases_without_a_location_are_left_off(world: World) -> None:
    located = submit(world, grid=0)
    Case.objects.filter(pk=submit(world, grid=0).pk).update(lat=None, lng=None)
    assert set(points(login(world, "street"))["by_id"]) == {located.pk}


# --- content, cap and cost ----------------------------------------------------------------------


def test_points_carry_number_title_state_and_wgs84_coordinates(world: World) -> None:
    case = submit(world, grid=0, title="井盖缺失")
    data = points(login(world, "street"))
    assert data["fields"] == ["id", "number", "title", "state", "lat", "lng"]
    assert data["system"] == "wgs84"
    row = data["by_id"][case.pk]
    assert row["number"] == case.number
    assert row["title"] == "井盖缺失"
    assert row["state"] == "submitted"
    assert (row["lat"], row["lng"]) == (round(case.lat, 6), round(case.lng, 6))  # type: ignore[arg-type]
    assert data["capped"] is False


def test_points_and_grids_are_converted_to_gcj02_when_the_tiles_need_it(
    world: World, settings: Any
) -> None:
    settings.HUYING_MAP_COORDS = "gcj02"
    case = submit(world, grid=0)
    client = login(world, "street")
    data = points(client)
    assert data["system"] == "gcj02"
    row = data["by_id"][case.pk]
    lat, lng = wgs84_to_gcj02(case.lat, case.lng)  # type: ignore[arg-type]
    assert (row["lat"], row["lng"]) == (round(lat, 6), round(lng, 6))
    assert abs(row["lat"] - case.lat) > 1e-4  # really moved (tens of metres or more)

    grids = json.loads(client.get("/cases/map/grids.json").content)
    feature = next(f for f in grids["features"] if f["id"] == world.grids[0].pk)
    w_lng, w_lat = world.grids[0].boundary["coordinates"][0][0]  # type: ignore[index]
    g_lat, g_lng = wgs84_to_gcj02(w_lat, w_lng)
    assert feature["geometry"]["coordinates"][0][0] == [round(g_lng, 6), round(g_lat, 6)]


def test_points_are_capped_at_the_most_recent(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(map_views, "POINT_LIMIT", 2)
    ids = [submit(world, grid=0).pk for _ in range(3)]
    data = points(login(world, "street"))
    assert data["capped"] is True
    assert data["limit"] == 2
    assert [row[0] for row in data["rows"]] == sorted(ids, reverse=True)[:2]


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_points_query_count_does_not_grow_with_rows(world: World) -> None:
    client = login(world, "street")
    submit(world, grid=0)
    few = _queries(client, "/cases/map/points.json")
    for i in range(15):
        submit(world, grid=i % 2)
    assert len(points(client)["rows"]) == 16
    assert _queries(client, "/cases/map/points.json") == few
    assert few <= 10


def test_grids_come_from_the_cache_and_are_redrawn_after_a_change(world: World) -> None:
    client = login(world, "hub")
    with CaptureQueriesContext(connection) as first:
        grid_names(client)
    with CaptureQueriesContext(connection) as second:
        grid_names(client)
    assert len(second) == len(first) - 1  # the polygons' query is not repeated

    OrgUnit.objects.filter(pk=world.grids[0].pk).update(name="网格1-1（新）")
    grid_index.invalidate()  # what the org services do on commit after a grid changes
    assert "网格1-1（新）" in grid_names(client)


# --- the detail page's mini-map -------------------------------------------------------------------


def test_detail_page_has_a_mini_map_for_a_located_case(world: World) -> None:
    case = submit(world, grid=0)
    page = login(world, "street").get(f"/cases/{case.pk}/").content.decode()
    assert f'data-case-map="/cases/{case.pk}/geo.json"' in page
    assert "存储坐标为 WGS-84" in page
    assert "/static/cases/case_map.js" in page
    assert "/static/vendor/leaflet/leaflet.css" in page


def test_detail_page_has_no_mini_map_without_a_location(world: World) -> None:
    case = submit(world, grid=0)
    Case.objects.filter(pk=case.pk).update(lat=None, lng=None, grid=None)
    page = login(world, "street").get(f"/cases/{case.pk}/").content.decode()
    assert "data-case-map" not in page
    assert "case_map.js" not in page


def test_case_geo_gives_the_point_and_grid_in_the_configured_system(
    world: World, settings: Any
) -> None:
    case = submit(world, grid=1)
    client = login(world, "street")
    data = client.get(f"/cases/{case.pk}/geo.json").json()
    assert data["point"] == {"lat": round(case.lat, 6), "lng": round(case.lng, 6)}  # type: ignore[arg-type]
    assert data["grid"]["properties"]["name"] == "网格1-2"
    assert data["system"]["stored"] == "WGS-84"

    settings.HUYING_MAP_COORDS = "gcj02"
    data = client.get(f"/cases/{case.pk}/geo.json").json()
    lat, lng = wgs84_to_gcj02(case.lat, case.lng)  # type: ignore[arg-type]
    assert data["point"] == {"lat": round(lat, 6), "lng": round(lng, 6)}
    assert data["system"]["code"] == "gcj02"


def test_case_geo_out_of_scope_is_404(world: World) -> None:
    theirs = submit(world, grid=2)
    assert login(world, "street").get(f"/cases/{theirs.pk}/geo.json").status_code == 404
    assert login(world, "dept_cg").get(f"/cases/{theirs.pk}/geo.json").status_code == 404
    assert login(world, "street_b").get(f"/cases/{theirs.pk}/geo.json").status_code == 200
