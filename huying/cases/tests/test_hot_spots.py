"""反复发生预警 on the case map: each warning the actor may see is one hot spot where its
cases were reported (their mean point, or the grid's centroid when they have none), with its
cases, its 系统性问题 and, for the hub, the way to open one; the JSON the map draws them from
keeps the list's scope and does not grow in queries with the warnings."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from huying.cases import map_views, recurrence, services
from huying.cases.models import Case
from huying.cases.recurrence import hot_spots
from huying.conftest import World
from huying.core.errors import NotFound
from huying.core.geo import wgs84_to_gcj02

from .test_recurrence import T0, UNTIL, _rule, report  # noqa: F401 (_rule: an autouse fixture)

# The warnings' rule (3 in 30 days, 100 m) and the reports, as the warnings' own tests have them.


def spots(world: World, who: str = "hub", until: datetime = UNTIL) -> list[Any]:
    return hot_spots(world.actor(who), until=until)


def unlocated(*cases: Case) -> None:
    """As if entered without a location (a phone call placed by its grid only)."""
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(lat=None, lng=None)


# --- the domain ----------------------------------------------------------------------------------


def test_n_cases_make_a_spot_at_their_mean_point_n_minus_one_none(world: World) -> None:
    lat, lng = world.point_in(0)
    a = report(world, T0, point=(lat, lng))
    b = report(world, T0 + timedelta(days=2), point=(lat + 0.002, lng))
    assert spots(world) == []
    c = report(world, T0 + timedelta(days=9), point=(lat + 0.001, lng + 0.003))
    [spot] = spots(world)
    w = spot.warning
    assert (w.item_name, w.grid_name, w.count) == ("路灯不亮", "网格1-1", 3)
    assert w.grid_id == world.grids[0].pk
    assert [x.number for x in w.cases] == [a.number, b.number, c.number]
    assert (spot.lat, spot.lng) == pytest.approx((lat + 0.001, lng + 0.001))
    assert not spot.from_grid
    assert (spot.since, spot.until, spot.days) == (UNTIL - timedelta(days=30), UNTIL, 30)
    assert w.systemic == []


def test_without_points_the_centre_is_the_grids_centroid(world: World) -> None:
    cases = [report(world, T0 + timedelta(days=d), grid=1) for d in range(3)]
    unlocated(*cases)
    [spot] = spots(world)
    assert spot.from_grid
    assert (spot.lat, spot.lng) == pytest.approx((30.605, 104.015))  # grid 1: a 0.01° square
    # One case with a point is where they are, rather than the grid's middle.
    Case.objects.filter(pk=cases[0].pk).update(lat=30.601, lng=104.012)
    [spot] = spots(world)
    assert (spot.lat, spot.lng, spot.from_grid) == (30.601, 104.012, False)


def test_a_spot_across_a_grid_border_is_placed_at_its_cases(world: World) -> None:
    for day, lng in enumerate([104.0095, 104.0099, 104.0102]):
        report(world, T0 + timedelta(days=day), point=(30.605, lng))
    [spot] = spots(world)
    assert spot.warning.nearby and spot.warning.count == 3
    assert (spot.lat, spot.lng) == pytest.approx((30.605, (104.0095 + 104.0099 + 104.0102) / 3))


def test_a_street_never_sees_another_streets_spots(world: World) -> None:
    for day in range(3):
        report(world, T0 + timedelta(days=day))
        report(world, T0 + timedelta(days=day), grid=2, who="grid_worker_b")
    assert [s.warning.grid_name for s in spots(world, "street")] == ["网格1-1"]
    assert [s.warning.grid_name for s in spots(world, "street_b")] == ["网格2-1"]
    assert sorted(s.warning.grid_name for s in spots(world, "hub")) == ["网格1-1", "网格2-1"]
    assert len(spots(world, "leader")) == 2


@pytest.mark.parametrize("who", ["resident", "dept_cg", "grid_worker", "community"])
def test_roles_without_warnings_have_no_spots(world: World, who: str) -> None:
    for day in range(3):
        report(world, T0 + timedelta(days=day))
    with pytest.raises(NotFound):
        spots(world, who)


def test_the_hub_may_open_a_systemic_case_until_one_is_opened(world: World) -> None:
    cases = [report(world, T0 + timedelta(days=d)) for d in range(3)]
    [spot] = spots(world)
    assert spot.may_open
    assert not spots(world, "street")[0].may_open  # the hub's alone
    parent = services.case_open_systemic(
        actor=world.actor("hub"),
        case_ids=[c.pk for c in cases],
        title="路灯反复损坏",
        reason="线路老化",
        now=T0 + timedelta(days=3),
    )
    [spot] = spots(world)  # the parent is no spot of its own
    assert spot.warning.systemic == [(parent.pk, parent.number)]
    assert not spot.may_open


def test_the_spots_cost_the_same_queries_however_many(
    world: World, django_assert_max_num_queries: Any
) -> None:
    """The warnings' own queries (the worker's snapshot looked for, grids, spots across
    borders, their cases) and one for the centroids of the grids whose warnings have no
    point."""
    for day in range(3):
        report(world, T0 + timedelta(days=day))
    with django_assert_max_num_queries(6):
        assert len(spots(world)) == 1
    more = []
    for day in range(4):
        for grid in (1, 2, 3):
            for level in (1, 2, 3):
                more.append(report(world, T0 + timedelta(days=day), grid=grid, level=level))
    unlocated(*[c for c in more if c.grid_id == world.grids[3].pk])
    with django_assert_max_num_queries(6):
        found = spots(world)
    assert len(found) == 10
    assert sum(s.from_grid for s in found) == 3


# --- GET /cases/map/warnings.json ----------------------------------------------------------------


def login(world: World, who: str) -> Client:
    return world.client(who)


def features(client: Client) -> list[dict[str, Any]]:
    response = client.get("/cases/map/warnings.json")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/geo+json")
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection"
    assert body["rule"] == {"count": 3, "days": 30, "metres": 100}
    result: list[dict[str, Any]] = body["features"]
    return result


def recent(world: World, *, grid: int = 0, who: str = "resident", n: int = 3) -> list[Case]:
    """``n`` reports in the last days: the map counts up to the end of today."""
    now = timezone.now()
    return [report(world, now - timedelta(days=d + 1), grid=grid, who=who) for d in range(n)]


def test_the_json_gives_each_warning_as_a_point_with_its_cases(world: World) -> None:
    cases = recent(world)
    [feature] = features(login(world, "hub"))
    lat, lng = world.point_in(0)
    assert feature["geometry"] == {"type": "Point", "coordinates": [lng, lat]}
    p = feature["properties"]
    assert (p["item"]["name"], p["grid"]["name"], p["place"]) == ("路灯不亮", "网格1-1", "网格1-1")
    assert (p["count"], p["days"], p["centre"]) == (3, 30, "cases")
    assert [c["number"] for c in p["cases"]] == [c.number for c in reversed(cases)]
    assert p["cases"][0]["url"] == f"/cases/{cases[-1].pk}/"
    today = timezone.localdate().isoformat()
    key = feature["id"]
    assert p["list_url"] == f"/cases/warnings/?end={today}#{key}"
    assert p["open_url"] == f"/cases/warnings/?end={today}&open={key}#{key}"
    # The list it links to shows that warning, its 发起系统性问题 form open.
    page = login(world, "hub").get(p["open_url"].split("#")[0]).content.decode()
    assert f'id="{key}"' in page
    assert "<details open>" in page


def test_the_json_keeps_the_lists_scope(world: World) -> None:
    recent(world)
    recent(world, grid=2, who="grid_worker_b")
    [mine] = features(login(world, "street"))
    assert mine["properties"]["grid"]["name"] == "网格1-1"
    assert mine["properties"]["open_url"] is None  # a street does not open systemic cases
    assert [f["properties"]["grid"]["name"] for f in features(login(world, "street_b"))] == [
        "网格2-1"
    ]
    assert len(features(login(world, "hub"))) == 2


@pytest.mark.parametrize("who", ["resident", "dept_cg", "grid_worker", "community"])
def test_roles_without_warnings_are_refused(world: World, who: str) -> None:
    recent(world)
    assert login(world, who).get("/cases/map/warnings.json").status_code == 404


def test_the_json_needs_a_login(world: World) -> None:
    response = Client().get("/cases/map/warnings.json")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_json_is_in_the_tiles_system(world: World, settings: Any) -> None:
    settings.HUYING_MAP_COORDS = "gcj02"
    recent(world)
    [feature] = features(login(world, "hub"))
    lat, lng = wgs84_to_gcj02(*world.point_in(0))
    assert feature["geometry"]["coordinates"] == [round(lng, 6), round(lat, 6)]


def test_the_json_queries_do_not_grow_with_the_warnings(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = login(world, "hub")
    recent(world)
    client.get("/cases/map/warnings.json")  # the session, once
    with django_assert_max_num_queries(8) as first:
        assert len(features(client)) == 1
    for grid in (1, 2, 3):
        recent(world, grid=grid, n=4)
    with django_assert_max_num_queries(len(first)):
        assert len(features(client)) == 4


# --- the ways to the map ---------------------------------------------------------------------------


def test_the_map_offers_the_layer_to_who_sees_warnings(world: World) -> None:
    def config(who: str) -> dict[str, Any]:
        page = login(world, who).get("/cases/map/").content.decode()
        result: dict[str, Any] = json.loads(
            page.split('id="map-config" type="application/json">')[1].split("<")[0]
        )
        return result

    assert config("hub")["warnings"] == "/cases/map/warnings.json"
    assert config("street")["warnings"] == "/cases/map/warnings.json"
    assert config("dept_cg")["warnings"] is None
    assert config("grid_worker")["warnings"] is None


def test_the_card_and_the_list_link_to_the_map(world: World) -> None:
    recent(world)
    client = login(world, "street")
    assert 'href="/cases/map/#warnings"' in client.get("/").content.decode()
    assert 'href="/cases/map/#warnings"' in client.get("/cases/warnings/").content.decode()


def test_a_city_sized_month_draws_the_busiest_spots_and_their_latest_cases(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tens of thousands of warnings, a hundred cases at one spot: the map draws the first
    ``MAP_LIMIT`` (most cases first) and says how many there are; a spot names its latest
    ``SHOWN_CASES`` cases and how many earlier ones it leaves out."""
    monkeypatch.setattr(map_views, "MAP_LIMIT", 1)
    monkeypatch.setattr(recurrence, "SHOWN_CASES", 2)
    busy = recent(world, n=4)
    recent(world, grid=1)
    body = json.loads(login(world, "hub").get("/cases/map/warnings.json").content)
    [feature] = body["features"]
    assert body["total"] == 2
    p = feature["properties"]
    assert p["count"] == 4 and p["earlier"] == 2
    assert [c["number"] for c in p["cases"]] == [busy[1].number, busy[0].number]
